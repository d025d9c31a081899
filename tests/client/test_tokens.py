"""Tokens against the emulator over HTTP: single flight, compare-and-refresh, rotation, crashes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import signal
import threading
import time
from typing import Any

import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    AuthorizerNotFound,
    LeaseTimeout,
    NotAuthorized,
    RefreshTokenInvalid,
    TicketNotFound,
)
from wxcomponent.stores import open_store
from wxcomponent.stores.base import AuthorizerRecord, CachedToken, Store

from ..support.stores import StoreTime, make_sync
from ..support.waiting import wait_for, wait_for_async
from . import _workers
from .conftest import CONFIG, seed_ticket

TOKEN_PATH = "/cgi-bin/component/api_component_token"
AUTHORIZER_PATH = "/cgi-bin/component/api_authorizer_token"
API = "/cgi-bin/get_api_domain_ip"

SPAWN = multiprocessing.get_context("spawn")


def authorize(emu: EmulatorServer, comp: Component) -> str:
    grant = emu.authorize(CONFIG.appid, push=False)
    comp.query_auth(grant.auth_code)
    return str(grant.authorizer_appid)


def drop_cached(store: Store, *keys: str) -> None:
    for key in keys:
        store.delete_token(key)


def start_together(procs: list[Any], ready: Any, start: Any) -> None:
    """Start ``procs``, wait until each has put its pid on ``ready`` (it is set up and waits
    for ``start``), then release them all at once. A child that exits before that fails the
    test, and the others are stopped."""
    for proc in procs:
        proc.start()
    deadline = time.monotonic() + 60  # only turns a hang into a failure
    try:
        for _ in procs:
            while True:
                try:
                    ready.get(timeout=0.1)
                    break
                except queue.Empty:
                    exited = [p.exitcode for p in procs if p.exitcode is not None]
                    assert not exited, f"a child exited before the start: {exited}"
                    assert time.monotonic() < deadline, "the children never got ready"
    except BaseException:
        for proc in procs:
            proc.kill()
            proc.join(10)
        raise
    start.set()


# --------------------------------------------------------------------------- basics


def test_no_ticket_says_what_to_check(emu: EmulatorServer, store: Store) -> None:
    comp = Component(CONFIG, store, api_base=emu.url)
    with pytest.raises(TicketNotFound) as info:
        comp.access_token()
    message = str(info.value)
    assert "success" in message and "start_push_ticket" in message
    assert emu.calls(TOKEN_PATH) == 0


def test_token_cached_and_read_from_store(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    first = comp.access_token()
    assert comp.access_token() == first
    other = Component(CONFIG, store, api_base=emu.url)  # another worker, same store
    assert other.access_token() == first
    assert emu.calls(TOKEN_PATH) == 1
    cached = store.get_token(f"{CONFIG.appid}:component_access_token")
    assert cached is not None and cached.value == first
    assert 7000 < cached.expires_at - time.time() <= 7200


def test_expired_token_is_refreshed_once(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    old = comp.access_token()
    # Seen from the future, the token is inside its 10-minute margin.
    later = Component(CONFIG, store, api_base=emu.url, clock=lambda: time.time() + 6700)
    new = later.access_token()
    assert new != old
    assert later.access_token() == new
    assert emu.calls(TOKEN_PATH) == 2


# --------------------------------------------------------------------------- herds


def test_herd_200_threads_one_component_token_call(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    barrier = threading.Barrier(200)
    results: list[str] = []

    def ask() -> None:
        barrier.wait()
        results.append(comp.access_token())

    threads = [threading.Thread(target=ask) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200 and len(set(results)) == 1
    assert emu.calls(TOKEN_PATH) == 1
    assert len(comp._locks) == 0  # the in-process locks are gone with their users


def test_herd_200_threads_one_authorizer_token_call(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    drop_cached(store, f"{CONFIG.appid}:authorizer_access_token:{appid}")
    barrier = threading.Barrier(200)
    results: list[str] = []

    def ask() -> None:
        barrier.wait()
        results.append(comp.authorizer(appid).access_token())

    threads = [threading.Thread(target=ask) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200 and len(set(results)) == 1
    assert emu.calls(AUTHORIZER_PATH) == 1
    assert len(comp._locks) == 0


async def test_herd_2000_tasks(emu: EmulatorServer, store_url: str) -> None:
    if store_url.startswith("redis://"):
        # a test of the herd, not of deadlines: a long pool wait keeps a starved machine
        # from failing 2000 tasks for a connection they would have had a moment later
        store_url += "?timeout=30&socket_timeout=30"
    sync_store = open_store(store_url)
    seed_ticket(emu, sync_store)
    comp = AsyncComponent(CONFIG, sync_store, api_base=emu.url)
    tokens = await asyncio.gather(*(comp.access_token() for _ in range(2000)))
    assert len(set(tokens)) == 1
    assert emu.calls(TOKEN_PATH) == 1
    grant = emu.authorize(CONFIG.appid, push=False)
    await comp.query_auth(grant.auth_code)
    sync_store.delete_token(f"{CONFIG.appid}:authorizer_access_token:{grant.authorizer_appid}")
    client = comp.authorizer(grant.authorizer_appid)
    tokens = await asyncio.gather(*(client.access_token() for _ in range(2000)))
    assert len(set(tokens)) == 1
    assert emu.calls(AUTHORIZER_PATH) == 1
    assert len(comp._locks) == 0
    await comp.aclose()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
@pytest.mark.parametrize("target", ["component", "authorizer"])
def test_herd_4_processes_x_50_threads(
    emu: EmulatorServer, backend: str, target: str, request: pytest.FixtureRequest,
    tmp_path: Any,
) -> None:
    url = (f"sqlite:///{tmp_path / 'herd.sqlite3'}" if backend == "sqlite"
           else request.getfixturevalue("redis_url"))
    store = open_store(url)
    seed_ticket(emu, store)
    appid = None
    if target == "authorizer":
        comp = Component(CONFIG, store, api_base=emu.url)
        appid = authorize(emu, comp)
        drop_cached(store, f"{CONFIG.appid}:authorizer_access_token:{appid}")
    ready, start = SPAWN.Queue(), SPAWN.Event()
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=_herd_child,
                           args=(emu.url, url, 50, appid, ready, start, results))
             for _ in range(4)]
    start_together(procs, ready, start)
    tokens: list[str] = []
    for _ in procs:
        tokens.extend(results.get(timeout=60))
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(tokens) == 200 and len(set(tokens)) == 1
    assert emu.calls(AUTHORIZER_PATH if appid else TOKEN_PATH) == 1


def _herd_child(api_base: str, url: str, threads: int, appid: str | None, ready: Any,
                start: Any, results: Any) -> None:
    results.put(_workers.herd(api_base, url, threads, appid, ready, start))


# --------------------------------------------------------------------------- 40001 storms


def test_40001_storm_one_refresh_every_call_succeeds(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    client = comp.authorizer(appid)
    before = client.access_token()
    emu.invalidate_tokens(CONFIG.appid, authorizer_appid=appid)
    barrier = threading.Barrier(100)
    results: list[Any] = []
    errors: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            results.append(client.get_json(API))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 100 and all("ip_list" in r for r in results)
    assert emu.calls(AUTHORIZER_PATH) == 1
    assert client.access_token() != before


async def test_40001_storm_async(emu: EmulatorServer, store_url: str) -> None:
    sync_store = open_store(store_url)
    seed_ticket(emu, sync_store)
    comp = AsyncComponent(CONFIG, sync_store, api_base=emu.url)
    grant = emu.authorize(CONFIG.appid, push=False)
    await comp.query_auth(grant.auth_code)
    client = comp.authorizer(grant.authorizer_appid)
    await client.access_token()
    emu.invalidate_tokens(CONFIG.appid, authorizer_appid=grant.authorizer_appid)
    answers = await asyncio.gather(*(client.get_json(API) for _ in range(100)))
    assert all("ip_list" in a for a in answers)
    assert emu.calls(AUTHORIZER_PATH) == 1
    # the component token too: invalidated, one refresh, every call succeeds
    emu.invalidate_tokens(CONFIG.appid)
    infos = await asyncio.gather(*(comp.get_authorizer_info(grant.authorizer_appid)
                                   for _ in range(50)))
    assert len(infos) == 50
    assert emu.calls(TOKEN_PATH) == 2
    await comp.aclose()


def test_compare_and_refresh_skips_when_already_replaced(emu: EmulatorServer,
                                                         store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    first = comp.access_token()
    second = comp.refresh_access_token(first)  # first is stale: refreshed
    assert second != first
    assert comp.refresh_access_token(first) == second  # stale again: nothing to do
    assert emu.calls(TOKEN_PATH) == 2
    assert comp.refresh_access_token() != second  # no stale given: renew the stored one
    assert emu.calls(TOKEN_PATH) == 3


# --------------------------------------------------------------------------- refresh tokens


@pytest.mark.slow
def test_rotation_1000_refreshes_across_processes(emu: EmulatorServer, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'rotate.sqlite3'}"
    store = open_store(url)
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    emu.rotate_refresh_tokens = True
    ready, start = SPAWN.Queue(), SPAWN.Event()
    procs = [SPAWN.Process(target=_workers.force_refreshes,
                           args=(emu.url, url, appid, 250, ready, start))
             for _ in range(4)]
    start_together(procs, ready, start)
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    # 1000 forced refreshes; concurrent ones coalesce (single flight), so WeChat saw at
    # least one per round of a worker and never more than asked for, each rotating.
    assert 250 <= emu.calls(AUTHORIZER_PATH) <= 1000
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == emu.current_refresh_token(CONFIG.appid, appid)
    assert "ip_list" in comp.authorizer(appid).get_json(API)
    comp.authorizer(appid).refresh_access_token()  # the stored refresh token still works


@pytest.mark.slow
@pytest.mark.parametrize("when", ["before-write", "after-write"])
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_sigkill_during_refresh(emu: EmulatorServer, when: str, backend: str,
                                request: pytest.FixtureRequest, tmp_path: Any) -> None:
    url = (f"sqlite:///{tmp_path / 'kill.sqlite3'}" if backend == "sqlite"
           else request.getfixturevalue("redis_url"))
    store = open_store(url)
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, policy=Policy(lease_ttl=1.0))
    appid = authorize(emu, comp)
    emu.rotate_refresh_tokens = True
    emu.set_quota(AUTHORIZER_PATH, None)
    proc = SPAWN.Process(target=_workers.refresh_then_die, args=(emu.url, url, appid, when))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -9  # killed, as planned
    rotated = emu.current_refresh_token(CONFIG.appid, appid)
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None
    assert (record.refresh_token == rotated) == (when == "after-write")
    # The dead holder's lease expires; the authorizer still refreshes, twice over.
    token = comp.authorizer(appid).refresh_access_token()
    assert token
    assert "ip_list" in comp.authorizer(appid).get_json(API)
    comp.authorizer(appid).refresh_access_token()
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == emu.current_refresh_token(CONFIG.appid, appid)


def test_61023_recovers_from_authorizer_list(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    real = emu.current_refresh_token(CONFIG.appid, appid)
    assert store.replace_refresh_token(CONFIG.appid, appid, real, "refreshtoken@@@lost")
    drop_cached(store, f"{CONFIG.appid}:authorizer_access_token:{appid}")
    assert comp.authorizer(appid).access_token()
    assert emu.calls("/cgi-bin/component/api_get_authorizer_list") == 1
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.refresh_token == real


def test_61023_without_recovery_marks_the_authorizer(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    events: list[tuple[str, Any]] = []
    comp.add_listener(lambda name, fields: events.append((name, dict(fields))))
    real = emu.current_refresh_token(CONFIG.appid, appid)
    store.replace_refresh_token(CONFIG.appid, appid, real, "refreshtoken@@@lost")
    drop_cached(store, f"{CONFIG.appid}:authorizer_access_token:{appid}")
    emu.inject(AUTHORIZER_PATH, errcode=61023, times=None)  # even the listed token fails
    with pytest.raises(RefreshTokenInvalid):
        comp.authorizer(appid).access_token()
    assert emu.calls(AUTHORIZER_PATH) == 2  # the stored token, then the listed one, no more
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "revoked"
    assert any(name == "authorizer_revoked" for name, _ in events)
    with pytest.raises(AuthorizerNotFound, match="revoked"):
        comp.authorizer(appid).access_token()


def test_revoked_account_61003_on_refresh_marks_it(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    drop_cached(store, f"{CONFIG.appid}:authorizer_access_token:{appid}")
    emu.inject(AUTHORIZER_PATH, errcode=61003)  # the refresh of a revoked account
    with pytest.raises(NotAuthorized):
        comp.authorizer(appid).access_token()
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "revoked"


def test_revoked_account_61003_marks_it(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    comp.authorizer(appid).access_token()
    emu.revoke(CONFIG.appid, appid, push=False)
    with pytest.raises(NotAuthorized):
        comp.authorizer(appid).get_json(API)
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "revoked"
    assert store.get_token(f"{CONFIG.appid}:authorizer_access_token:{appid}") is None


def test_unknown_authorizer(emu: EmulatorServer, store: Store) -> None:
    comp = Component(CONFIG, store, api_base=emu.url)
    with pytest.raises(AuthorizerNotFound, match="no stored authorization"):
        comp.authorizer("wx0123456789abcdef").access_token()
    with pytest.raises(ValueError):
        comp.authorizer("not-an-appid")


# --------------------------------------------------------------------------- leases


def test_dead_lease_holder_blocks_only_until_its_lease_ends(
    emu: EmulatorServer, store: Store
) -> None:
    seed_ticket(emu, store)
    key = f"{CONFIG.appid}:component_access_token"
    assert store.acquire_lease(key, 1.0) is not None  # a holder that died
    # The waiter would give up (LeaseTimeout) after wait_timeout if the dead holder's lease
    # blocked it for good; it takes over once the lease has run out instead.
    policy = Policy(lease_ttl=1.0, wait_timeout=30.0)
    comp = Component(CONFIG, store, api_base=emu.url, policy=policy)
    started = time.monotonic()
    assert comp.access_token()
    assert time.monotonic() - started >= 0.5  # it did respect the lease
    assert emu.calls(TOKEN_PATH) == 1


def test_bounded_wait_ends_in_lease_timeout(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    key = f"{CONFIG.appid}:component_access_token"
    assert store.acquire_lease(key, 30.0) is not None  # a holder that stays alive
    comp = Component(CONFIG, store, api_base=emu.url, policy=Policy(wait_timeout=0.5))
    with pytest.raises(LeaseTimeout, match="another worker"):
        comp.access_token()
    assert emu.calls(TOKEN_PATH) == 0


def test_stale_holder_cannot_overwrite_a_newer_token(
    store_url: str, tmp_path: Any
) -> None:
    store_time = StoreTime()
    backend = store_url.partition(":")[0]
    store = make_sync(backend, tmp_path, store_url, clock=store_time)
    if backend == "redis":
        store_time.redis_url, store_time.prefix = store_url, "wxcomponent"
    key = f"{CONFIG.appid}:component_access_token"
    old_fence = store.acquire_lease(key, 5.0)
    assert old_fence is not None
    store_time.expire_lease(key, 5.0)  # the old holder paused past its lease
    new_fence = store.acquire_lease(key, 5.0)
    assert new_fence is not None and new_fence > old_fence
    now = store_time.now
    assert store.set_token(key, CachedToken("new", now + 7200, now), fence=new_fence)
    assert not store.set_token(key, CachedToken("old", now + 7200, now), fence=old_fence)
    cached = store.get_token(key)
    assert cached is not None and cached.value == "new"
    store.close()


def _shared_store(backend: str, request: pytest.FixtureRequest,
                  clock: StoreTime) -> tuple[str, Store]:
    """A store URL several processes share, and this process's store of it on ``clock``."""
    from wxcomponent.stores import PostgresStore, RedisStore

    if backend == "redis":
        url: str = request.getfixturevalue("redis_url")
        clock.redis_url, clock.prefix = url, "wxcomponent"
        return url, RedisStore(url, clock=clock)
    dsn: str = request.getfixturevalue("postgres_dsn")
    schema: str = request.getfixturevalue("pg_schema")
    url = f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"
    return url, PostgresStore(dsn, schema=schema, clock=clock)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["redis", "postgres"])
