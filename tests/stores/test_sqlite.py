"""SQLite specifics: schema versioning, refusal of foreign or corrupted files, clock, locking."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from wxcomponent.errors import InvalidArgument, StoreCorrupt, StoreError, StoreUnavailable
from wxcomponent.stores import (
    AsyncSQLiteStore,
    AuthorizerRecord,
    CachedToken,
    MemoryStore,
    SQLiteStore,
)
from wxcomponent.stores.sqlite import PURGE_BATCH, PURGE_EVERY, SCHEMA_VERSION

C1 = "wxcomponent0000001"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_schema_is_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "wx.sqlite3"
    store = SQLiteStore(path)
    assert not path.exists()
    assert store.load_ticket(C1) is None
    assert path.exists()
    store.close()
    conn = sqlite3.connect(path)
    try:
        versions = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"tickets", "authorizers", "tokens", "leases", "schema_version"} <= tables
    finally:
        conn.close()


def test_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "wx.sqlite3"
    first = SQLiteStore(path)
    first.save_ticket(C1, "ticket-value", 5)
    first.close()
    second = SQLiteStore(str(path))
    assert second.load_ticket(C1).value == "ticket-value"  # type: ignore[union-attr]
    assert second.count_authorizers(C1) == 0
    second.close()


def test_random_bytes_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    original = os.urandom(8192)
    path.write_bytes(original)
    store = SQLiteStore(path)
    with pytest.raises(StoreCorrupt, match=r"garbage\.sqlite3") as caught:
        store.get_token("k")
    assert str(path) in str(caught.value)
    assert path.read_bytes() == original  # untouched


async def test_random_bytes_are_refused_by_the_async_store(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(os.urandom(4096))
    store = AsyncSQLiteStore(path)
    try:
        with pytest.raises(StoreCorrupt, match=r"garbage\.sqlite3"):
            await store.load_ticket(C1)
    finally:
        await store.close()


def test_a_foreign_sqlite_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "someone-else.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupt) as caught:
        SQLiteStore(path).save_ticket(C1, "ticket", 1)
    assert str(path) in str(caught.value)
    assert "users" in str(caught.value)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"users"}  # nothing of ours was added


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    store = SQLiteStore(path)
    store.save_ticket(C1, "ticket", 1)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", (99,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupt) as caught:
        SQLiteStore(path).load_ticket(C1)
    message = str(caught.value)
    assert str(path) in message
    assert "99" in message
    assert f"version {SCHEMA_VERSION}" in message


def test_a_tampered_file_gives_store_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "tampered.sqlite3"
    store = SQLiteStore(path)
    store.load_ticket(C1)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE tokens")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupt, match=r"tampered\.sqlite3"):
        SQLiteStore(path).get_token("k")


def test_a_missing_directory_gives_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "no-such-dir" / "wx.sqlite3"
    with pytest.raises(StoreUnavailable, match="no-such-dir"):
        SQLiteStore(path).load_ticket(C1)


def test_a_long_write_lock_gives_store_unavailable_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    store = SQLiteStore(path, busy_timeout=0.2)
    store.save_ticket(C1, "ticket", 1)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable, match=r"busy\.sqlite3"):
            store.save_ticket(C1, "ticket-2", 2)
        assert store.load_ticket(C1).value == "ticket"  # type: ignore[union-attr]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.save_ticket(C1, "ticket-2", 2)
    store.close()


def test_bad_paths_are_refused() -> None:
    for bad in ("", ":memory:", 5, None):
        with pytest.raises(InvalidArgument) as caught:
            SQLiteStore(bad)  # type: ignore[arg-type]
        assert caught.value.argument == "path"
    with pytest.raises(InvalidArgument) as timeout:
        SQLiteStore("x.sqlite3", busy_timeout=-1)
    assert timeout.value.argument == "busy_timeout"


def test_a_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "wx.sqlite3")
    store.load_ticket(C1)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.load_ticket(C1)


@pytest.mark.parametrize("make", [MemoryStore, SQLiteStore], ids=["memory", "sqlite"])
def test_expiry_follows_the_injected_clock(tmp_path: Path, make: type) -> None:
    clock = FakeClock()
    store = make(clock=clock) if make is MemoryStore else make(tmp_path / "c.db", clock=clock)
    store.set_token("k", CachedToken("value-1", expires_at=clock.now + 100))
    clock.now += 99.9
    assert store.get_token("k") is not None
    clock.now += 0.1
    assert store.get_token("k") is None

    fence = store.acquire_lease("lease", 30)
    clock.now += 29
    assert store.acquire_lease("lease", 30) is None
    assert store.set_token("lease", CachedToken("v", clock.now + 60), fence=fence)
    clock.now += 1
    assert store.set_token("lease", CachedToken("v2", clock.now + 60), fence=fence) is False
    second = store.acquire_lease("lease", 30)
    assert second == fence + 1

    store.save_ticket(C1, "ticket", 1)
    assert store.load_ticket(C1).received_at == clock.now
    from wxcomponent.stores import AuthorizerRecord

    store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-1"))
    clock.now += 5
    assert store.replace_refresh_token(C1, "wxa1", "rt-1", "rt-2")
    assert store.get_authorizer(C1, "wxa1").updated_at == clock.now
    clock.now += 5
    assert store.mark_revoked(C1, "wxa1")
    revoked = store.get_authorizer(C1, "wxa1")
    assert revoked.revoked_at == clock.now == revoked.updated_at
    store.close()


async def test_aio_view_shares_the_file_and_leaves_it_open(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "wx.sqlite3")
    view = store.aio
    assert view.sync is store
    assert await view.save_ticket(C1, "from-async", 3)
    assert store.load_ticket(C1).value == "from-async"  # type: ignore[union-attr]
    await view.close()
    assert store.load_ticket(C1) is not None  # still open
    store.close()


async def test_memory_aio_view_shares_the_dicts() -> None:
    store = MemoryStore()
    view = store.aio
    await view.save_ticket(C1, "shared", 1)
    assert store.load_ticket(C1).value == "shared"  # type: ignore[union-attr]
    assert view.sync is store


async def test_async_store_never_blocks_the_loop_on_a_held_write_lock(tmp_path: Path) -> None:
    """Calls run inline when nothing holds the lock, and move to a worker thread when another
    connection (here: another process's stand-in) holds the write lock."""
    path = tmp_path / "held.sqlite3"
    store = AsyncSQLiteStore(path)
    assert await store.save_ticket("wx1234567890abcdef", "t1", 1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock
    try:
        write = asyncio.ensure_future(store.save_ticket("wx1234567890abcdef", "t2", 2))
        for _ in range(5):
            await asyncio.sleep(0)  # the write starts, and hands control back to the loop
        # Had the write waited for the lock on the loop's thread, it would only give control
        # back once finished (failed, after the busy timeout). It is still waiting, elsewhere,
        # and the loop goes on serving calls meanwhile.
        assert not write.done()
        ticket = await store.load_ticket("wx1234567890abcdef")
        assert ticket is not None and ticket.value == "t1"
        assert not write.done()
    finally:
        other.execute("COMMIT")
        other.close()
    assert await asyncio.wait_for(write, 30)
    ticket = await store.load_ticket("wx1234567890abcdef")
    assert ticket is not None and ticket.value == "t2"
    await store.close()


class ThreadClock:
    """A real clock that remembers the thread of each reading. SQLiteStore reads its clock
    inside every write transaction, so the threads show where the commits ran."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self) -> float:
        self.threads.append(threading.get_ident())
        return time.time()

    def take(self) -> set[int]:
        threads, self.threads = set(self.threads), []
        return threads


async def test_async_store_makes_full_commits_on_a_worker_thread(tmp_path: Path) -> None:
    """Writes that fsync (synchronous=FULL) never run on the event loop's thread; the others
    run inline when nothing else holds the lock."""
    path = tmp_path / "wx.sqlite3"
    clock = ThreadClock()
    store = AsyncSQLiteStore(path, clock=clock)
    loop_thread = threading.get_ident()

    assert await store.save_ticket(C1, "ticket", 1)  # the first call creates the schema
    first = clock.take()
    assert first and loop_thread not in first

    full = {
        "save_authorizer": lambda: store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-1")),
        "replace_refresh_token": lambda: store.replace_refresh_token(C1, "wxa1", "rt-1", "rt-2"),
        "mark_revoked": lambda: store.mark_revoked(C1, "wxa1"),
    }
    for name, call in full.items():
        await call()
        threads = clock.take()
        assert threads, name
        assert loop_thread not in threads, f"{name} committed on the event loop's thread"

    normal = {
        "save_ticket": lambda: store.save_ticket(C1, "ticket-2", 2),
        "set_token": lambda: store.set_token("k", CachedToken("v", time.time() + 60)),
        "acquire_lease": lambda: store.acquire_lease("lease", 30),
        "release_lease": lambda: store.release_lease("lease", 1),
        "delete_token": lambda: store.delete_token("k"),
    }
    for name, call in normal.items():
        assert await call(), name
        assert clock.take() == {loop_thread}, f"{name} did not run inline"
    await store.close()

    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT refresh_token, status FROM authorizers WHERE authorizer_appid = 'wxa1'"
        ).fetchone()
        assert row == ("rt-2", "revoked")
        assert conn.execute("SELECT value FROM tickets").fetchall() == [("ticket-2",)]
    finally:
        conn.close()


async def test_async_store_purges_inline_a_bounded_batch(tmp_path: Path) -> None:
    """A purge is a small batch made by the write that comes due, on the event loop like the
    writes around it: none of them hops to a worker thread, and a backlog of expired rows
    shrinks by a batch per purge."""
    path = tmp_path / "wx.sqlite3"
    clock = ThreadClock()
    store = AsyncSQLiteStore(path, clock=clock)
    loop_thread = threading.get_ident()
    await store.save_ticket(C1, "ticket", 1)  # the first call creates the schema
    clock.take()
    gone = CachedToken("expired", time.time() - 60)
    for i in range(PURGE_EVERY - 1):
        assert await store.set_token(f"{C1}:expired:{i}", gone)
    assert await store.set_token(f"{C1}:live", CachedToken("live", time.time() + 60))
    assert await store.acquire_lease(f"{C1}:lease", 30) is not None
    assert clock.take() == {loop_thread}, "a write left the event loop's thread"
    await store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT key FROM tokens").fetchall() == [(f"{C1}:live",)]
    finally:
        conn.close()
    assert PURGE_BATCH > PURGE_EVERY  # more go per purge than come between two
