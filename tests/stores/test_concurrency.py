"""Many threads, many asyncio tasks: one lease, never two holders, no lost update.

The protected work is a read-modify-write of a counter kept in the store itself (a token
value): the holder reads it, pauses, and writes value + 1 with its fence. If two holders ever
overlapped, an increment would be lost and the counter would fall behind the number of
successful acquisitions; an in-test "currently inside" count catches the overlap directly.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import CachedToken, Store

from ..support.stores import BACKENDS, make_async, make_sync

KEY = "counter"
TTL = 30.0  # long: a holder always finishes within its lease here


def _counter(token: CachedToken | None) -> int:
    return 0 if token is None else int(token.value)


def _store(backend: str, tmp_path: Path, request: pytest.FixtureRequest, *, aio: bool) -> Any:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    return (make_async if aio else make_sync)(backend, tmp_path, url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_50_threads_one_lease(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store: Store = _store(backend, tmp_path, request, aio=False)
    guard = threading.Lock()
    state = {"inside": 0, "max_inside": 0, "successes": 0, "rejected": 0}
    errors: list[BaseException] = []
    done = [False] * 50
    deadline = time.monotonic() + 20.0
    start = threading.Barrier(50)

    def worker(index: int) -> None:
        rng = random.Random(index)
        try:
            start.wait()
            while not done[index] and time.monotonic() < deadline:
                fence = store.acquire_lease(KEY, TTL)
                if fence is None:
                    time.sleep(rng.uniform(0.0005, 0.003))
                    continue
                with guard:
                    state["inside"] += 1
                    state["max_inside"] = max(state["max_inside"], state["inside"])
                value = _counter(store.get_token(KEY))
                time.sleep(0.001)
                landed = store.set_token(
                    KEY, CachedToken(str(value + 1), time.time() + 3600), fence=fence
                )
                with guard:
                    state["inside"] -= 1
                released = store.release_lease(KEY, fence)
                with guard:
                    state["successes"] += 1
                    state["rejected"] += (not landed) + (not released)
                done[index] = True
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert state["max_inside"] == 1
        assert state["rejected"] == 0
        assert all(done), "some thread never got the lease"
        assert state["successes"] == 50
        assert _counter(store.get_token(KEY)) == 50
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_500_tasks_one_lease(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _store(backend, tmp_path, request, aio=True)
    state = {"inside": 0, "max_inside": 0, "successes": 0, "rejected": 0}
    wanted = 25  # acquisitions, each by another of the 500 tasks, then they all stop

    async def task(index: int) -> None:
        rng = random.Random(index)
        while state["successes"] < wanted:
            fence = await store.acquire_lease(KEY, TTL)
            if fence is None:
                await asyncio.sleep(rng.uniform(0.002, 0.02))
                continue
            state["inside"] += 1
            state["max_inside"] = max(state["max_inside"], state["inside"])
            value = _counter(await store.get_token(KEY))
            await asyncio.sleep(0.001)
            landed = await store.set_token(
                KEY, CachedToken(str(value + 1), time.time() + 3600), fence=fence
            )
            state["inside"] -= 1
            released = await store.release_lease(KEY, fence)
            state["successes"] += 1
            state["rejected"] += (not landed) + (not released)
            return

    try:
        # The timeout only turns a hang into a failure.
        await asyncio.wait_for(asyncio.gather(*(task(i) for i in range(500))), 60)
        assert state["max_inside"] == 1
        assert state["rejected"] == 0
        assert state["successes"] >= wanted, state
        assert _counter(await store.get_token(KEY)) == state["successes"]
    finally:
        await store.close()


async def test_a_waiting_sqlite_call_does_not_block_the_event_loop(tmp_path: Path) -> None:
    # Another connection holds the write lock; the store's write waits for it on a worker
    # thread while the event loop goes on serving other calls.
    path = tmp_path / "store.sqlite3"  # the file make_async uses
    store = make_async("sqlite", tmp_path)
    assert await store.save_ticket("wxcomponent0000001", "ticket", 1)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        write = asyncio.create_task(store.save_ticket("wxcomponent0000001", "ticket-2", 2))
        for _ in range(5):
            await asyncio.sleep(0)  # the write starts and hands control back
        # A write waiting on the loop's thread would only hand control back once finished
        # (failed, after the busy timeout): this one is still waiting, and reads go on.
        assert not write.done()
        for _ in range(10):
            ticket = await store.load_ticket("wxcomponent0000001")
            assert ticket is not None and ticket.value == "ticket"
        assert not write.done()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert await asyncio.wait_for(write, 30) is True
    await store.close()
