"""Workers of the crash tests (run in spawned processes): a refresh-token writer killed at an
arbitrary moment, a writer killed inside an open PostgreSQL transaction, and a lease holder
paused (SIGSTOP) past its lease."""

from __future__ import annotations

import signal
import time
from typing import Any

from wxcomponent.stores import AuthorizerRecord, CachedToken

from .workers import open_target

C1 = "wxcrashplatform01"
A1 = "wxcrashauthorizer1"


def rotate_forever(kind: str, target: str, committed: Any) -> None:
    """Rotate the refresh token as fast as possible; ``committed`` is the last number whose
    write returned."""
    store = open_target(kind, target)
    number = committed.value
    while True:
        number += 1
        assert store.replace_refresh_token(C1, A1, None, f"rt-{number}")
        committed.value = number


def hang_in_postgres_transaction(dsn: str, schema: str, report: Any) -> None:
    """Change the refresh token inside a transaction that never commits, then hang."""
    import psycopg

    conn = psycopg.connect(dsn)
    conn.execute(f'SET search_path TO "{schema}"')
    conn.execute("UPDATE authorizers SET refresh_token = 'rt-never-committed' "
                 "WHERE component_appid = %s AND authorizer_appid = %s", (C1, A1))
    report.put("locked")
    signal.pause()


def hold_then_write_late(kind: str, target: str, key: str, report: Any, go: Any) -> None:
    """Take the lease on ``key``, report its fence, wait for ``go`` (the test pauses this
    process meanwhile), then try to write a token and release the lease with that fence."""
    store = open_target(kind, target)
    fence = store.acquire_lease(key, 30.0)
    assert fence is not None
    report.put(fence)
    go.wait()
    late = CachedToken("late-write-of-the-paused-holder", time.time() + 3600)
    wrote = store.set_token(key, late, fence=fence)
    released = store.release_lease(key, fence)
    report.put((wrote, released))
    store.close()


def seed(kind: str, target: str) -> None:
    """The record the rotation tests work on."""
    store = open_target(kind, target)
    store.save_authorizer(AuthorizerRecord(C1, A1, "rt-0", func_info=(1, 15), tenant="cust"))
    store.close()
