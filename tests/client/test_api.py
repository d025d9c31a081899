"""The API client against the emulator: the full flow, endpoints, faults, events, refresher."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    AuthCodeInvalid,
    InvalidAppCredentials,
    OAuthCodeInvalid,
    OptionInvalid,
    PermissionDenied,
    QuotaExceeded,
    SystemBusy,
    TicketInvalid,
    TransportError,
)
from wxcomponent.stores import MemoryStore
from wxcomponent.stores.base import Store

from ..support.serving import serve
from ..support.waiting import wait_for, wait_for_async
from .conftest import CONFIG, seed_ticket

TOKEN_PATH = "/cgi-bin/component/api_component_token"
API = "/cgi-bin/get_api_domain_ip"
FAST = Policy(backoff_base=0.01, backoff_max=0.02)


def consent_in_browser(authorization_url: str) -> dict[str, list[str]]:
    """A simulated merchant opens the page, picks the first account and consents."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(authorization_url)
        assert page.status_code == 200
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        fields = {k: v.replace("&amp;", "&").replace("&#x27;", "'") for k, v in fields.items()}
        account = re.search(r'name="authorizer_appid" value="([^"]+)"', page.text)
        assert account is not None
        fields["authorizer_appid"] = account.group(1)
        action = authorization_url.split("?", maxsplit=1)[0]
        answer = browser.post(action, data=fields)
        assert answer.status_code == 302
        return parse_qs(urlsplit(answer.headers["location"]).query)


def test_full_flow_sync(emu: EmulatorServer, store: Store) -> None:
    with Component(CONFIG, store, api_base=emu.url) as comp, serve(comp.asgi_app()) as url:
        emu.configure(CONFIG.appid, auth_event_url=f"{url}/events")
        delivery = emu.push_ticket(CONFIG.appid)  # WeChat pushes the ticket to our URL
        assert delivery.ok
        ticket = store.load_ticket(CONFIG.appid)
        assert ticket is not None and ticket.value == emu.latest_ticket(CONFIG.appid)
        assert comp.access_token()
        url = comp.authorization_url("https://merchant.example.com/done?from=wx", auth_type=1)
        assert url.startswith(emu.url + "/cgi-bin/componentloginpage?")
        redirect = consent_in_browser(url)  # also pushes `authorized` with the same code
        assert redirect["from"] == ["wx"] and redirect["expires_in"] == ["600"]
        info = comp.query_auth(redirect["auth_code"][0])
        assert info.authorizer_appid.startswith("wx") and info.func_info
        comp.wait_background()
        record = store.get_authorizer(CONFIG.appid, info.authorizer_appid)
        assert record is not None and record.status == "authorized"
        assert record.refresh_token == emu.current_refresh_token(CONFIG.appid,
                                                                 info.authorizer_appid)
        client = comp.authorizer(info.authorizer_appid)
        assert client.access_token()
        assert "ip_list" in client.get_json(API)
        with pytest.raises(PermissionDenied):  # a mini-program API on an official account
            client.get_json("/wxa/get_category")
        details = comp.get_authorizer_info(info.authorizer_appid)
        assert details.user_name.startswith("gh_") and details.authorization is not None
        # the push and the redirect exchanged the same code: one upstream exchange
        again = comp.query_auth(redirect["auth_code"][0])
        assert again.authorizer_appid == info.authorizer_appid
        assert emu.calls("/cgi-bin/component/api_query_auth") == 1


async def test_full_flow_async(emu: EmulatorServer, store: Store) -> None:
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        with serve(comp.asgi_app()) as url:
            emu.configure(CONFIG.appid, auth_event_url=f"{url}/events")
            delivery = await asyncio.to_thread(emu.push_ticket, CONFIG.appid)
            assert delivery.ok
            url = await comp.authorization_url("https://merchant.example.com/done", mobile=True)
            assert "/wxaopen/safe/bindcomponent?" in url and url.endswith("#wechat_redirect")
            redirect = await asyncio.to_thread(consent_in_browser, url.split("#")[0])
            info = await comp.query_auth(redirect["auth_code"][0])
            client = comp.authorizer(info.authorizer_appid)
            assert await client.access_token()
            assert "ip_list" in await client.get_json(API)
            listed = [item async for item in comp.iter_authorizers(page_size=1)]
            assert [i.authorizer_appid for i in listed] == [info.authorizer_appid]
            stored = [r async for r in comp.stored_authorizers()]
            assert [r.authorizer_appid for r in stored] == [info.authorizer_appid]
            await comp.wait_background()
            assert emu.calls("/cgi-bin/component/api_query_auth") == 1


