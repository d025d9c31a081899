"""The HTTP control API under /__emulator__/ (JSON), as a test in another language would use it."""

from __future__ import annotations

import httpx

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .support import APPID, C, Receiver, control, errcode, independent_open, post


def test_full_flow_over_http(emu: EmulatorServer, client: httpx.Client, receiver: Receiver) -> None:
    control(client, "platforms", {
        "appid": APPID, "secret": DEFAULT_PLATFORM.secret, "token": DEFAULT_PLATFORM.token,
        "encoding_aes_key": DEFAULT_PLATFORM.encoding_aes_key, "auth_event_url": receiver.url,
    })
    delivery = control(client, "push_ticket", {"component_appid": APPID})
    assert delivery["ok"] is True and delivery["event"] == "component_verify_ticket"
    assert delivery["attempts"][0]["status"] == 200
    ticket = control(client, "ticket", component_appid=APPID)["result"]
    assert ticket == delivery["fields"]["ComponentVerifyTicket"]
    assert independent_open(receiver.wait_for(1)[0])["ComponentVerifyTicket"] == ticket

    token = post(client, C + "api_component_token", {
        "component_appid": APPID, "component_appsecret": DEFAULT_PLATFORM.secret,
        "component_verify_ticket": ticket})["component_access_token"]
    grant = control(client, "authorize", {"component_appid": APPID, "kind": "mini_program",
                                          "func_info": [17, 18]})
    assert grant["delivery"]["event"] == "authorized" and grant["delivery"]["ok"]
    info = post(client, C + "api_query_auth",
                {"component_appid": APPID, "authorization_code": grant["auth_code"]},
                component_access_token=token)["authorization_info"]
    assert info["authorizer_appid"] == grant["authorizer_appid"]
    assert len(info["func_info"]) == 2
    refresh = control(client, "refresh_token", component_appid=APPID,
                      authorizer_appid=grant["authorizer_appid"])["result"]
    assert refresh == info["authorizer_refresh_token"]

    js = control(client, "js_code", {"component_appid": APPID,
                                     "authorizer_appid": grant["authorizer_appid"]})["result"]
    session = client.get("/sns/component/jscode2session", params={
        "appid": grant["authorizer_appid"], "js_code": js, "grant_type": "authorization_code",
        "component_appid": APPID, "component_access_token": token}).json()
    assert "session_key" in session

    assert control(client, "revoke", {"component_appid": APPID,
                                      "authorizer_appid": grant["authorizer_appid"]})["ok"]
    deliveries = control(client, "deliveries")["result"]
    assert [d["event"] for d in deliveries] == ["component_verify_ticket", "authorized",
                                                "unauthorized"]
    state = control(client, "state")
    account = next(a for a in state["platforms"][0]["accounts"]
                   if a["appid"] == grant["authorizer_appid"])
    assert account["status"] == "revoked"


def test_faults_clock_and_counts_over_http(emu: EmulatorServer, client: httpx.Client) -> None:
    path = C + "api_component_token"
    control(client, "inject", {"path": path, "errcode": 40125, "times": 1})
    assert errcode(client.post(path, json={"component_appid": APPID}).json()) == 40125
    control(client, "inject", {"path": path, "status": 500})
    assert client.post(path, json={}).status_code == 500
    assert control(client, "calls", path=path)["result"] == 2
    assert control(client, "call_counts") == {path: 2}
    before = control(client, "clock")["result"]
    after = control(client, "advance_clock", {"seconds": 3600})["result"]
    assert after - before >= 3600
    control(client, "quota", {"path": path, "daily_limit": 0})
    ticket = control(client, "issue_ticket", {"component_appid": APPID})["result"]
    body = {"component_appid": APPID, "component_appsecret": DEFAULT_PLATFORM.secret,
            "component_verify_ticket": ticket}
    assert errcode(post(client, path, body)) == 45009
    assert control(client, "rotate_refresh_tokens", {"enabled": True})["result"] is True
    assert emu.rotate_refresh_tokens is True
    control(client, "reset")
    assert emu.call_counts() == {} and emu.rotate_refresh_tokens is False


def test_control_errors(client: httpx.Client) -> None:
    unknown = client.get("/__emulator__/nothing")
    assert unknown.status_code == 404 and "push_ticket" in unknown.json()["controls"]
    assert client.get("/__emulator__/push_ticket").status_code == 405
    bad_param = client.post("/__emulator__/push_ticket", json={"appid": APPID})
    assert bad_param.status_code == 400
    missing = client.post("/__emulator__/push_ticket", json={"component_appid": "wx00"})
    assert missing.status_code == 404 and "wx00" in missing.json()["error"]
    assert client.post("/__emulator__/inject", json={"path": "/x"}).status_code == 400
    assert client.post("/__emulator__/reset", content=b"[]").status_code == 400


def test_users_accounts_and_oauth_over_http(emu: EmulatorServer, client: httpx.Client) -> None:
    account = control(client, "accounts", {"component_appid": APPID, "kind": "official_account",
                                           "nick_name": "新账号"})
    assert account["nick_name"] == "新账号" and account["appid"].startswith("wx")
    assert len(account["appid"]) == 18
    control(client, "authorize", {"component_appid": APPID, "authorizer_appid": account["appid"],
                                  "push": False})
    user = control(client, "users", {"component_appid": APPID,
                                     "authorizer_appid": account["appid"]})
    code = control(client, "oauth_code", {"component_appid": APPID,
                                          "authorizer_appid": account["appid"],
                                          "openid": user["openid"]})["result"]
    assert code
    update = control(client, "update_authorization", {"component_appid": APPID,
                                                      "authorizer_appid": account["appid"],
                                                      "push": False})
    assert update["delivery"] is None and update["auth_code"]
    failed = control(client, "fast_register", {"component_appid": APPID, "success": False,
                                               "push": False})
    assert failed["appid"] is None and failed["status"] != 0
    count = control(client, "invalidate_tokens", {"component_appid": APPID})["result"]
    assert count == 0
    control(client, "clear_faults")
    configured = control(client, "configure", {"component_appid": APPID,
                                               "message_url": "http://127.0.0.1:9/m/$APPID$"})
    assert configured["message_url"] == "http://127.0.0.1:9/m/$APPID$"
    assert emu.platform(APPID).config.message_url == configured["message_url"]
    assert emu.platform(APPID).config.secret == DEFAULT_PLATFORM.secret
    for bad in ({"appid": "wx1"}, {"colour": "red"}, {"encoding_aes_key": "short"}):
        answer = client.post("/__emulator__/configure", json={"component_appid": APPID, **bad})
        assert answer.status_code == 400, bad
