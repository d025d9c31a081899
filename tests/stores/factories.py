"""Builders of stores for the store tests (importable, also by spawned worker processes)."""

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
