"""The time of an authorizer's latest authorization change (``auth_event_at``) in data written
before it existed: a SQLite file of schema version 1, a PostgreSQL schema of version 3 and a
Redis hash without the field all read as 0, and from then on an older change does nothing.
(The rule on every backend, Redis beside a durable store included, is ``test_contract``'s.)"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import psycopg
import redis

from wxcomponent.stores import AuthorizerRecord, RedisStore, SQLiteStore, Store
from wxcomponent.stores import _postgres_ops as pg
from wxcomponent.stores import sqlite as sqlite_store
from wxcomponent.stores.postgres import PostgresStore

C1 = "wxcomponent0000001"
DATA = Path(__file__).parent / "data"


def _the_rule_holds(store: Store, appid: str) -> None:
    """An upgraded record reads 0, takes a time, and then refuses an older change."""
    old = store.get_authorizer(C1, appid)
    assert old is not None and old.auth_event_at == 0
    assert store.save_authorizer(dataclasses.replace(old, auth_event_at=1800000000))
    assert store.mark_revoked(C1, appid, event_at=1799999999) is False
    assert store.get_authorizer(C1, appid).status == "authorized"  # type: ignore[union-attr]
    assert store.save_authorizer(dataclasses.replace(old, status="revoked",
                                                     auth_event_at=1700000000)) is False
    assert store.mark_revoked(C1, appid, event_at=1800000001) is True
    after = store.get_authorizer(C1, appid)
    assert after is not None and (after.status, after.auth_event_at) == ("revoked", 1800000001)


def test_a_sqlite_file_of_schema_version_1_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    shutil.copyfile(DATA / "schema-v1.sqlite3", path)
    store = SQLiteStore(path)
    try:
        _the_rule_holds(store, "wxa1")
    finally:
        store.close()
    again = SQLiteStore(path)  # the migrated file keeps the time
    try:
        assert again.get_authorizer(C1, "wxa1").auth_event_at == 1800000001  # type: ignore[union-attr]
    finally:
        again.close()
    assert "ALTER TABLE authorizers ADD COLUMN auth_event_at INTEGER NOT NULL DEFAULT 0" \
        in dict(sqlite_store.MIGRATIONS)[6]


def test_a_postgres_schema_of_version_3_is_upgraded(postgres_dsn: str, pg_schema: str) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:  # as version 3 made it
        conn.execute(f"CREATE SCHEMA {pg_schema}")
        conn.execute(f"SET search_path TO {pg_schema}")
        conn.execute("CREATE TABLE schema_version "
                     "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
        for number, statements in pg.MIGRATIONS[:3]:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (%s, 0)", (number,))
        conn.execute(
            "INSERT INTO authorizers (component_appid, authorizer_appid, refresh_token, status, "
            "func_info, authorized_at, updated_at) "
            "VALUES (%s, 'wxa1', 'rt-of-v3', 'authorized', '{1}', 1, 2)", (C1,))
    store = PostgresStore(postgres_dsn, schema=pg_schema)
    try:
        _the_rule_holds(store, "wxa1")
    finally:
        store.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        versions = conn.execute(f"SELECT version FROM {pg_schema}.schema_version ORDER BY 1")
        assert [v for (v,) in versions] == list(range(1, pg.SCHEMA_VERSION + 1))


def test_a_redis_record_without_the_field_reads_0(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(redis_url)
    try:
        store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-of-an-older-version"))
        client.hdel(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "auth_event_at")  # as it was
        _the_rule_holds(store, "wxa1")
    finally:
        store.close()
        client.close()
