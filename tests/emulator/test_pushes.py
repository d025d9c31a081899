"""Encrypted pushes received by a real HTTP server and opened two ways: with the library's
MessageCrypto and with the independent implementation in support.py."""

from __future__ import annotations

import time

import httpx
import pytest

from wxcomponent.core.crypto import MessageCrypto
from wxcomponent.core.xml import parse_xml
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .support import (
    APPID,
    C,
    Received,
    Receiver,
    closed_port,
    component_token,
    independent_open,
    post,
)

OTHER_APPID = "wx6666666666666666"
OTHER_KEY = "C" * 43
CRYPTO = MessageCrypto(DEFAULT_PLATFORM.token, DEFAULT_PLATFORM.encoding_aes_key, APPID)


def open_both(received: Received) -> dict[str, object]:
    """Decrypt with the library and independently; both must agree."""
    q = received.query
    assert q["signature"] == CRYPTO.url_signature(q["timestamp"], q["nonce"])
    message = CRYPTO.decrypt_body(received.body, msg_signature=q["msg_signature"],
                                  timestamp=q["timestamp"], nonce=q["nonce"])
    ours = independent_open(received)
    library = parse_xml(message)
    assert {k: v for k, v in ours.items() if k != "_envelope"} == library
    return ours


@pytest.fixture
def listening(emu: EmulatorServer, receiver: Receiver) -> Receiver:
    emu.configure(APPID, auth_event_url=receiver.url)
    return receiver


def test_ticket_push(emu: EmulatorServer, listening: Receiver, client: httpx.Client) -> None:
    delivery = emu.push_ticket(APPID)
    assert delivery.ok and delivery.finished
    assert [(a.status, a.body) for a in delivery.attempts] == [(200, "success")]
    (received,) = listening.wait_for(1)
    assert received.path == "/wechat/auth"
    assert abs(int(received.query["timestamp"]) - time.time()) < 60
    assert received.headers["Content-Type"].startswith("text/xml")
    fields = open_both(received)
    envelope = fields["_envelope"]
    assert isinstance(envelope, dict)
    assert set(envelope) == {"AppId", "Encrypt"} and envelope["AppId"] == APPID
    assert fields["AppId"] == APPID
    assert fields["InfoType"] == "component_verify_ticket"
    ticket = fields["ComponentVerifyTicket"]
    assert ticket == emu.latest_ticket(APPID) == delivery.fields["ComponentVerifyTicket"]
    assert abs(int(str(fields["CreateTime"])) - emu.clock.now()) < 5
    # The pushed ticket buys a component token.
    answer = post(client, C + "api_component_token", {
        "component_appid": APPID, "component_appsecret": DEFAULT_PLATFORM.secret,
        "component_verify_ticket": ticket,
    })
    assert "component_access_token" in answer
    assert emu.deliveries == [delivery]


def test_authorization_pushes(emu: EmulatorServer, listening: Receiver) -> None:
    grant = emu.authorize(APPID, kind="mini_program")
    update = emu.update_authorization(APPID, grant.authorizer_appid)
    revoked = emu.revoke(APPID, grant.authorizer_appid)
    assert revoked is not None and revoked.ok
    first, second, third = (open_both(r) for r in listening.wait_for(3))
    assert first["InfoType"] == "authorized"
    assert first["AuthorizerAppid"] == grant.authorizer_appid
    assert first["AuthorizationCode"] == grant.auth_code
    assert str(first["PreAuthCode"]).startswith("preauthcode@@@")
    expiry = int(str(first["AuthorizationCodeExpiredTime"]))
    assert 590 <= expiry - emu.clock.now() <= 601
    assert second["InfoType"] == "updateauthorized"
    assert second["AuthorizationCode"] == update.auth_code != grant.auth_code
    assert third == {**third, "InfoType": "unauthorized",
                     "AuthorizerAppid": grant.authorizer_appid}
    assert "AuthorizationCode" not in third
    assert [d.event for d in emu.deliveries] == ["authorized", "updateauthorized",
                                                 "unauthorized"]


def test_fast_register_pushes(
    emu: EmulatorServer, listening: Receiver, client: httpx.Client
) -> None:
    good = emu.fast_register(APPID, name="快注册")
    bad = emu.fast_register(APPID, success=False)
    assert good.status == 0 and good.appid and good.auth_code
    assert bad.status != 0 and bad.appid is None and bad.auth_code is None
    ok_push, failed_push = (open_both(r) for r in listening.wait_for(2))
    assert ok_push["InfoType"] == "notify_third_fasteregister"
    assert ok_push["appid"] == good.appid and ok_push["auth_code"] == good.auth_code
    assert ok_push["status"] == "0"
    info = ok_push["info"]
    assert isinstance(info, dict) and info["name"] == "快注册"
    assert set(info) == {"name", "code", "component_phone"}
    assert failed_push["status"] == str(bad.status)
    assert "appid" not in failed_push and "auth_code" not in failed_push
    # The registered mini program is authorized: its code is exchangeable.
    token = component_token(emu, client)
    answer = post(client, C + "api_query_auth",
                  {"component_appid": APPID, "authorization_code": good.auth_code},
                  component_access_token=token)
    assert answer["authorization_info"]["authorizer_appid"] == good.appid


def test_retries_until_success(emu: EmulatorServer, listening: Receiver) -> None:
    listening.answers.extend([(200, b"fail"), (500, b"oops")])
    delivery = emu.push_ticket(APPID)
    assert delivery.ok
    assert [(a.number, a.status, a.body) for a in delivery.attempts] == [
        (1, 200, "fail"), (2, 500, "oops"), (3, 200, "success")]
    assert delivery.attempts[0].error and delivery.attempts[2].error is None
    bodies = [r.body for r in listening.wait_for(3)]
    assert bodies[0] == bodies[1] == bodies[2]


