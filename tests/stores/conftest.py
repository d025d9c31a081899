"""Fixtures of the store tests.

``store`` runs a test once per backend (memory, SQLite in ``tmp_path``, Redis) and flavour
(sync, async). Test bodies ``await`` every call; a sync store is seen through
:class:`~tests.support.stores.Awaiting`, which calls it directly.

``store_time`` is the clock of that store: it stands still until the test moves it, so no
test waits for time to pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import AsyncStore, Store

from ..support.stores import BACKENDS, Awaiting, StoreTime, make_async, make_sync


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
