"""State built through the running service (links spent and unspent, deliveries done and
dead, a shipment, a code exchange left pending) moved by ``wxcomponent migrate`` (a real
process) from SQLite to PostgreSQL, to Redis, to Redis beside a durable PostgreSQL, and back
to SQLite: after every hop the target holds every record and job as it was, with its id, and
a service on it keeps every promise (a spent link stays spent, an unspent one opens, dead
deliveries and the shipment are listed, a new delivery id is above every earlier one). Then
the authorizers go through ``authorizers export`` and ``import``, every field kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from wxcomponent import Component, ComponentConfig
from wxcomponent.cli.credentials import records
from wxcomponent.core.outbox import EXCHANGE_TOPIC
from wxcomponent.core.shipping import REGISTRY, ShipOptions, ShipReport
from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.service.authorization import SPENT_LINKS
from wxcomponent.stores import (
    AuthorizerRecord,
    Job,
    PostgresStore,
    RedisStore,
    SQLiteStore,
    Store,
)

from ..support.cli import needs_toml, write_config, wxcomponent
from ..support.receiver import SECRET, Receiver, receiver
from ..support.servers import PostgresServer, free_port
from ..support.service import APPID, FakeClock, Running, running
from ..support.waiting import wait_for_async

QUERY_AUTH = "/cgi-bin/component/api_query_auth"
FAST = ShipOptions(concurrency=4, lease=5, privacy_interval=0.02, poll_interval=0.2,
                   idle_interval=0.05, retry_base=0.01)


@dataclasses.dataclass
class Hop:
    """A store to move to: its URL for ``migrate`` (and the durable store's, beside Redis),
    and how the test opens it with the shared clock."""

    name: str
    url: str
    durable_url: str | None
    open: Callable[[FakeClock], tuple[Store, list[Store]]]


@dataclasses.dataclass
class World:
    """What the service built, and what every hop must hold."""

    clock: FakeClock
    hooks: list[dict[str, Any]]
    spent: str
    unspent: str
    account: str
    shipment: str
    waiting: str = ""  # the account whose code exchange is left pending
    ticket: Any = None
    records: list[AuthorizerRecord] = dataclasses.field(default_factory=list)
    jobs: list[Job] = dataclasses.field(default_factory=list)
    last_id: int = 0
    delivered: list[int] = dataclasses.field(default_factory=list)


def records_of(store: Store, appid: str) -> list[AuthorizerRecord]:
    return list(records(store, appid))


@pytest.fixture
def schemas(postgres_server: PostgresServer) -> Iterator[list[str]]:
    """Two schemas no other test uses, dropped afterwards."""
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    yield names
    with psycopg.connect(postgres_server.dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _hops(tmp_path: Path, dsn: str, schemas: list[str], redis_url: str) -> list[Hop]:
    second_db = redis_url.rsplit("/", 1)[0] + "/1"
    client = redis.Redis.from_url(second_db)
    try:
        client.flushdb()
    finally:
        client.close()
    pg_url = f"{dsn}?schema={schemas[0]}"
    durable_url = f"{dsn}?schema={schemas[1]}"
    final = tmp_path / "final.sqlite3"

    def postgres(clock: FakeClock) -> tuple[Store, list[Store]]:
        store = PostgresStore(dsn, schema=schemas[0], clock=clock)
        return store, [store]

    def plain_redis(clock: FakeClock) -> tuple[Store, list[Store]]:
        store = RedisStore(redis_url, clock=clock)
        return store, [store]

    def redis_beside_postgres(clock: FakeClock) -> tuple[Store, list[Store]]:
        durable = PostgresStore(dsn, schema=schemas[1], clock=clock)
        store = RedisStore(second_db, durable=durable, clock=clock)
        return store, [store, durable]

    def sqlite(clock: FakeClock) -> tuple[Store, list[Store]]:
        store = SQLiteStore(final, clock=clock)
        return store, [store]

    return [Hop("postgres", pg_url, None, postgres),
            Hop("redis", redis_url, None, plain_redis),
            Hop("redis+postgres", second_db, durable_url, redis_beside_postgres),
            Hop("sqlite", f"sqlite:///{final}", None, sqlite)]


def _as_moved(job: Job) -> Job:
    return dataclasses.replace(job, claim=None)  # a claim stays with the store that gave it


def _ticket(store: Store) -> tuple[str, int] | None:
    ticket = store.load_ticket(APPID)  # received_at: when the target got it
    return None if ticket is None else (ticket.value, ticket.created_at)


def _snapshot(store: Store, world: World) -> None:
    world.ticket = _ticket(store)
    world.records = records_of(store, APPID)
    world.jobs = [_as_moved(job) for job in _all_jobs(store)]
    world.last_id = store.reserve_job_ids(0)


def _all_jobs(store: Store) -> list[Job]:
    found: list[Job] = []
    while True:
        page = store.list_jobs(APPID, after=found[-1].id if found else None, limit=500)
        found.extend(page)
        if len(page) < 500:
            return found


def _check_holds(store: Store, world: World, where: str) -> None:
    assert _ticket(store) == world.ticket, where
    assert records_of(store, APPID) == world.records, where
    assert [_as_moved(job) for job in _all_jobs(store)] == world.jobs, where
    assert store.reserve_job_ids(0) >= world.last_id, where


@asynccontextmanager
async def _serving(emu: EmulatorServer, store: Store, world: World) -> AsyncIterator[Running]:
    async with running(emu, store=store, clock=world.clock, webhooks=world.hooks) as svc:
        emu.configure(APPID, auth_event_url=svc.events_url(),
                      message_url=f"{svc.server.url}/{APPID}/messages/$APPID$")
        yield svc


async def _opened(svc: Running, link_url: str) -> int:
    token = link_url.split("link=", 1)[1]
    answer = await svc.client.get(f"/{APPID}/authorize", params={"link": token})
    return answer.status_code


def _platform(emu: EmulatorServer, store: Store) -> Component:
    """A platform object sharing the service's store (what ``wxcomponent ship`` runs)."""
    config = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                             encoding_aes_key=P.encoding_aes_key)
    return Component(config, store, api_base=emu.url)