def test_used_code_without_memory_is_61010(emu: EmulatorServer) -> None:
    store_a, store_b = MemoryStore(), MemoryStore()
    seed_ticket(emu, store_a)
    seed_ticket(emu, store_b)
    grant = emu.authorize(CONFIG.appid, push=False)
    Component(CONFIG, store_a, api_base=emu.url).query_auth(grant.auth_code)
    with pytest.raises(AuthCodeInvalid) as info:
        Component(CONFIG, store_b, api_base=emu.url).query_auth(grant.auth_code)
    assert info.value.errcode == 61010


def test_component_endpoints(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    grants = [emu.authorize(CONFIG.appid, push=False) for _ in range(3)]
    for g in grants:
        comp.query_auth(g.auth_code)
    appid = grants[0].authorizer_appid
    comp.set_authorizer_option(appid, "voice_recognize", 1)
    option = comp.get_authorizer_option(appid, "voice_recognize")
    assert (option.option_name, option.option_value) == ("voice_recognize", "1")
    with pytest.raises(OptionInvalid):
        comp.get_authorizer_option(appid, "no_such_option")
    listed = list(comp.iter_authorizers(page_size=2))
    assert sorted(i.authorizer_appid for i in listed) == sorted(g.authorizer_appid for g in grants)
    assert emu.calls("/cgi-bin/component/api_get_authorizer_list") == 2
    comp.start_push_ticket()
    quota = comp.get_quota(TOKEN_PATH)
    assert quota.daily_limit >= quota.used >= 1
    comp.clear_quota()
    assert comp.get_quota(TOKEN_PATH).used == 0
    raw = comp.post_json("/cgi-bin/component/api_get_authorizer_info",
                         {"component_appid": CONFIG.appid, "authorizer_appid": appid})
    assert raw["authorizer_info"]["user_name"].startswith("gh_")


def test_on_behalf_oauth_jssdk_and_login(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    oa = emu.authorize(CONFIG.appid, push=False, kind="official_account")
    mp = emu.authorize(CONFIG.appid, push=False, kind="mini_program")
    comp.query_auth(oa.auth_code)
    comp.query_auth(mp.auth_code)
    account = comp.authorizer(oa.authorizer_appid)
    url = account.oauth_url("https://m.example.com/cb", scope="snsapi_userinfo", state="s1")
    q = parse_qs(urlsplit(url).query)
    assert q["component_appid"] == [CONFIG.appid] and q["appid"] == [oa.authorizer_appid]
    code = emu.oauth_code(CONFIG.appid, oa.authorizer_appid)
    # the component token changes between calls: each call reads it fresh
    emu.invalidate_tokens(CONFIG.appid)
    token = account.oauth_access_token(code)
    assert token.openid and token.scope == "snsapi_userinfo"
    with pytest.raises(OAuthCodeInvalid):
        account.oauth_access_token(code)
    refreshed = account.oauth_refresh_token(token.refresh_token)
    assert refreshed.openid == token.openid
    user = account.user_info(refreshed.access_token, refreshed.openid)
    assert user.openid == token.openid
    ticket = account.jsapi_ticket()
    assert account.jsapi_ticket() == ticket
    assert emu.calls("/cgi-bin/ticket/getticket") == 1
    session = comp.authorizer(mp.authorizer_appid).jscode2session(
        emu.js_code(CONFIG.appid, mp.authorizer_appid))
    assert session.openid and session.session_key
    assert session.session_key not in repr(session)


# --------------------------------------------------------------------------- faults


def test_system_busy_then_success_is_retried(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST)
    emu.inject(TOKEN_PATH, errcode=-1, times=2)
    assert comp.access_token()
    assert emu.calls(TOKEN_PATH) == 3


def test_busy_forever_gives_system_busy(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST)
    emu.inject(TOKEN_PATH, errcode=-1, times=None)
    with pytest.raises(SystemBusy):
        comp.access_token()
    assert emu.calls(TOKEN_PATH) == 3


def test_quota_exhausted_is_not_retried(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    events: list[str] = []
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST,
                     listeners=(lambda name, fields: events.append(name),))
    emu.set_quota(TOKEN_PATH, 0)
    with pytest.raises(QuotaExceeded) as info:
        comp.access_token()
    assert info.value.errcode == 45009
    assert emu.calls(TOKEN_PATH) == 1
    assert "quota_exhausted" in events and "refresh_failed" in events


@pytest.mark.parametrize("fault", [{"status": 502}, {"status": 500}, {"drop": True}])
def test_transient_http_failures_retried_then_transport_error(
    emu: EmulatorServer, store: Store, fault: dict[str, Any]
) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST)
    emu.inject(TOKEN_PATH, times=2, **fault)
    assert comp.access_token()  # two failures, then success
    comp.store.delete_token(f"{CONFIG.appid}:component_access_token")
    emu.inject(TOKEN_PATH, times=None, **fault)
    with pytest.raises(TransportError) as info:
        comp.access_token()
    assert "api_component_token" in str(info.value)
    assert emu.calls(TOKEN_PATH) == 3 + 3


def test_timeouts_retried_then_transport_error(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url,
                     policy=Policy(timeout=0.2, backoff_base=0.01, backoff_max=0.02))
    emu.inject(TOKEN_PATH, delay=1.0, times=None)
    with pytest.raises(TransportError, match="timeout"):
        comp.access_token()
    assert emu.calls(TOKEN_PATH) == 3


def test_connection_refused_is_transport_error(store: Store) -> None:
    comp = Component(CONFIG, store, api_base="http://127.0.0.1:9", policy=FAST)
    store.save_ticket(CONFIG.appid, "ticket", 1)
    with pytest.raises(TransportError):
        comp.access_token()


def test_bad_ticket_and_bad_secret(emu: EmulatorServer, store: Store) -> None:
    store.save_ticket(CONFIG.appid, "ticket@@@forged", int(time.time()))
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST)
    with pytest.raises(TicketInvalid):
        comp.access_token()
    assert emu.calls(TOKEN_PATH) == 1
    wrong = type(CONFIG)(appid=CONFIG.appid, secret="wrong-secret", token=CONFIG.token,
                         encoding_aes_key=CONFIG.encoding_aes_key)
    seed_ticket(emu, store)
    with pytest.raises(InvalidAppCredentials):
        Component(wrong, store, api_base=emu.url, policy=FAST).access_token()


