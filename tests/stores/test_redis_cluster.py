"""The Redis store on a real Redis Cluster of three masters: the whole store contract (the
contract, validation, tenant, schedule and queue modules run here again), every key of a
platform in one slot, records of an older version indexed on first use, and threads
contending for leases and jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from wxcomponent.stores import AsyncRedisStore, CachedToken, RedisStore, open_store

from ..support.stores import Awaiting, StoreTime
from . import test_queue as _queue_contract
from . import test_validation as _validation_contract
from .test_contract import *  # noqa: F403
from .test_queue import *  # noqa: F403
from .test_schedule import *  # noqa: F403
from .test_tenant import (  # noqa: F401
    test_a_save_without_tenant_keeps_the_stored_one,
    test_set_authorizer_tenant,
    test_tenant_round_trips_and_shows_in_listings,
)
from .test_validation import test_good_arguments_of_the_same_shapes_work  # noqa: F401

del test_bad_arguments_raise_invalid_argument_and_write_nothing  # noqa: F821
test_queue_bad_arguments = (
    _queue_contract.test_bad_arguments_raise_invalid_argument_and_write_nothing
)
test_store_bad_arguments = (
    _validation_contract.test_bad_arguments_raise_invalid_argument_and_write_nothing
)

C1 = "wxcomponent0000001"


class ClusterTime(StoreTime):
    """The store's clock; a lease is made to expire on the cluster node that holds it."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.redis_url = url
        self.prefix = "wxcomponent"

    def redis_client(self) -> Any:
        from redis.cluster import RedisCluster

        assert self.redis_url is not None
        return RedisCluster.from_url(self.redis_url.replace("redis+cluster://", "redis://"))


@pytest.fixture
def store_time(redis_cluster_url: str) -> ClusterTime:
    """The clock of this module's stores."""
    return ClusterTime(redis_cluster_url)


@pytest.fixture(params=["sync", "async"])
async def store(request: pytest.FixtureRequest, redis_cluster_url: str,
                store_time: ClusterTime) -> AsyncIterator[Any]:
    """A store on the cluster, reading ``store_time``, in either flavour."""
    if request.param == "sync":
        view: Any = Awaiting(RedisStore(redis_cluster_url, clock=store_time))
    else:
        view = AsyncRedisStore(redis_cluster_url, clock=store_time)
    try:
        yield view
    finally:
        await view.close()


@pytest.fixture
async def queue(store: Any) -> Any:
    """The queue contract's store: the cluster."""
    return store


def test_every_key_of_a_platform_is_in_one_slot(redis_cluster_url: str) -> None:
    from redis.cluster import RedisCluster

    from wxcomponent.stores import AuthorizerRecord

    store = open_store(redis_cluster_url)
    assert isinstance(store, RedisStore)
    store.save_ticket(C1, "ticket", 1)
    store.save_authorizer(AuthorizerRecord(C1, "wxa1", "rt-1", name="Shop"))
    assert store.schedule_refresh(C1, "wxa1", 100.0)
    assert [r.authorizer_appid for r in store.search_authorizers(C1, "sh")] == ["wxa1"]
    assert [r.authorizer_appid for r in store.due_authorizers(C1, before=100.0)] == ["wxa1"]
    fence = store.acquire_lease(f"{C1}:component_access_token", 30)
    assert fence is not None
    store.set_token(f"{C1}:component_access_token", CachedToken("v", time.time() + 60),
                    fence=fence)
    job = store.enqueue(C1, "deliver:x", "g", b"payload")
    (claimed,) = store.claim_jobs(C1, "deliver:x", limit=1, lease=30)
    assert store.ack_job(job, claimed.claim)  # type: ignore[arg-type]
    store.close()
    client = RedisCluster.from_url(redis_cluster_url.replace("redis+cluster://", "redis://"))
    try:
        keys = [k.decode() for k in client.keys(target_nodes=RedisCluster.ALL_NODES)]
        mine = [k for k in keys if f"{{{C1}}}" in k]
        assert len(mine) >= 10
        assert len({client.keyslot(k) for k in mine}) == 1
        # what is outside the platform's slot: the job ids and where each job lives
        assert sorted(set(keys) - set(mine)) == ["wxcomponent:job-homes", "wxcomponent:job-seq"]
    finally:
        client.close()


