"""Tokens through WeChat's ways, against the emulator over HTTP: refresh tokens rotated at
random under many concurrent refreshes, the refresh token of a revoked account (61023), and
bursts of ``-1 system error`` over a span of emulated time that the retries ride out (the
backoff's pauses pass on the emulator's clock: no test sleeps)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core import effects as fx
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import AuthorizerNotFound, RefreshTokenInvalid, SystemBusy
from wxcomponent.stores import MemoryStore, open_store
from wxcomponent.stores.base import Store

from .conftest import CONFIG, seed_ticket

TOKEN_PATH = "/cgi-bin/component/api_component_token"
AUTHORIZER_PATH = "/cgi-bin/component/api_authorizer_token"
LIST_PATH = "/cgi-bin/component/api_get_authorizer_list"
API = "/cgi-bin/get_api_domain_ip"

#: Enough tries, with pauses growing to a second, to outlast a burst of one second.
PATIENT = Policy(attempts=6, backoff_base=0.2, backoff_max=1.0)


def authorize(emu: EmulatorServer, comp: Component) -> str:
    grant = emu.authorize(CONFIG.appid, push=False)
    comp.query_auth(grant.auth_code)
    return str(grant.authorizer_appid)


@pytest.fixture
def authorized(emu: EmulatorServer, store: Store) -> Iterator[tuple[Component, str]]:
    """A component over ``store`` and the appid of an account that authorized it."""
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    try:
        yield comp, authorize(emu, comp)
    finally:
        comp.close()


# --------------------------------------------------------------------------- rotation


def test_random_rotation_under_many_threads_keeps_the_newest_refresh_token(
    emu: EmulatorServer, store: Store, authorized: tuple[Component, str]
) -> None:
    comp, appid = authorized
    first = emu.current_refresh_token(CONFIG.appid, appid)
    emu.rotate_refresh_tokens_at_random(0.5, seed=20260101)
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def refresh_many() -> None:
        try:
            start.wait(30)
            for _ in range(20):
                comp.authorizer(appid).refresh_access_token()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=refresh_many) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    refreshes = emu.calls(AUTHORIZER_PATH)
    assert refreshes >= 20  # each thread's rounds, coalesced
    current = emu.current_refresh_token(CONFIG.appid, appid)
    assert current != first  # some refreshes rotated, not all of them had to
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == current
    assert emu.calls(LIST_PATH) == 0  # never lost: no recovery was needed
    emu.advance_clock(emu.emulator.settings.token_overlap + 1)  # older tokens now fail
    comp.authorizer(appid).refresh_access_token()
    assert "ip_list" in comp.authorizer(appid).get_json(API)


async def test_random_rotation_under_many_tasks_keeps_the_newest_refresh_token(
    emu: EmulatorServer, tmp_path: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'rotation.sqlite3'}"
    store = open_store(url)
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    appid = authorize(emu, comp)
    emu.rotate_refresh_tokens_at_random(0.3, seed=7)
    acomp = AsyncComponent(CONFIG, open_store(url), api_base=emu.url)

    async def refresh_many() -> None:
        for _ in range(15):
            await acomp.authorizer(appid).refresh_access_token()

    try:
        await asyncio.gather(*(refresh_many() for _ in range(20)))
    finally:
        await acomp.aclose()
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.refresh_token == emu.current_refresh_token(
        CONFIG.appid, appid)
    emu.advance_clock(emu.emulator.settings.token_overlap + 1)
    comp.authorizer(appid).refresh_access_token()
    comp.close()


# --------------------------------------------------------------------------- re-authorization


def test_a_missed_re_authorization_recovers_the_new_refresh_token(
    emu: EmulatorServer, store: Store, authorized: tuple[Component, str]
) -> None:
    comp, appid = authorized
    old = emu.current_refresh_token(CONFIG.appid, appid)
    emu.authorize(CONFIG.appid, appid, push=False)  # its push and redirect never reached us
    new = emu.current_refresh_token(CONFIG.appid, appid)
    assert new != old
    comp.authorizer(appid).refresh_access_token()  # 61023, WeChat's list, the new token
    assert emu.calls(AUTHORIZER_PATH) == 2 and emu.calls(LIST_PATH) == 1
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == new
    comp.authorizer(appid).refresh_access_token()
    assert emu.calls(LIST_PATH) == 1  # the stored token works from now on


# --------------------------------------------------------------------------- revocation


def test_the_refresh_token_of_a_revoked_account_gives_it_up(
    emu: EmulatorServer, store: Store, authorized: tuple[Component, str]
) -> None:
    comp, appid = authorized
    store.delete_token(f"{CONFIG.appid}:authorizer_access_token:{appid}")
    emu.revoke(CONFIG.appid, appid, push=False)  # the push is lost: only WeChat knows
    with pytest.raises(RefreshTokenInvalid):
        comp.authorizer(appid).access_token()
    # one refresh (61023), one look at WeChat's list (the account is not in it), no more
    assert emu.calls(AUTHORIZER_PATH) == 1 and emu.calls(LIST_PATH) == 1
    record = store.get_authorizer(CONFIG.appid, appid)
    assert record is not None and record.status == "revoked"
    with pytest.raises(AuthorizerNotFound, match="revoked"):
        comp.authorizer(appid).access_token()
    assert emu.calls(AUTHORIZER_PATH) == 1


# --------------------------------------------------------------------------- bursts of -1


class _EmulatedPauses(Component):
    """A component whose pauses pass on the emulator's clock instead of the wall clock."""

    def __init__(self, emu: EmulatorServer, **options: Any) -> None:
        super().__init__(CONFIG, MemoryStore(clock=emu.now), api_base=emu.url, clock=emu.now,
                         **options)
        self.emu = emu

    def _sleep(self, effect: fx.Sleep) -> None:
        self.emu.advance_clock(effect.seconds)


