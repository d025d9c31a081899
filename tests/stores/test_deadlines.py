"""Every call of a networked store has a deadline: with its server stopped by SIGSTOP (a network
partition, as a client sees it: the connection stays open and nothing answers), a call of the
blocking store and of the asyncio store fails with :class:`StoreUnavailable` instead of waiting,
and once the server is continued the same store works again.

The servers are this module's own (its tests stop them). No assertion is about elapsed time:
a call still running after :data:`PATIENCE` hung."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from wxcomponent.errors import ConfigurationError, InvalidArgument, StoreUnavailable
from wxcomponent.stores import (
    AsyncPostgresStore,
    AsyncRedisStore,
    PostgresStore,
    RedisStore,
    open_store,
)
from wxcomponent.stores.postgres import TIMEOUT

from ..support.servers import (
    PG_PASSWORD,
    PostgresServer,
    PrivateRedis,
    frozen,
    private_postgres,
    private_redis,
)
from ..support.waiting import wait_for_async

C1 = "wxcomp0000000001"
#: Far beyond any store deadline: a call still running by then hung.
PATIENCE = 15.0
#: WeChat gives up on a push after 5 s: a store call must end well before.
WECHAT_PATIENCE = 5.0


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    with private_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def own_redis() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


async def fails_unavailable(call: Callable[[], Awaitable[Any]]) -> str:
    """Run ``call`` (a hang fails the test); it must raise StoreUnavailable: its message."""
    try:
        await asyncio.wait_for(call(), PATIENCE)
    except StoreUnavailable as exc:
        return str(exc)
    except asyncio.TimeoutError:
        raise AssertionError("the call hung") from None
    raise AssertionError("the call did not fail")


async def works(call: Callable[[], Awaitable[Any]]) -> bool:
    try:
        await asyncio.wait_for(call(), PATIENCE)
    except StoreUnavailable:
        return False
    return True


async def test_postgres_calls_fail_while_the_server_is_stopped_then_work_again(
        own_postgres: PostgresServer) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(own_postgres.dsn, schema=schema, max_size=2)
    aio = AsyncPostgresStore(own_postgres.dsn, schema=schema, max_size=2)
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: asyncio.to_thread(store.load_ticket, C1),
        lambda: asyncio.to_thread(store.get_token, "k"),
        lambda: asyncio.to_thread(store.enqueue, C1, "t", "g", b"job"),  # a transaction
        lambda: aio.load_ticket(C1),
        lambda: aio.get_token("k"),
        lambda: aio.enqueue(C1, "t", "g", b"job"),
    ]
    try:
        assert store.save_ticket(C1, "before", 1)
        assert (await aio.load_ticket(C1)).value == "before"  # type: ignore[union-attr]
        with frozen(own_postgres.processes()):
            for call in calls:
                message = await fails_unavailable(call)
                assert f"no answer within {TIMEOUT:g} s" in message or "no connection" \
                    in message, message
                assert PG_PASSWORD not in message
        for call in calls:
            await wait_for_async(lambda call=call: works(call),  # type: ignore[misc]
                                 "the store never worked again", 60)
        assert (await aio.load_ticket(C1)).value == "before"  # type: ignore[union-attr]
        assert [j.payload for j in store.list_jobs(C1)] == [b"job", b"job"]
    finally:
        store.close()
        await aio.close()


async def test_redis_calls_fail_while_the_server_is_stopped_then_work_again(
        own_redis: PrivateRedis) -> None:
    process, url = own_redis.process, own_redis.url
    prefix = f"t{uuid.uuid4().hex[:8]}"
    store = RedisStore(url, prefix)
    aio = AsyncRedisStore(url, prefix)
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: asyncio.to_thread(store.load_ticket, C1),
        lambda: asyncio.to_thread(store.acquire_lease, "k", 5.0),
        lambda: aio.load_ticket(C1),
        lambda: aio.acquire_lease("k", 5.0),
    ]
    try:
        assert store.save_ticket(C1, "before", 1)
        assert (await aio.load_ticket(C1)).value == "before"  # type: ignore[union-attr]
        with frozen([process.pid]):
            for call in calls:
                await fails_unavailable(call)
        for call in calls[:1] + calls[2:3]:
            await wait_for_async(lambda call=call: works(call),  # type: ignore[misc]
                                 "the store never worked again", 60)
        assert (await aio.load_ticket(C1)).value == "before"  # type: ignore[union-attr]
    finally:
        store.close()
        await aio.close()


# ------------------------------------------------------------------ the deadlines configured


def test_the_default_deadlines_end_before_wechat_gives_up(own_postgres: PostgresServer,
                                                         own_redis: PrivateRedis) -> None:
    postgres = PostgresStore(own_postgres.dsn)
    redis_store = RedisStore(own_redis.url)
    try:
        assert postgres.timeout == postgres.aio.timeout == TIMEOUT
        assert redis_store.timeout is not None and redis_store.timeout == TIMEOUT
        assert redis_store.aio.timeout == TIMEOUT
        # a push makes one store call that waits when the server is stopped: its 503 must
        # leave with time to spare for the network and the rest of the request
        assert TIMEOUT <= WECHAT_PATIENCE / 2
    finally:
        postgres.close()
        redis_store.close()


def test_deadlines_come_from_the_store_url(own_postgres: PostgresServer,
                                          own_redis: PrivateRedis) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    postgres = open_store(f"{own_postgres.dsn}?schema={schema}&timeout=1.5&connect_timeout=3")
    assert isinstance(postgres, PostgresStore)
    try:
        assert (postgres.timeout, postgres.schema) == (1.5, schema)
        assert postgres.save_ticket(C1, "via-url", 1)  # connect_timeout went to libpq
    finally:
        postgres.close()
    assert PostgresStore(own_postgres.dsn + "?timeout=9", timeout=0.5).timeout == 0.5
    redis_store = open_store(f"{own_redis.url}?socket_timeout=1&socket_connect_timeout=0.5")
    assert isinstance(redis_store, RedisStore)
    try:
        assert redis_store.timeout == 1.0
        assert redis_store.save_ticket(C1, "via-url", 1)
    finally:
        redis_store.close()


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf", ""])
def test_bad_deadlines_in_the_url_are_refused(own_postgres: PostgresServer,
                                              own_redis: PrivateRedis, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store(f"{own_postgres.dsn}?timeout={value}")
    assert caught.value.field == "url" and "timeout" in str(caught.value)
    assert PG_PASSWORD not in str(caught.value)
    with pytest.raises(ConfigurationError):
        open_store(f"{own_redis.url}?socket_timeout={value}")
    with pytest.raises(InvalidArgument):
        PostgresStore(own_postgres.dsn, timeout=float("inf"))
