"""The emulator answers like WeChat where clients depend on it: an expired token is 42001 (an
invalid one 40001), injected errcodes carry WeChat's errmsg (61004 with the caller's address),
the legacy mobile consent path is served, and the scheduler pushes audit results also when
tickets are not pushed. The mini-program controls work over HTTP too."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wxcomponent import Component, ComponentConfig
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.emulator.model import ERRMSG
from wxcomponent.errors import InvalidAppCredentials, IPNotWhitelisted, PermissionDenied
from wxcomponent.stores import MemoryStore

from .support import APPID, C, Receiver, authorize, component_token, errcode, get, post

PREAUTH = C + "api_create_preauthcode"
CONFIG = ComponentConfig(appid=APPID, secret=DEFAULT_PLATFORM.secret,
                         token=DEFAULT_PLATFORM.token,
                         encoding_aes_key=DEFAULT_PLATFORM.encoding_aes_key)


def test_expired_is_42001_and_invalid_is_40001(emu: EmulatorServer,
                                               client: httpx.Client) -> None:
    a = authorize(emu, client)
    emu.invalidate_tokens(APPID, authorizer_appid=a.appid)
    answer = get(client, "/cgi-bin/get_api_domain_ip", access_token=a.access_token)
    assert errcode(answer) == 40001 and answer["errmsg"].startswith(ERRMSG[40001])
    token = component_token(emu, client)
    emu.advance_clock(7201)
    expired = post(client, PREAUTH, {"component_appid": APPID}, component_access_token=token)
    assert errcode(expired) == 42001 and expired["errmsg"].startswith("access_token expired")


@pytest.mark.parametrize("code", [42001, 40014, 61004, 61007, 61011, 61024, 85009, 61039])
def test_injected_errcodes_carry_wechats_errmsg(emu: EmulatorServer, client: httpx.Client,
                                                code: int) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH, errcode=code)
    answer = post(client, PREAUTH, {"component_appid": APPID}, component_access_token=token)
    assert errcode(answer) == code
    assert answer["errmsg"].startswith(ERRMSG[code]) and " rid: " in answer["errmsg"]
    assert ERRMSG[code] != "error"


def test_61004_names_the_callers_address_and_the_client_reads_it(emu: EmulatorServer) -> None:
    store = MemoryStore()
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))
    with Component(CONFIG, store, api_base=emu.url) as component:
        emu.inject(PREAUTH, errcode=61004)
        with pytest.raises(IPNotWhitelisted) as caught:
            component.create_pre_auth_code()
        assert caught.value.ip == "127.0.0.1"
        emu.inject(PREAUTH, errcode=61007)
        with pytest.raises(PermissionDenied):
            component.create_pre_auth_code()
        emu.inject(PREAUTH, errcode=61011)
        with pytest.raises(InvalidAppCredentials) as invalid:
            component.create_pre_auth_code()
        assert "invalid component" in invalid.value.errmsg


def test_the_legacy_mobile_consent_path_is_served(emu: EmulatorServer,
                                                  client: httpx.Client) -> None:
    token = component_token(emu, client)
    code = post(client, PREAUTH, {"component_appid": APPID},
                component_access_token=token)["pre_auth_code"]
    params = {"action": "bindcomponent", "no_scan": "1", "component_appid": APPID,
              "pre_auth_code": code, "redirect_uri": "https://platform.example/done",
              "auth_type": "2"}
    page = client.get("/safe/bindcomponent", params=params)
    assert page.status_code == 200 and "bindcomponent" in page.text
    account = next(a["appid"] for a in emu.snapshot()["platforms"][0]["accounts"]
                   if a["kind"] == "mini_program")
    consent = client.post("/safe/bindcomponent", data={**params, "authorizer_appid": account})
    assert consent.status_code == 302
    assert consent.headers["location"].startswith("https://platform.example/done?auth_code=")
    wrong = client.get("/safe/bindcomponent", params={**params, "action": "other"})
    assert wrong.status_code == 400


@pytest.fixture
def quiet_emu() -> Iterator[EmulatorServer]:
    """An emulator that pushes no tickets on its own."""
    with EmulatorServer(ticket_interval=None) as server:
        yield server


def test_audit_results_are_pushed_without_ticket_pushes(quiet_emu: EmulatorServer,
                                                        receiver: Receiver) -> None:
    emu = quiet_emu
    emu.configure(APPID, message_url=receiver.url + "/$APPID$")
    with httpx.Client(base_url=emu.url, trust_env=False, timeout=10) as http:
        a = authorize(emu, http, kind="mini_program")
        token = component_token(emu, http)
        draft = emu.add_template_draft(APPID)
        post(http, "/wxa/addtotemplate", {"draft_id": draft["draft_id"]}, access_token=token)
        template_id = get(http, "/wxa/gettemplatelist",
                          access_token=token)["template_list"][0]["template_id"]
        post(http, "/wxa/commit", {"template_id": template_id, "ext_json": "{}",
                                   "user_version": "1.0"}, access_token=a.access_token)
        emu.advance_clock(60)
        emu.set_audit_result(APPID, a.appid, "fail", "1:页面空白", after=300)
        post(http, "/wxa/submit_audit", {}, access_token=a.access_token)
        emu.advance_clock(300)
        received = receiver.wait_for(1)
    assert received[0].path == f"/wechat/auth/{a.appid}"
    assert all(d.event != "component_verify_ticket" for d in emu.deliveries)
    assert [d.event for d in emu.deliveries] == ["weapp_audit_fail"]


def test_mini_program_controls_over_http(emu: EmulatorServer, client: httpx.Client) -> None:
    control = emu.control_url
    draft = client.post(control + "/template_drafts",
                        json={"component_appid": APPID, "user_version": "2.0.0",
                              "pages": ["pages/a"]}).json()
    assert draft["user_version"] == "2.0.0" and draft["draft_id"] > 0
    a = authorize(emu, client, kind="mini_program")
    planned = client.post(control + "/audit_plan", json={
        "component_appid": APPID, "authorizer_appid": a.appid,
        "steps": [{"outcome": "delay", "after": 10}, {"outcome": "success", "after": 20}]})
    assert planned.status_code == 200, planned.text
    bad = client.post(control + "/audit_plan", json={
        "component_appid": APPID, "steps": [{"outcome": "success"}, {"outcome": "fail"}]})
    assert bad.status_code == 400 and "steps" in bad.json()["error"]
    settings = client.post(control + "/mini_program_settings",
                           json={"privacy_check_delay": 0}).json()
    assert settings["privacy_check_delay"] == 0.0
    state = client.get(control + "/mini_program",
                       params={"component_appid": APPID, "authorizer_appid": a.appid}).json()
    assert state["commits"] == 0 and state["audits"] == []
    unknown = client.get(control + "/mini_program",
                         params={"component_appid": APPID, "authorizer_appid": "wx00"})
    assert unknown.status_code == 404
    assert client.post(control + "/mini_program_settings",
                       json={"audit_quota": -1}).status_code == 400