def _ship(emu: EmulatorServer, store: Store, world: World) -> ShipReport:
    with _platform(emu, store) as component:  # a template WeChat does not know: failed
        return component.fleet.ship(987654, {}, "1.0.0", appids=[world.account],
                                    shipment=world.shipment, options=FAST)


def _shipments(emu: EmulatorServer, store: Store, world: World) -> tuple[list[str], ShipReport]:
    with _platform(emu, store) as component:
        names = [s.name for s in component.fleet.shipments().shipments]
        return names, component.fleet.report(world.shipment)


async def _build(emu: EmulatorServer, store: Store, world: World, r: Receiver) -> None:
    """Everything through the service: a link spent by an authorization, one left unspent,
    deliveries done (one webhook) and dead (the other, whose receiver is gone), a shipment,
    and a code exchange that WeChat keeps failing (left pending)."""
    async with _serving(emu, store, world) as svc:
        await svc.push_ticket()
        world.spent, world.unspent = await svc.link("tenant-spent"), await svc.link("tenant-2")
        returned = await svc.consent(await svc.client.get(world.spent))
        result = await svc.client.get(returned)
        assert result.status_code == 200, result.text
        assert await _opened(svc, world.spent) == 410
        assert await _opened(svc, world.unspent) == 200
        (record,) = records_of(store, APPID)
        world.account = record.authorizer_appid
        await asyncio.to_thread(r.wait_for, 1)  # the `authorized` push, delivered
        forwarder = svc.service.forwarder
        assert forwarder is not None
        await wait_for_async(lambda: forwarder.stats.retried >= 1)
        world.clock.advance(601)  # past the max_age of the webhook nobody answers
        forwarder.wake()
        await wait_for_async(lambda: forwarder.stats.dead >= 1)
        report = await asyncio.to_thread(_ship, emu, store, world)
        assert [a.outcome for a in report.apps] == ["failed"]
        emu.inject(QUERY_AUTH, status=500, times=None)
        grant = await asyncio.to_thread(emu.authorize, APPID)
        assert grant.delivery is not None and grant.delivery.ok

        def exchange_tried() -> bool:
            return any(j.attempts >= 1 and j.group == grant.authorizer_appid
                       for j in store.list_jobs(APPID, topic=EXCHANGE_TOPIC, state="pending"))

        await wait_for_async(exchange_tried, "the exchange was never tried")
        world.waiting = grant.authorizer_appid
    kinds = {(job.topic, job.state) for job in _all_jobs(store)}
    assert {("deliver:app", "done"), ("deliver:gone", "dead"), (EXCHANGE_TOPIC, "done"),
            (EXCHANGE_TOPIC, "pending"), (SPENT_LINKS, "done"), (REGISTRY, "done"),
            (f"ship:{world.shipment}", "dead")} <= kinds
    world.delivered = [int(i) for i in r.delivery_ids]


