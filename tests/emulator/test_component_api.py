"""The component endpoints of PROTOCOL.md §5 over real HTTP: answers and errcodes."""

from __future__ import annotations

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .support import (
    APPID,
    C,
    authorize,
    component_token,
    errcode,
    post,
    query_auth,
    refresh,
)

SECRET = DEFAULT_PLATFORM.secret


def token_body(ticket: str, **overrides: str) -> dict[str, str]:
    body = {"component_appid": APPID, "component_appsecret": SECRET,
            "component_verify_ticket": ticket}
    body.update(overrides)
    return body


# --------------------------------------------------------------------------- api_component_token


def test_component_token_success(emu: EmulatorServer, client: httpx.Client) -> None:
    answer = post(client, C + "api_component_token", token_body(emu.issue_ticket(APPID)))
    assert set(answer) == {"component_access_token", "expires_in"}
    assert answer["expires_in"] == 7200
    assert len(answer["component_access_token"]) > 32


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"component_appid": ""}, 41002),
        ({"component_appid": "wx0000000000000000"}, 40013),
        ({"component_appsecret": "wrong"}, 40125),
        ({"component_appsecret": ""}, 41004),
        ({"component_verify_ticket": "ticket@@@unknown"}, 61006),
    ],
)
def test_component_token_errors(
    emu: EmulatorServer, client: httpx.Client, overrides: dict[str, str], expected: int
) -> None:
    body = token_body(emu.issue_ticket(APPID), **overrides)
    assert errcode(post(client, C + "api_component_token", body)) == expected


def test_component_token_expired_ticket(emu: EmulatorServer, client: httpx.Client) -> None:
    ticket = emu.issue_ticket(APPID)
    emu.clock.advance(11 * 3600)
    assert "component_access_token" in post(client, C + "api_component_token", token_body(ticket))
    emu.clock.advance(3600)
    assert errcode(post(client, C + "api_component_token", token_body(ticket))) == 61005


def test_older_ticket_stays_valid(emu: EmulatorServer, client: httpx.Client) -> None:
    first = emu.issue_ticket(APPID)
    emu.issue_ticket(APPID)
    assert emu.latest_ticket(APPID) != first
    assert "component_access_token" in post(client, C + "api_component_token", token_body(first))


def test_body_errors(client: httpx.Client) -> None:
    path = C + "api_component_token"
    assert errcode(client.post(path).json()) == 44002
    assert errcode(client.post(path, content=b"{not json").json()) == 47001
    assert errcode(client.post(path, content=b"[1, 2]").json()) == 47001
    assert errcode(client.get(path).json()) == 43002
    assert errcode(client.post("/sns/userinfo").json()) == 43001
    assert all("rid:" in client.post(path).json()["errmsg"] for _ in range(2))


def test_unknown_path_is_404_json(client: httpx.Client) -> None:
    answer = client.post("/cgi-bin/component/no_such_api", json={})
    assert answer.status_code == 404
    assert answer.json()["errcode"] == 404


# --------------------------------------------------------------------------- token handling


def preauth(client: httpx.Client, **query: str) -> dict[str, object]:
    return post(client, C + "api_create_preauthcode", {"component_appid": APPID}, **query)