def test_a_holder_stopped_past_its_lease_mid_refresh_calls_wechat_no_more(
    emu: EmulatorServer, backend: str, request: pytest.FixtureRequest
) -> None:
    """A process is stopped (SIGSTOP) while its refresh is on the wire, for longer than its
    lease; another host takes over and rotates the refresh token, and WeChat stops accepting
    the replaced one. Resumed, the process meets a failed call: it neither retries it nor
    runs the 61023 recovery, and hands out the token the other host wrote."""
    store_time = StoreTime()
    url, here = _shared_store(backend, request, store_time)
    seed_ticket(emu, here)
    comp = Component(CONFIG, here, api_base=emu.url, clock=store_time)
    appid = authorize(emu, comp)
    emu.rotate_refresh_tokens = True
    emu.set_quota(AUTHORIZER_PATH, None)
    # WeChat holds the stopped process's refresh, then the connection breaks.
    emu.inject(AUTHORIZER_PATH, delay=8.0, drop=True)
    shift, report = SPAWN.RawValue("d", 0.0), SPAWN.Queue()
    proc = SPAWN.Process(target=_workers.refresh_on_a_shifted_clock,
                         args=(emu.url, url, appid, shift, report))
    proc.start()
    try:
        wait_for(lambda: emu.calls(AUTHORIZER_PATH) == 1, "the refresh never reached WeChat",
                 timeout=60)
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            lease_ttl = Policy().lease_ttl
            shift.value = lease_ttl + 1  # the stopped process's lease is over by its clock...
            store_time.now = time.time()
            store_time.expire_lease(f"{CONFIG.appid}:authorizer_access_token:{appid}",
                                    lease_ttl)  # ...and by the store's
            newer = comp.authorizer(appid).refresh_access_token()  # the next holder rotates
            assert emu.calls(AUTHORIZER_PATH) == 2
            emu.advance_clock(emu.emulator.settings.token_overlap + 1)  # the old one is 61023
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        outcome = report.get(timeout=60)
        proc.join(30)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(10)
    assert outcome == ("ok", newer)
    assert emu.calls(AUTHORIZER_PATH) == 2  # no retry, no recovery from the stopped process
    record = here.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == emu.current_refresh_token(CONFIG.appid, appid)
    assert "ip_list" in comp.authorizer(appid).get_json(API)
    here.close()


