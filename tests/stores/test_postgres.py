"""The PostgreSQL store on a real server (the contract runs on it through the ``store`` fixture
of ``conftest``, the purge rule through ``test_purge``), and what is PostgreSQL's own: the
schema and its upgrade, the indexes that serve due records and searches, refusals, passwords
kept out of messages, a server that stops and comes back, Redis beside it (threads and asyncio
tasks contending: ``test_postgres_contention``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg
import pytest

from wxcomponent.errors import (
    ConfigurationError,
    InvalidArgument,
    StoreUnavailable,
)
from wxcomponent.stores import (
    AsyncPostgresStore,
    AsyncRedisStore,
    AuthorizerRecord,
    PostgresStore,
    RedisStore,
    as_async_store,
    open_store,
)
from wxcomponent.stores.postgres import redact_dsn

from ..support.servers import PG_PASSWORD, PostgresServer
from ..support.stores import Awaiting

C1 = "wxcomponent0000001"


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


# ------------------------------------------------------------------ arguments and secrets


@pytest.mark.parametrize("dsn", ["", "   ", 42, "mysql://u:p@h/db", "redis://h:1/0"])
def test_bad_dsns_are_refused(dsn: Any) -> None:
    with pytest.raises(ConfigurationError):
        PostgresStore(dsn)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"schema": "Bad-Name"}, "schema"), ({"schema": "1abc"}, "schema"),
     ({"schema": "x" * 64}, "schema"), ({"min_size": 0}, "min_size"),
     ({"max_size": 1, "min_size": 2}, "max_size"), ({"timeout": -1}, "timeout"),
     ({"timeout": True}, "timeout")],
)
def test_bad_options_are_refused(postgres_dsn: str, kwargs: dict[str, Any],
                                 argument: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        PostgresStore(postgres_dsn, **kwargs)
    assert caught.value.argument == argument


def test_the_password_never_shows(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    assert PG_PASSWORD not in repr(store)
    assert PG_PASSWORD not in repr(store.aio)
    assert "wxtest@127.0.0.1" in repr(store)
    store.close()
    assert redact_dsn("host=db.internal port=5433 user=app password=s3cr3t dbname=wx") == (
        "postgresql://app@db.internal:5433/wx"
    )
    assert "s3cr3t" not in redact_dsn("postgresql://app:s3cr3t@db/wx?sslmode=require")


def test_a_wrong_password_gives_store_unavailable_without_the_password(
    postgres_server: PostgresServer,
) -> None:
    wrong = "wrong-password-zz91"
    dsn = postgres_server.dsn.replace(PG_PASSWORD, wrong)
    store = PostgresStore(dsn, timeout=1.0)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            store.get_token("k")
        message = str(caught.value)
        assert wrong not in message and PG_PASSWORD not in message
        assert f"postgresql://wxtest@127.0.0.1:{postgres_server.port}/wxtest" in message
    finally:
        store.close()


def test_open_store_builds_a_postgres_store(postgres_dsn: str, pg_schema: str) -> None:
    store = open_store(f"{postgres_dsn}?schema={pg_schema}")
    assert isinstance(store, PostgresStore) and store.schema == pg_schema
    assert store.save_ticket(C1, "via-url", 3)
    store.close()
    again = open_store(postgres_dsn.replace("postgresql://", "postgres://") +
                       f"?schema={pg_schema}")
    assert again.load_ticket(C1).value == "via-url"  # type: ignore[union-attr]
    again.close()


async def test_the_aio_flavour_shares_the_data(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    view = as_async_store(store)
    assert isinstance(view, AsyncPostgresStore)
    assert await view.save_ticket(C1, "from-async", 7)
    await view.close()
    assert store.load_ticket(C1).value == "from-async"  # type: ignore[union-attr]
    store.close()


def test_a_closed_store_refuses_calls(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    store.load_ticket(C1)
    store.close()
    with pytest.raises(Exception, match="closed"):
        store.load_ticket(C1)


# ------------------------------------------------------------------ the server goes away


@pytest.fixture
def private_server() -> Any:
    """A PostgreSQL server of this test alone, which it may stop."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


