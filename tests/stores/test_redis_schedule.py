"""Names and the refresh schedule on Redis (the contract of ``test_schedule`` runs on it, with
and without a durable store beside it, through the ``store`` fixture of ``conftest``): what is
Redis's own: the ``due`` and ``names`` indexes kept in step with the records, reads that touch
only the records they return, and records written before names and the schedule existed,
indexed on first use."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import redis

from wxcomponent.stores import (
    AsyncRedisStore,
    AuthorizerRecord,
    RedisStore,
    SQLiteStore,
    _redis_ops,
)

from ..support.stores import Awaiting

C1 = "wxcomponent0000001"
SEP = "\x00"


def rec(appid: str = "wxa1", **changes: Any) -> AuthorizerRecord:
    base = AuthorizerRecord(C1, appid, f"rt-{appid}-secret-value", func_info=(1, 15),
                            authorized_at=1700000000.0, updated_at=1700000001.0)
    return dataclasses.replace(base, **changes)


@pytest.fixture
def client(redis_url: str) -> Any:
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    yield raw
    raw.close()


def _due(client: Any, prefix: str = "wxcomponent") -> list[tuple[str, float]]:
    return [(m, s) for m, s in client.zrange(f"{prefix}:{{{C1}}}:due", 0, -1, withscores=True)]


def _names(client: Any, prefix: str = "wxcomponent") -> list[str]:
    return list(client.zrange(f"{prefix}:{{{C1}}}:names", 0, -1))


# ------------------------------------------------------------------ the indexes


def test_the_due_and_names_indexes_follow_the_records(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url)
    try:
        store.save_authorizer(rec(name="Coffee Shop"))
        assert _due(client) == [("wxa1", 0.0)]  # new: due at once
        assert _names(client) == [f"coffee shop{SEP}wxa1"]
        assert store.schedule_refresh(C1, "wxa1", 7200.5)
        assert _due(client) == [("wxa1", 7200.5)]
        store.save_authorizer(rec(refresh_token="rt-exchanged"))  # keeps name and schedule
        assert (_due(client), _names(client)) == ([("wxa1", 7200.5)], [f"coffee shop{SEP}wxa1"])
        assert store.set_authorizer_name(C1, "wxa1", "ＴＥＡ House")
        assert _names(client) == [f"tea house{SEP}wxa1"]
        store.save_authorizer(rec(name="Juice"))
        assert _names(client) == [f"juice{SEP}wxa1"]
        assert store.mark_revoked(C1, "wxa1")
        assert _due(client) == []  # a revoked account is never due
        assert store.schedule_refresh(C1, "wxa1", 100.0)
        assert _due(client) == []  # not even once rescheduled
        assert _names(client) == [f"juice{SEP}wxa1"]  # but it is still found by name
        store.save_authorizer(rec())  # authorized again: due at its stored time
        assert _due(client) == [("wxa1", 100.0)]
        assert store.set_authorizer_name(C1, "wxa1", None)
        assert _names(client) == []
        assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "name") == ""
    finally:
        store.close()


def test_with_a_durable_store_the_writes_land_there_and_reads_come_from_there(
    redis_url: str, client: Any, tmp_path: Path
) -> None:
    durable = SQLiteStore(tmp_path / "durable.sqlite3")
    store = RedisStore(redis_url, durable=durable)
    try:
        store.save_authorizer(rec(name="Coffee Shop"))
        store.save_authorizer(rec("wxa2", name="Coffee Bar"))
        assert store.schedule_refresh(C1, "wxa1", 500.0)
        assert store.set_authorizer_name(C1, "wxa2", "Tea Bar")
        kept = durable.get_authorizer(C1, "wxa1")
        assert kept is not None and (kept.name, kept.refresh_at) == ("Coffee Shop", 500.0)
        assert durable.get_authorizer(C1, "wxa2").name == "Tea Bar"  # type: ignore[union-attr]
        # the mirror and its indexes hold what the durable store holds
        assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa2", "name") == "Tea Bar"
        assert _due(client) == [("wxa2", 0.0), ("wxa1", 500.0)]
        assert _names(client) == [f"coffee shop{SEP}wxa1", f"tea bar{SEP}wxa2"]
        client.flushdb()  # Redis lost: searches and due records come from the durable store
        assert [r.authorizer_appid for r in store.search_authorizers(C1, "tea")] == ["wxa2"]
        due = store.due_authorizers(C1, before=1000.0)
        assert [(r.authorizer_appid, r.refresh_at) for r in due] == [
            ("wxa2", 0.0), ("wxa1", 500.0)]
        assert store.mark_revoked(C1, "wxa2")
        assert [r.authorizer_appid for r in store.due_authorizers(C1, before=1000.0)] == ["wxa1"]
        assert durable.get_authorizer(C1, "wxa2").status == "revoked"  # type: ignore[union-attr]
        assert _due(client) == []  # the mirror of a revoked record is not due either
    finally:
        store.close()
        durable.close()


def _reads_of_records(client: Any) -> int:
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_hgetall", {}).get("calls", 0))


def test_due_and_search_read_only_the_records_they_return(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url)
    try:
        for i in range(3000):
            store.save_authorizer(rec(f"wxn{i:05d}", name=f"Shop {i:05d}",
                                      refresh_at=10_000.0 + i))
        for i in range(4):
            store.save_authorizer(rec(f"wxd{i}", name=f"Due {i}", refresh_at=100.0 + i))
        client.config_resetstat()
        due = store.due_authorizers(C1, before=5000.0, limit=10)
        assert [r.authorizer_appid for r in due] == ["wxd0", "wxd1", "wxd2", "wxd3"]
        assert _reads_of_records(client) == 4
        client.config_resetstat()
        found = store.search_authorizers(C1, "shop 0299")
        assert [r.authorizer_appid for r in found] == [f"wxn0{i:04d}" for i in range(2990, 3000)]
        assert _reads_of_records(client) == 10
        client.config_resetstat()
        page = store.search_authorizers(C1, "shop", after=("shop 01000", "wxn01000"), limit=3)
        assert [r.authorizer_appid for r in page] == ["wxn01001", "wxn01002", "wxn01003"]
        assert _reads_of_records(client) == 3
    finally:
        store.close()


# ------------------------------------------------------------------ records of older versions


def _old_record(client: Any, appid: str, *, status: str = "authorized", **extra: str) -> None:
    """A record as versions before names and the schedule wrote it (hash-tagged layout)."""
    client.hset(f"wxcomponent:{{{C1}}}:authorizer:{appid}", mapping={
        "refresh_token": f"rt-{appid}-old", "status": status, "func_info": "1,15",
        "authorized_at": "1.0", "updated_at": "2.0",
        "revoked_at": "3.0" if status == "revoked" else "", "tenant": "", **extra})
    client.zadd(f"wxcomponent:{{{C1}}}:authorizers", {appid: 0})
    client.zadd(f"wxcomponent:{{{C1}}}:authorizers:{status}", {appid: 0})


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_records_written_before_the_schedule_are_due_after_an_upgrade(
    redis_url: str, client: Any, monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    monkeypatch.setattr(_redis_ops, "INDEX_BATCH", 3)  # several batches, the last one short
    for i in range(7):
        _old_record(client, f"wxa{i}")
    _old_record(client, "wxr1", status="revoked")
    # indexed by a newer process meanwhile: kept as it is
    _old_record(client, "wxa7", refresh_at="900.0", name="Kept", name_key="kept")
    client.zadd(f"wxcomponent:{{{C1}}}:due", {"wxa7": 900.0})
    client.set(f"wxcomponent:{{{C1}}}:layout", "2")  # what the previous version left
    store: Any = Awaiting(RedisStore(redis_url)) if flavour == "sync" else AsyncRedisStore(
        redis_url)
    try:
        old = await store.get_authorizer(C1, "wxa0")
        assert (old.name, old.refresh_at, old.refresh_token) == (None, 0.0, "rt-wxa0-old")
        due = await store.due_authorizers(C1, before=1000.0)
        assert [(r.authorizer_appid, r.refresh_at) for r in due] == [
            *((f"wxa{i}", 0.0) for i in range(7)), ("wxa7", 900.0)]
        assert client.get(f"wxcomponent:{{{C1}}}:layout") == "4"
        assert [r.authorizer_appid for r in await store.search_authorizers(C1, "k")] == ["wxa7"]
        # the old records take part in the schedule and the names like any other
        assert await store.schedule_refresh(C1, "wxa0", 5000.0)
        assert await store.set_authorizer_name(C1, "wxa1", "Renamed")
        assert "wxa0" not in [r.authorizer_appid for r in await store.due_authorizers(
            C1, before=1000.0)]
        assert [r.authorizer_appid for r in await store.search_authorizers(C1, "ren")] == [
            "wxa1"]
        assert await store.mark_revoked(C1, "wxa2")
        assert len(await store.due_authorizers(C1, before=1000.0)) == 6
    finally:
        await store.close()


def test_a_platform_is_indexed_once(redis_url: str, client: Any) -> None:
    first = RedisStore(redis_url)
    try:
        first.save_authorizer(rec())
        assert client.get(f"wxcomponent:{{{C1}}}:layout") == "4"
        # a record whose due entry went missing is not put back by another store's first use:
        # the marker says the platform is indexed, and nothing scans it again
        client.zrem(f"wxcomponent:{{{C1}}}:due", "wxa1")
        second = RedisStore(redis_url)
        try:
            assert second.due_authorizers(C1, before=0.0) == []
        finally:
            second.close()
    finally:
        first.close()