def test_three_tries_then_give_up(emu: EmulatorServer, listening: Receiver) -> None:
    listening.default = (200, b"success\n")
    delivery = emu.push_ticket(APPID)
    assert not delivery.ok and delivery.finished
    assert len(delivery.attempts) == 3
    assert all(a.status == 200 and a.body == "success\n" for a in delivery.attempts)
    assert delivery.error is not None
    assert len(listening.wait_for(3)) == 3


def test_connection_refused_is_retried(emu: EmulatorServer) -> None:
    emu.configure(APPID, auth_event_url=f"http://127.0.0.1:{closed_port()}/x")
    delivery = emu.push_ticket(APPID)
    assert not delivery.ok
    assert len(delivery.attempts) == 3
    assert all(a.status is None and a.error and "Connect" in a.error
               for a in delivery.attempts)


def test_no_url_is_recorded(emu: EmulatorServer) -> None:
    delivery = emu.push_ticket(APPID)
    assert not delivery.ok and delivery.attempts == [] and delivery.error
    assert emu.latest_ticket(APPID) == delivery.fields["ComponentVerifyTicket"]


def test_message_push(emu: EmulatorServer, receiver: Receiver) -> None:
    emu.configure(APPID, message_url=receiver.url.replace("/auth", "/msg/$APPID$"))
    grant = emu.authorize(APPID, kind="mini_program", push=False)
    receiver.default = (200, b"")
    delivery = emu.push_message(APPID, grant.authorizer_appid,
                                {"MsgType": "event", "Event": "weapp_audit_success",
                                 "SuccTime": 1700000000})
    assert delivery.ok and delivery.event == "weapp_audit_success"
    (received,) = receiver.wait_for(1)
    assert received.path == f"/wechat/msg/{grant.authorizer_appid}"
    fields = open_both(received)
    account = emu.platform(APPID).accounts[grant.authorizer_appid]
    assert fields["_envelope"]["ToUserName"] == account.user_name  # type: ignore[index]
    assert fields["ToUserName"] == account.user_name
    assert received.query["openid"] == fields["FromUserName"]
    assert fields["Event"] == "weapp_audit_success" and fields["SuccTime"] == "1700000000"


def test_background_ticket_push_follows_the_clock(
    emu: EmulatorServer, listening: Receiver
) -> None:
    """Tickets go out every 600 s of the emulator's clock. A second platform, whose schedule
    runs 300 s behind, shows when the scheduler has looked at the clock in between."""

    def pushes(path: str) -> list[Received]:
        return [r for r in listening.requests if r.path == path]

    def wait_for_push(path: str, count: int) -> list[Received]:
        listening.wait_until(lambda got: sum(r.path == path for r in got) >= count)
        return pushes(path)

    own, other = "/wechat/auth", "/wechat/other"
    emu.clock.advance(300)
    emu.add_platform(OTHER_APPID, "other-secret", "other-token", OTHER_KEY,
                     auth_event_url=listening.url.replace("/auth", "/other"))  # due at +900

    emu.clock.advance(301)  # +601: our first ticket is due
    (first,) = wait_for_push(own, 1)
    first_fields = open_both(first)
    assert first_fields["InfoType"] == "component_verify_ticket"
    scheduled = emu.platform(APPID).next_ticket_at

    emu.clock.advance(300)  # +901: only the other platform's ticket is due
    wait_for_push(other, 1)  # the scheduler has looked at the clock...
    assert emu.platform(APPID).next_ticket_at == scheduled  # ...and found ours not due
    assert len(pushes(own)) == 1

    emu.clock.advance(300)  # +1201: a whole interval after our first ticket
    second = wait_for_push(own, 2)[1]
    # CreateTime is in whole seconds: 599 is the least gap a full interval can show.
    assert int(open_both(second)["CreateTime"]) - int(first_fields["CreateTime"]) >= 599


def test_start_push_ticket_pushes_now(
    emu: EmulatorServer, listening: Receiver, client: httpx.Client
) -> None:
    answer = post(client, C + "api_start_push_ticket",
                  {"component_appid": APPID, "component_secret": DEFAULT_PLATFORM.secret})
    assert answer["errcode"] == 0
    (received,) = listening.wait_for(1)
    assert open_both(received)["ComponentVerifyTicket"] == emu.latest_ticket(APPID)


def test_push_from_a_request_does_not_block_the_emulator(
    emu: EmulatorServer, listening: Receiver, client: httpx.Client
) -> None:
    """The receiver calls the emulator back while handling a push the emulator sent because
    of an HTTP request; this only works when that push leaves the event loop free."""
    answers: list[dict[str, object]] = []

    def call_back(received: Received) -> None:
        ticket = open_both(received)["ComponentVerifyTicket"]
        with httpx.Client(base_url=emu.url, trust_env=False, timeout=3) as c:
            answers.append(post(c, C + "api_component_token", {
                "component_appid": APPID, "component_appsecret": DEFAULT_PLATFORM.secret,
                "component_verify_ticket": ticket,
            }))

    listening.on_push = call_back
    delivery = client.post("/__emulator__/push_ticket", json={"component_appid": APPID})
    assert delivery.status_code == 200
    assert delivery.json()["ok"] is True
    assert listening.callback_errors == []
    assert "component_access_token" in answers[0]