class _AsyncEmulatedPauses(AsyncComponent):
    """The asyncio shell, its pauses on the emulator's clock."""

    def __init__(self, emu: EmulatorServer, **options: Any) -> None:
        super().__init__(CONFIG, MemoryStore(clock=emu.now), api_base=emu.url,
                         clock=emu.now, **options)
        self.emu = emu

    async def _sleep(self, effect: fx.Sleep) -> None:
        self.emu.advance_clock(effect.seconds)


def test_retries_ride_out_a_burst_of_system_errors(emu: EmulatorServer) -> None:
    comp = _EmulatedPauses(emu, policy=PATIENT)
    comp.save_ticket(emu.issue_ticket(CONFIG.appid), int(emu.now()))
    started = emu.now()
    emu.system_error_burst(1.0)  # every path answers -1 for one emulated second
    assert comp.access_token()
    assert emu.now() - started >= 1.0  # the answer came after the burst
    tries = emu.calls(TOKEN_PATH)
    assert 2 <= tries <= PATIENT.attempts
    grant = emu.authorize(CONFIG.appid, push=False)
    comp.query_auth(grant.auth_code)  # cleared by itself: answered at the first try
    assert emu.calls("/cgi-bin/component/api_query_auth") == 1
    comp.close()


async def test_async_retries_ride_out_a_burst_of_system_errors(emu: EmulatorServer) -> None:
    comp = _AsyncEmulatedPauses(emu, policy=PATIENT)
    try:
        await comp.save_ticket(emu.issue_ticket(CONFIG.appid), int(emu.now()))
        started = emu.now()
        emu.system_error_burst(1.0, path=TOKEN_PATH)
        assert await comp.access_token()
        assert emu.now() - started >= 1.0
        assert 2 <= emu.calls(TOKEN_PATH) <= PATIENT.attempts
    finally:
        await comp.aclose()


def test_a_burst_longer_than_the_retries_is_a_typed_error_then_clears(
    emu: EmulatorServer,
) -> None:
    comp = _EmulatedPauses(emu, policy=PATIENT)
    comp.save_ticket(emu.issue_ticket(CONFIG.appid), int(emu.now()))
    emu.system_error_burst(60.0, path=TOKEN_PATH, every=600.0)  # a minute, every 10 minutes
    with pytest.raises(SystemBusy):
        comp.access_token()
    assert emu.calls(TOKEN_PATH) == PATIENT.attempts
    assert comp.store.get_token(f"{CONFIG.appid}:component_access_token") is None
    emu.advance_clock(60)  # the burst is over
    assert comp.access_token()
    comp.close()