def test_records_of_a_version_before_the_schedule_are_due_on_first_use(
    redis_cluster_url: str,
) -> None:
    from redis.cluster import RedisCluster

    client = RedisCluster.from_url(redis_cluster_url.replace("redis+cluster://", "redis://"),
                                   decode_responses=True)
    try:
        for appid in ("wxa1", "wxa2"):  # as that version wrote them: no layout marker either
            client.hset(f"wxcomponent:{{{C1}}}:authorizer:{appid}", mapping={
                "refresh_token": f"rt-{appid}", "status": "authorized", "func_info": "1",
                "authorized_at": "1.0", "updated_at": "2.0", "revoked_at": "", "tenant": ""})
            client.zadd(f"wxcomponent:{{{C1}}}:authorizers", {appid: 0})
            client.zadd(f"wxcomponent:{{{C1}}}:authorizers:authorized", {appid: 0})
        store = RedisStore(redis_cluster_url)
        try:
            due = store.due_authorizers(C1, before=0.0)
            assert [(r.authorizer_appid, r.refresh_at) for r in due] == [
                ("wxa1", 0.0), ("wxa2", 0.0)]
        finally:
            store.close()
        assert client.get(f"wxcomponent:{{{C1}}}:layout") == "4"
    finally:
        client.close()


def test_counters_of_a_version_before_layout_4_are_folded_on_first_use(
    redis_cluster_url: str,
) -> None:
    from redis.cluster import RedisCluster

    client = RedisCluster.from_url(redis_cluster_url.replace("redis+cluster://", "redis://"),
                                   decode_responses=True)
    tag = f"wxcomponent:{{{C1}}}:"
    try:
        client.set(f"{tag}layout", "3")
        for i in range(300):  # one counter per key ever leased, as layout 3 kept them
            client.set(f"{tag}fence:{C1}:push:{i}", i + 1)
        store = RedisStore(redis_cluster_url)
        try:
            assert store.acquire_lease(f"{C1}:push:0", 30) == 301  # above every old fence
        finally:
            store.close()
        node = client.get_node_from_key(f"{tag}fences")
        left = list(client.scan_iter(match=f"{tag}fence:*", target_nodes=node))
        assert left == []
        assert client.get(f"{tag}fences") == "301"
        assert client.get(f"{tag}layout") == "4"
    finally:
        client.close()


def test_threads_on_the_cluster_share_neither_a_lease_nor_a_job(redis_cluster_url: str) -> None:
    from . import queue_workers as qw

    store = RedisStore(redis_cluster_url)
    previous = qw.fill(store, groups=10, per_group=5)
    claimed: dict[int, int] = {}
    problems = qw.drain(store, previous, 12, claimed=claimed, inside={},
                        guard=threading.Lock(), deadline=time.monotonic() + 60)
    assert problems == [] and claimed == dict.fromkeys(previous, 1)
    inside, overlaps, wins = [0], [0], [0]
    guard = threading.Lock()
    key = f"{C1}:component_access_token"

    def worker() -> None:
        mine = 0
        while mine < 3:
            fence = store.acquire_lease(key, 30)
            if fence is None:
                time.sleep(0.001)
                continue
            with guard:
                inside[0] += 1
                overlaps[0] += inside[0] > 1
            token = store.get_token(key)
            value = 0 if token is None else int(token.value)
            assert store.set_token(key, CachedToken(str(value + 1), time.time() + 60),
                                   fence=fence)
            with guard:
                inside[0] -= 1
                wins[0] += 1
            assert store.release_lease(key, fence)
            mine += 1

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert overlaps[0] == 0 and wins[0] == 60
        assert store.get_token(key).value == "60"  # type: ignore[union-attr]
    finally:
        store.close()
