"""Builders of stores, the clock a store under test reads, and a sync store seen through
``await``: for the tests of the stores and of what uses them."""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import (
    AsyncMemoryStore,
    AsyncPostgresStore,
    AsyncRedisStore,
    AsyncSQLiteStore,
    AsyncStore,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
    Store,
)

#: The backends of :func:`make_sync` and :func:`make_async` (no server but Redis's).
BACKENDS = ("memory", "sqlite", "redis")
#: Every backend the contract tests run on, through the ``store`` fixture: "redis+durable" is
#: Redis beside a durable SQLite store (the records and the queue live in the durable store).
CONTRACT_BACKENDS = ("memory", "sqlite", "redis", "redis+durable", "postgres", "redis-cluster")
FLAVOURS = ("sync", "async")


class StoreTime:
    """The clock a store under test reads, and the ways a test makes time pass for it.

    It starts at the real time and only moves when :meth:`advance` moves it. That decides
    token expiry on every backend, and lease expiry on memory and SQLite. Redis expires a
    lease by its own clock (``SET ... PX``); :meth:`expire_lease` makes that happen at once.
    """

    def __init__(self) -> None:
        self.now = float(int(time.time()))  # whole seconds: advancing by whole seconds is exact
        self.redis_url: str | None = None
        self.prefix = ""
        self.cluster = False

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the store's clock ``seconds`` forward."""
        self.now += seconds

    def redis_client(self) -> Any:
        """A client of the Redis the store uses (a cluster's, on a cluster)."""
        import redis
        from redis.cluster import RedisCluster

        assert self.redis_url is not None
        if self.cluster:
            return RedisCluster.from_url(self.redis_url.replace("+cluster://", "://"))
        return redis.Redis.from_url(self.redis_url)

    def expire_lease(self, key: str, ttl: float) -> None:
        """Let the lease on ``key``, taken for ``ttl`` seconds, run out.

        The store's clock moves past ``ttl``; on Redis the lease key is also given a 1 ms
        expiry, and this returns once Redis no longer has it.
        """
        self.advance(ttl + 1)
        if self.redis_url is None:
            return
        client = self.redis_client()
        from wxcomponent.stores._redis_ops import RedisOps

        lease = RedisOps(self.prefix, durable=False, clock=self).lease_key(key)
        try:
            assert client.pexpire(lease, 1), f"no lease held on {key!r}"
            deadline = time.monotonic() + 10  # only turns a hang into a failure
            while client.exists(lease):
                assert time.monotonic() < deadline, f"Redis kept {lease!r}"
                time.sleep(0.001)
        finally:
            client.close()


def make_sync(
    backend: str,
    tmp_path: Path,
    redis_url: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Store:
    """A fresh sync store of ``backend``, reading ``clock``."""
    if backend == "memory":
        return MemoryStore(clock=clock)
    if backend == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite3", clock=clock)
    assert redis_url is not None
    return RedisStore(redis_url, clock=clock)


def make_async(
    backend: str,
    tmp_path: Path,
    redis_url: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Any:
    """A fresh async store of ``backend``, reading ``clock``."""
    if backend == "memory":
        return AsyncMemoryStore(clock=clock)
    if backend == "sqlite":
        return AsyncSQLiteStore(tmp_path / "store.sqlite3", clock=clock)
    assert redis_url is not None
    return AsyncRedisStore(redis_url, clock=clock)


#: The classes of each backend of :data:`CONTRACT_BACKENDS` (the "redis+durable" and
#: "redis-cluster" backends are Redis's): sync, then async.
CLASSES: dict[str, tuple[type[Any], type[Any]]] = {
    "memory": (MemoryStore, AsyncMemoryStore),
    "sqlite": (SQLiteStore, AsyncSQLiteStore),
    "redis": (RedisStore, AsyncRedisStore),
    "postgres": (PostgresStore, AsyncPostgresStore),
}


def contract_class(backend: str) -> str:
    """The key of :data:`CLASSES` of a backend of :data:`CONTRACT_BACKENDS`."""
    return "redis" if backend.startswith("redis") else backend


def _build(backend: str, flavour: str, request: pytest.FixtureRequest, tmp_path: Path,
           store_time: StoreTime, durable: Store | None) -> Any:
    """A store of one of :data:`CONTRACT_BACKENDS`; asks ``request`` for its server."""
    cls = CLASSES[contract_class(backend)][FLAVOURS.index(flavour)]
    if backend == "memory":
        return cls(clock=store_time)
    if backend == "sqlite":
        return cls(tmp_path / "store.sqlite3", clock=store_time)
    if backend == "postgres":
        return cls(request.getfixturevalue("postgres_dsn"),
                   schema=request.getfixturevalue("pg_schema"), clock=store_time)
    url = request.getfixturevalue("redis_cluster_url" if backend == "redis-cluster"
                                  else "redis_url")
    store_time.redis_url, store_time.cluster = url, backend == "redis-cluster"
    return cls(url, durable=durable, clock=store_time)


@contextlib.asynccontextmanager
async def contract_store(backend: str, flavour: str, request: pytest.FixtureRequest,
                         tmp_path: Path, store_time: StoreTime) -> AsyncIterator[Any]:
    """A fresh store of ``backend`` (one of :data:`CONTRACT_BACKENDS`) and ``flavour``,
    reading ``store_time``, seen through ``await``; closed on the way out."""
    durable = None
    if backend == "redis+durable":
        durable = SQLiteStore(tmp_path / "durable.sqlite3", clock=store_time)
    view = _build(backend, flavour, request, tmp_path, store_time, durable)
    if flavour == "sync":
        assert isinstance(view, Store)
        view = Awaiting(view)
    else:
        assert isinstance(view, AsyncStore)
    if store_time.redis_url is not None:
        store_time.prefix = view.prefix
    try:
        yield view
    finally:
        await view.close()
        if durable is not None:
            durable.close()


class Awaiting:
    """A sync store seen through ``await``: lets one async test body check both flavours."""

    def __init__(self, store: Store) -> None:
        self.sync = store

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.sync, name)
        if not callable(method):
            return method  # type: ignore[no-any-return]

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call

    def __repr__(self) -> str:
        return repr(self.sync)


async def maybe_await(value: Any) -> Any:
    """``await value`` if it is awaitable."""
    return await value if inspect.isawaitable(value) else value
