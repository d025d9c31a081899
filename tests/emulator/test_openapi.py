"""The emulator's openapi endpoints over HTTP: every failed call recorded under its rid and
looked up by the account that made it, the quota cleared with each account's own token, and
WeChat's callback and API addresses as the control API sets them."""

from __future__ import annotations

import re

import httpx

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.emulator.rids import MAX_BODY

from .support import APPID, C, authorize, component_token, errcode, get, post

RID_GET = "/cgi-bin/openapi/rid/get"
SECRET = DEFAULT_PLATFORM.secret


def rid_of(answer: dict[str, object]) -> str:
    found = re.search(r"rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})$", str(answer["errmsg"]))
    assert found is not None, answer
    return found.group(1)


def test_a_failed_call_is_found_by_its_rid(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    failed = post(client, "/cgi-bin/message/custom/send", {"touser": "nobody"},
                  access_token=a.access_token)
    assert errcode(failed) == 47001
    rid = rid_of(failed)
    emu.advance_clock(60)
    answer = post(client, RID_GET, {"rid": rid}, access_token=a.access_token)
    assert errcode(answer) == 0
    request = answer["request"]
    assert request["invoke_time"] == int(emu.now()) - 60
    assert request["request_body"] == '{"touser":"nobody"}'
    assert a.access_token not in request["request_url"]
    assert request["request_url"].startswith("access_token=")
    assert request["response_body"].endswith(f"rid: {rid}\"}}")
    assert '"errcode":47001' in request["response_body"]
    assert request["client_ip"] == "127.0.0.1"
    assert isinstance(request["cost_in_ms"], int)
    # only the account that made the call may read it: the platform may not
    assert errcode(post(client, RID_GET, {"rid": rid},
                        access_token=a.component_token)) == 76003


def test_rid_errors(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    failed = post(client, C + "api_get_authorizer_info",
                  {"component_appid": APPID, "authorizer_appid": "wx0000000000000000"},
                  component_access_token=token)
    rid = rid_of(failed)
    assert errcode(post(client, RID_GET, {"rid": rid}, access_token=token)) == 0
    assert errcode(post(client, RID_GET, {"rid": "not a rid"}, access_token=token)) == 76002
    assert errcode(post(client, RID_GET, {"rid": "00000000-00000000-00000000"},
                        access_token=token)) == 76001
    emu.advance_clock(7 * 86400 + 1)  # WeChat keeps a rid for 7 days
    token = component_token(emu, client)
    assert errcode(post(client, RID_GET, {"rid": rid}, access_token=token)) == 76001


def test_a_faulted_call_is_recorded_for_the_token_it_carried(
        emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    emu.inject("/cgi-bin/get_api_domain_ip", errcode=45009)
    rid = rid_of(get(client, "/cgi-bin/get_api_domain_ip", access_token=a.access_token))
    answer = post(client, RID_GET, {"rid": rid}, access_token=a.access_token)
    assert errcode(answer) == 0 and '"errcode":45009' in answer["request"]["response_body"]


def test_clear_quota_with_each_accounts_token(emu: EmulatorServer,
                                              client: httpx.Client) -> None:
    a = authorize(emu, client)
    path = "/cgi-bin/get_api_domain_ip"
    emu.set_quota(path, 1)
    assert "ip_list" in get(client, path, access_token=a.access_token)
    assert errcode(get(client, path, access_token=a.access_token)) == 45009
    quota = post(client, "/cgi-bin/openapi/quota/get", {"cgi_path": path},
                 access_token=a.access_token)
    assert quota["quota"] == {"daily_limit": 1, "used": 1, "remain": 0}
    # the authorizer's token clears the authorizer's quota, and names its appid
    assert errcode(post(client, "/cgi-bin/clear_quota", {"appid": APPID},
                        access_token=a.access_token)) == 40013
    assert errcode(post(client, "/cgi-bin/clear_quota", {"appid": a.appid},
                        access_token=a.access_token)) == 0
    assert "ip_list" in get(client, path, access_token=a.access_token)


def test_monthly_clear_limit_is_a_setting() -> None:
    with EmulatorServer(ticket_interval=None, quota_resets_per_month=1) as emu, \
            httpx.Client(base_url=emu.url, trust_env=False, timeout=10) as client:
        token = component_token(emu, client)
        body = {"component_appid": APPID}
        assert errcode(post(client, C + "clear_quota", body, component_access_token=token)) == 0
        assert errcode(post(client, C + "clear_quota", body,
                            component_access_token=token)) == 48006


def test_callback_and_api_addresses_set_by_the_control_api(
        emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    default = get(client, "/cgi-bin/getcallbackip", access_token=token)
    assert "127.0.0.1" in default["ip_list"]  # the emulator pushes from loopback
    control = client.post("/__emulator__/callback_ips",
                          json={"ip_list": ["203.0.113.7", "198.51.100.0/24"]})
    assert control.status_code == 200, control.text
    assert get(client, "/cgi-bin/getcallbackip", access_token=token)["ip_list"] == [
        "203.0.113.7", "198.51.100.0/24"]
    apis = get(client, "/cgi-bin/get_api_domain_ip", access_token=token)
    assert apis["ip_list"] and errcode(apis) == 0
    bad = client.post("/__emulator__/callback_ips", json={"ip_list": ["not an address"]})
    assert bad.status_code == 400


def test_a_large_body_is_kept_shortened(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    failed = post(client, "/cgi-bin/message/custom/send", {"touser": "x" * 100_000},
                  access_token=a.access_token)
    answer = post(client, RID_GET, {"rid": rid_of(failed)}, access_token=a.access_token)
    assert answer["request"]["request_body"].startswith('{"touser":"xxx')
    assert len(answer["request"]["request_body"]) == MAX_BODY
