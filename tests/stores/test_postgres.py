"""The PostgreSQL store on a real server: the whole store contract (every test of the contract,
validation, tenant, schedule and queue modules runs here again with a PostgreSQL store), and
what is PostgreSQL's own: the schema and its upgrade, the indexes that serve due records and
searches, refusals, passwords kept out of messages, a server that stops and comes back, Redis
beside it, threads and asyncio tasks contending."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from wxcomponent.errors import (
    ConfigurationError,
    InvalidArgument,
    StoreCorrupt,
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
from wxcomponent.stores._postgres_ops import MIGRATIONS, SCHEMA_VERSION, PgOps
from wxcomponent.stores._sql_queue import Result, Sql
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


# ------------------------------------------------------------------ the schema


def test_the_schema_is_created_on_first_use_and_versioned(postgres_dsn: str,
                                                          pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    with _connect(postgres_dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                            (pg_schema,)).fetchone() is None  # nothing before the first call
    try:
        assert store.load_ticket(C1) is None
    finally:
        store.close()
    with _connect(postgres_dsn) as conn:
        versions = conn.execute(f"SELECT version FROM {pg_schema}.schema_version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,))}
        assert {"tickets", "authorizers", "tokens", "leases", "jobs", "job_groups"} <= tables


def test_many_processes_starting_together_create_the_schema_once(
    postgres_dsn: str, pg_schema: str
) -> None:
    stores = [PostgresStore(postgres_dsn, schema=pg_schema) for _ in range(8)]
    errors: list[BaseException] = []

    def first_call(store: PostgresStore) -> None:
        try:
            store.count_authorizers(C1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_call, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    with _connect(postgres_dsn) as conn:
        assert conn.execute(f"SELECT COUNT(*) FROM {pg_schema}.schema_version").fetchone() == (
            SCHEMA_VERSION,
        )


def test_a_schema_of_other_tables_is_refused_and_left_alone(
    postgres_dsn: str, pg_schema: str
) -> None:
    with _connect(postgres_dsn) as conn:
        conn.execute(f"CREATE SCHEMA {pg_schema}")
        conn.execute(f"CREATE TABLE {pg_schema}.users (id int)")
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        with pytest.raises(StoreCorrupt, match="users") as caught:
            store.save_ticket(C1, "ticket", 1)
        assert pg_schema in str(caught.value)
    finally:
        store.close()
    with _connect(postgres_dsn) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,))}
    assert tables == {"users"}


async def test_a_newer_schema_is_refused_naming_both_versions(
    postgres_dsn: str, pg_schema: str
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    store.save_ticket(C1, "ticket", 1)
    store.close()
    with _connect(postgres_dsn) as conn:
        conn.execute(f"INSERT INTO {pg_schema}.schema_version VALUES (99, 0)")
    for flavour in (PostgresStore, AsyncPostgresStore):
        again: Any = flavour(postgres_dsn, schema=pg_schema)
        try:
            with pytest.raises(StoreCorrupt) as caught:
                result = again.load_ticket(C1)
                if asyncio.iscoroutine(result):
                    await result
            assert "99" in str(caught.value) and f"version {SCHEMA_VERSION}" in str(caught.value)
        finally:
            closing = again.close()
            if asyncio.iscoroutine(closing):
                await closing


def test_two_schemas_never_see_each_other(postgres_dsn: str, pg_schema: str) -> None:
    other = pg_schema + "_b"
    first = PostgresStore(postgres_dsn, schema=pg_schema)
    second = PostgresStore(f"{postgres_dsn}?schema={other}")
    try:
        first.save_ticket(C1, "first", 1)
        assert second.schema == other
        assert second.load_ticket(C1) is None
        assert first.load_ticket(C1).value == "first"  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()
        with _connect(postgres_dsn) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {other} CASCADE")


def test_appids_page_in_byte_order_whatever_the_database_collation(
    postgres_dsn: str, pg_schema: str
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        appids = ["wxB", "wx_a", "wxa", "wxA", "wx-b", "wx9"]
        for appid in appids:
            store.save_authorizer(AuthorizerRecord(C1, appid, "rt-xxxxxxxx"))
        listed = [r.authorizer_appid for r in store.list_authorizers(C1)]
        assert listed == sorted(appids)
        page = store.list_authorizers(C1, after="wxA", limit=2)
        assert [r.authorizer_appid for r in page] == sorted(appids)[3:5]
    finally:
        store.close()


def test_a_schema_of_version_1_is_upgraded_and_its_records_are_due(
    postgres_dsn: str, pg_schema: str
) -> None:
    with _connect(postgres_dsn) as conn:  # the schema as version 1 of the store made it
        conn.execute(f"CREATE SCHEMA {pg_schema}")
        conn.execute(f"SET search_path TO {pg_schema}")
        conn.execute("CREATE TABLE schema_version "
                     "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
        for statement in MIGRATIONS[0][1]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, 0)")
        conn.execute(
            "INSERT INTO authorizers (component_appid, authorizer_appid, refresh_token, status, "
            "func_info, authorized_at, updated_at, tenant) "
            "VALUES (%s, 'wxa1', 'rt-of-v1', 'authorized', '{1,15}', 1, 2, 'cust-1'), "
            "(%s, 'wxa2', 'rt-of-v1-b', 'revoked', '{1}', 1, 2, NULL)", (C1, C1))
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        old = store.get_authorizer(C1, "wxa1")
        assert old == AuthorizerRecord(C1, "wxa1", "rt-of-v1", func_info=(1, 15),
                                       authorized_at=1.0, updated_at=2.0, tenant="cust-1")
        assert [r.authorizer_appid for r in store.due_authorizers(C1, before=0.0)] == ["wxa1"]
        assert store.search_authorizers(C1, "") == []
        assert store.set_authorizer_name(C1, "wxa2", "Old Shop")
        assert [r.authorizer_appid for r in store.search_authorizers(C1, "old")] == ["wxa2"]
    finally:
        store.close()
    with _connect(postgres_dsn) as conn:
        versions = conn.execute(
            f"SELECT version FROM {pg_schema}.schema_version ORDER BY 1").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        indexes = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (pg_schema,))}
        assert {"authorizers_by_name", "authorizers_by_refresh_at"} <= indexes


def _version_2_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    """The schema as version 2 of the store made it."""
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"SET search_path TO {schema}")
    conn.execute("CREATE TABLE schema_version "
                 "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
    assert [number for number, _ in MIGRATIONS[:2]] == [1, 2]
    for number, statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (%s, 0)", (number,))


def test_a_schema_of_version_2_counts_fences_above_every_fence_it_granted(
    postgres_dsn: str, pg_schema: str, store_time: StoreTime
) -> None:
    with _connect(postgres_dsn) as conn:
        _version_2_schema(conn, pg_schema)
        conn.execute("INSERT INTO leases (key, fence, held_until) VALUES "
                     "(%s, 41, 0), (%s, 7, 1e12)", (f"{C1}:component_access_token",
                                                    f"{C1}:push:old"))
    store = PostgresStore(postgres_dsn, schema=pg_schema, clock=store_time)
    try:
        assert store.acquire_lease(f"{C1}:push:old", 30) is None  # its holder keeps it
        new = store.acquire_lease(f"{C1}:new-key", 30)
        assert new is not None and new > 41  # above every fence granted (a sequence may skip)
        for _ in range(100):  # the released lease's row is purged...
            store.set_token(f"{C1}:x", CachedToken("x", store_time() + 60))
        with _connect(postgres_dsn) as conn:
            conn.execute(f"SET search_path TO {pg_schema}")
            assert conn.execute("SELECT key FROM leases ORDER BY key").fetchall() == [
                (f"{C1}:new-key",), (f"{C1}:push:old",)]
            assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (
                SCHEMA_VERSION,)
        # ...and its key's next fence still exceeds the 41 granted before the upgrade
        again = store.acquire_lease(f"{C1}:component_access_token", 30)
        assert again is not None and again > new
    finally:
        store.close()


def test_a_previous_version_sharing_the_schema_never_makes_a_fence_repeat(
    postgres_dsn: str, pg_schema: str, store_time: StoreTime
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema, clock=store_time)
    try:
        key = f"{C1}:component_access_token"
        assert store.acquire_lease(key, 5) == 1
        store_time.advance(6)
        with _connect(postgres_dsn) as conn:  # the grant of a process of the previous version
            conn.execute(f"SET search_path TO {pg_schema}")
            conn.execute(
                "INSERT INTO leases (key, fence, held_until) VALUES (%s, 1, %s) "
                "ON CONFLICT (key) DO UPDATE SET fence = leases.fence + 1, "
                "held_until = excluded.held_until WHERE leases.held_until <= %s",
                (key, store_time() + 5, store_time()))
        store_time.advance(6)
        assert store.acquire_lease(key, 5) == 3  # the row's fence + 1, not the sequence's 2
    finally:
        store.close()


def test_the_purge_reads_only_what_it_deletes(postgres_dsn: str, pg_schema: str) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        store.load_ticket(C1)  # creates the schema
    finally:
        store.close()
    with _connect(postgres_dsn) as conn:
        conn.execute(f"SET search_path TO {pg_schema}")
        for table, end in (("tokens", "expires_at"), ("leases", "held_until")):
            values = "'v', 5000 + i, 0" if table == "tokens" else "i, 5000 + i"
            conn.execute(  # 20,000 live rows, and 7 expired ones
                f"INSERT INTO {table} SELECT 'k' || i, {values} "
                "FROM generate_series(0, 19999) AS i")
            conn.execute(f"UPDATE {table} SET {end} = 10 WHERE key IN "
                         "('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7')")
            conn.execute(f"ANALYZE {table}")
        op = PgOps(pg_schema).purge(100.0, 1000)
        step = next(op)
        for index in ("tokens_by_expiry", "leases_by_expiry"):
            nodes = _explain(conn, step)
            scans = [n for n in nodes if "Scan" in n["Node Type"]]
            assert ("Index Scan", index) in [(n["Node Type"], n.get("Index Name"))
                                             for n in scans]
            assert not any(n["Node Type"] == "Seq Scan" for n in nodes)
            found = next(n for n in scans if n.get("Index Name") == index)
            assert found["Actual Rows"] == 7
            with contextlib.suppress(StopIteration):
                step = op.send(Result([], 7))
        assert conn.execute("SELECT COUNT(*) FROM tokens").fetchone() == (20000 - 7,)
        assert conn.execute("SELECT COUNT(*) FROM leases").fetchone() == (20000 - 7,)


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


def _explain(conn: psycopg.Connection[Any], step: Sql) -> list[dict[str, Any]]:
    """The nodes of the executed plan of ``step``."""
    text = step.text.replace("?", "%s")
    ((found,),) = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {text}", step.params).fetchall()
    return _plan_nodes(found[0]["Plan"])


def test_due_records_and_searches_read_only_the_rows_they_return(
    postgres_dsn: str, pg_schema: str
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        store.save_authorizer(AuthorizerRecord(C1, "wxd0", "rt-due", name="Due", refresh_at=100))
        store.save_authorizer(AuthorizerRecord(C1, "wxd1", "rt-due", name="Due", refresh_at=200))
    finally:
        store.close()
    with _connect(postgres_dsn) as conn:
        conn.execute(f"SET search_path TO {pg_schema}")
        conn.execute(  # 20,000 accounts scheduled later, under names of their own
            "INSERT INTO authorizers (component_appid, authorizer_appid, refresh_token, status, "
            "func_info, authorized_at, updated_at, name, name_key, refresh_at) "
            "SELECT %s, 'wxn' || lpad(i::text, 5, '0'), 'rt', 'authorized', '{1}', 1, 2, "
            "'Shop ' || lpad(i::text, 5, '0'), 'shop ' || lpad(i::text, 5, '0'), 10000 + i "
            "FROM generate_series(0, 19999) AS i", (C1,))
        conn.execute("ANALYZE authorizers")
        ops = PgOps(pg_schema)
        cases = [
            (ops.due_authorizers(C1, 5000.0, 10), "authorizers_by_refresh_at", 2),
            (ops.search_authorizers(C1, "shop 0299", None, 100), "authorizers_by_name", 10),
            (ops.search_authorizers(C1, "SHOP", ("shop 01000", "wxn01000"), 3),
             "authorizers_by_name", 3),
        ]
        for op, index, returned in cases:
            nodes = _explain(conn, next(op))
            scans = [n for n in nodes if "Scan" in n["Node Type"]]
            assert [(n["Node Type"], n.get("Index Name")) for n in scans] == [
                ("Index Scan", index)]
            assert scans[0]["Actual Rows"] == returned
            assert scans[0].get("Rows Removed by Filter", 0) == 0
            assert not any(n["Node Type"] == "Sort" for n in nodes)  # the index's own order


def test_names_and_schedules_commit_without_waiting_for_the_disk(
    postgres_dsn: str, pg_schema: str
) -> None:
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-one"))
    finally:
        store.close()
    ops = PgOps(pg_schema)
    # a session whose commits wait for the disk, as a production server's do
    with psycopg.connect(postgres_dsn, autocommit=True,
                         options="-c synchronous_commit=on") as conn:
        conn.execute(f"SET search_path TO {pg_schema}")

        def commit_mode(step: Sql) -> str:
            text = step.text.replace("?", "%s")
            found = conn.execute(f"{text} RETURNING current_setting('synchronous_commit')",
                                 step.params).fetchall()
            assert len(found) == 1
            return str(found[0][0])

        assert commit_mode(next(ops.schedule_refresh(C1, "wxa1", 5.0))) == "off"
        assert commit_mode(next(ops.set_authorizer_name(C1, "wxa1", "Shop"))) == "off"
        # a refresh token is a credential: its commit waits
        assert commit_mode(next(ops.replace_refresh_token(C1, "wxa1", None, "rt-2", 1.0))) == "on"
        # and the setting held for those statements alone
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        assert conn.execute("SELECT name, refresh_at FROM authorizers").fetchall() == [
            ("Shop", 5.0)]


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
