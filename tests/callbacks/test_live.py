"""End to end over real HTTP: the emulator pushes to a uvicorn server running the callback app.

Ticket pushes land in the store; ``authorized`` is answered at once and its code exchanged in
the background; the browser redirect exchanging the same code does no harm; ``unauthorized``
revokes; a fast registration adds a mini program; a message gets an encrypted passive reply.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from wxcomponent import ComponentConfig, events
from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core.callbacks import CallbackOptions, Push
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.stores import MemoryStore

from ..support.serving import serve
from ..support.waiting import wait_for
from .wire import Sender

P = DEFAULT_PLATFORM
QUERY_AUTH = "/cgi-bin/component/api_query_auth"
CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)


@dataclass
class Live:
    emu: EmulatorServer
    component: Component | AsyncComponent
    store: MemoryStore
    url: str
    emitted: list[tuple[str, Any]]


def _start(emu: EmulatorServer, component: Component | AsyncComponent, store: MemoryStore,
           emitted: list[tuple[str, Any]]) -> Iterator[Live]:
    with serve(component.asgi_app()) as url:
        emu.add_platform(P.appid, P.secret, P.token, P.encoding_aes_key,
                         auth_event_url=f"{url}/events",
                         message_url=f"{url}/messages/$APPID$")
        yield Live(emu, component, store, url, emitted)


def _component(store: MemoryStore, emu: EmulatorServer, emitted: list[tuple[str, Any]],
               **options: Any) -> Component:
    return Component(CONFIG, store, api_base=emu.url,
                     policy=Policy(attempts=1, backoff_base=0.01),
                     callbacks=CallbackOptions(exchange_backoff=0.02, **options),
                     listeners=(lambda name, fields: emitted.append((name, fields)),))


@pytest.fixture
def live(wechat_emulator: EmulatorServer) -> Iterator[Live]:
    store = MemoryStore()
    emitted: list[tuple[str, Any]] = []
    component = _component(store, wechat_emulator, emitted)
    try:
        yield from _start(wechat_emulator, component, store, emitted)
    finally:
        component.close()


def test_ticket_pushes_reach_the_store(live: Live) -> None:
    for _ in range(2):
        delivery = live.emu.push_ticket(P.appid)
        assert delivery.ok, delivery.error
        assert [a.body for a in delivery.attempts] == ["success"]
        ticket = live.store.load_ticket(P.appid)
        assert ticket is not None and ticket.value == live.emu.latest_ticket(P.appid)


def test_authorization_then_redirect_then_revocation(live: Live) -> None:
    assert isinstance(live.component, Component)
    live.emu.push_ticket(P.appid)
    seen: list[Any] = []
    component = live.component

    @component.on("authorized")
    def on_authorized(event: Any, push: Push) -> None:
        # the documented way for a handler to get the authorizer: waits for the exchange
        seen.append((event, component.query_auth(event.authorization_code)))

    grant = live.emu.authorize(P.appid)

    assert grant.delivery is not None and grant.delivery.ok
    assert [a.body for a in grant.delivery.attempts] == ["success"]
    live.component.wait_background()
    record = live.store.get_authorizer(P.appid, grant.authorizer_appid)
    assert record is not None and record.status == "authorized"
    assert record.refresh_token == live.emu.current_refresh_token(P.appid,
                                                                  grant.authorizer_appid)
    assert live.emu.calls(QUERY_AUTH) == 1
    [(event, exchanged)] = seen
    assert isinstance(event, events.Authorized)
    assert event.authorizer_appid == exchanged.authorizer_appid == grant.authorizer_appid
    assert exchanged.authorizer_refresh_token == record.refresh_token

    # the browser redirect brings the same code: read, not exchanged again (61010 otherwise)
    info = live.component.query_auth(grant.auth_code)
    assert info.authorizer_appid == grant.authorizer_appid
    assert info.authorizer_refresh_token == record.refresh_token
    assert live.emu.calls(QUERY_AUTH) == 1
    token = live.component.authorizer(grant.authorizer_appid).access_token()
    assert token

    delivery = live.emu.revoke(P.appid, grant.authorizer_appid)
    assert delivery is not None and delivery.ok
    revoked = live.store.get_authorizer(P.appid, grant.authorizer_appid)
    assert revoked is not None and revoked.status == "revoked"  # done before answering
    assert live.store.get_token(
        f"{P.appid}:authorizer_access_token:{grant.authorizer_appid}") is None
    assert any(name == "authorizer_revoked" for name, _ in live.emitted)


def test_redirect_racing_the_push_exchanges_once(live: Live) -> None:
    assert isinstance(live.component, Component)
    live.emu.push_ticket(P.appid)
    live.component.access_token()
    live.emu.inject(QUERY_AUTH, delay=0.4)  # a slow exchange: the two overlap
    answers: list[str] = []

    def authorize() -> None:
        grant = live.emu.authorize(P.appid, "wxf00d000000000001")
        assert grant.delivery is not None
        answers.append(grant.delivery.attempts[-1].body or "")

    pusher = threading.Thread(target=authorize)
    pusher.start()
    code = wait_for(lambda: next((d.fields["AuthorizationCode"] for d in live.emu.deliveries
                                   if d.event == "authorized"), None))
    info = live.component.query_auth(code)  # the redirect, while the push is exchanging
    pusher.join(10)
    live.component.wait_background()

    assert answers == ["success"]
    assert info.authorizer_appid == "wxf00d000000000001"
    assert live.emu.calls(QUERY_AUTH) == 1
    record = live.store.get_authorizer(P.appid, "wxf00d000000000001")
    assert record is not None and record.refresh_token == info.authorizer_refresh_token


def test_fast_registration(live: Live) -> None:
    assert isinstance(live.component, Component)
    live.emu.push_ticket(P.appid)
    results: list[Any] = []
    live.component.on(events.FastRegisterResult)(lambda e, p: results.append(e))

    failed = live.emu.fast_register(P.appid, success=False)
    done = live.emu.fast_register(P.appid, name="快速注册测试")
    live.component.wait_background()

    assert failed.delivery is not None and failed.delivery.ok
    assert [r.succeeded for r in results] == [False, True]
    assert done.appid is not None
    record = live.store.get_authorizer(P.appid, done.appid)
    assert record is not None and record.status == "authorized"
    assert live.emu.calls(QUERY_AUTH) == 1  # the failure had no code to exchange


def test_exchange_retries_transient_failures(live: Live) -> None:
    assert isinstance(live.component, Component)
    live.emu.push_ticket(P.appid)
    live.emu.inject(QUERY_AUTH, status=502, times=2)
    grant = live.emu.authorize(P.appid)
    live.component.wait_background()
    assert live.emu.calls(QUERY_AUTH) == 3
    assert live.store.get_authorizer(P.appid, grant.authorizer_appid) is not None


def test_exchange_gives_up_on_a_used_code(live: Live) -> None:
    assert isinstance(live.component, Component)
    live.emu.push_ticket(P.appid)
    live.emu.inject(QUERY_AUTH, errcode=61010, times=1)
    grant = live.emu.authorize(P.appid)
    live.component.wait_background()
    assert live.emu.calls(QUERY_AUTH) == 1
    assert live.store.get_authorizer(P.appid, grant.authorizer_appid) is None
    failures = [f for name, f in live.emitted if name == "authorization_exchange_failed"]
    assert failures == [{"appid": grant.authorizer_appid, "source": "authorized",
                         "attempts": 1, "error": "AuthCodeInvalid"}]


def test_message_push_gets_an_encrypted_reply(live: Live) -> None:
    live.emu.push_ticket(P.appid)
    grant = live.emu.authorize(P.appid)
    got: list[Push] = []

    @live.component.on("text")
    def echo(event: Any, push: Push) -> dict[str, Any]:
        got.append(push)
        return {"MsgType": "text", "Content": "echo: " + event.get("Content")}

    delivery = live.emu.push_message(P.appid, grant.authorizer_appid,
                                     {"MsgType": "text", "Content": "你好"})
    assert delivery.ok
    reply = Sender(P.appid, P.token, P.encoding_aes_key).open_reply(
        delivery.attempts[0].body.encode())  # type: ignore[union-attr]
    assert "<Content><![CDATA[echo: 你好]]></Content>".encode() in reply
    assert got[0].authorizer_appid == grant.authorizer_appid and got[0].openid


def test_async_component_on_a_real_server(wechat_emulator: EmulatorServer) -> None:
    store = MemoryStore()
    # No keep-alive: the client is used from the server's event loop, which ends first.
    http = httpx.AsyncClient(base_url=wechat_emulator.url,
                             limits=httpx.Limits(max_keepalive_connections=0))
    component = AsyncComponent(CONFIG, store, api_base=wechat_emulator.url, http_client=http,
                               callbacks=CallbackOptions(exchange_backoff=0.02))
    seen: list[str] = []

    @component.on("authorized")
    async def on_authorized(event: Any, push: Push) -> None:
        seen.append(event.authorizer_appid)

    for live in _start(wechat_emulator, component, store, []):
        live.emu.push_ticket(P.appid)
        grant = live.emu.authorize(P.appid)
        appid = grant.authorizer_appid
        record = wait_for(lambda appid=appid: store.get_authorizer(P.appid, appid))
        assert record.status == "authorized" and seen == [grant.authorizer_appid]
        live.emu.revoke(P.appid, grant.authorizer_appid)
        revoked = store.get_authorizer(P.appid, grant.authorizer_appid)
        assert revoked is not None and revoked.status == "revoked"