# --------------------------------------------------------------------------- secrets


def test_no_secret_in_logs_or_errors(emu: EmulatorServer, store: Store,
                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, policy=FAST)
    grant = emu.authorize(CONFIG.appid, push=False)
    info = comp.query_auth(grant.auth_code)
    client = comp.authorizer(info.authorizer_appid)
    emu.invalidate_tokens(CONFIG.appid, authorizer_appid=info.authorizer_appid)
    client.get_json(API)
    emu.inject(API, status=502, times=None)
    with pytest.raises(TransportError) as error:
        client.get_json(API)
    secrets = [CONFIG.secret, CONFIG.token, CONFIG.encoding_aes_key, info.authorizer_access_token,
               info.authorizer_refresh_token, client.access_token(), comp.access_token()]
    text = caplog.text + str(error.value) + repr(comp) + repr(client) + repr(info)
    for secret in secrets:
        assert secret not in text
    assert "token_refreshed" in caplog.text


# --------------------------------------------------------------------------- refresher


def test_refresh_due_renews_ahead_of_expiry(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url)
    grants = [emu.authorize(CONFIG.appid, push=False) for _ in range(3)]
    for g in grants:
        comp.query_auth(g.auth_code)
    # all fresh, and scheduled by the tokens the exchanges brought: only the component token
    # is checked, and nothing is fetched
    assert comp.refresh_due() == (1, 0)
    assert emu.calls(TOKEN_PATH) == 1
    ahead = Component(CONFIG, store, api_base=emu.url, clock=lambda: time.time() + 6300)
    assert ahead.refresh_due() == (4, 0)
    assert emu.calls(TOKEN_PATH) == 2
    assert emu.calls("/cgi-bin/component/api_authorizer_token") == 3
    # the request path now finds fresh tokens without waiting
    assert ahead.authorizer(grants[0].authorizer_appid).access_token()
    assert emu.calls("/cgi-bin/component/api_authorizer_token") == 3


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_a_round_leaves_an_account_this_process_is_refreshing_and_takes_it_after(
        emu: EmulatorServer, store: Store, flavour: str) -> None:
    seed_ticket(emu, store)
    grant = emu.authorize(CONFIG.appid, push=False)
    Component(CONFIG, store, api_base=emu.url).query_auth(grant.auth_code)
    later = lambda: time.time() + 6300  # noqa: E731 (the token is near its margin then)
    key = f"{CONFIG.appid}:authorizer_access_token:{grant.authorizer_appid}"
    refreshes = "/cgi-bin/component/api_authorizer_token"
    if flavour == "sync":
        comp = Component(CONFIG, store, api_base=emu.url, clock=later)
        lock = comp._locks.enter(key)  # as a call of another thread refreshing it holds it
        assert lock.acquire(timeout=0)
        assert comp.refresh_due() == (2, 0)  # at once, and not a failure
        assert emu.calls(refreshes) == 0
        lock.release()
        comp._locks.leave(key)
        assert comp.refresh_due() == (2, 0)
        assert len(comp._locks) == 0  # no lock kept for a key nobody holds
    else:
        acomp = AsyncComponent(CONFIG, store, api_base=emu.url, clock=later)
        task_key = (id(asyncio.get_running_loop()), key)
        alock = acomp._locks.enter(task_key)  # as another task refreshing it holds it
        await alock.acquire()
        assert await acomp.refresh_due() == (2, 0)
        assert emu.calls(refreshes) == 0
        alock.release()
        acomp._locks.leave(task_key)
        assert await acomp.refresh_due() == (2, 0)
        assert len(acomp._locks) == 0
        await acomp.aclose()
    assert emu.calls(refreshes) == 1


