"""The PostgreSQL store's schema on a real server: created once and versioned, refused when
foreign or newer, upgraded from every older version, and the indexes that serve due records,
searches and the purge."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import psycopg
import pytest

from wxcomponent.errors import StoreCorrupt
from wxcomponent.stores import (
    AsyncPostgresStore,
    AuthorizerRecord,
    CachedToken,
    PostgresStore,
    _args,
)
from wxcomponent.stores._postgres_ops import MIGRATIONS, SCHEMA_VERSION, PgOps
from wxcomponent.stores._sql_queue import Result, Sql

from ..support.stores import StoreTime

C1 = "wxcomponent0000001"


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
            (ops.records.due_authorizers(_args.DueAuthorizers(C1, 5000.0, 10), 0.0),
             "authorizers_by_refresh_at", 2),
            (ops.records.search_authorizers(
                _args.SearchAuthorizers(C1, "shop 0299", None, 100), 0.0),
             "authorizers_by_name", 10),
            (ops.records.search_authorizers(
                _args.SearchAuthorizers(C1, "SHOP", ("shop 01000", "wxn01000"), 3), 0.0),
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

        assert commit_mode(next(ops.records.schedule_refresh(
            _args.ScheduleRefresh(C1, "wxa1", 5.0), 0.0))) == "off"
        assert commit_mode(next(ops.records.set_authorizer_name(
            _args.SetAuthorizerName(C1, "wxa1", "Shop", None), 0.0))) == "off"
        # a refresh token is a credential: its commit waits
        assert commit_mode(next(ops.records.replace_refresh_token(
            _args.ReplaceRefreshToken(C1, "wxa1", None, "rt-2"), 1.0))) == "on"
        # and the setting held for those statements alone
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        assert conn.execute("SELECT name, refresh_at FROM authorizers").fetchall() == [
            ("Shop", 5.0)]
