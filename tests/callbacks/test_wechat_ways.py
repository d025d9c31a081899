"""The platform lives through WeChat's ways, over real HTTP: the emulator pushes to a uvicorn
server running the callback app, on the emulator's clock.

Tickets repeated across pushes; ticket pushes that stop until the refresher asks for one;
an account that authorizes again (a new refresh token, the old one dead); a platform not yet
live (only its test accounts authorize); one pre-auth code per merchant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wxcomponent import ComponentConfig
from wxcomponent.client import Component
from wxcomponent.core.callbacks import CallbackOptions
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.errors import InvalidArgument, PermissionDenied
from wxcomponent.stores import MemoryStore

from ..support.serving import serve
from ..support.waiting import wait_for

P = DEFAULT_PLATFORM
CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
START_PUSH = "/cgi-bin/component/api_start_push_ticket"
AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token"
REDIRECT = "https://shop.example.com/authorized"


@dataclass
class Live:
    emu: EmulatorServer
    component: Component
    store: MemoryStore


@pytest.fixture
def live(wechat_emulator: EmulatorServer) -> Iterator[Live]:
    """A platform on the emulator's clock (its pushes are signed with wall-clock time, so the
    timestamp window is off while the tests move the clock hours ahead)."""
    emu = wechat_emulator
    store = MemoryStore(clock=emu.now)
    component = Component(CONFIG, store, api_base=emu.url, auth_base=emu.url, clock=emu.now,
                          policy=Policy(attempts=1, backoff_base=0.01),
                          callbacks=CallbackOptions(exchange_backoff=0.02,
                                                    timestamp_window=None))
    try:
        with serve(component.asgi_app()) as url:
            emu.configure(P.appid, auth_event_url=f"{url}/events",
                          message_url=f"{url}/messages/$APPID$")
            yield Live(emu, component, store)
    finally:
        component.close()


def _ticket_pushes(emu: EmulatorServer) -> int:
    return sum(1 for d in emu.deliveries if d.event == "component_verify_ticket" and d.ok)


# --------------------------------------------------------------------------- tickets


def test_a_ticket_repeated_across_pushes_keeps_the_platform_going(live: Live) -> None:
    emu, component = live.emu, live.component
    emu.repeat_tickets(3600)
    first = emu.push_ticket(P.appid)
    ticket = emu.latest_ticket(P.appid)
    assert first.ok
    component.access_token()
    for _ in range(3):  # three more scheduled pushes, ten minutes apart, one value
        emu.advance_clock(600)
        delivery = emu.push_ticket(P.appid)
        assert delivery.ok and delivery.fields["ComponentVerifyTicket"] == ticket
        stored = live.store.load_ticket(P.appid)
        assert stored is not None and stored.value == ticket
        assert stored.received_at == pytest.approx(emu.now(), abs=5)  # fresh, not old
    # 30 minutes on, the repeated ticket is fresh: the refresher asks WeChat for nothing
    refresher = component.start_refresher(interval=0.02)
    try:
        wait_for(lambda: refresher.rounds >= 2, "the refresher made no round")
    finally:
        refresher.stop()
    assert emu.calls(START_PUSH) == 0
    emu.invalidate_tokens(P.appid)
    assert component.access_token()  # a new component token from the repeated ticket


def test_ticket_pushes_that_stopped_come_back_when_the_refresher_asks(live: Live) -> None:
    emu, component = live.emu, live.component
    assert emu.push_ticket(P.appid).ok
    old = emu.latest_ticket(P.appid)
    emu.stop_ticket_pushes(P.appid)
    pushed = _ticket_pushes(emu)
    emu.advance_clock(1500)  # 25 minutes: two scheduled pushes due, none sent
    emu.run_due_events()
    assert _ticket_pushes(emu) == pushed
    assert emu.snapshot()["platforms"][0]["ticket_pushes_stopped"] is True

    refresher = component.start_refresher(interval=0.02)
    try:
        stored = wait_for(lambda: (t := live.store.load_ticket(P.appid)) is not None
                          and t.value != old and t,
                          "no new ticket reached the store")
    finally:
        refresher.stop()
    assert emu.calls(START_PUSH) == 1  # asked once: the request's lease holds
    assert stored.value == emu.latest_ticket(P.appid)
    assert emu.snapshot()["platforms"][0]["ticket_pushes_stopped"] is False
    # the scheduled pushes are back
    pushed = _ticket_pushes(emu)
    emu.advance_clock(600)
    wait_for(lambda: _ticket_pushes(emu) > pushed, "the scheduled pushes did not resume")


# --------------------------------------------------------------------------- authorizations


def test_authorizing_again_replaces_the_refresh_token(live: Live) -> None:
    emu, component = live.emu, live.component
    emu.push_ticket(P.appid)
    grant = emu.authorize(P.appid)
    component.wait_background()
    appid = grant.authorizer_appid
    before = live.store.get_authorizer(P.appid, appid)
    assert before is not None
    component.authorizer(appid).access_token()

    emu.advance_clock(5)  # a later CreateTime: the change is newer than the first
    again = emu.authorize(P.appid, appid)  # the merchant authorizes once more
    assert again.delivery is not None and again.delivery.ok
    assert again.delivery.event == "updateauthorized"
    component.wait_background()
    current = emu.current_refresh_token(P.appid, appid)
    assert current != before.refresh_token
    after = live.store.get_authorizer(P.appid, appid)
    assert after is not None and after.status == "authorized"
    assert after.refresh_token == current  # the newest one was kept
    calls = emu.calls(AUTHORIZER_TOKEN)
    component.authorizer(appid).refresh_access_token()
    assert emu.calls(AUTHORIZER_TOKEN) == calls + 1  # the stored token worked at once


def _consent(client: httpx.Client, url: str, account: str) -> httpx.Response:
    page = client.get(url)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           page.text))
    path = urlsplit(url).path
    return client.post(path, data={**form, "authorizer_appid": account})


def test_each_merchant_gets_a_pre_auth_code_of_its_own(live: Live) -> None:
    emu, component = live.emu, live.component
    emu.push_ticket(P.appid)
    first, second = [a.appid for a in emu.platform(P.appid).accounts.values()
                     if a.kind == "official_account"][:2]
    link_a = component.authorization_url(REDIRECT)
    link_b = component.authorization_url(REDIRECT)
    assert parse_qs(urlsplit(link_a).query)["pre_auth_code"] \
        != parse_qs(urlsplit(link_b).query)["pre_auth_code"]
    with httpx.Client(base_url=emu.url, trust_env=False, timeout=10) as client:
        done_a = _consent(client, link_a, first)
        assert done_a.status_code == 302
        # the first merchant's link forwarded to a second merchant: WeChat refuses it
        reused = client.post(urlsplit(link_a).path, data={
            **{k: v[0] for k, v in parse_qs(urlsplit(link_a).query).items()},
            "authorizer_appid": second})
        assert reused.status_code == 400
        assert "预授权码已经被授权过" in reused.text
        done_b = _consent(client, link_b, second)
        assert done_b.status_code == 302
    for done, account in ((done_a, first), (done_b, second)):
        code = parse_qs(urlsplit(done.headers["location"]).query)["auth_code"][0]
        assert component.query_auth(code).authorizer_appid == account
    component.wait_background()
    for account in (first, second):
        record = live.store.get_authorizer(P.appid, account)
        assert record is not None and record.status == "authorized"


# --------------------------------------------------------------------------- before going live


def test_before_going_live_only_test_accounts_authorize(live: Live) -> None:
    emu, component = live.emu, live.component
    emu.push_ticket(P.appid)
    accounts = [a.appid for a in emu.platform(P.appid).accounts.values()]
    tester, merchant = accounts[0], accounts[1]
    emu.set_live(P.appid, False, test_accounts=[tester])
    with httpx.Client(base_url=emu.url, trust_env=False, timeout=10) as client:
        link = component.authorization_url(REDIRECT)
        page = client.get(link)
        assert page.status_code == 200
        offered = re.findall(r'name="authorizer_appid" value="([^"]+)"', page.text)
        assert offered == [tester]
        refused = client.post(urlsplit(link).path, data={
            **{k: v[0] for k, v in parse_qs(urlsplit(link).query).items()},
            "authorizer_appid": merchant})
        assert refused.status_code == 400 and "61028" in refused.text
        done = _consent(client, link, tester)  # the refusal left the code usable
        assert done.status_code == 302
    # the consent's push brings the code to the platform, which exchanges it
    record = wait_for(lambda: live.store.get_authorizer(P.appid, tester),
                      "the test account's authorization never reached the store")
    assert record.status == "authorized"
    assert live.store.get_authorizer(P.appid, merchant) is None
    with pytest.raises(InvalidArgument, match="61028"):
        emu.authorize(P.appid, merchant)
    # fast registration answers as WeChat does for an unpublished platform, typed
    with pytest.raises(PermissionDenied) as caught:
        component.fast_registration.create_personal(idname="张三", wxuser="zhangsan")
    assert caught.value.errcode == 61028
    emu.set_live(P.appid, True)
    grant = emu.authorize(P.appid, merchant)
    assert grant.delivery is not None and grant.delivery.ok
