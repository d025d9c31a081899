"""Worker functions for the multi-process store tests (run in spawned processes)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from typing import Any

from wxcomponent.stores import (
    AuthorizerRecord,
    CachedToken,
    PostgresStore,
    RedisStore,
    SQLiteStore,
    Store,
)

COUNTER_KEY = "counter"
LEASE_TTL = 30.0


def open_target(kind: str, target: str) -> Store:
    """The store named by ``kind`` ("sqlite", "redis" or "postgres") and ``target`` (a path,
    a URL, or for PostgreSQL "URL schema")."""
    if kind == "sqlite":
        return SQLiteStore(target)
    if kind == "postgres":
        dsn, schema = target.rsplit(" ", 1)
        return PostgresStore(dsn, schema=schema, max_size=40)
    return RedisStore(target, prefix="mp")


def target_of(kind: str, tmp_path: Any, request: Any) -> str:
    """Where the processes of a test meet (see :func:`open_target`), from its fixtures."""
    if kind == "sqlite":
        return str(tmp_path / "shared.sqlite3")
    if kind == "postgres":
        return f"{request.getfixturevalue('postgres_dsn')} {request.getfixturevalue('pg_schema')}"
    url: str = request.getfixturevalue("redis_url")
    return url


def with_clock(kind: str, target: str, clock: Any) -> Store:
    """The store of :func:`open_target`, reading ``clock``."""
    if kind == "sqlite":
        return SQLiteStore(target, clock=clock)
    if kind == "postgres":
        dsn, schema = target.rsplit(" ", 1)
        return PostgresStore(dsn, schema=schema, clock=clock)
    return RedisStore(target, prefix="mp", clock=clock)


def read_counter(store: Store) -> int:
    """The counter kept as a token value (0 when absent)."""
    token = store.get_token(COUNTER_KEY)
    return 0 if token is None else int(token.value)


def critical_section(store: Store, fence: int, inside: Any, overlaps: Any) -> bool:
    """What a lease holder does: check it is alone, then counter += 1 under its fence."""
    with inside.get_lock():
        inside.value += 1
        if inside.value > 1:
            with overlaps.get_lock():
                overlaps.value += 1
    try:
        value = read_counter(store)
        time.sleep(0.002)
        token = CachedToken(str(value + 1), expires_at=time.time() + 3600)
        return store.set_token(COUNTER_KEY, token, fence=fence)
    finally:
        with inside.get_lock():
            inside.value -= 1


def contend(
    kind: str,
    target: str,
    threads: int,
    wanted: int,
    start: Any,
    inside: Any,
    overlaps: Any,
    results: Any,
) -> None:
    """``threads`` threads contend for one lease until they took it ``wanted`` times in all;
    report to ``results``. A generous deadline only turns starvation into a failure."""
    store = open_target(kind, target)
    successes = 0
    rejected = 0
    errors: list[str] = []
    lock = threading.Lock()
    start.wait()
    deadline = time.monotonic() + 60

    def run() -> None:
        nonlocal successes, rejected
        rng = random.Random()
        try:
            while successes < wanted:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{successes} of {wanted} acquisitions in 60 s")
                fence = store.acquire_lease(COUNTER_KEY, LEASE_TTL)
                if fence is None:
                    time.sleep(rng.uniform(0.001, 0.01))
                    continue
                landed = critical_section(store, fence, inside, overlaps)
                released = store.release_lease(COUNTER_KEY, fence)
                with lock:
                    successes += 1
                    rejected += (not landed) + (not released)
                time.sleep(rng.uniform(0.001, 0.005))
        except Exception as exc:
            with lock:
                errors.append(repr(exc))

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    store.close()
    results.put((os.getpid(), successes, rejected, errors))


def hold_and_hang(kind: str, target: str, key: str, ttl: float, report: Any) -> None:
    """Write durable data and a fenced token under a lease, report, then hang until killed."""
    store = open_target(kind, target)
    fence = store.acquire_lease(key, ttl)
    assert fence is not None
    acquired = time.time()
    store.save_ticket("wxcrashplatform01", "ticket-before-crash", 100)
    store.save_authorizer(
        AuthorizerRecord("wxcrashplatform01", "wxa1", "rt-before-crash", updated_at=acquired)
    )
    assert store.set_token(key, CachedToken("token-before-crash", acquired + 3600), fence=fence)
    report.put((fence, acquired))
    signal.pause() if hasattr(signal, "pause") else time.sleep(3600)


def hang_in_transaction(path: str, report: Any) -> None:
    """Hold SQLite's write lock with an uncommitted row, report, then hang until killed."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT OR REPLACE INTO tokens (key, value, expires_at, obtained_at) VALUES (?, ?, ?, ?)",
        ("uncommitted", "never-committed", time.time() + 3600, 0.0),
    )
    report.put("locked")
    time.sleep(3600)
