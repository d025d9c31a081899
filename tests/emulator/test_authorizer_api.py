"""Acting for authorizers: authorizer-token APIs, OAuth, mini-program login, JS-SDK tickets."""

from __future__ import annotations

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer, NotFound

from .support import APPID, authorize, errcode, get

AUTHORIZER_GETS = ("/cgi-bin/get_api_domain_ip", "/cgi-bin/account/getaccountbasicinfo",
                   "/wxa/get_category")


def test_api_domain_ip(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    answer = get(client, "/cgi-bin/get_api_domain_ip", access_token=a.access_token)
    assert answer["ip_list"]
    assert errcode(get(client, "/cgi-bin/get_api_domain_ip")) == 41001
    # WeChat's addresses are the same for the platform's own token
    assert get(client, "/cgi-bin/get_api_domain_ip",
               access_token=a.component_token)["ip_list"] == answer["ip_list"]
    # an authorizer's API does not take the component token
    assert errcode(get(client, "/cgi-bin/user/info", openid="o",
                       access_token=a.component_token)) == 40001


def test_authorizer_token_lifecycle(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    path = "/cgi-bin/get_api_domain_ip"
    emu.clock.advance(7199)
    assert errcode(get(client, path, access_token=a.access_token)) == 0
    emu.clock.advance(2)
    assert errcode(get(client, path, access_token=a.access_token)) == 42001  # expired


def test_invalidate_authorizer_tokens(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    other = authorize(emu, client)
    path = "/cgi-bin/get_api_domain_ip"
    assert emu.invalidate_tokens(APPID, authorizer_appid=a.appid) == 1
    assert errcode(get(client, path, access_token=a.access_token)) == 40001
    assert errcode(get(client, path, access_token=other.access_token)) == 0
    # The component tokens were left alone, unless asked for too: both component tokens (the
    # first one is still inside its overlap) and the authorizer's token.
    assert emu.invalidate_tokens(APPID, authorizer_appid=other.appid, component=True) == 3
    assert errcode(get(client, path, access_token=other.access_token)) == 40001
    answer = client.post("/cgi-bin/openapi/quota/get", params={"access_token": a.component_token},
                         json={"cgi_path": path})
    assert errcode(answer.json()) == 40001


def test_revoked_authorizer_gets_61003(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    emu.revoke(APPID, a.appid, push=False)
    for path in ("/cgi-bin/get_api_domain_ip", "/cgi-bin/user/info"):
        assert errcode(get(client, path, access_token=a.access_token, openid="o1")) == 61003
    with pytest.raises(NotFound):
        emu.current_refresh_token(APPID, a.appid)


def test_mini_program_apis(emu: EmulatorServer, client: httpx.Client) -> None:
    mp = authorize(emu, client, kind="mini_program")
    oa = authorize(emu, client)
    category = get(client, "/wxa/get_category", access_token=mp.access_token)
    assert category["errcode"] == 0 and category["category_list"]
    basic = get(client, "/cgi-bin/account/getaccountbasicinfo", access_token=mp.access_token)
    assert basic["appid"] == mp.appid
    assert basic["nickname"] == emu.platform(APPID).accounts[mp.appid].nick_name
    for path in AUTHORIZER_GETS[1:]:
        assert errcode(get(client, path, access_token=oa.access_token)) == 48001


def test_user_info(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    user = emu.add_user(APPID, a.appid)
    answer = get(client, "/cgi-bin/user/info", access_token=a.access_token, openid=user.openid)
    assert answer["openid"] == user.openid
    assert answer["subscribe"] == 1
    assert answer["unionid"] == user.unionid
    assert errcode(get(client, "/cgi-bin/user/info", access_token=a.access_token,
                       openid="o-unknown")) == 40003
    assert errcode(get(client, "/cgi-bin/user/info", access_token=a.access_token)) == 41009
    mp = authorize(emu, client, kind="mini_program")
    assert errcode(get(client, "/cgi-bin/user/info", access_token=mp.access_token,
                       openid=user.openid)) == 48001


def test_jsapi_ticket(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    first = get(client, "/cgi-bin/ticket/getticket", access_token=a.access_token, type="jsapi")
    assert first["errcode"] == 0 and first["expires_in"] == 7200 and first["ticket"]
    card = get(client, "/cgi-bin/ticket/getticket", access_token=a.access_token, type="wx_card")
    assert card["ticket"] != first["ticket"]
    assert errcode(get(client, "/cgi-bin/ticket/getticket", access_token=a.access_token,
                       type="other")) == 40097
    assert errcode(get(client, "/cgi-bin/ticket/getticket", access_token="x",
                       type="jsapi")) == 40001


def test_jscode2session(emu: EmulatorServer, client: httpx.Client) -> None:
    mp = authorize(emu, client, kind="mini_program")
    code = emu.js_code(APPID, mp.appid, openid="oUser1")
    query = {"appid": mp.appid, "js_code": code, "grant_type": "authorization_code",
             "component_appid": APPID, "component_access_token": mp.component_token}
    path = "/sns/component/jscode2session"
    answer = get(client, path, **query)
    assert answer["openid"] == "oUser1"
    assert answer["session_key"] and answer["unionid"]
    assert errcode(get(client, path, **query)) == 40163
    assert errcode(get(client, path, **{**query, "js_code": "bad"})) == 40029
    assert errcode(get(client, path, **{**query, "js_code": ""})) == 41008
    fresh = emu.js_code(APPID, mp.appid)
    assert errcode(get(client, path, **{**query, "js_code": fresh, "grant_type": "x"})) == 40002
    # The code is only good for the mini program it was issued for.
    other = authorize(emu, client, kind="mini_program")
    assert errcode(get(client, path, **{**query, "js_code": fresh,
                                        "appid": other.appid})) == 40029
    assert "openid" in get(client, path, **{**query, "js_code": fresh})
    oa = authorize(emu, client)
    assert errcode(get(client, path, **{**query, "appid": oa.appid})) == 48001
    with pytest.raises(ValueError, match="mini_program"):
        emu.js_code(APPID, oa.appid)


def test_js_code_expires(emu: EmulatorServer, client: httpx.Client) -> None:
    mp = authorize(emu, client, kind="mini_program")
    code = emu.js_code(APPID, mp.appid)
    emu.clock.advance(301)
    token = emu.emulator.state.issue_token("component", APPID).value
    answer = get(client, "/sns/component/jscode2session", appid=mp.appid, js_code=code,
                 grant_type="authorization_code", component_appid=APPID,
                 component_access_token=token)
    assert errcode(answer) == 40029


def test_web_oauth(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    code = emu.oauth_code(APPID, a.appid, openid="oWebUser")
    base = {"appid": a.appid, "component_appid": APPID,
            "component_access_token": a.component_token}
    token_path = "/sns/oauth2/component/access_token"
    answer = get(client, token_path, code=code, grant_type="authorization_code", **base)
    assert answer["openid"] == "oWebUser"
    assert answer["scope"] == "snsapi_userinfo"
    assert answer["expires_in"] == 7200
    assert errcode(get(client, token_path, code=code, grant_type="authorization_code",
                       **base)) == 40163
    assert errcode(get(client, token_path, code="nope", grant_type="authorization_code",
                       **base)) == 40029
    assert errcode(get(client, token_path, grant_type="authorization_code", **base)) == 41008

    info = get(client, "/sns/userinfo", access_token=answer["access_token"], openid="oWebUser")
    assert info["openid"] == "oWebUser" and info["nickname"]
    assert errcode(get(client, "/sns/userinfo", access_token=answer["access_token"],
                       openid="oOther")) == 40003

    refresh_path = "/sns/oauth2/component/refresh_token"
    renewed = get(client, refresh_path, grant_type="refresh_token",
                  refresh_token=answer["refresh_token"], **base)
    assert renewed["access_token"] != answer["access_token"]
    assert renewed["refresh_token"] == answer["refresh_token"]
    assert renewed["openid"] == "oWebUser"
    assert errcode(get(client, refresh_path, grant_type="refresh_token", refresh_token="bad",
                       **base)) == 40030
    emu.clock.advance(31 * 86400)
    component = emu.emulator.state.issue_token("component", APPID).value
    assert errcode(get(client, refresh_path, grant_type="refresh_token",
                       refresh_token=answer["refresh_token"],
                       **{**base, "component_access_token": component})) == 42002
    assert errcode(get(client, "/sns/userinfo", access_token=renewed["access_token"],
                       openid="oWebUser")) == 42001  # expired


def test_web_oauth_base_scope(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    code = emu.oauth_code(APPID, a.appid, scope="snsapi_base")
    answer = get(client, "/sns/oauth2/component/access_token", appid=a.appid, code=code,
                 grant_type="authorization_code", component_appid=APPID,
                 component_access_token=a.component_token)
    assert answer["scope"] == "snsapi_base"
    assert errcode(get(client, "/sns/userinfo", access_token=answer["access_token"],
                       openid=answer["openid"])) == 48001
    mp = authorize(emu, client, kind="mini_program")
    with pytest.raises(ValueError):
        emu.oauth_code(APPID, mp.appid)
    with pytest.raises(NotFound):
        emu.oauth_code(APPID, "wx5555555555555555")
