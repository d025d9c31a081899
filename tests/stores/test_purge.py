"""Expired tokens and leases do not pile up in the memory and SQL stores, and purging them keeps
every promise of the leases.

Every ``PURGE_EVERY`` token or lease writes, a store deletes up to ``PURGE_BATCH`` tokens past
their expiry and as many leases past their end; fences come from one counter of the store, so a
key whose row was deleted is granted again with a larger fence and a stale holder still cannot
write. The tests count the rows left (the dicts of the memory store, the tables of the SQLite
file or the PostgreSQL schema). Redis expires its keys itself: see ``test_redis_fences``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import (
    AsyncPostgresStore,
    MemoryStore,
    PostgresStore,
    SQLiteStore,
)
from wxcomponent.stores.memory import PURGE_BATCH, PURGE_EVERY
from wxcomponent.stores.sqlite import MIGRATIONS, SCHEMA_VERSION
from wxcomponent.stores.sqlite import PURGE_BATCH as SQLITE_BATCH
from wxcomponent.stores.sqlite import PURGE_EVERY as SQLITE_EVERY

from ..support.stores import FLAVOURS, StoreTime, contract_store, make_sync
from .purging import Rows, contend_with_purges, token

C1 = "wxcomponent0000001"

# The figures the tests are built on are the same in every store.
assert PURGE_EVERY == SQLITE_EVERY == 100 and PURGE_BATCH == SQLITE_BATCH == 200


@pytest.fixture(
    params=[(b, f) for b in ("memory", "sqlite", "postgres") for f in FLAVOURS],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, store_time: StoreTime
) -> AsyncIterator[Any]:
    """A fresh store of a backend that purges (Redis expires its keys itself), in either
    flavour, reading ``store_time``: the ``store`` fixture of ``conftest`` on those backends."""
    backend, flavour = request.param
    async with contract_store(backend, flavour, request, tmp_path, store_time) as view:
        yield view


@pytest.fixture
def rows(store: Any, request: pytest.FixtureRequest) -> Rows:
    """Counts the token and lease rows of ``store``: its dicts, or its tables."""
    inner = getattr(store, "sync", store)  # the sync store under a view, or the store
    if isinstance(inner, (PostgresStore, AsyncPostgresStore)):
        return _postgres_rows(request.getfixturevalue("postgres_dsn"), inner.schema)

    async def count() -> tuple[int, int]:
        if isinstance(inner, MemoryStore):
            return len(inner._tokens), len(inner._leases)
        assert isinstance(inner, SQLiteStore)
        with contextlib.closing(sqlite3.connect(inner.path)) as conn:
            tokens = conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
            leases = conn.execute("SELECT COUNT(*) FROM leases").fetchone()[0]
        return int(tokens), int(leases)

    return count


def _postgres_rows(dsn: str, schema: str) -> Rows:
    """Counts the rows of a PostgreSQL schema's tokens and leases tables."""

    async def count() -> tuple[int, int]:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {schema}")
            tokens = conn.execute("SELECT COUNT(*) FROM tokens").fetchone()
            leases = conn.execute("SELECT COUNT(*) FROM leases").fetchone()
        assert tokens is not None and leases is not None
        return int(tokens[0]), int(leases[0])

    return count


async def lease(store: Any, key: str, ttl: float) -> int:
    fence = await store.acquire_lease(key, ttl)
    assert fence is not None, f"the lease on {key!r} was held"
    return int(fence)


async def write_tokens(store: Any, store_time: StoreTime, count: int, *, ttl: float,
                       tag: str = "filler") -> None:
    """``count`` token writes (what makes purges run), each under a key of its own."""
    for i in range(count):
        await store.set_token(f"{C1}:{tag}:{i}", token(f"value-{tag}-{i}", store_time() + ttl))


# ------------------------------------------------------------------ bounded


