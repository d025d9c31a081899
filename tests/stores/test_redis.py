"""Redis specifics: key layout, expiry, persistence warning, the durable store beside Redis,
unreachable servers, and clients given by the caller."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from wxcomponent.errors import (
    ConfigurationError,
    InvalidArgument,
    StoreCorrupt,
    StoreUnavailable,
)
from wxcomponent.stores import (
    AsyncMemoryStore,
    AsyncRedisStore,
    AuthorizerRecord,
    CachedToken,
    MemoryStore,
    RedisStore,
    SQLiteStore,
)
from wxcomponent.stores._redis_ops import RedisOps

from ..support.servers import free_port

C1 = "wxcomponent0000001"
SECRET_RT = "refresh-token-that-must-stay-secret"
OPS = RedisOps("wxcomponent", durable=False, clock=time.time)  # names the keys
OPS_WXC = RedisOps("wxc", durable=False, clock=time.time)
TOK = OPS.token_key("tok")


def record(appid: str = "wxa1", rt: str = SECRET_RT) -> AuthorizerRecord:
    return AuthorizerRecord(C1, appid, rt, func_info=(1, 2), authorized_at=1.0, updated_at=2.0)


@pytest.fixture
def client(redis_url: str) -> Any:
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    yield raw
    raw.close()


# ------------------------------------------------------------------ layout and expiry


def test_keys_are_prefixed_and_keyed_by_component_appid(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url, prefix="wxc")
    store.save_ticket(C1, "ticket", 1)
    store.save_authorizer(record())
    assert store.set_authorizer_name(C1, "wxa1", "Shop")
    store.set_token(f"{C1}:tok", CachedToken("value", time.time() + 60))
    store.set_token("bare", CachedToken("value", time.time() + 60))
    fence = store.acquire_lease(f"{C1}:tok", 30)
    assert fence is not None
    assert set(client.keys("*")) == {
        f"wxc:{{{C1}}}:ticket",
        f"wxc:{{{C1}}}:authorizer:wxa1",
        f"wxc:{{{C1}}}:authorizers",
        f"wxc:{{{C1}}}:authorizers:authorized",
        f"wxc:{{{C1}}}:due",
        f"wxc:{{{C1}}}:names",
        f"wxc:{{{C1}}}:layout",
        f"wxc:{{{C1}}}:token:{C1}:tok",
        f"wxc:{{{C1}}}:lease:{C1}:tok",
        f"wxc:{{{C1}}}:fences",
        OPS_WXC.token_key("bare"),
    }
    assert OPS_WXC.token_key("bare").startswith("wxc:{~")  # no appid in it: a digest tag
    assert client.ttl(f"wxc:{{{C1}}}:ticket") == -1  # a ticket never expires by TTL
    assert client.ttl(f"wxc:{{{C1}}}:authorizer:wxa1") == -1
    store.close()


def test_token_expiry_in_redis_matches_expires_at(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url)
    store.set_token("tok", CachedToken("value", time.time() + 100))
    assert 98_000 <= client.pttl(TOK) <= 100_000
    fence = store.acquire_lease("tok", 7.5)
    assert 7_000 <= client.pttl(OPS.lease_key("tok")) <= 7_500
    assert store.set_token("tok", CachedToken("v2", time.time() + 50), fence=fence)
    assert 48_000 <= client.pttl(TOK) <= 50_000
    store.close()


def test_two_prefixes_never_see_each_other(redis_url: str) -> None:
    one, two = RedisStore(redis_url, prefix="one"), RedisStore(redis_url, prefix="two")
    one.save_ticket(C1, "ticket-one", 1)
    one.set_token("k", CachedToken("v", time.time() + 60))
    assert one.acquire_lease("k", 30) is not None
    assert two.load_ticket(C1) is None
    assert two.get_token("k") is None
    assert two.acquire_lease("k", 30) is not None
    one.close()
    two.close()


@pytest.mark.parametrize("prefix", ["", "a:", ":a", "a::b", "a b", 5, "a{b}", "{x"])
def test_bad_prefixes_are_refused(redis_url: str, prefix: Any) -> None:
    with pytest.raises(InvalidArgument) as caught:
        RedisStore(redis_url, prefix=prefix)
    assert caught.value.argument == "prefix"


def test_lua_scripts_are_reloaded_after_script_flush(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url)
    fence = store.acquire_lease("k", 30)
    client.script_flush()
    assert store.release_lease("k", fence) is True
    assert store.acquire_lease("k", 30) == fence + 1
    store.close()


def test_foreign_data_under_our_keys_gives_store_corrupt(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url)
    client.set(f"wxcomponent:{{{C1}}}:ticket", "a string, not a hash")
    with pytest.raises(StoreCorrupt):
        store.load_ticket(C1)
    client.set(OPS.token_key("k"), "garbage")
    with pytest.raises(StoreCorrupt):
        store.get_token("k")
    store.close()


def test_a_client_without_decoding_works(redis_url: str) -> None:
    raw = redis.Redis.from_url(redis_url)  # replies are bytes
    store = RedisStore(raw)
    store.save_ticket(C1, "ticket", 7)
    store.save_authorizer(record())
    token = CachedToken("value with spaces", time.time() + 60, 1.5)
    store.set_token("k", token)
    assert store.load_ticket(C1).value == "ticket"  # type: ignore[union-attr]
    assert store.get_authorizer(C1, "wxa1") == record()
    assert store.list_authorizers(C1) == [record()]
    assert store.get_token("k") == token
    assert store.delete_token("k", if_value="value with spaces")
    store.close()
    assert raw.ping()  # a client we were given is not closed
    raw.close()


async def test_aio_view_of_a_client_store_reaches_the_same_data(redis_url: str) -> None:
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(raw, prefix="p")
    store.save_ticket(C1, "ticket", 7)
    view = store.aio
    assert (await view.load_ticket(C1)).value == "ticket"  # type: ignore[union-attr]
    await view.close()
    store.close()
    raw.close()


async def test_aio_view_of_a_url_store(redis_url: str) -> None:
    store = RedisStore(redis_url)
    view = store.aio
    assert await view.acquire_lease("k", 30) == 1
    assert store.acquire_lease("k", 30) is None
    await view.close()
    store.close()


# ------------------------------------------------------------------ persistence warning


def _aof_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.levelno == logging.WARNING and "appendonly" in r.getMessage()
    ]


def test_without_durable_one_warning_about_aof(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wxcomponent.stores")
    store = RedisStore(redis_url)
    store.get_token("k")
    store.get_token("k")
    store.save_ticket(C1, "t", 1)
    warnings = _aof_warnings(caplog)
    assert len(warnings) == 1
    assert "127.0.0.1" in warnings[0].getMessage()
    store.close()


async def test_async_store_warns_too(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wxcomponent.stores")
    store = AsyncRedisStore(redis_url)
    await store.get_token("k")
    await store.get_token("k")
    assert len(_aof_warnings(caplog)) == 1
    await store.close()


def test_no_warning_with_aof_on(
    redis_url: str, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wxcomponent.stores")
    client.config_set("appendonly", "yes")
    try:
        store = RedisStore(redis_url)
        store.get_token("k")
        store.close()
    finally:
        client.config_set("appendonly", "no")
    assert _aof_warnings(caplog) == []


def test_no_warning_with_a_durable_store(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wxcomponent.stores")
    store = RedisStore(redis_url, durable=MemoryStore())
    store.get_token("k")
    assert _aof_warnings(caplog) == []
    store.close()


class NoConfigRedis(redis.Redis):
    """A client for a server where CONFIG is disabled (renamed away)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if args and str(args[0]).upper() == "CONFIG":
            raise redis.ResponseError("unknown command 'CONFIG'")
        return super().execute_command(*args, **options)


