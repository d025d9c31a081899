"""Redis keys written by versions before hash tags (``p:c:…``, ``p::token:<key>``) move to the
current layout on the first use of their platform: refresh tokens, tickets, tokens, leases and
fence counters all carry over, and other platforms' keys wait for their own first use."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis

from wxcomponent.stores import RedisStore

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"
TOKEN_KEY = f"{C1}:component_access_token"


def _old_layout(client: Any, prefix: str, c: str) -> None:
    """What an older version left in Redis for platform ``c``."""
    client.hset(f"{prefix}:{c}:ticket", mapping={
        "value": "ticket-old", "created_at": "100", "received_at": "101.5"})
    client.hset(f"{prefix}:{c}:authorizer:wxa1", mapping={
        "refresh_token": "rt-old-layout", "status": "authorized", "func_info": "1,15",
        "authorized_at": "1.0", "updated_at": "2.0", "revoked_at": ""})
    client.zadd(f"{prefix}:{c}:authorizers", {"wxa1": 0})
    client.zadd(f"{prefix}:{c}:authorizers:authorized", {"wxa1": 0})
    expires = time.time() + 3600
    client.set(f"{prefix}::token:{c}:component_access_token", f"{expires!r} 0.0 token-old",
               px=3_600_000)
    client.set(f"{prefix}::fence:{c}:component_access_token", "7")
    client.set(f"{prefix}::lease:{c}:component_access_token", "7", px=60_000)


@pytest.mark.parametrize("first_call", ["get_authorizer", "get_token"])
def test_the_old_layout_moves_on_first_use(redis_url: str, first_call: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    _old_layout(client, "wxcomponent", C1)
    _old_layout(client, "wxcomponent", C2)
    store = RedisStore(redis_url)
    try:
        if first_call == "get_token":
            assert store.get_token(TOKEN_KEY).value == "token-old"  # type: ignore[union-attr]
        record = store.get_authorizer(C1, "wxa1")
        assert record is not None
        assert (record.refresh_token, record.func_info) == ("rt-old-layout", (1, 15))
        assert [r.authorizer_appid for r in store.list_authorizers(C1)] == ["wxa1"]
        assert store.count_authorizers(C1, status="authorized") == 1
        assert store.load_ticket(C1).value == "ticket-old"  # type: ignore[union-attr]
        assert store.get_token(TOKEN_KEY).value == "token-old"  # type: ignore[union-attr]
        assert store.acquire_lease(TOKEN_KEY, 30) is None  # the old holder's lease still runs
        client.delete(f"wxcomponent:{{{C1}}}:lease:{TOKEN_KEY}")
        assert store.acquire_lease(TOKEN_KEY, 30) == 8  # fences go on growing
        assert client.keys(f"wxcomponent:{{{C1}}}:fence:*") == []  # folded into one counter
        assert client.get(f"wxcomponent:{{{C1}}}:fences") == "8"
        assert client.get(f"wxcomponent:{{{C1}}}:layout") == "4"
        # the moved record, written before the refresh schedule, is due at once
        assert [(r.authorizer_appid, r.refresh_at) for r in store.due_authorizers(
            C1, before=0.0)] == [("wxa1", 0.0)]
        assert client.keys(f"wxcomponent:{C1}:*") == []
        assert client.keys(f"wxcomponent::*:{C1}:*") == []
        # the other platform is moved on its own first use only
        assert client.exists(f"wxcomponent:{C2}:authorizer:wxa1")
        assert store.get_authorizer(C2, "wxa1").refresh_token == "rt-old-layout"  # type: ignore[union-attr]
        assert not client.exists(f"wxcomponent:{C2}:authorizer:wxa1")
    finally:
        store.close()
        client.close()


def test_a_second_store_finds_the_move_done(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    _old_layout(client, "wxcomponent", C1)
    first, second = RedisStore(redis_url), RedisStore(redis_url)
    try:
        assert first.replace_refresh_token(C1, "wxa1", "rt-old-layout", "rt-new")
        record = second.get_authorizer(C1, "wxa1")
        assert record is not None and record.refresh_token == "rt-new"
    finally:
        first.close()
        second.close()
        client.close()


def test_a_stale_old_key_never_replaces_a_current_one(redis_url: str) -> None:
    from wxcomponent.stores import AuthorizerRecord

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(redis_url)
    try:
        store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-current"))
        client.delete(f"wxcomponent:{{{C1}}}:layout")  # as if a move had been cut short
        _old_layout(client, "wxcomponent", C1)
        fresh = RedisStore(redis_url)
        record = fresh.get_authorizer(C1, "wxa1")
        assert record is not None and record.refresh_token == "rt-current"
        assert not client.exists(f"wxcomponent:{C1}:authorizer:wxa1")  # the stale one is gone
        fresh.close()
    finally:
        store.close()
        client.close()