async def test_expired_leases_and_tokens_go_as_writes_go_on(
    store: Any, store_time: StoreTime, rows: Rows
) -> None:
    # a burst of pushes: one dedupe lease each, and a token per code exchange
    for i in range(3000):
        await lease(store, f"{C1}:push:{i:040x}", 5)
    await write_tokens(store, store_time, 300, ttl=5, tag="auth-code")
    assert await rows() == (300, 3000)  # nothing had expired: nothing went
    store_time.advance(10)
    for i in range(500):  # the next pushes purge the dead ones as they come
        await lease(store, f"{C1}:push:next:{i}", 3900)
    assert await rows() == (0, 500)
    for i in range(500):  # and the live ones were all kept
        assert await store.acquire_lease(f"{C1}:push:next:{i}", 3900) is None
    # as long as pushes arrive, the table holds what is live and at most a batch more
    for _round in range(5):
        store_time.advance(4000)
        for i in range(300):
            await lease(store, f"{C1}:push:round:{_round}:{i}", 3900)
        tokens, leases = await rows()
        assert tokens == 0 and 300 <= leases <= 300 + PURGE_EVERY


async def test_the_purge_never_deletes_a_lease_or_token_still_running(
    store: Any, store_time: StoreTime, rows: Rows
) -> None:
    start = store_time()
    short = await lease(store, f"{C1}:short", 5)
    held = {ttl: await lease(store, f"{C1}:held:{ttl}", ttl) for ttl in (8, 60, 3900)}
    await store.set_token(f"{C1}:tok:expired", token("gone-by-then", start + 5))
    await store.set_token(f"{C1}:tok:live", token("still-live", start + 8))
    await store.set_token(f"{C1}:tok:long", token("long-live", start + 7200))
    store_time.advance(7)
    await write_tokens(store, store_time, 2 * PURGE_EVERY, ttl=3600)
    assert await rows() == (2 + 2 * PURGE_EVERY, 3)  # the short lease and its token went
    for ttl, fence in held.items():  # every running lease still covers its holder's writes
        assert await store.set_token(f"{C1}:held:{ttl}", token(f"by-{ttl}", start + 9000),
                                     fence=fence)
        assert await store.acquire_lease(f"{C1}:held:{ttl}", 5) is None
    assert (await store.get_token(f"{C1}:tok:live")).value == "still-live"
    assert (await store.get_token(f"{C1}:tok:long")).value == "long-live"
    assert await store.get_token(f"{C1}:tok:expired") is None
    assert await store.set_token(f"{C1}:short", token("late", start + 9000), fence=short) is False


# ------------------------------------------------------------------ fences


async def test_fences_keep_growing_for_a_key_across_purges(
    store: Any, store_time: StoreTime, rows: Rows
) -> None:
    key = f"{C1}:component_access_token"
    fences = []
    for _round in range(4):
        fence = await lease(store, key, 30)
        fences.append(fence)
        if _round % 2:
            assert await store.release_lease(key, fence)  # a released lease goes too
        store_time.advance(31)
        await write_tokens(store, store_time, PURGE_EVERY, ttl=1, tag=f"r{_round}")
        assert (await rows())[1] == 0  # the key's row is gone, counter and all
    assert fences == sorted(set(fences)), fences


async def test_a_stale_holder_cannot_write_after_its_row_was_purged_and_the_key_granted_again(
    store: Any, store_time: StoreTime, rows: Rows
) -> None:
    key = f"{C1}:component_access_token"
    stale = await lease(store, key, 5)
    assert await store.set_token(key, token("by-the-stale-holder", store_time() + 7200),
                                 fence=stale)
    store_time.advance(6)  # the holder paused past its lease...
    await write_tokens(store, store_time, PURGE_EVERY, ttl=1)
    assert (await rows())[1] == 0  # ...and its lease row was purged
    assert await store.set_token(key, token("late-1", store_time() + 7200), fence=stale) is False
    fresh = await lease(store, key, 5)
    assert fresh > stale
    assert await store.set_token(key, token("late-2", store_time() + 7200), fence=stale) is False
    assert await store.release_lease(key, stale) is False
    assert await store.set_token(key, token("by-the-new-holder", store_time() + 7200),
                                 fence=fresh)
    assert (await store.get_token(key)).value == "by-the-new-holder"


