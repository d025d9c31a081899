"""WeChat's release check (全网发布): answered by the platform for the two test accounts only,
and run by the emulator against a real server over HTTP, on both shells."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from wxcomponent import AsyncComponent, CallbackOptions, Component, ComponentConfig, events
from wxcomponent.core import release_check
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.stores import MemoryStore

from ..support.serving import serve

P = DEFAULT_PLATFORM
CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
OA, MP = "wx570bc396a51b8ff8", "wxd101a85aa106f53e"


def _message(fields: dict[str, Any]) -> events.AuthorizerMessage:
    raw = {"ToUserName": "gh_3c884a361561", "FromUserName": "o-user", "CreateTime": "1",
           **fields}
    event = events.event_from_fields(raw)
    assert isinstance(event, events.AuthorizerMessage)
    return event


def test_each_case_gets_its_answer() -> None:
    event = release_check.respond(_message({"MsgType": "event", "Event": "LOCATION"}), OA)
    assert event is not None and event.reply is not None
    assert event.reply.content == "LOCATIONfrom_callback"
    text = release_check.respond(_message({"MsgType": "text",
                                           "Content": "TESTCOMPONENT_MSG_TYPE_TEXT"}), OA)
    assert text is not None and text.reply is not None
    assert text.reply.content == "TESTCOMPONENT_MSG_TYPE_TEXT_callback"
    code = release_check.respond(_message({"MsgType": "text",
                                           "Content": "QUERY_AUTH_CODE:abc@@@1"}), None)
    assert code is not None and (code.reply, code.code) == (None, "abc@@@1")


@pytest.mark.parametrize("appid", ["wx1234567890abcdef", None])
def test_a_real_account_is_never_answered(appid: str | None) -> None:
    fields = [{"MsgType": "event", "Event": "subscribe"},
              {"MsgType": "text", "Content": "TESTCOMPONENT_MSG_TYPE_TEXT"},
              {"MsgType": "text", "Content": "QUERY_AUTH_CODE:x"}]
    for f in fields:
        message = _message({**f, "ToUserName": "gh_0123456789ab"})
        assert release_check.respond(message, appid) is None
    # the test account's user name under a real account's URL is not the test account
    assert release_check.respond(_message(fields[1]), "wx1234567890abcdef") is None


def test_other_messages_of_a_test_account_go_to_the_handlers() -> None:
    assert release_check.respond(_message({"MsgType": "text", "Content": "hello"}), OA) is None
    assert release_check.respond(_message({"MsgType": "text", "Content": "QUERY_AUTH_CODE:"}),
                                 OA) is None


@pytest.fixture(params=["sync", "async"])
def served(request: pytest.FixtureRequest,
           wechat_emulator: EmulatorServer) -> Iterator[tuple[EmulatorServer, list[Any]]]:
    store = MemoryStore()
    handled: list[Any] = []
    component: Component | AsyncComponent
    if request.param == "sync":
        component = Component(CONFIG, store, api_base=wechat_emulator.url)
    else:
        component = AsyncComponent(CONFIG, store, api_base=wechat_emulator.url)
    component.on_default(lambda event, push: handled.append(event))
    store.save_ticket(P.appid, wechat_emulator.issue_ticket(P.appid), 0)
    with serve(component.asgi_app()) as url:
        wechat_emulator.add_platform(P.appid, P.secret, P.token, P.encoding_aes_key,
                                     auth_event_url=f"{url}/events",
                                     message_url=f"{url}/messages/$APPID$")
        yield wechat_emulator, handled
    if isinstance(component, Component):
        component.close()


def test_the_emulated_check_passes_against_a_real_server(
        served: tuple[EmulatorServer, list[Any]]) -> None:
    emu, handled = served
    report = emu.release_check(P.appid)
    assert report["passed"], report
    cases = {(c["account"].split()[-1], c["case"]) for c in report["cases"] if c["passed"]}
    assert cases == {(a, c) for a in (OA, MP) for c in ("event", "text", "query_auth_code")}
    sent = emu.custom_messages()
    assert {m["authorizer_appid"] for m in sent} == {OA, MP}
    assert all(m["text"]["content"].endswith("_from_api") for m in sent)
    assert handled == []  # the check's pushes never reach the platform's own handlers


def test_the_check_fails_when_the_responder_is_off(wechat_emulator: EmulatorServer) -> None:
    component = Component(CONFIG, MemoryStore(), api_base=wechat_emulator.url,
                          callbacks=CallbackOptions(release_check=False))
    with serve(component.asgi_app()) as url:
        wechat_emulator.add_platform(P.appid, P.secret, P.token, P.encoding_aes_key,
                                     auth_event_url=f"{url}/events",
                                     message_url=f"{url}/messages/$APPID$")
        report = wechat_emulator.release_check(P.appid, timeout=0.5)
    component.close()
    assert not report["passed"]
    failed = {c["case"] for c in report["cases"] if not c["passed"]}
    assert failed == {"event", "text", "query_auth_code"}