def test_refresher_thread_starts_and_stops(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = Component(CONFIG, store, api_base=emu.url, clock=lambda: time.time() + 6300)
    refresher = comp.start_refresher(interval=0.05)
    wait_for(lambda: refresher.rounds >= 3, "the refresher thread never made three rounds")
    refresher.stop()
    assert not refresher.running and refresher.rounds >= 3
    assert emu.calls(TOKEN_PATH) >= 1


def test_two_refreshers_ask_for_a_missing_ticket_once_per_interval(
    emu: EmulatorServer, tmp_path: Any
) -> None:
    """Two hosts share a SQLite file and a clock; the ticket never comes (no URL is set in
    WeChat's console). They ask WeChat for it once, and once more when the interval is over."""
    from wxcomponent.stores import SQLiteStore

    start_push = "/cgi-bin/component/api_start_push_ticket"
    now = [time.time()]

    def clock() -> float:
        return now[0]

    policy = Policy(ticket_request_age=1200, ticket_request_interval=600, reconcile_interval=None)
    hosts = [Component(CONFIG, SQLiteStore(tmp_path / "fleet.sqlite3", clock=clock),
                       api_base=emu.url, clock=clock, policy=policy) for _ in range(2)]
    refreshers = [host.start_refresher(interval=0.05) for host in hosts]

    def rounds_more(count: int) -> None:
        marks = [r.rounds for r in refreshers]
        wait_for(lambda: all(r.rounds >= m + count
                             for r, m in zip(refreshers, marks, strict=True)),
                 "the refreshers stopped making rounds")

    try:
        rounds_more(3)
        assert emu.calls(start_push) == 1
        assert [r.stats.ticket_requested_at for r in refreshers].count(now[0]) == 1
        now[0] += 599
        rounds_more(3)
        assert emu.calls(start_push) == 1  # still within the interval
        now[0] += 1
        wait_for(lambda: emu.calls(start_push) == 2, "nobody asked again after the interval")
        rounds_more(3)
        assert emu.calls(start_push) == 2
    finally:
        for refresher in refreshers:
            refresher.stop()
        for host in hosts:
            host.close()


async def test_async_refresher(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    comp = AsyncComponent(CONFIG, store, api_base=emu.url)
    grant = emu.authorize(CONFIG.appid, push=False)
    await comp.query_auth(grant.auth_code)
    ahead = AsyncComponent(CONFIG, store, api_base=emu.url, clock=lambda: time.time() + 6300)
    refresher = ahead.start_refresher(interval=0.05)
    await wait_for_async(lambda: refresher.rounds >= 2, "the refresher task never made two rounds")
    await refresher.stop()
    assert not refresher.running
    assert emu.calls("/cgi-bin/component/api_authorizer_token") >= 1
    # renewed and scheduled again: nothing is due now but the component token's check
    assert await ahead.refresh_due() == (1, 0)