def test_config_disabled_is_tolerated_with_a_warning(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wxcomponent.stores")
    raw = NoConfigRedis.from_url(redis_url, decode_responses=True)
    store = RedisStore(raw)
    assert store.save_ticket(C1, "ticket", 1)
    assert store.load_ticket(C1).value == "ticket"  # type: ignore[union-attr]
    warnings = _aof_warnings(caplog)
    assert len(warnings) == 1
    assert "CONFIG" in warnings[0].getMessage()
    raw.close()


# ------------------------------------------------------------------ durable beside Redis


def test_durable_store_is_written_first_and_survives_a_flush(
    redis_url: str, client: Any, tmp_path: Path
) -> None:
    frozen = time.time()

    def clock() -> float:  # one time for both: the mirror is not read back
        return frozen

    durable = SQLiteStore(tmp_path / "durable.sqlite3", clock=clock)
    store = RedisStore(redis_url, durable=durable, clock=clock)
    assert store.save_ticket(C1, "ticket", 10)
    store.save_authorizer(record("wxa1"))
    store.save_authorizer(record("wxa2", rt="rt-two-xxxxxxxxxxxx"))
    assert durable.load_ticket(C1).value == "ticket"  # type: ignore[union-attr]
    assert durable.get_authorizer(C1, "wxa1") == record("wxa1")
    assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "refresh_token") == SECRET_RT
    stored_ticket = store.load_ticket(C1)

    client.flushdb()  # a Redis without persistence restarts
    assert store.load_ticket(C1) == stored_ticket
    assert store.get_authorizer(C1, "wxa1") == record("wxa1")
    # the reads repaired Redis
    assert client.hget(f"wxcomponent:{{{C1}}}:ticket", "value") == "ticket"
    assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "refresh_token") == SECRET_RT
    # listing and counting ask the durable store: nothing is missing after the flush
    assert [r.authorizer_appid for r in store.list_authorizers(C1)] == ["wxa1", "wxa2"]
    assert store.count_authorizers(C1) == 2
    assert store.count_authorizers(C1, status="revoked") == 0

    assert store.replace_refresh_token(C1, "wxa2", "rt-two-xxxxxxxxxxxx", "rt-2b")
    assert durable.get_authorizer(C1, "wxa2").refresh_token == "rt-2b"  # type: ignore[union-attr]
    assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa2", "refresh_token") == "rt-2b"
    assert not store.replace_refresh_token(C1, "wxa2", "rt-two-xxxxxxxxxxxx", "rt-2c")
    assert store.mark_revoked(C1, "wxa2")
    assert durable.get_authorizer(C1, "wxa2").status == "revoked"  # type: ignore[union-attr]
    assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa2", "status") == "revoked"
    assert store.count_authorizers(C1, status="revoked") == 1
    # an older ticket loses in both places
    assert not store.save_ticket(C1, "older", 5)
    assert store.load_ticket(C1).value == "ticket"  # type: ignore[union-attr]
    store.close()
    durable.close()


