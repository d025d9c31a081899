"""The PostgreSQL store on a real server: the whole store contract (every test of the contract,
validation, tenant, schedule and queue modules runs here again with a PostgreSQL store), and
what is PostgreSQL's own: refusals, passwords kept out of messages, a server that stops and
comes back, Redis beside it, threads and asyncio tasks contending. Its schema is
``test_postgres_schema.py``'s."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
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
    CachedToken,
    PostgresStore,
    RedisStore,
    as_async_store,
    open_store,
)
from wxcomponent.stores.postgres import redact_dsn

from ..support.servers import PG_PASSWORD, PostgresServer
from ..support.stores import Awaiting, StoreTime

# The contract, run again here with this module's `store` (and `queue`) fixture.
from . import test_queue as _queue_contract
from . import test_validation as _validation_contract
from .purging import Rows, contend_with_purges
from .test_contract import *  # noqa: F403
from .test_purge import (  # noqa: F401
    test_a_keys_fences_grow_across_purges_whatever_other_keys_do,
    test_a_stale_holder_cannot_write_after_its_row_was_purged_and_the_key_granted_again,
    test_expired_leases_and_tokens_go_as_writes_go_on,
    test_fences_keep_growing_for_a_key_across_purges,
    test_the_purge_never_deletes_a_lease_or_token_still_running,
)
from .test_queue import *  # noqa: F403
from .test_schedule import *  # noqa: F403
from .test_tenant import (  # noqa: F401
    test_a_save_without_tenant_keeps_the_stored_one,
    test_bad_tenants_are_refused_and_nothing_changes,
    test_set_authorizer_tenant,
    test_set_authorizer_tenant_checks_the_appids,
    test_tenant_round_trips_and_shows_in_listings,
    test_the_longest_tenant_is_kept,
)
from .test_validation import test_good_arguments_of_the_same_shapes_work  # noqa: F401

# both modules name their table of bad calls the same way
del test_bad_arguments_raise_invalid_argument_and_write_nothing  # noqa: F821
test_queue_bad_arguments = (
    _queue_contract.test_bad_arguments_raise_invalid_argument_and_write_nothing
)
test_store_bad_arguments = (
    _validation_contract.test_bad_arguments_raise_invalid_argument_and_write_nothing
)

C1 = "wxcomponent0000001"


@pytest.fixture(params=["sync", "async"])
async def store(
    request: pytest.FixtureRequest, postgres_dsn: str, pg_schema: str, store_time: StoreTime
) -> AsyncIterator[Any]:
    """A PostgreSQL store in a fresh schema, reading ``store_time``, in either flavour."""
    if request.param == "sync":
        view: Any = Awaiting(PostgresStore(postgres_dsn, schema=pg_schema, clock=store_time))
    else:
        view = AsyncPostgresStore(postgres_dsn, schema=pg_schema, clock=store_time)
    try:
        yield view
    finally:
        await view.close()


@pytest.fixture
async def queue(store: Any) -> Any:
    """The queue contract's store: PostgreSQL."""
    return store


@pytest.fixture
def rows(postgres_dsn: str, pg_schema: str) -> Rows:
    """Counts the rows of the schema's tokens and leases tables (the purge tests)."""

    async def count() -> tuple[int, int]:
        with _connect(postgres_dsn) as conn:
            conn.execute(f"SET search_path TO {pg_schema}")
            tokens = conn.execute("SELECT COUNT(*) FROM tokens").fetchone()
            leases = conn.execute("SELECT COUNT(*) FROM leases").fetchone()
        assert tokens is not None and leases is not None
        return int(tokens[0]), int(leases[0])

    return count


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


# ------------------------------------------------------------------ contention in one process


def test_fifty_threads_one_lease(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema, max_size=20)
    guard = threading.Lock()
    inside = [0]
    overlaps = [0]
    wins = [0]
    start = threading.Barrier(50)
    deadline = time.monotonic() + 60

    def worker() -> None:
        start.wait()
        mine = 0
        while mine < 3 and time.monotonic() < deadline:
            fence = store.acquire_lease("counter", 30)
            if fence is None:
                time.sleep(0.002)
                continue
            with guard:
                inside[0] += 1
                overlaps[0] += inside[0] > 1
            token = store.get_token("counter")
            value = 0 if token is None else int(token.value)
            assert store.set_token("counter", CachedToken(str(value + 1), time.time() + 60),
                                   fence=fence)
            with guard:
                inside[0] -= 1
                wins[0] += 1
            assert store.release_lease("counter", fence)
            mine += 1

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert overlaps[0] == 0
        assert wins[0] == 150
        assert int(store.get_token("counter").value) == 150  # type: ignore[union-attr]
    finally:
        store.close()


def test_purges_racing_grants_never_take_a_held_lease_on_postgres(
    postgres_dsn: str, pg_schema: str, store_time: StoreTime
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema, clock=store_time, max_size=20)
    try:
        contend_with_purges(store, store_time)  # checks each key's fences grow
    finally:
        store.close()


def test_many_threads_never_share_a_job_on_postgres(postgres_dsn: str, pg_schema: str) -> None:
    from . import queue_workers as qw

    store = PostgresStore(postgres_dsn, schema=pg_schema, max_size=20)
    try:
        previous = qw.fill(store, groups=20, per_group=8)
        claimed: dict[int, int] = {}
        problems = qw.drain(store, previous, 16, claimed=claimed, inside={},
                            guard=threading.Lock(), deadline=time.monotonic() + 90)
        assert problems == []
        assert claimed == dict.fromkeys(previous, 1)
    finally:
        store.close()


async def test_many_tasks_one_lease_on_postgres(postgres_dsn: str, pg_schema: str) -> None:
    store = AsyncPostgresStore(postgres_dsn, schema=pg_schema, max_size=10)
    inside = 0
    overlaps = 0
    wins = 0

    async def worker() -> None:
        nonlocal inside, overlaps, wins
        mine = 0
        while mine < 2:
            fence = await store.acquire_lease("counter", 30)
            if fence is None:
                await asyncio.sleep(0.002)
                continue
            inside += 1
            overlaps += inside > 1
            token = await store.get_token("counter")
            value = 0 if token is None else int(token.value)
            await store.set_token("counter", CachedToken(str(value + 1), time.time() + 60),
                                  fence=fence)
            inside -= 1
            wins += 1
            assert await store.release_lease("counter", fence)
            mine += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(40))), 120)
        assert overlaps == 0 and wins == 80
        assert int((await store.get_token("counter")).value) == 80  # type: ignore[union-attr]
    finally:
        await store.close()
