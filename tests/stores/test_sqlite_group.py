"""Group commit of the asyncio SQLite store: the writes that wait for the disk, coming
together, share one transaction; each is answered once committed; one that fails leaves no
trace and the others stand."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.errors import StoreError
from wxcomponent.stores import AsyncSQLiteStore, AuthorizerRecord, SQLiteStore

from ..support.threads import together

C1 = "wx0000000000000c01"


def _recording(store: AsyncSQLiteStore) -> list[int]:
    """Record the size of every batch the store commits together."""
    sizes: list[int] = []
    run = store.sync._run_group

    def recorded(calls: list[Any]) -> list[tuple[bool, object]]:
        sizes.append(len(calls))
        return run(calls)

    store.sync._run_group = recorded  # type: ignore[method-assign]
    return sizes


async def test_writes_that_come_together_share_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "wx.sqlite3"
    store = AsyncSQLiteStore(path)
    await store.load_ticket(C1)  # the schema, first
    sizes = _recording(store)

    ids = await asyncio.gather(*(store.enqueue(C1, "deliver:crm", f"g{i % 7}", b"{}",
                                               key=f"push-{i}") for i in range(64)))
    saved = await asyncio.gather(*(store.save_authorizer(
        AuthorizerRecord(C1, f"wx{i:016x}", f"rt-{i}")) for i in range(16)))
    await store.close()

    assert len(set(ids)) == 64 and all(saved)
    assert sum(sizes) == 64 + 16  # every call went through a group...
    assert len(sizes) < 8  # ...in a few transactions, not one each
    other = SQLiteStore(path)  # another connection sees every one of them
    try:
        assert other.count_jobs(C1, topic="deliver:crm") == {"pending": 64, "done": 0, "dead": 0}
        assert all(other.get_authorizer(C1, f"wx{i:016x}") is not None for i in range(16))
    finally:
        other.close()


def test_a_call_that_fails_in_a_group_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "wx.sqlite3"
    store = SQLiteStore(path)
    store.load_ticket(C1)

    def failing() -> None:
        store.enqueue(C1, "deliver:crm", "g", b"{}", key="lost")
        raise ValueError("after its write")

    outcomes = store._run_group([
        lambda: store.enqueue(C1, "deliver:crm", "g", b"{}", key="kept-1"),
        failing,
        lambda: store.enqueue(C1, "deliver:crm", "g", b"{}", key="kept-2"),
    ])

    assert [ok for ok, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], ValueError)
    assert store.find_job(C1, "deliver:crm", "lost") is None
    assert store.find_job(C1, "deliver:crm", "kept-1") is not None
    assert store.find_job(C1, "deliver:crm", "kept-2") is not None
    raw = sqlite3.connect(path)  # committed: another connection reads both
    try:
        assert raw.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 2
    finally:
        raw.close()
    store.close()


async def test_a_failing_call_fails_alone_through_the_async_store(tmp_path: Path) -> None:
    store = AsyncSQLiteStore(tmp_path / "wx.sqlite3")
    await store.load_ticket(C1)
    bad = AuthorizerRecord(C1, "wx00000000000000b1", "rt")

    def corrupt(record: AuthorizerRecord) -> bool:
        store.sync.save_authorizer(record)
        raise StoreError("the disk said no")

    results = await asyncio.gather(
        store.enqueue(C1, "deliver:crm", "g", b"{}", key="a"),
        store._call(corrupt, bad),
        store.enqueue(C1, "deliver:crm", "g", b"{}", key="b"),
        return_exceptions=True)

    assert isinstance(results[1], StoreError)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert await store.get_authorizer(C1, bad.authorizer_appid) is None
    await store.close()


def test_event_loops_of_several_threads_each_batch_their_own(tmp_path: Path) -> None:
    store = AsyncSQLiteStore(tmp_path / "wx.sqlite3")
    asyncio.run(store.load_ticket(C1))

    def loop_of(n: int) -> None:
        async def many() -> None:
            await asyncio.gather(*(store.enqueue(C1, "deliver:crm", f"g{n}", b"{}",
                                                 key=f"{n}-{i}") for i in range(25)))
        asyncio.run(many())

    assert together(4, loop_of) == []
    assert store.sync.count_jobs(C1, topic="deliver:crm") == {"pending": 100, "done": 0, "dead": 0}
    asyncio.run(store.close())


@pytest.mark.parametrize("size", [1, 2])
async def test_close_is_never_grouped(tmp_path: Path, size: int) -> None:
    store = AsyncSQLiteStore(tmp_path / "wx.sqlite3")
    await asyncio.gather(*(store.enqueue(C1, "t", "g", b"{}") for _ in range(size)))
    await store.close()
    with pytest.raises(StoreError):
        await store.load_ticket(C1)