class FailingDurable(MemoryStore):
    """A durable store whose writes fail."""

    def save_authorizer(self, record: AuthorizerRecord) -> None:
        from wxcomponent.errors import StoreUnavailable

        raise StoreUnavailable("durable store down")


def test_a_failed_durable_write_leaves_nothing_in_redis(redis_url: str, client: Any) -> None:
    store = RedisStore(redis_url, durable=FailingDurable())
    with pytest.raises(StoreUnavailable, match="durable store down"):
        store.save_authorizer(record())
    assert client.exists(f"wxcomponent:{{{C1}}}:authorizer:wxa1") == 0
    assert store.get_authorizer(C1, "wxa1") is None


def test_redis_down_means_the_durable_store_is_not_written(tmp_path: Path) -> None:
    durable = MemoryStore()
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", durable=durable)
    with pytest.raises(StoreUnavailable):
        store.save_authorizer(record())
    assert durable.get_authorizer(C1, "wxa1") is None


class RacingDurable(MemoryStore):
    """Between a reader's durable read and its repair of Redis, another writer rotates the
    refresh token: the reader's repair must not put the old token back into Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.writer: RedisStore | None = None

    def get_authorizer(self, component_appid: str, authorizer_appid: str) -> Any:
        seen = super().get_authorizer(component_appid, authorizer_appid)
        writer, self.writer = self.writer, None
        if writer is not None:  # once, during the reader's repair
            assert writer.replace_refresh_token(component_appid, authorizer_appid, None, "rt-new")
        return seen


def test_a_slow_reader_cannot_put_back_a_replaced_refresh_token(
    redis_url: str, client: Any
) -> None:
    durable = RacingDurable()
    reader = RedisStore(redis_url, durable=durable)
    writer = RedisStore(redis_url, durable=durable)
    reader.save_authorizer(record(rt="rt-old"))
    client.delete(f"wxcomponent:{{{C1}}}:authorizer:wxa1")  # the mirror is gone (evicted)
    durable.writer = writer
    seen = reader.get_authorizer(C1, "wxa1")
    assert seen is not None and seen.refresh_token == "rt-old"  # what it read at the time
    # Redis must not hold the old token now: either nothing or the new one.
    assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "refresh_token") in (None, "rt-new")
    assert reader.get_authorizer(C1, "wxa1").refresh_token == "rt-new"  # type: ignore[union-attr]
    reader.close()
    writer.close()


async def test_async_store_with_a_sync_durable_store(
    redis_url: str, client: Any, tmp_path: Path
) -> None:
    durable = SQLiteStore(tmp_path / "durable.sqlite3")
    store = AsyncRedisStore(redis_url, durable=durable)
    await store.save_authorizer(record())
    client.flushdb()
    assert await store.get_authorizer(C1, "wxa1") == record()
    assert await store.count_authorizers(C1) == 1
    assert durable.get_authorizer(C1, "wxa1") == record()
    await store.close()
    assert durable.load_ticket(C1) is None  # the durable store is still open
    durable.close()


async def test_async_store_with_an_async_durable_store(redis_url: str, client: Any) -> None:
    durable = AsyncMemoryStore()
    store = AsyncRedisStore(redis_url, durable=durable)
    assert await store.save_ticket(C1, "ticket", 3)
    client.flushdb()
    assert (await store.load_ticket(C1)).value == "ticket"  # type: ignore[union-attr]
    assert (await durable.load_ticket(C1)).value == "ticket"  # type: ignore[union-attr]
    await store.close()


def test_sync_store_refuses_an_async_durable_store(redis_url: str) -> None:
    with pytest.raises(InvalidArgument, match="synchronous") as caught:
        RedisStore(redis_url, durable=AsyncMemoryStore())  # type: ignore[arg-type]
    assert caught.value.argument == "durable"


def test_async_store_refuses_what_is_no_store(redis_url: str) -> None:
    with pytest.raises(InvalidArgument, match="must be a Store or an AsyncStore") as caught:
        AsyncRedisStore(redis_url, durable="sqlite:///x.sqlite3")  # type: ignore[arg-type]
    assert caught.value.argument == "durable"


# ------------------------------------------------------------------ unreachable


@pytest.mark.parametrize(
    "auth", ["", ":hunter2-secret-pw@", "user:hunter2-secret-pw@"], ids=["plain", "pw", "user-pw"]
)
def test_unreachable_redis_names_the_url_without_password(auth: str) -> None:
    port = free_port()
    store = RedisStore(f"redis://{auth}127.0.0.1:{port}/0")
    with pytest.raises(StoreUnavailable) as caught:
        store.get_token("k")
    message = str(caught.value)
    assert f"127.0.0.1:{port}/0" in message
    assert "hunter2" not in message
    assert "hunter2" not in repr(store)
    assert "hunter2" not in repr(caught.value.__cause__)
    if auth.startswith("user"):
        assert "redis://user@127.0.0.1" in message
    store.close()


async def test_unreachable_redis_async_and_password_in_query() -> None:
    port = free_port()
    store = AsyncRedisStore(f"redis://127.0.0.1:{port}/0?password=hunter2-secret-pw")
    with pytest.raises(StoreUnavailable) as caught:
        await store.acquire_lease("k", 1)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(store)
    await store.close()


def test_wrong_password_gives_store_unavailable_without_the_password(
    redis_url: str, client: Any
) -> None:
    client.config_set("requirepass", "the-right-password")
    try:
        store = RedisStore(redis_url.replace("redis://", "redis://:hunter2-secret-pw@"))
        with pytest.raises(StoreUnavailable) as caught:
            store.get_token("k")
        store.close()
        right = RedisStore(redis_url.replace("redis://", "redis://:the-right-password@"))
        assert right.get_token("k") is None
        right.close()
    finally:
        client.execute_command("AUTH", "the-right-password")
        client.config_set("requirepass", "")
    assert "hunter2" not in str(caught.value)
    assert redis_url.removeprefix("redis://") in str(caught.value)


def test_non_redis_urls_are_refused() -> None:
    for bad in ("http://user:secret-pw@127.0.0.1:6379", "127.0.0.1:6379", ""):
        with pytest.raises(ConfigurationError) as caught:
            RedisStore(bad)
        assert caught.value.field == "url_or_client"
        assert "secret-pw" not in str(caught.value)
    with pytest.raises(InvalidArgument) as wrong:
        RedisStore(42)  # type: ignore[arg-type]
    assert wrong.value.argument == "url_or_client"


def test_the_account_type_goes_to_the_durable_store_with_the_name(
    redis_url: str, client: Any, tmp_path: Path
) -> None:
    durable = SQLiteStore(tmp_path / "durable.sqlite3")
    store = RedisStore(redis_url, durable=durable)
    try:
        store.save_authorizer(record("wxa1"))
        assert store.set_authorizer_name(C1, "wxa1", "Shop", account_type="mini_program")
        assert durable.get_authorizer(C1, "wxa1").account_type == "mini_program"  # type: ignore[union-attr]
        client.flushdb()
        assert store.get_authorizer(C1, "wxa1").account_type == "mini_program"  # type: ignore[union-attr]
        assert client.hget(f"wxcomponent:{{{C1}}}:authorizer:wxa1", "account_type") == \
            "mini_program"
    finally:
        store.close()
        durable.close()
