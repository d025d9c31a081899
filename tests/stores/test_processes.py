"""Several processes on one SQLite file, one Redis or one PostgreSQL: one holder at a time, no
lost write, and a holder killed with SIGKILL blocks nobody beyond its lease."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.errors import StoreUnavailable
from wxcomponent.stores import SQLiteStore, Store

from . import workers

pytestmark = pytest.mark.slow

SPAWN = multiprocessing.get_context("spawn")
PROCESSES = 4
THREADS = 25
ACQUISITIONS = 25  # per process


KINDS = ["sqlite", "redis", "postgres"]


def _target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return workers.target_of(kind, tmp_path, request)


@pytest.mark.parametrize("kind", KINDS)
def test_processes_and_threads_contend_for_one_lease(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = _target(kind, tmp_path, request)
    store = workers.open_target(kind, target)
    store.get_token(workers.COUNTER_KEY)  # create the schema before the race
    start, inside, overlaps = SPAWN.Event(), SPAWN.Value("i", 0), SPAWN.Value("i", 0)
    results = SPAWN.Queue()
    procs = [
        SPAWN.Process(
            target=workers.contend,
            args=(kind, target, THREADS, ACQUISITIONS, start, inside, overlaps, results),
        )
        for _ in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    start.set()
    reports = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    try:
        errors = [e for _pid, _n, _r, errs in reports for e in errs]
        assert errors == []
        total = sum(n for _pid, n, _r, _e in reports)
        assert overlaps.value == 0, "two holders at once"
        assert sum(r for _pid, _n, r, _e in reports) == 0, "a fenced write or release failed"
        assert all(n >= ACQUISITIONS for _pid, n, _r, _e in reports)
        assert workers.read_counter(store) == total, "a write was lost"
        print(f"{kind}: {total} acquisitions by {PROCESSES} x {THREADS} threads")
    finally:
        store.close()


def _spawn_holder(kind: str, target: str, key: str, ttl: float) -> tuple[Any, int, float]:
    report = SPAWN.Queue()
    proc = SPAWN.Process(target=workers.hold_and_hang, args=(kind, target, key, ttl, report))
    proc.start()
    fence, acquired = report.get(timeout=60)
    return proc, fence, acquired


def _kill(proc: Any) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_holder_blocks_nobody_beyond_its_lease(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = _target(kind, tmp_path, request)
    ttl = 1.5
    proc, fence, acquired = _spawn_holder(kind, target, "tok", ttl)
    _kill(proc)
    store: Store = workers.open_target(kind, target)
    try:
        assert store.acquire_lease("tok", 10) is None  # the dead holder's lease still runs
        while (taken := store.acquire_lease("tok", 10)) is None:
            assert time.time() < acquired + ttl + 5, "the lease was never freed"
            time.sleep(0.02)
        assert time.time() >= acquired + ttl - 0.1
        assert taken > fence
        # everything written before the kill is intact
        ticket = store.load_ticket("wxcrashplatform01")
        assert ticket is not None and ticket.value == "ticket-before-crash"
        record = store.get_authorizer("wxcrashplatform01", "wxa1")
        assert record is not None and record.refresh_token == "rt-before-crash"
        token = store.get_token("tok")
        assert token is not None and token.value == "token-before-crash"
    finally:
        store.close()


def test_a_process_killed_inside_a_sqlite_transaction_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    store = SQLiteStore(path, busy_timeout=10)
    store.save_ticket("wxcrashplatform01", "committed-ticket", 1)
    report = SPAWN.Queue()
    proc = SPAWN.Process(target=workers.hang_in_transaction, args=(str(path), report))
    proc.start()
    assert report.get(timeout=60) == "locked"
    blocked = SQLiteStore(path, busy_timeout=0.1)
    with pytest.raises(StoreUnavailable, match="locked"):
        blocked.save_ticket("wxcrashplatform01", "while-locked", 2)
    blocked.close()
    _kill(proc)
    # the lock died with the process; the uncommitted row is gone; committed data is intact
    assert store.save_ticket("wxcrashplatform01", "after-crash", 3)
    assert store.load_ticket("wxcrashplatform01").value == "after-crash"  # type: ignore[union-attr]
    assert store.get_token("uncommitted") is None
    store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
