"""Processes that die or stop at the worst moment, on every store several processes share
(SQLite, Redis, PostgreSQL):

* a process killed with SIGKILL while it rotates refresh tokens leaves the last one it
  committed (or the one in flight), never a torn or missing record;
* a process killed inside an open PostgreSQL transaction leaves nothing of it, and its locks
  go with it;
* a lease holder paused with SIGSTOP past its lease, while another process takes the lease
  and writes: when it resumes, its late write and its release are refused by its fence.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from wxcomponent.stores import CachedToken, PostgresStore, RedisStore

from ..support.waiting import wait_for
from . import crash_workers as cw
from .workers import open_target, target_of, with_clock

pytestmark = pytest.mark.slow

SPAWN = multiprocessing.get_context("spawn")
KINDS = ["sqlite", "redis", "postgres"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rotation_killed_at_any_moment_leaves_a_whole_record(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    cw.seed(kind, target)
    committed = SPAWN.Value("q", 0)
    proc = SPAWN.Process(target=cw.rotate_forever, args=(kind, target, committed))
    proc.start()
    wait_for(lambda: committed.value >= 30, "the writer never got going", timeout=60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL
    last = committed.value
    store = open_target(kind, target)
    try:
        record = store.get_authorizer(cw.C1, cw.A1)
        assert record is not None
        assert record.refresh_token in (f"rt-{last}", f"rt-{last + 1}")
        assert (record.status, record.func_info, record.tenant) == ("authorized", (1, 15), "cust")
        assert store.replace_refresh_token(cw.C1, cw.A1, record.refresh_token, "rt-after")
    finally:
        store.close()


def test_a_process_killed_inside_a_postgres_transaction_leaves_no_trace(
    postgres_dsn: str, pg_schema: str
) -> None:
    target = f"{postgres_dsn} {pg_schema}"
    cw.seed("postgres", target)
    report = SPAWN.Queue()
    proc = SPAWN.Process(target=cw.hang_in_postgres_transaction,
                         args=(postgres_dsn, pg_schema, report))
    proc.start()
    assert report.get(timeout=60) == "locked"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        # the row lock died with the process: this write goes through
        assert store.replace_refresh_token(cw.C1, cw.A1, "rt-0", "rt-after-the-crash")
        record = store.get_authorizer(cw.C1, cw.A1)
        assert record is not None and record.refresh_token == "rt-after-the-crash"
    finally:
        store.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_holder_paused_past_its_lease_cannot_write_when_it_resumes(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    key = "wxcrashplatform01:component_access_token"
    report, go = SPAWN.Queue(), SPAWN.Event()
    proc = SPAWN.Process(target=cw.hold_then_write_late, args=(kind, target, key, report, go))
    proc.start()
    paused_fence = report.get(timeout=60)
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        # the lease runs out while the holder is stopped: by the store's clock, and on Redis
        # by the server's clock (the lease key is made to expire now)
        later = with_clock(kind, target, lambda: time.time() + 31)
        if isinstance(later, RedisStore):
            lease_key = later._ops.lease_key(key)
            assert later.client.pexpire(lease_key, 1)
            wait_for(lambda: not later.client.exists(lease_key), "Redis kept the lease", timeout=60)
        fence = later.acquire_lease(key, 30)
        assert fence is not None and fence > paused_fence
        fresh = CachedToken("token-of-the-new-holder", time.time() + 3600)
        assert later.set_token(key, fresh, fence=fence)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    go.set()  # (an Event cannot be set while its waiter is stopped: set() waits for it)
    wrote, released = report.get(timeout=60)
    proc.join(timeout=30)
    try:
        assert (wrote, released) == (False, False)
        token = later.get_token(key)
        assert token is not None and token.value == "token-of-the-new-holder"
        assert later.acquire_lease(key, 30) is None  # the new holder still holds it
        assert later.release_lease(key, fence)
    finally:
        later.close()
