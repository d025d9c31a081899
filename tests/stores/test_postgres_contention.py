"""The PostgreSQL store under contention in one process: threads and asyncio tasks racing for
one lease, for jobs, and against the purge."""

from __future__ import annotations

import asyncio
import threading
import time

from wxcomponent.stores import AsyncPostgresStore, CachedToken, PostgresStore

from ..support.stores import StoreTime
from ..support.waiting import AsyncReleases, Releases
from .purging import contend_with_purges


def test_fifty_threads_one_lease(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema, max_size=20)
    guard = threading.Lock()
    inside = [0]
    overlaps = [0]
    wins = [0]
    start = threading.Barrier(50)
    deadline = time.monotonic() + 60
    releases = Releases()

    def worker() -> None:
        start.wait()
        mine = 0
        while mine < 3 and time.monotonic() < deadline:
            seen = releases.count
            fence = store.acquire_lease("counter", 30)
            if fence is None:
                releases.wait_after(seen)  # until the holder lets go
                continue
            with guard:
                inside[0] += 1
                overlaps[0] += inside[0] > 1
            token = store.get_token("counter")
            value = 0 if token is None else int(token.value)
            assert store.set_token("counter", CachedToken(str(value + 1), time.time() + 60),
                                   fence=fence)
            with guard:
                inside[0] -= 1
                wins[0] += 1
            assert store.release_lease("counter", fence)
            releases.released()
            mine += 1

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert overlaps[0] == 0
        assert wins[0] == 150
        assert int(store.get_token("counter").value) == 150  # type: ignore[union-attr]
    finally:
        store.close()


def test_purges_racing_grants_never_take_a_held_lease_on_postgres(
    postgres_dsn: str, pg_schema: str, store_time: StoreTime
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema, clock=store_time, max_size=20)
    try:
        contend_with_purges(store, store_time)  # checks each key's fences grow
    finally:
        store.close()


def test_many_threads_never_share_a_job_on_postgres(postgres_dsn: str, pg_schema: str) -> None:
    from . import queue_workers as qw

    store = PostgresStore(postgres_dsn, schema=pg_schema, max_size=20)
    try:
        previous = qw.fill(store, groups=20, per_group=8)
        claimed: dict[int, int] = {}
        problems = qw.drain(store, previous, 16, claimed=claimed, inside={},
                            guard=threading.Lock(), deadline=time.monotonic() + 90)
        assert problems == []
        assert claimed == dict.fromkeys(previous, 1)
    finally:
        store.close()


async def test_many_tasks_one_lease_on_postgres(postgres_dsn: str, pg_schema: str) -> None:
    store = AsyncPostgresStore(postgres_dsn, schema=pg_schema, max_size=10)
    inside = 0
    overlaps = 0
    wins = 0
    releases = AsyncReleases()

    async def worker() -> None:
        nonlocal inside, overlaps, wins
        mine = 0
        while mine < 2:
            seen = releases.count
            fence = await store.acquire_lease("counter", 30)
            if fence is None:
                await releases.wait_after(seen)  # until the holder lets go
                continue
            inside += 1
            overlaps += inside > 1
            token = await store.get_token("counter")
            value = 0 if token is None else int(token.value)
            await store.set_token("counter", CachedToken(str(value + 1), time.time() + 60),
                                  fence=fence)
            inside -= 1
            wins += 1
            assert await store.release_lease("counter", fence)
            await releases.released()
            mine += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(40))), 120)
        assert overlaps == 0 and wins == 80
        assert int((await store.get_token("counter")).value) == 80  # type: ignore[union-attr]
    finally:
        await store.close()