def _users(comp: AsyncComponent) -> int:
    """How many tasks hold or wait for the component token's in-process lock."""
    entries = comp._locks._entries.values()
    return sum(entry.users for entry in entries)


async def test_cancelled_waiter_releases_its_lock(emu: EmulatorServer, store_url: str) -> None:
    sync_store = open_store(store_url)
    seed_ticket(emu, sync_store)
    emu.inject(TOKEN_PATH, delay=30.0)  # WeChat holds the first fetch until it is cancelled
    comp = AsyncComponent(CONFIG, sync_store, api_base=emu.url)
    task = asyncio.ensure_future(comp.access_token())
    # the fetch has reached WeChat: lock and lease held
    await wait_for_async(lambda: emu.calls(TOKEN_PATH), "the fetch never started")
    waiter = asyncio.ensure_future(comp.access_token())  # queues on the in-process lock
    await wait_for_async(lambda: _users(comp) == 2, "the second caller never queued")
    for cancelled in (waiter, task):
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    assert len(comp._locks) == 0  # neither the holder nor the waiter left its lock behind
    # Nothing stays held: the lease is free again...
    key = f"{CONFIG.appid}:component_access_token"
    fence = sync_store.acquire_lease(key, 30.0)
    assert fence is not None, "the cancelled fetch kept its lease"
    assert sync_store.release_lease(key, fence)
    # ...and so is the in-process lock: the next caller fetches a token (a lock left held
    # would hang it; the timeout only turns that hang into a failure).
    assert await asyncio.wait_for(comp.access_token(), 60)
    assert emu.calls(TOKEN_PATH) == 2
    await comp.aclose()


def test_a_release_check_account_stored_by_an_older_version_is_never_refreshed(
        emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    merchant = authorize(emu, comp)
    test_account = "wxd101a85aa106f53e"  # the release check's mini program
    emu.authorize(CONFIG.appid, test_account, kind="mini_program", push=False)
    # an older version kept it like a merchant, due at once
    store.save_authorizer(AuthorizerRecord(
        CONFIG.appid, test_account, emu.current_refresh_token(CONFIG.appid, test_account),
        func_info=(17, 18), authorized_at=1.0, updated_at=1.0))
    refreshes = emu.calls("/cgi-bin/component/api_authorizer_token")

    comp.refresh_due()

    assert emu.calls("/cgi-bin/component/api_authorizer_token") == refreshes
    assert store.get_authorizer(CONFIG.appid, test_account) is None  # removed
    assert store.count_authorizers(CONFIG.appid) == 1
    assert store.due_authorizers(CONFIG.appid, before=4e9)[0].authorizer_appid == merchant
    comp.close()
