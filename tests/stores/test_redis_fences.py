"""Redis keeps one fence counter per platform (``p:{c}:fences``), so a lease leaves nothing
behind once its key expires: 10,000 dedupe leases leave the counter and nothing else. Counters
of older versions (one ``p:{c}:fence:<key>`` per key ever leased) are folded into it, by a
lease on their key and on the platform's first use, and fences never go back."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import redis

from wxcomponent.stores import AsyncRedisStore, CachedToken, RedisStore, _redis_ops

from ..support.stores import Awaiting, StoreTime
from ..support.waiting import wait_for

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"
P1 = f"wxcomponent:{{{C1}}}:"
TOKEN_KEY = f"{C1}:component_access_token"

#: How versions before layout 4 granted a lease (KEYS: lease, the key's own fence counter).
OLD_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'NX', 'PX', ARGV[1])
return fence
"""


@pytest.fixture
def client(redis_url: str) -> Any:
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    yield raw
    raw.close()


def keys(client: Any, pattern: str) -> set[str]:
    return set(client.scan_iter(match=pattern, count=1000))


def token(value: str, store_time: StoreTime) -> CachedToken:
    return CachedToken(value, store_time() + 3600, store_time())


def old_grant(client: Any, key: str, ttl_ms: int) -> int:
    """A lease on ``key`` granted as versions before layout 4 did."""
    fence = client.eval(OLD_ACQUIRE, 2, f"{P1}lease:{key}", f"{P1}fence:{key}", ttl_ms)
    assert fence is not None
    return int(fence)


def expire(client: Any, key: str) -> None:
    """Let the lease on ``key`` run out at once (Redis expires it by its own clock)."""
    assert client.pexpire(f"{P1}lease:{key}", 1)
    wait_for(lambda: not client.exists(f"{P1}lease:{key}"), f"Redis kept the lease on {key}")


def test_ten_thousand_dedupe_leases_leave_no_fence_key_behind(
    redis_url: str, client: Any
) -> None:
    store = RedisStore(redis_url)
    try:
        pushes = [f"{C1}:push:{hashlib.sha1(str(i).encode()).hexdigest()}"
                  for i in range(10_000)]
        fences = [store.acquire_lease(key, 3900) for key in pushes]
        assert fences == list(range(1, 10_001))
        assert keys(client, "*fence:*") == set()  # no counter per key
        assert client.dbsize() == 10_000 + 2  # the leases, the platform's counter, its marker
        assert keys(client, f"{P1}lease:*") == {f"{P1}lease:{key}" for key in pushes}
        pipe = client.pipeline(transaction=False)
        for key in pushes:
            pipe.pttl(f"{P1}lease:{key}")
        assert all(0 < ttl <= 3_900_000 for ttl in pipe.execute())  # each goes by itself
        # once they have expired, the counter (and the marker) is all that is left
        for key in pushes:
            pipe.pexpire(f"{P1}lease:{key}", 1)
        pipe.execute()
        wait_for(lambda: client.dbsize() == 2, "Redis kept expired leases")
        assert set(client.keys("*")) == {f"{P1}fences", f"{P1}layout"}
        # and a retried push after that is still told apart from every earlier one
        assert store.acquire_lease(pushes[0], 3900) == 10_001
    finally:
        store.close()


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_a_counter_of_an_older_version_is_folded_by_a_lease_on_its_key(
    redis_url: str, client: Any, store_time: StoreTime, flavour: str
) -> None:
    # the platform is in the current layout, but a host of the previous version, not yet
    # upgraded, went on granting leases its way
    client.set(f"{P1}layout", _redis_ops.LAYOUT)
    client.set(f"{P1}fence:{TOKEN_KEY}", 6)
    stale = old_grant(client, TOKEN_KEY, 60_000)
    assert stale == 7
    store: Any = (Awaiting(RedisStore(redis_url, clock=store_time)) if flavour == "sync"
                  else AsyncRedisStore(redis_url, clock=store_time))
    try:
        assert await store.set_token(TOKEN_KEY, token("by-the-old-holder", store_time),
                                     fence=stale)
        assert await store.acquire_lease(TOKEN_KEY, 30) is None  # its lease still runs
        expire(client, TOKEN_KEY)  # the old holder pauses past its lease
        fresh = await store.acquire_lease(TOKEN_KEY, 30)
        assert fresh == 8  # above every fence the old counter granted
        assert not client.exists(f"{P1}fence:{TOKEN_KEY}")  # folded into the one counter
        assert client.get(f"{P1}fences") == "8"
        assert await store.set_token(TOKEN_KEY, token("late", store_time), fence=stale) is False
        assert await store.release_lease(TOKEN_KEY, stale) is False
        assert await store.set_token(TOKEN_KEY, token("by-the-new-holder", store_time),
                                     fence=fresh)
        assert (await store.get_token(TOKEN_KEY)).value == "by-the-new-holder"
        # a counter below the platform's is folded too, and fences never go back
        other = f"{C1}:authorizer_access_token:wxa1"
        client.set(f"{P1}fence:{other}", 3)
        assert await store.acquire_lease(other, 30) == 9
        assert not client.exists(f"{P1}fence:{other}")
        assert keys(client, "*fence:*") == set()
    finally:
        await store.close()


def test_the_first_use_of_a_platform_folds_every_counter_of_older_versions(
    redis_url: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_redis_ops, "FOLD_BATCH", 100)  # many scripts, each a SCAN step
    for platform in (C1, C2):  # what layout 3 left: a counter per key ever leased
        tag = f"wxcomponent:{{{platform}}}:"
        client.set(f"{tag}layout", "3")
        client.mset({f"{tag}fence:{platform}:push:{i}": i + 1 for i in range(2500)})
        client.set(f"{tag}fence:{platform}:component_access_token", 9000)
    held = old_grant(client, f"{C1}:push:2500", 60_000)  # a lease still running: fence 1
    store = RedisStore(redis_url)
    try:
        assert store.get_token(TOKEN_KEY) is None  # the platform's first use
        assert keys(client, f"{P1}fence:*") == set()
        assert client.get(f"{P1}fences") == "9000"  # the largest counter folded
        assert client.get(f"{P1}layout") == _redis_ops.LAYOUT
        # every key's next fence is above what its counter granted
        assert store.acquire_lease(f"{C1}:push:7", 30) == 9001
        assert store.acquire_lease(TOKEN_KEY, 30) == 9002
        # a lease granted before the fold still covers its holder, and only it
        assert store.acquire_lease(f"{C1}:push:2500", 30) is None
        assert store.set_token(f"{C1}:push:2500", CachedToken("v", 2e9), fence=held)
        # the other platform's counters wait for its own first use
        assert len(keys(client, f"wxcomponent:{{{C2}}}:fence:*")) == 2501
        assert store.acquire_lease(f"{C2}:push:0", 30) == 9001
        assert keys(client, "*fence:*") == set()
    finally:
        store.close()