async def test_a_keys_fences_grow_across_purges_whatever_other_keys_do(
    store: Any, store_time: StoreTime, rows: Rows
) -> None:
    granted: dict[str, list[int]] = {}
    for turn in range(4):
        for i in range(7):
            key = f"{C1}:k:{i}"
            granted.setdefault(key, []).append(await lease(store, key, 1))
        for i in range(turn * 3):  # other keys come and go
            await lease(store, f"{C1}:other:{turn}:{i}", 1)
        store_time.advance(2)  # every lease ends...
        await write_tokens(store, store_time, PURGE_EVERY, ttl=1, tag=f"t{turn}")
        assert (await rows())[1] == 0  # ...and every lease row is purged
    for key, fences in granted.items():
        assert fences == sorted(set(fences)), key  # strictly growing for each key


# ------------------------------------------------------------------ purges racing grants


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_purges_racing_grants_never_take_a_held_lease(
    backend: str, tmp_path: Path, store_time: StoreTime
) -> None:
    store = make_sync(backend, tmp_path, clock=store_time)
    try:
        contend_with_purges(store, store_time)
    finally:
        store.close()


# ------------------------------------------------------------------ SQLite specifics


def _version_4_file(path: Path) -> None:
    """A store file as schema version 4 wrote it, with leases granted per key."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE schema_version "
                     "(version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
        for number, statements in MIGRATIONS[:4]:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, 0)", (number,))
        assert MIGRATIONS[3][0] == 4
        conn.executemany("INSERT INTO leases (key, fence, held_until) VALUES (?, ?, ?)", [
            (f"{C1}:component_access_token", 41, 0.0),  # released
            (f"{C1}:push:old", 7, 1e12),  # still held by a process of that version
        ])


def test_a_version_4_file_counts_fences_above_every_fence_it_granted(
    tmp_path: Path, store_time: StoreTime
) -> None:
    path = tmp_path / "v4.sqlite3"
    _version_4_file(path)
    store = SQLiteStore(path, clock=store_time)
    try:
        assert store.acquire_lease(f"{C1}:push:old", 30) is None
        assert store.acquire_lease(f"{C1}:new-key", 30) == 42  # above every fence granted
        for _ in range(PURGE_EVERY):  # the released lease's row is purged...
            store.set_token(f"{C1}:x", token("x", store_time() + 60))
        with contextlib.closing(sqlite3.connect(path)) as conn:
            left = conn.execute("SELECT key FROM leases ORDER BY key").fetchall()
            assert left == [(f"{C1}:new-key",), (f"{C1}:push:old",)]
            assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (
                SCHEMA_VERSION,)  # upgraded to the latest
        # ...and its key's next fence still exceeds the 41 granted before the upgrade: the
        # purge raised the floor to the fence it deleted
        assert store.acquire_lease(f"{C1}:component_access_token", 30) == 42
    finally:
        store.close()


def test_a_previous_version_sharing_the_file_never_makes_a_fence_repeat(
    tmp_path: Path, store_time: StoreTime
) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3", clock=store_time)
    try:
        key = f"{C1}:component_access_token"
        assert store.acquire_lease(key, 5) == 1
        store_time.advance(6)
        with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
            # what a process of the previous version does when it takes the lease
            conn.execute("UPDATE leases SET fence = fence + 1, held_until = ? WHERE key = ?",
                         (store_time() + 5, key))
        store_time.advance(6)
        assert store.acquire_lease(key, 5) == 3  # the row's fence, not the floor's 0, + 1
        assert store.acquire_lease(f"{C1}:other", 5) == 1  # a new key: above the floor
    finally:
        store.close()


def test_the_purge_reads_only_what_it_deletes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.load_ticket(C1)  # creates the schema
    store.close()
    from wxcomponent.stores.sqlite import _EXPIRED_LEASES, _PURGE_TOKENS

    with contextlib.closing(sqlite3.connect(tmp_path / "s.sqlite3")) as conn:
        for statement, index in zip((_PURGE_TOKENS, _EXPIRED_LEASES),
                                    ("tokens_by_expiry", "leases_by_expiry"), strict=True):
            plan = " ".join(str(row[-1]) for row in conn.execute(
                f"EXPLAIN QUERY PLAN {statement}", (1.0, 10)))
            assert f"INDEX {index}" in plan and "SCAN" not in plan, plan
