"""Fixtures of the store tests.

``store`` runs a test once per backend (memory, SQLite in ``tmp_path``, Redis) and flavour
(sync, async). Test bodies ``await`` every call; a sync store is seen through
:class:`~tests.stores.factories.Awaiting`, which calls it directly.

``store_time`` is the clock of that store: it stands still until the test moves it, so no
test waits for time to pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import AsyncStore, Store

from .factories import BACKENDS, Awaiting, make_async, make_sync


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

    async def expire_lease(self, key: str, ttl: float) -> None:
        """Let the lease on ``key``, taken for ``ttl`` seconds, run out.

        The store's clock moves past ``ttl``; on Redis the lease key is also given a 1 ms
        expiry, and this returns once Redis no longer has it.
        """
        self.advance(ttl + 1)
        if self.redis_url is None:
            return
        import redis

        client = redis.Redis.from_url(self.redis_url)
        lease = f"{self.prefix}::lease:{key}"  # the key layout of wxcomponent.stores._redis_ops
        try:
            assert client.pexpire(lease, 1), f"no lease held on {key!r}"
            deadline = time.monotonic() + 10  # only turns a hang into a failure
            while client.exists(lease):
                assert time.monotonic() < deadline, f"Redis kept {lease!r}"
                await asyncio.sleep(0.001)
        finally:
            client.close()


@pytest.fixture
def store_time() -> StoreTime:
    """The clock of the ``store`` of this test."""
    return StoreTime()


@pytest.fixture(
    params=[(b, f) for b in BACKENDS for f in ("sync", "async")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, store_time: StoreTime
) -> AsyncIterator[Any]:
    """A fresh store of one backend and flavour reading ``store_time``, closed after the test."""
    backend, flavour = request.param
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    if flavour == "sync":
        sync = make_sync(backend, tmp_path, url, clock=store_time)
        assert isinstance(sync, Store)
        wrapped: Any = Awaiting(sync)
    else:
        wrapped = make_async(backend, tmp_path, url, clock=store_time)
        assert isinstance(wrapped, AsyncStore)
    if backend == "redis":
        store_time.redis_url = url
        store_time.prefix = wrapped.prefix
    try:
        yield wrapped
    finally:
        await wrapped.close()
