"""The authorization pages through a real HTTP client: page, consent form, redirect, push."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .support import (
    APPID,
    C,
    Received,
    Receiver,
    component_token,
    errcode,
    independent_open,
    post,
    query_auth,
)

PC = "/cgi-bin/componentloginpage"
MOBILE = "/wxaopen/safe/bindcomponent"
REDIRECT = "https://platform.example.com/wechat/done?tenant=7"


def pre_auth_code(client: httpx.Client, token: str) -> str:
    answer = post(client, C + "api_create_preauthcode", {"component_appid": APPID},
                  component_access_token=token)
    code: str = answer["pre_auth_code"]
    return code


def offered(page: str) -> list[str]:
    return re.findall(r'name="authorizer_appid" value="([^"]+)"', page)


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))



def test_consent_flow(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    code = pre_auth_code(client, token)
    page = client.get(PC, params={"component_appid": APPID, "pre_auth_code": code,
                                  "redirect_uri": REDIRECT, "auth_type": "3",
                                  "state": "xyz"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    choices = offered(page.text)
    assert len(choices) == 5  # three official accounts and two mini programs
    form = hidden_fields(page.text)
    assert form["pre_auth_code"] == code and form["redirect_uri"] == REDIRECT
    consent = client.post(PC, data={**form, "authorizer_appid": choices[1]})
    assert consent.status_code == 302
    location = urlsplit(consent.headers["location"])
    base = REDIRECT.split("?", maxsplit=1)[0]
    assert f"{location.scheme}://{location.netloc}{location.path}" == base
    query = parse_qs(location.query)
    assert query["tenant"] == ["7"]
    assert query["expires_in"] == ["600"]
    assert query["state"] == ["xyz"]
    auth_code = query["auth_code"][0]
    info = query_auth(client, token, auth_code)["authorization_info"]
    assert isinstance(info, dict) and info["authorizer_appid"] == choices[1]
    assert errcode(query_auth(client, token, auth_code)) == 61010
    # The pre-auth code was used up by the consent.
    again = client.post(PC, data={**form, "authorizer_appid": choices[1]})
    assert again.status_code == 400 and "pre_auth_code" in again.text
    assert client.get(PC, params=form).status_code == 400


def test_consent_pushes_the_same_code(
    emu: EmulatorServer, client: httpx.Client, receiver: Receiver
) -> None:
    """The push is sent while the emulator keeps serving: the receiver exchanges the code
    from inside its handler, and the browser's copy of the code is then already used."""
    emu.configure(APPID, auth_event_url=receiver.url)
    token = component_token(emu, client)
    exchanged: list[dict[str, object]] = []

    def exchange(received: Received) -> None:
        fields = independent_open(received)
        with httpx.Client(base_url=emu.url, trust_env=False, timeout=3) as c:
            exchanged.append({"fields": fields,
                              "answer": query_auth(c, token, str(fields["AuthorizationCode"]))})

    receiver.on_push = exchange
    code = pre_auth_code(client, token)
    form = {"component_appid": APPID, "pre_auth_code": code, "redirect_uri": REDIRECT,
            "auth_type": "1"}
    page = client.get(PC, params=form)
    appid = offered(page.text)[0]
    consent = client.post(PC, data={**form, "authorizer_appid": appid})
    assert consent.status_code == 302
    auth_code = parse_qs(urlsplit(consent.headers["location"]).query)["auth_code"][0]
    receiver.wait_for(1)
    assert receiver.callback_errors == []
    fields = exchanged[0]["fields"]
    assert isinstance(fields, dict)
    assert fields["InfoType"] == "authorized"
    assert fields["AuthorizationCode"] == auth_code
    assert fields["PreAuthCode"] == code
    answer = exchanged[0]["answer"]
    assert isinstance(answer, dict) and "authorization_info" in answer
    assert errcode(query_auth(client, token, auth_code)) == 61010
    # A second consent for the same account is an update.
    form["pre_auth_code"] = pre_auth_code(client, token)
    client.post(PC, data={**form, "authorizer_appid": appid})
    receiver.wait_for(2)
    second = exchanged[1]["fields"]
    assert isinstance(second, dict) and second["InfoType"] == "updateauthorized"