def test_token_accepted_under_both_names(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    for name in ("component_access_token", "access_token"):
        answer = preauth(client, **{name: token})
        assert str(answer["pre_auth_code"]).startswith("preauthcode@@@")
        assert answer["expires_in"] == 600
    assert errcode(preauth(client)) == 41001
    assert errcode(preauth(client, component_access_token="nope")) == 40001


def test_token_expires(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.clock.advance(7199)
    assert "pre_auth_code" in preauth(client, component_access_token=token)
    emu.clock.advance(2)
    # WeChat: 42001 for an expired token, 40001 for an invalid or superseded one
    assert errcode(preauth(client, component_access_token=token)) == 42001


def test_previous_token_valid_during_overlap(emu: EmulatorServer, client: httpx.Client) -> None:
    old = component_token(emu, client)
    new = component_token(emu, client)
    assert old != new
    emu.clock.advance(299)
    assert "pre_auth_code" in preauth(client, component_access_token=old)
    emu.clock.advance(2)
    assert errcode(preauth(client, component_access_token=old)) == 40001
    assert "pre_auth_code" in preauth(client, component_access_token=new)


def test_invalidate_component_tokens(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    assert emu.invalidate_tokens(APPID) == 1
    assert errcode(preauth(client, component_access_token=token)) == 40001
    fresh = component_token(emu, client)
    assert "pre_auth_code" in preauth(client, component_access_token=fresh)


def test_component_appid_must_match_token(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    answer = post(client, C + "api_create_preauthcode", {"component_appid": "wx1111111111111111"},
                  component_access_token=token)
    assert errcode(answer) == 40013


def test_second_platform_is_separate(emu: EmulatorServer, client: httpx.Client) -> None:
    other = emu.add_platform("wx2222222222222222", "s" * 32, "tok",
                             "B" * 43)
    ticket = emu.issue_ticket(other.appid)
    body = {"component_appid": other.appid, "component_appsecret": "s" * 32,
            "component_verify_ticket": ticket}
    assert "component_access_token" in post(client, C + "api_component_token", body)
    body["component_verify_ticket"] = emu.issue_ticket(APPID)
    assert errcode(post(client, C + "api_component_token", body)) == 61006


# --------------------------------------------------------------------------- api_query_auth



def test_query_auth_once(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    grant = emu.authorize(APPID, func_info=(1, 15), push=False)
    info = query_auth(client, token, grant.auth_code)["authorization_info"]
    assert isinstance(info, dict)
    assert info["authorizer_appid"] == grant.authorizer_appid
    assert info["expires_in"] == 7200
    assert info["authorizer_refresh_token"] == emu.current_refresh_token(
        APPID, grant.authorizer_appid)
    assert info["func_info"] == [{"funcscope_category": {"id": 1}},
                                 {"funcscope_category": {"id": 15}}]
    assert errcode(query_auth(client, token, grant.auth_code)) == 61010
    assert errcode(query_auth(client, token, "queryauthcode@@@unknown")) == 61009
    answer = post(client, C + "api_query_auth", {"component_appid": APPID},
                  component_access_token=token)
    assert errcode(answer) == 41008


def test_query_auth_code_expires(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    grant = emu.authorize(APPID, push=False)
    emu.clock.advance(601)
    token = component_token(emu, client)
    assert errcode(query_auth(client, token, grant.auth_code)) == 61010


def test_query_auth_after_revocation(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    grant = emu.authorize(APPID, push=False)
    emu.revoke(APPID, grant.authorizer_appid, push=False)
    assert errcode(query_auth(client, token, grant.auth_code)) == 61003


# --------------------------------------------------------------------------- authorizer token


def test_authorizer_token_stable_refresh(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    first = refresh(client, a.component_token, a.appid, a.refresh_token)
    second = refresh(client, a.component_token, a.appid, a.refresh_token)
    assert first["authorizer_refresh_token"] == second["authorizer_refresh_token"] == \
        a.refresh_token
    assert first["authorizer_access_token"] != second["authorizer_access_token"]
    assert first["expires_in"] == 7200
    assert errcode(refresh(client, a.component_token, a.appid, "refreshtoken@@@bad")) == 61023
    assert errcode(refresh(client, a.component_token, "", a.refresh_token)) == 41002
    assert errcode(refresh(client, a.component_token, "wx9999999999999999",
                           a.refresh_token)) == 61003


def test_rotation_rule(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    emu.rotate_refresh_tokens = True
    assert emu.emulator.rotate_refresh_tokens is True
    r1 = refresh(client, a.component_token, a.appid, a.refresh_token)["authorizer_refresh_token"]
    assert r1 != a.refresh_token
    assert emu.current_refresh_token(APPID, a.appid) == r1
    # A retry with the immediately previous token inside the overlap: accepted, no rotation.
    retry = refresh(client, a.component_token, a.appid, a.refresh_token)
    assert retry["authorizer_refresh_token"] == r1
    assert emu.current_refresh_token(APPID, a.appid) == r1
    r2 = refresh(client, a.component_token, a.appid, r1)["authorizer_refresh_token"]
    assert r2 not in (r1, a.refresh_token)
    # Two rotations back: refused at once.
    assert errcode(refresh(client, a.component_token, a.appid, a.refresh_token)) == 61023
    emu.clock.advance(301)
    token = component_token(emu, client)
    assert errcode(refresh(client, token, a.appid, r1)) == 61023
    assert "authorizer_access_token" in refresh(client, token, a.appid, r2)


def test_reauthorization_changes_refresh_token(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    emu.update_authorization(APPID, a.appid, push=False)
    assert emu.current_refresh_token(APPID, a.appid) == a.refresh_token
    emu.revoke(APPID, a.appid, push=False)
    # the refresh token died with the authorization
    assert errcode(refresh(client, a.component_token, a.appid, a.refresh_token)) == 61023
    emu.authorize(APPID, a.appid, push=False)
    assert emu.current_refresh_token(APPID, a.appid) != a.refresh_token
    assert errcode(refresh(client, a.component_token, a.appid, a.refresh_token)) == 61023


# --------------------------------------------------------------------------- info, options, list


def test_authorizer_info(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    mp = emu.authorize(APPID, kind="mini_program", push=False).authorizer_appid
    for appid, is_mp in ((a.appid, False), (mp, True)):
        answer = post(client, C + "api_get_authorizer_info",
                      {"component_appid": APPID, "authorizer_appid": appid},
                      component_access_token=a.component_token)
        info = answer["authorizer_info"]
        account = emu.platform(APPID).accounts[appid]
        assert info["nick_name"] == account.nick_name
        assert info["user_name"].startswith("gh_")
        assert ("MiniProgramInfo" in info) is is_mp
        assert info["service_type_info"]["id"] == (0 if is_mp else 2)
        assert answer["authorization_info"]["authorizer_appid"] == appid
        assert answer["authorization_info"]["func_info"]
    answer = post(client, C + "api_get_authorizer_info",
                  {"component_appid": APPID, "authorizer_appid": "wx3333333333333333"},
                  component_access_token=a.component_token)
    assert errcode(answer) == 61003


def test_options(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    base = {"component_appid": APPID, "authorizer_appid": a.appid}

    def call(api: str, **body: object) -> dict[str, object]:
        return post(client, C + api, {**base, **body}, component_access_token=a.component_token)

    got = call("api_get_authorizer_option", option_name="voice_recognize")
    assert got == {"authorizer_appid": a.appid, "option_name": "voice_recognize",
                   "option_value": "0"}
    assert errcode(call("api_set_authorizer_option", option_name="location_report",
                        option_value=2)) == 0
    got = call("api_get_authorizer_option", option_name="location_report")
    assert got["option_value"] == "2"
    assert errcode(call("api_get_authorizer_option", option_name="colour")) == 61012
    assert errcode(call("api_set_authorizer_option", option_name="voice_recognize",
                        option_value="2")) == 61013
    assert errcode(call("api_set_authorizer_option", option_name="colour",
                        option_value="1")) == 61012


def test_authorizer_list(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    appids = [emu.authorize(APPID, push=False).authorizer_appid for _ in range(4)]
    emu.revoke(APPID, appids[1], push=False)

    def page(offset: int, count: int) -> dict[str, object]:
        return post(client, C + "api_get_authorizer_list",
                    {"component_appid": APPID, "offset": offset, "count": count},
                    component_access_token=token)

    everything = page(0, 500)
    assert everything["total_count"] == 3
    listed = everything["list"]
    assert isinstance(listed, list)
    assert {e["authorizer_appid"] for e in listed} == {appids[0], appids[2], appids[3]}
    assert all(e["refresh_token"] == emu.current_refresh_token(APPID, e["authorizer_appid"])
               for e in listed)
    second = page(1, 1)["list"]
    assert isinstance(second, list) and len(second) == 1
    assert second[0]["authorizer_appid"] == listed[1]["authorizer_appid"]
    assert errcode(page(0, 501)) == 47001
    assert errcode(page(-1, 10)) == 47001


# --------------------------------------------------------------------------- no-token endpoints


def test_start_push_ticket_checks_secret(emu: EmulatorServer, client: httpx.Client) -> None:
    path = C + "api_start_push_ticket"
    assert errcode(post(client, path, {"component_appid": APPID,
                                       "component_secret": "bad"})) == 40125
    assert errcode(post(client, path, {"component_appid": "wx0000000000000000",
                                       "component_secret": SECRET})) == 40013
    assert errcode(post(client, path, {"component_appid": APPID,
                                       "component_secret": SECRET})) == 0


def test_quota_get_and_clear(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    component_token(emu, client)
    emu.set_quota(C + "api_component_token", 5)

    def quota() -> dict[str, int]:
        answer = post(client, "/cgi-bin/openapi/quota/get",
                      {"cgi_path": C + "api_component_token"}, access_token=token)
        assert errcode(answer) == 0
        result: dict[str, int] = answer["quota"]
        return result

    assert quota() == {"daily_limit": 5, "used": 2, "remain": 3}
    assert errcode(post(client, "/cgi-bin/openapi/quota/get", {},
                        access_token=token)) == 47001
    clear = {"component_appid": APPID, "appsecret": SECRET}
    assert errcode(post(client, C + "clear_quota/v2", {**clear, "appsecret": "x"})) == 40125
    assert errcode(post(client, C + "clear_quota/v2", clear)) == 0
    assert quota()["used"] == 0
    for _ in range(9):
        assert errcode(post(client, C + "clear_quota/v2", clear)) == 0
    assert errcode(post(client, C + "clear_quota/v2", clear)) == 48006
    assert errcode(post(client, C + "clear_quota", {"component_appid": APPID},
                        component_access_token=token)) == 48006


def test_clear_quota_of_an_authorizer(emu: EmulatorServer, client: httpx.Client) -> None:
    a = authorize(emu, client)
    path = "/cgi-bin/get_api_domain_ip"
    emu.set_quota(path, 1)
    assert "ip_list" in client.get(path, params={"access_token": a.access_token}).json()
    assert errcode(client.get(path, params={"access_token": a.access_token}).json()) == 45009
    body = {"component_appid": APPID, "appsecret": SECRET, "appid": a.appid}
    assert errcode(post(client, C + "clear_quota/v2", body)) == 0
    assert "ip_list" in client.get(path, params={"access_token": a.access_token}).json()
    body["appid"] = "wx4444444444444444"
    assert errcode(post(client, C + "clear_quota/v2", body)) == 61003
