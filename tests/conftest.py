"""Fixtures shared by the whole test suite.

* ``redis_server`` (session): a real ``redis-server`` on a free loopback port, started once in a
  temporary directory, without persistence; yields its URL (``redis://127.0.0.1:PORT/0``).
  When the binary is missing the test is skipped, except under CI (``CI=true``), where it fails.
* ``redis_url`` (function): the same URL, with database 0 flushed before the test, so tests
  never see each other's keys.

The PostgreSQL and Redis Cluster fixtures come from :mod:`tests.support.servers`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest

from .support.servers import (  # noqa: F401 (the servers' fixtures, shared by every test)
    pg_schema,
    postgres_dsn,
    postgres_server,
    redis_cluster,
    redis_cluster_url,
    start_redis_server,
)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """URL of a private ``redis-server`` for the test session (``redis://127.0.0.1:N/0``)."""
    with tempfile.TemporaryDirectory(prefix="wxcomponent-redis-") as workdir:
        process, port = start_redis_server(workdir)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.kill()
            process.wait()


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis URL, with its database flushed before this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server
