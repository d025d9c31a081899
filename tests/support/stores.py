"""Builders of stores, the clock a store under test reads, and a sync store seen through
``await``: for the tests of the stores and of what uses them."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wxcomponent.stores import (
    AsyncMemoryStore,
    AsyncRedisStore,
    AsyncSQLiteStore,
    MemoryStore,
    RedisStore,
    SQLiteStore,
    Store,
)

BACKENDS = ("memory", "sqlite", "redis")


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

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the store's clock ``seconds`` forward."""
        self.now += seconds

    def redis_client(self) -> Any:
        """A client of the Redis the store uses (a cluster's, in the cluster tests)."""
        import redis

        assert self.redis_url is not None
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