async def test_a_server_that_stops_and_returns_loses_nothing(private_server: PostgresServer,
                                                             ) -> None:
    store = PostgresStore(private_server.dsn, timeout=1.0)
    aio = AsyncPostgresStore(private_server.dsn, timeout=1.0)
    try:
        store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-before-the-stop"))
        assert store.enqueue(C1, "t", "g", b"job-before-the-stop") >= 1
        assert await aio.load_ticket(C1) is None
        private_server.stop()
        for call in (lambda: store.get_authorizer(C1, "wxa1"),
                     lambda: store.replace_refresh_token(C1, "wxa1", None, "rt-lost"),
                     lambda: store.enqueue(C1, "t", "g", b"x")):
            with pytest.raises(StoreUnavailable) as caught:
                call()
            message = str(caught.value)
            assert PG_PASSWORD not in message
            assert f"postgresql://wxtest@127.0.0.1:{private_server.port}/wxtest" in message
        with pytest.raises(StoreUnavailable):
            await aio.save_ticket(C1, "lost", 2)
        private_server.start()
        deadline = time.monotonic() + 30  # the pool reconnects in the background
        while True:
            try:
                record = store.get_authorizer(C1, "wxa1")
                break
            except StoreUnavailable:
                assert time.monotonic() < deadline, "the store never came back"
                time.sleep(0.05)
        assert record is not None and record.refresh_token == "rt-before-the-stop"
        assert [j.payload for j in store.list_jobs(C1)] == [b"job-before-the-stop"]
        assert store.replace_refresh_token(C1, "wxa1", "rt-before-the-stop", "rt-after")
        while True:
            try:
                assert await aio.save_ticket(C1, "after", 3)
                break
            except StoreUnavailable:
                assert time.monotonic() < deadline, "the async store never came back"
                await asyncio.sleep(0.05)
        assert store.load_ticket(C1).value == "after"  # type: ignore[union-attr]
    finally:
        store.close()
        await aio.close()


# ------------------------------------------------------------------ beside Redis


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_postgres_as_the_durable_store_beside_redis(
    flavour: str, redis_url: str, postgres_dsn: str, pg_schema: str
) -> None:
    import redis

    durable = PostgresStore(postgres_dsn, schema=pg_schema)
    store: Any = (Awaiting(RedisStore(redis_url, durable=durable)) if flavour == "sync"
                  else AsyncRedisStore(redis_url, durable=durable))
    try:
        await store.save_ticket(C1, "ticket-1", 10)
        await store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-one", tenant="cust-1"))
        assert await store.replace_refresh_token(C1, "wxa1", "rt-one", "rt-two")
        assert await store.set_authorizer_name(C1, "wxa1", "Shop")
        assert await store.schedule_refresh(C1, "wxa1", 500.0)
        job = await store.enqueue(C1, "t", "g", b"payload")
        assert durable.get_authorizer(C1, "wxa1").refresh_token == "rt-two"  # type: ignore[union-attr]
        assert durable.get_job(job) is not None
        client = redis.Redis.from_url(redis_url)
        client.flushall()
        client.close()
        record = await store.get_authorizer(C1, "wxa1")
        assert (record.refresh_token, record.tenant) == ("rt-two", "cust-1")
        assert (record.name, record.refresh_at) == ("Shop", 500.0)
        assert [r.authorizer_appid for r in await store.search_authorizers(C1, "SH")] == ["wxa1"]
        assert [r.authorizer_appid for r in await store.due_authorizers(C1, before=500)] == [
            "wxa1"]
        assert (await store.load_ticket(C1)).value == "ticket-1"
        assert [j.id for j in await store.claim_jobs(C1, "t", limit=5, lease=5)] == [job]
    finally:
        await store.close()
        durable.close()
