"""Fixtures of the store tests.

``store`` is the one way the contract tests (``test_contract``, ``test_queue``,
``test_schedule``, ``test_tenant``, ``test_validation``) meet a store: it runs a test once per
backend of :data:`~tests.support.stores.CONTRACT_BACKENDS` (memory, SQLite, Redis, Redis
beside a durable store, PostgreSQL, a Redis Cluster) and flavour (sync, async). A test that
takes ``store`` (or ``queue``, the same fixture under the name the queue tests use) runs on
all of them; a server that is missing skips it, except under CI (``CI=true``), where it fails.
Test bodies ``await`` every call; a sync store is seen through
:class:`~tests.support.stores.Awaiting`, which calls it directly.

``store_time`` is the clock of that store: it stands still until the test moves it, so no
test waits for time to pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ..support.stores import CONTRACT_BACKENDS, FLAVOURS, StoreTime, contract_store


@pytest.fixture
def store_time() -> StoreTime:
    """The clock of the ``store`` of this test."""
    return StoreTime()


@pytest.fixture(
    params=[(b, f) for b in CONTRACT_BACKENDS for f in FLAVOURS],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, store_time: StoreTime
) -> AsyncIterator[Any]:
    """A fresh store of one backend and flavour reading ``store_time``, closed after the test."""
    backend, flavour = request.param
    async with contract_store(backend, flavour, request, tmp_path, store_time) as view:
        yield view


@pytest.fixture
def queue(store: Any) -> Any:
    """The store of the queue contract (``test_queue``): the same ``store``."""
    return store