@pytest.mark.parametrize(
    ("auth_type", "kinds"),
    [("1", {"official_account"}), ("2", {"mini_program"}),
     ("6", {"official_account", "mini_program"})],
)
def test_auth_type_filters_accounts(
    emu: EmulatorServer, client: httpx.Client, auth_type: str, kinds: set[str]
) -> None:
    token = component_token(emu, client)
    page = client.get(PC, params={"component_appid": APPID,
                                  "pre_auth_code": pre_auth_code(client, token),
                                  "redirect_uri": REDIRECT, "auth_type": auth_type})
    accounts = emu.platform(APPID).accounts
    assert {accounts[a].kind for a in offered(page.text)} == kinds


def test_biz_appid_wins(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    mp = next(a for a in emu.platform(APPID).accounts.values() if a.kind == "mini_program")
    params = {"component_appid": APPID, "pre_auth_code": pre_auth_code(client, token),
              "redirect_uri": REDIRECT, "auth_type": "1", "biz_appid": mp.appid}
    page = client.get(PC, params=params)
    assert offered(page.text) == [mp.appid]
    other = next(a for a in emu.platform(APPID).accounts if a != mp.appid)
    refused = client.post(PC, data={**params, "authorizer_appid": other})
    assert refused.status_code == 400
    # The refused choice did not burn the pre-auth code.
    assert client.post(PC, data={**params, "authorizer_appid": mp.appid}).status_code == 302


def test_mobile_page(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    params = {"action": "bindcomponent", "no_scan": "1", "component_appid": APPID,
              "pre_auth_code": pre_auth_code(client, token), "redirect_uri": REDIRECT,
              "auth_type": "3"}
    page = client.get(MOBILE, params=params)
    assert page.status_code == 200 and offered(page.text)
    assert hidden_fields(page.text)["action"] == "bindcomponent"
    assert client.get(MOBILE, params={**params, "action": "other"}).status_code == 400
    consent = client.post(MOBILE, data={**hidden_fields(page.text),
                                        "authorizer_appid": offered(page.text)[0]})
    assert consent.status_code == 302
    assert "auth_code=" in consent.headers["location"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"component_appid": "wx0000000000000000"}, "component_appid"),
        ({"pre_auth_code": "preauthcode@@@nope"}, "pre_auth_code"),
        ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri"),
        ({"redirect_uri": ""}, "redirect_uri"),
        ({"auth_type": "7"}, "auth_type"),
        ({"biz_appid": "wx0000000000000000"}, "biz_appid"),
    ],
)
def test_page_validation(
    emu: EmulatorServer, client: httpx.Client, change: dict[str, str], message: str
) -> None:
    token = component_token(emu, client)
    params = {"component_appid": APPID, "pre_auth_code": pre_auth_code(client, token),
              "redirect_uri": REDIRECT, "auth_type": "3", **change}
    answer = client.get(PC, params=params)
    assert answer.status_code == 400
    assert message in answer.text


def test_expired_pre_auth_code(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    params = {"component_appid": APPID, "pre_auth_code": pre_auth_code(client, token),
              "redirect_uri": REDIRECT}
    assert client.get(PC, params=params).status_code == 200
    emu.clock.advance(601)
    answer = client.get(PC, params=params)
    assert answer.status_code == 400 and "expired" in answer.text


def test_redirect_domain(emu: EmulatorServer, client: httpx.Client) -> None:
    emu.add_platform(APPID, DEFAULT_PLATFORM.secret, DEFAULT_PLATFORM.token,
                     DEFAULT_PLATFORM.encoding_aes_key, redirect_domain="example.com")
    token = component_token(emu, client)
    for uri, status in ((REDIRECT, 200), ("https://evil.test/x", 400),
                        ("https://notexample.com/x", 400)):
        params = {"component_appid": APPID, "pre_auth_code": pre_auth_code(client, token),
                  "redirect_uri": uri}
        assert client.get(PC, params=params).status_code == status, uri
