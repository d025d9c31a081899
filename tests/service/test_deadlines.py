"""A store that hangs is a store that failed: with PostgreSQL or Redis stopped by SIGSTOP (what
a network partition looks like to a client: connections open, nothing answers), a push gets a
503 instead of no answer and ``/readyz`` says unready; after SIGCONT the same service answers
again, without a restart.

The servers are this module's own (a test stops them); no assertion is about elapsed time: a
client that waits far longer than WeChat would turns a hang into a failure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import PostgresStore, RedisStore
from wxcomponent.stores.base import Store

from ..support.servers import PostgresServer, PrivateRedis, frozen, private_postgres, private_redis
from ..support.service import APPID, Running, running
from ..support.waiting import wait_for_async

#: Far beyond WeChat's 5 s: a request still unanswered by then hung.
PATIENCE = 15.0


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this module alone (its tests stop it)."""
    with private_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def own_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this module alone (its tests stop it)."""
    with private_redis() as server:
        yield server


def fresh_postgres(server: PostgresServer) -> PostgresStore:
    return PostgresStore(server.dsn, schema=f"t_{uuid.uuid4().hex[:12]}")


async def push_ticket(svc: Running) -> httpx.Response:
    query, body = svc.sealed("component_verify_ticket",
                             ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
    return await svc.client.post(f"/{APPID}/events", params=query, content=body,
                                 timeout=PATIENCE)


async def ready(svc: Running) -> bool:
    public = await svc.client.get("/readyz", timeout=PATIENCE)
    return public.status_code == 200


async def cut_off_and_back(svc: Running, pids: list[int]) -> None:
    """Answered and ready; frozen: 503 and unready; continued: answered and ready again."""
    first = await push_ticket(svc)
    assert (first.status_code, first.text) == (200, "success")
    assert await ready(svc)
    with frozen(pids):
        answer = await push_ticket(svc)
        assert answer.status_code == 503, answer.text
        public = await svc.client.get("/readyz", timeout=PATIENCE)
        assert public.status_code == 503
        assert public.json() == {"status": "unready"}
        admin = await svc.admin.get("/readyz", timeout=PATIENCE)
        assert admin.status_code == 503
        assert admin.json()["store"]["ok"] is False
    await wait_for_async(lambda: ready(svc), "the service never became ready again", 60)
    again = await push_ticket(svc)
    assert (again.status_code, again.text) == (200, "success")


async def test_postgres_frozen_answers_503_and_unready_then_resumes(
        wechat_emulator: EmulatorServer, own_postgres: PostgresServer) -> None:
    store = fresh_postgres(own_postgres)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await cut_off_and_back(svc, own_postgres.processes())
    finally:
        store.close()


async def test_postgres_frozen_beside_redis_answers_503_and_unready_then_resumes(
        wechat_emulator: EmulatorServer, own_postgres: PostgresServer,
        own_redis: PrivateRedis) -> None:
    durable = fresh_postgres(own_postgres)
    store: Store = RedisStore(own_redis.url, prefix=f"t{uuid.uuid4().hex[:8]}", durable=durable)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await cut_off_and_back(svc, own_postgres.processes())
    finally:
        store.close()
        durable.close()


async def test_redis_frozen_answers_503_and_unready_then_resumes(
        wechat_emulator: EmulatorServer, own_redis: PrivateRedis) -> None:
    store = RedisStore(own_redis.url, prefix=f"t{uuid.uuid4().hex[:8]}")
    try:
        async with running(wechat_emulator, store=store) as svc:
            await cut_off_and_back(svc, own_redis.processes())
    finally:
        store.close()