async def _keeps_its_promises(emu: EmulatorServer, store: Store, world: World,
                              r: Receiver, where: str) -> None:
    async with _serving(emu, store, world) as svc:
        assert await _opened(svc, world.spent) == 410, where  # spent stays spent
        assert await _opened(svc, world.unspent) == 200, where
        dead = store.list_jobs(APPID, topic="deliver:gone", state="dead")
        assert dead, where
        names, report = await asyncio.to_thread(_shipments, emu, store, world)
        assert names == [world.shipment], where
        assert [(a.appid, a.outcome) for a in report.apps] == [(world.account, "failed")]
        seen = len(r.delivery_ids)
        delivery = await asyncio.to_thread(
            emu.push_message, APPID, world.account,
            {"MsgType": "text", "Content": f"after the move to {where}",
             "MsgId": str(len(world.delivered))})
        assert delivery.ok, (delivery.error, delivery.attempts)
        await asyncio.to_thread(r.wait_for, seen + 1)
        new_id = int(r.delivery_ids[-1])
        assert new_id > max(world.delivered) and new_id > world.last_id, where
        world.delivered.append(new_id)


def _migrate(source: tuple[str, str | None], target: Hop) -> None:
    args = ["migrate", "--from", source[0], "--to", target.url, "--platform", APPID]
    if source[1] is not None:
        args += ["--from-durable", source[1]]
    if target.durable_url is not None:
        args += ["--to-durable", target.durable_url]
    result = wxcomponent(*args, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


@needs_toml
async def test_state_survives_every_hop_between_stores_and_export_import(
    wechat_emulator: EmulatorServer, tmp_path: Path, postgres_dsn: str, schemas: list[str],
    redis_url: str,
) -> None:
    clock = FakeClock()
    with receiver() as r:
        world = World(clock, [
            {"name": "app", "url": f"{r.url}/hook", "secret": SECRET},
            {"name": "gone", "url": f"http://127.0.0.1:{free_port()}/hook", "secret": SECRET,
             "max_age": 600}], "", "", "", "spring-release")
        first = tmp_path / "first.sqlite3"
        store = SQLiteStore(first, clock=clock)
        try:
            await _build(wechat_emulator, store, world, r)
            _snapshot(store, world)
        finally:
            store.close()
        source: tuple[str, str | None] = (f"sqlite:///{first}", None)
        for hop in _hops(tmp_path, postgres_dsn, schemas, redis_url):
            _migrate(source, hop)
            store, opened = hop.open(clock)
            try:
                _check_holds(store, world, hop.name)
                await _keeps_its_promises(wechat_emulator, store, world, r, hop.name)
                _snapshot(store, world)  # with the new push, for the next hop
            finally:
                for each in opened:
                    each.close()
            source = (hop.url, hop.durable_url)
    assert len(set(world.delivered)) == len(world.delivered)  # no delivery id came back
    # the exchange left pending on the first store finishes on the last one
    wechat_emulator.clear_faults(QUERY_AUTH)
    clock.advance(3600)  # past its backoff
    store = SQLiteStore(Path(source[0].removeprefix("sqlite:///")), clock=clock)
    try:
        async with running(wechat_emulator, store=store, clock=clock, webhooks=world.hooks,
                           refresh_interval=3600):  # a round at once resumes exchanges
            await wait_for_async(lambda: store.get_authorizer(APPID, world.waiting),
                                 "the moved exchange never finished")
        world.records = records_of(store, APPID)
    finally:
        store.close()
    # the authorizers of the last store through export and import, every field kept
    final = Path(source[0].removeprefix("sqlite:///"))
    config = write_config(tmp_path / "final.toml", api_base=wechat_emulator.url, store=final)
    exported = tmp_path / "authorizers.jsonl"
    result = wxcomponent("authorizers", "export", "--config", str(config), "-o", str(exported))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [line["authorizer_appid"] for line in lines] == [r.authorizer_appid
                                                             for r in world.records]
    fresh = tmp_path / "imported.sqlite3"
    other = write_config(tmp_path / "imported.toml", api_base=wechat_emulator.url, store=fresh)
    result = wxcomponent("authorizers", "import", str(exported), "--config", str(other),
                         "--no-check")
    assert result.returncode == 0, result.stderr
    imported = SQLiteStore(fresh)
    try:
        assert records_of(imported, APPID) == [dataclasses.replace(r, refresh_at=0.0)
                                               for r in world.records]
    finally:
        imported.close()
