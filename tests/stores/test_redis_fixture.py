"""The shared ``redis_server`` fixture: skip without the binary, except under CI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..support import servers


def test_missing_binary_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        servers.start_redis_server(str(tmp_path))


def test_missing_binary_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        servers.start_redis_server(str(tmp_path))


def test_redis_url_gives_an_empty_database(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set("left-behind", "1")  # the next test's redis_url flushes it
    finally:
        client.close()
