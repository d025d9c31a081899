"""Fixtures shared by the whole test suite.

* ``redis_server`` (session): a real ``redis-server`` on a free loopback port, started once in a
  temporary directory, without persistence; yields its URL (``redis://127.0.0.1:PORT/0``).
  When the binary is missing the test is skipped, except under CI (``CI=true``), where it fails.
* ``redis_url`` (function): the same URL, with database 0 flushed before the test, so tests
  never see each other's keys.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

REDIS_SERVER = "redis-server"
_START_TIMEOUT = 10.0


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis_server(workdir: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``redis-server`` on a free loopback port in ``workdir``; wait for PING."""
    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        _missing(f"{REDIS_SERVER} is not installed")
        raise AssertionError("unreachable")
    for _attempt in range(3):
        port = free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _ping(port):
                return process, port
            time.sleep(0.02)
        process.kill()
        process.wait()
    pytest.fail(f"{REDIS_SERVER} did not answer PING")
    raise AssertionError("unreachable")


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


from .servers import (  # noqa: E402, F401 (fixtures and helpers)
    _missing,
    free_port,
    pg_schema,
    postgres_dsn,
    postgres_server,
    redis_cluster,
    redis_cluster_url,
)
