"""The tenant of an authorizer: kept by every backend and flavour, never dropped by a save
that does not name one, changed only by ``set_authorizer_tenant``; the SQLite schema migrates
a file written by schema version 1."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import MemoryStore, RedisStore, SQLiteStore
from wxcomponent.stores.sqlite import SCHEMA_VERSION

from ..support.stores import StoreTime
from .records import C1, record

DATA = Path(__file__).parent / "data"


async def test_tenant_round_trips_and_shows_in_listings(store: Any) -> None:
    await store.save_authorizer(record(tenant="customer-42"))
    await store.save_authorizer(record("wxa2"))
    assert (await store.get_authorizer(C1, "wxa1")).tenant == "customer-42"
    assert (await store.get_authorizer(C1, "wxa2")).tenant is None
    listed = {r.authorizer_appid: r.tenant for r in await store.list_authorizers(C1)}
    assert listed == {"wxa1": "customer-42", "wxa2": None}


async def test_a_save_without_tenant_keeps_the_stored_one(store: Any) -> None:
    await store.save_authorizer(record(tenant="shop 7 / 北京"))
    # a new code exchange: a full record, tenant unknown to the exchanging code
    await store.save_authorizer(record(refresh_token="rt-after-exchange", func_info=(1,)))
    again = await store.get_authorizer(C1, "wxa1")
    assert (again.refresh_token, again.func_info, again.tenant) == (
        "rt-after-exchange", (1,), "shop 7 / 北京"
    )
    # a rotation of the refresh token keeps it too
    assert await store.replace_refresh_token(C1, "wxa1", "rt-after-exchange", "rt-rotated")
    assert (await store.get_authorizer(C1, "wxa1")).tenant == "shop 7 / 北京"
    # revocation keeps it
    assert await store.mark_revoked(C1, "wxa1")
    assert (await store.get_authorizer(C1, "wxa1")).tenant == "shop 7 / 北京"
    # a save naming another tenant replaces it
    await store.save_authorizer(record(tenant="customer-43"))
    assert (await store.get_authorizer(C1, "wxa1")).tenant == "customer-43"


async def test_set_authorizer_tenant(store: Any, store_time: StoreTime) -> None:
    assert await store.set_authorizer_tenant(C1, "wxa1", "customer-1") is False
    assert await store.get_authorizer(C1, "wxa1") is None  # nothing was created
    await store.save_authorizer(record())
    store_time.advance(5)
    assert await store.set_authorizer_tenant(C1, "wxa1", "customer-1") is True
    changed = await store.get_authorizer(C1, "wxa1")
    assert changed.tenant == "customer-1"
    assert changed.updated_at == store_time.now
    assert dataclasses.replace(changed, tenant=None, updated_at=1700000001.0) == record()
    assert await store.set_authorizer_tenant(C1, "wxa1", "customer-2") is True
    assert (await store.get_authorizer(C1, "wxa1")).tenant == "customer-2"
    assert await store.set_authorizer_tenant(C1, "wxa1", None) is True  # cleared
    assert (await store.get_authorizer(C1, "wxa1")).tenant is None
    # other authorizers and platforms are untouched
    await store.save_authorizer(record("wxa2", tenant="customer-9"))
    await store.set_authorizer_tenant(C1, "wxa1", "customer-3")
    assert (await store.get_authorizer(C1, "wxa2")).tenant == "customer-9"
    assert await store.set_authorizer_tenant("wxcomponent0000002", "wxa1", "x") is False


async def test_the_longest_tenant_is_kept(store: Any) -> None:
    longest = "t" * 127 + "末"
    await store.save_authorizer(record(tenant=longest))
    assert (await store.get_authorizer(C1, "wxa1")).tenant == longest


BAD_TENANTS = ["", "x" * 129, "line\nbreak", "tab\there", "nul\x00", 42, b"bytes"]


@pytest.mark.parametrize("tenant", BAD_TENANTS, ids=repr)
async def test_bad_tenants_are_refused_and_nothing_changes(store: Any, tenant: Any) -> None:
    await store.save_authorizer(record(tenant="kept"))
    with pytest.raises(InvalidArgument) as caught:
        await store.save_authorizer(record(refresh_token="rt-new-xxxx", tenant=tenant))
    assert caught.value.argument == "tenant"
    with pytest.raises(InvalidArgument) as caught:
        await store.set_authorizer_tenant(C1, "wxa1", tenant)
    assert caught.value.argument == "tenant"
    stored = await store.get_authorizer(C1, "wxa1")
    assert (stored.tenant, stored.refresh_token) == ("kept", "rt-wxa1-secret-value")


async def test_set_authorizer_tenant_checks_the_appids(store: Any) -> None:
    for args in (("", "wxa1"), (C1, ""), (C1, "a:b"), (None, "wxa1")):
        with pytest.raises(InvalidArgument):
            await store.set_authorizer_tenant(*args, "customer")


def test_the_tenant_shows_in_the_repr_and_the_refresh_token_does_not() -> None:
    shown = repr(record(tenant="customer-42"))
    assert "tenant='customer-42'" in shown
    assert "rt-wxa1-secret-value" not in shown


def test_a_durable_store_beside_redis_keeps_the_tenant(redis_url: str, tmp_path: Path) -> None:
    durable = SQLiteStore(tmp_path / "durable.sqlite3")
    store = RedisStore(redis_url, prefix="tenant", durable=durable)
    try:
        store.save_authorizer(record(tenant="customer-42"))
        store.save_authorizer(record(refresh_token="rt-again-xxxxxxxx"))
        assert store.get_authorizer(C1, "wxa1").tenant == "customer-42"  # type: ignore[union-attr]
        assert durable.get_authorizer(C1, "wxa1").tenant == "customer-42"  # type: ignore[union-attr]
        assert store.set_authorizer_tenant(C1, "wxa1", "customer-43")
        assert durable.get_authorizer(C1, "wxa1").tenant == "customer-43"  # type: ignore[union-attr]
        store.client.flushdb()  # Redis lost: the mirror is repaired from the durable store
        assert store.get_authorizer(C1, "wxa1").tenant == "customer-43"  # type: ignore[union-attr]
    finally:
        store.close()
        durable.close()


def test_redis_reads_records_written_before_tenants_existed(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="old")
    try:
        store.save_authorizer(record(tenant="customer-42"))
        store.client.hdel(f"old:{{{C1}}}:authorizer:wxa1", "tenant")  # as an older version wrote it
        assert store.get_authorizer(C1, "wxa1").tenant is None  # type: ignore[union-attr]
        store.save_authorizer(record())
        assert store.set_authorizer_tenant(C1, "wxa1", "customer-1")
        assert store.get_authorizer(C1, "wxa1").tenant == "customer-1"  # type: ignore[union-attr]
    finally:
        store.close()


def test_sqlite_migrates_a_file_written_by_schema_version_1(tmp_path: Path) -> None:
    # schema-v1.sqlite3 was written by the SQLiteStore of schema version 1
    path = tmp_path / "v1.sqlite3"
    shutil.copyfile(DATA / "schema-v1.sqlite3", path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (1,)
    conn.close()
    store = SQLiteStore(path)
    try:
        first = store.get_authorizer(C1, "wxa1")
        assert first is not None
        assert (first.refresh_token, first.func_info, first.tenant) == (
            "rt-of-v1-wxa1", (1, 15), None
        )
        revoked = store.get_authorizer(C1, "wxa2")
        assert revoked is not None and (revoked.status, revoked.revoked_at) == (
            "revoked", 1699996000.0
        )
        assert store.load_ticket(C1).value == "ticket-of-v1"  # type: ignore[union-attr]
        token = store.get_token(f"{C1}:component_access_token")
        assert token is not None and token.value == "token-of-v1"
        assert store.set_authorizer_tenant(C1, "wxa1", "customer-1")
        store.save_authorizer(dataclasses.replace(first, refresh_token="rt-new-value"))
        assert store.get_authorizer(C1, "wxa1").tenant == "customer-1"  # type: ignore[union-attr]
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    # opening the migrated file again changes nothing
    again = SQLiteStore(path)
    assert again.get_authorizer(C1, "wxa1").tenant == "customer-1"  # type: ignore[union-attr]
    again.close()


def test_memory_store_keeps_the_tenant_across_saves() -> None:
    store = MemoryStore()
    store.save_authorizer(record(tenant="customer-42"))
    store.save_authorizer(record())
    assert store.get_authorizer(C1, "wxa1").tenant == "customer-42"  # type: ignore[union-attr]
