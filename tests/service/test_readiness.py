"""Readiness that tells the truth: real stores that cannot be read or written."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import MemoryStore, RedisStore, SQLiteStore

from ..support.servers import PrivateRedis, private_redis
from ..support.service import APPID, running


async def assert_ready(svc_client_public, svc_client_admin) -> None:  # type: ignore[no-untyped-def]
    assert (await svc_client_public.get("/readyz")).status_code == 200
    answer = await svc_client_admin.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["store"] == {"ok": True, "read": True, "write": True, "error": None}


async def test_a_store_file_overwritten_with_garbage_is_unready(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite3"
    store = SQLiteStore(path)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await svc.push_ticket()
            await assert_ready(svc.client, svc.admin)
            checkpoint = sqlite3.connect(path)
            checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            checkpoint.close()
            with path.open("r+b") as handle:
                handle.write(os.urandom(path.stat().st_size))
            public = await svc.client.get("/readyz")
            assert public.status_code == 503
            assert public.json() == {"status": "unready"}  # nothing internal in public
            admin = await svc.admin.get("/readyz")
            assert admin.status_code == 503
            probe = admin.json()["store"]
            assert probe["ok"] is False and probe["read"] is False
            assert "not a usable" in probe["error"]
            assert (await svc.admin.get("/status")).status_code == 503
            for listener in (svc.client, svc.admin):  # alive all the same
                assert (await listener.get("/healthz")).json() == {"status": "ok"}
    finally:
        store.close()


@pytest.fixture
def own_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this test's own (it is stopped by the test)."""
    with private_redis() as server:
        yield server


async def test_redis_refusing_writes_then_down_is_unready(
        wechat_emulator: EmulatorServer, own_redis: PrivateRedis) -> None:
    process, url = own_redis.process, own_redis.url
    store = RedisStore(url)
    admin_client = redis.Redis.from_url(url)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await svc.push_ticket()
            await assert_ready(svc.client, svc.admin)
            # every write refused (no replica to acknowledge it), reads still fine
            admin_client.config_set("min-replicas-to-write", 1)
            answer = await svc.admin.get("/readyz")
            assert answer.status_code == 503
            probe = answer.json()["store"]
            assert probe["read"] is True and probe["write"] is False, probe
            assert (await svc.client.get("/readyz")).status_code == 503
            admin_client.config_set("min-replicas-to-write", 0)
            await assert_ready(svc.client, svc.admin)
            process.kill()  # type: ignore[attr-defined]
            process.wait()  # type: ignore[attr-defined]
            down = await svc.admin.get("/readyz")
            assert down.status_code == 503
            assert down.json()["store"]["read"] is False
            assert (await svc.client.get("/readyz")).json() == {"status": "unready"}
            assert APPID in (await svc.admin.get("/status")).json()["platforms"]
    finally:
        admin_client.close()
        store.close()


class CountingStore(MemoryStore):
    """A memory store that counts the leases taken by readiness probes."""

    def __init__(self) -> None:
        super().__init__()
        self.probes = 0

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        if ":health:" in key:
            self.probes += 1
        return super().acquire_lease(key, ttl)


async def test_a_flood_of_readiness_checks_costs_the_store_one_probe(
        wechat_emulator: EmulatorServer) -> None:
    store = CountingStore()
    async with running(wechat_emulator, store=store, readiness_ttl=3600) as svc:
        answers = await asyncio.gather(*(svc.client.get("/readyz") for _ in range(200)))
        assert {a.status_code for a in answers} == {200}
        assert store.probes == 1
    store = CountingStore()
    async with running(wechat_emulator, store=store, readiness_ttl=0) as svc:
        for _ in range(3):
            assert (await svc.admin.get("/readyz")).status_code == 200
        assert store.probes == 3  # without reuse, each check probes
