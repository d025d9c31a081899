"""WeChat's ways as emulator modes, over the HTTP control API and the Python one: refresh
tokens rotated at random (seeded), tickets repeated across pushes, ticket pushes stopped until
``api_start_push_ticket``, bursts of ``-1`` over emulated time, a platform not yet live, a
pre-auth code brought by a second account, and the refresh token of a revoked account."""

from __future__ import annotations

import re

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.errors import InvalidArgument

from ..support.waiting import wait_for
from .support import (
    APPID,
    C,
    Receiver,
    authorize,
    component_token,
    control,
    errcode,
    independent_open,
    post,
    refresh,
)

PREAUTH = C + "api_create_preauthcode"
PC = "/cgi-bin/componentloginpage"
REDIRECT = "https://shop.example.com/back"


def _rotations(emu: EmulatorServer, client: httpx.Client, count: int) -> list[bool]:
    """Refresh ``count`` times with the current token; which refreshes rotated it."""
    a = authorize(emu, client)
    rotated = []
    for _ in range(count):
        before = emu.current_refresh_token(APPID, a.appid)
        answer = refresh(client, a.component_token, a.appid, before)
        rotated.append(answer["authorizer_refresh_token"] != before)
    return rotated


def test_rotation_at_random_is_seeded(emu: EmulatorServer, client: httpx.Client) -> None:
    assert control(client, "refresh_token_rotation",
                   {"probability": 0.5, "seed": 42})["result"] == 0.5
    first = _rotations(emu, client, 40)
    assert 5 < sum(first) < 35  # some, not all
    emu.rotate_refresh_tokens_at_random(0.5, seed=42)
    assert _rotations(emu, client, 40) == first  # the same seed, the same draws
    assert emu.rotate_refresh_tokens is False
    emu.rotate_refresh_tokens_at_random(1.0)
    assert emu.rotate_refresh_tokens is True and all(_rotations(emu, client, 3))
    emu.rotate_refresh_tokens_at_random(0)
    assert not any(_rotations(emu, client, 3))
    for bad in ({"probability": 1.5}, {"probability": "half"}, {"probability": 0.5,
                                                                 "seed": "x"}):
        assert client.post("/__emulator__/refresh_token_rotation", json=bad).status_code == 400
    assert emu.snapshot()["behaviours"]["refresh_token_rotation"] == 0.0


def test_a_rotated_token_stays_accepted_for_the_overlap(
    emu: EmulatorServer, client: httpx.Client
) -> None:
    emu.rotate_refresh_tokens_at_random(1.0, seed=1)
    a = authorize(emu, client)
    new = refresh(client, a.component_token, a.appid, a.refresh_token)["authorizer_refresh_token"]
    assert new != a.refresh_token
    # a retry with the replaced token: accepted, no second rotation, the current one back
    retry = refresh(client, a.component_token, a.appid, a.refresh_token)
    assert retry["authorizer_refresh_token"] == new
    emu.advance_clock(emu.emulator.settings.token_overlap + 1)
    assert errcode(refresh(client, a.component_token, a.appid, a.refresh_token)) == 61023


def test_tickets_repeat_across_pushes(
    emu: EmulatorServer, client: httpx.Client, receiver: Receiver
) -> None:
    emu.configure(APPID, auth_event_url=receiver.url)
    assert control(client, "ticket_repeat", {"seconds": 1800})["result"] == 1800
    values = []
    for _ in range(3):
        values.append(emu.push_ticket(APPID).fields["ComponentVerifyTicket"])
        emu.advance_clock(600)
    assert values[0] == values[1] == values[2]  # 0, 10 and 20 minutes after it was issued
    emu.advance_clock(600)
    values.append(emu.push_ticket(APPID).fields["ComponentVerifyTicket"])
    assert values[3] != values[0]  # 40 minutes: a new one
    # what reached the URL, the scheduled pushes the clock moves caused included: two values
    pushed = {independent_open(r)["ComponentVerifyTicket"] for r in receiver.wait_for(4)}
    assert pushed == {values[0], values[3]}
    assert emu.issue_ticket(APPID) != values[3]  # issuing is not pushing: always new
    with pytest.raises(InvalidArgument):
        emu.repeat_tickets(-1)
    emu.repeat_tickets(0)
    first = emu.push_ticket(APPID).fields["ComponentVerifyTicket"]
    assert emu.push_ticket(APPID).fields["ComponentVerifyTicket"] != first


def test_ticket_pushes_stop_until_wechat_is_asked(
    emu: EmulatorServer, client: httpx.Client, receiver: Receiver
) -> None:
    emu.configure(APPID, auth_event_url=receiver.url)
    assert control(client, "ticket_pushes", {"component_appid": APPID})["result"] is True
    emu.advance_clock(3 * 600)  # three scheduled pushes due
    wait_for(lambda: emu.platform(APPID).next_ticket_at > emu.now(),
             "the scheduler never looked at the platform")
    assert not any(d.event == "component_verify_ticket" for d in emu.deliveries)
    answer = post(client, C + "api_start_push_ticket", {
        "component_appid": APPID, "component_secret": DEFAULT_PLATFORM.secret})
    assert errcode(answer) == 0
    receiver.wait_for(1)
    assert emu.platform(APPID).ticket_pushes_stopped is False
    emu.advance_clock(600)  # the schedule is back
    receiver.wait_for(2)
    emu.stop_ticket_pushes(APPID)
    assert emu.push_ticket(APPID).ok  # pushing by hand still works
    assert emu.stop_ticket_pushes(APPID, stopped=False) is False
    with pytest.raises(InvalidArgument):
        emu.stop_ticket_pushes(APPID, stopped="yes")  # type: ignore[arg-type]


def test_a_burst_of_system_errors_clears_with_emulated_time(
    emu: EmulatorServer, client: httpx.Client
) -> None:
    token = component_token(emu, client)

    def preauth() -> int:
        return errcode(post(client, PREAUTH, {"component_appid": APPID},
                            component_access_token=token))

    burst = control(client, "burst", {"seconds": 30, "path": PREAUTH, "every": 300})
    assert burst["errcode"] == -1 and burst["path"] == PREAUTH
    assert [preauth() for _ in range(5)] == [-1] * 5  # a span of time, not a count of calls
    assert errcode(post(client, C + "api_get_authorizer_list", {"component_appid": APPID},
                        component_access_token=token)) == 0  # other paths answer
    emu.advance_clock(30)
    assert preauth() == 0  # cleared by itself
    emu.advance_clock(270)
    assert preauth() == -1  # back every five minutes
    emu.advance_clock(30)
    assert preauth() == 0
    emu.inject(PREAUTH, errcode=45009)  # an injected fault comes first
    emu.advance_clock(270)
    assert preauth() == 45009
    assert preauth() == -1
    emu.clear_faults(PREAUTH)
    assert preauth() == 0
    emu.system_error_burst(10, start_in=60)  # every path, a minute from now
    assert preauth() == 0
    emu.advance_clock(60)
    assert client.get("/cgi-bin/get_api_domain_ip").json()["errcode"] == -1
    assert len(emu.snapshot()["behaviours"]["bursts"]) == 1
    for bad in ({"seconds": 0}, {"seconds": 10, "every": 5}, {"seconds": 5, "errcode": 0}):
        assert client.post("/__emulator__/burst", json=bad).status_code == 400
    emu.reset()
    assert emu.snapshot()["behaviours"] == {"refresh_token_rotation": 0.0, "ticket_repeat": 0.0,
                                            "bursts": []}


def _page_form(client: httpx.Client, code: str) -> tuple[list[str], dict[str, str]]:
    page = client.get(PC, params={"component_appid": APPID, "pre_auth_code": code,
                                  "redirect_uri": REDIRECT})
    assert page.status_code == 200, page.text
    offered = re.findall(r'name="authorizer_appid" value="([^"]+)"', page.text)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    return offered, form


def test_a_pre_auth_code_used_by_another_account(emu: EmulatorServer,
                                                 client: httpx.Client) -> None:
    token = component_token(emu, client)
    code = post(client, PREAUTH, {"component_appid": APPID},
                component_access_token=token)["pre_auth_code"]
    offered, form = _page_form(client, code)
    assert client.post(PC, data={**form, "authorizer_appid": offered[0]}).status_code == 302
    second = client.post(PC, data={**form, "authorizer_appid": offered[1]})
    assert second.status_code == 400
    assert "预授权码已经被授权过，不能重复使用，请重新从源头页面进入授权页。" in second.text
    again = client.post(PC, data={**form, "authorizer_appid": offered[0]})
    assert again.status_code == 400 and "used or expired" in again.text


def test_before_going_live_only_test_accounts_authorize(
    emu: EmulatorServer, client: httpx.Client
) -> None:
    accounts = list(emu.platform(APPID).accounts)
    live = control(client, "live", {"component_appid": APPID, "live": False,
                                    "test_accounts": [accounts[2]]})
    assert live == {"live": False, "test_accounts": [accounts[2]]}
    token = component_token(emu, client)
    code = post(client, PREAUTH, {"component_appid": APPID},
                component_access_token=token)["pre_auth_code"]
    offered, form = _page_form(client, code)
    assert offered == [accounts[2]]
    refused = client.post(PC, data={**form, "authorizer_appid": accounts[0]})
    assert refused.status_code == 400 and "61028" in refused.text
    with pytest.raises(InvalidArgument, match="61028"):
        emu.authorize(APPID, accounts[0])
    assert emu.authorize(APPID, accounts[2], push=False).auth_code
    answer = client.post("/__emulator__/authorize", json={"component_appid": APPID,
                                                          "authorizer_appid": accounts[1]})
    assert answer.status_code == 400 and "61028" in answer.text
    registration = post(client, "/wxa/component/fastregisterpersonalweapp",
                        {"idname": "张三", "wxuser": "zhangsan", "new_version": True},
                        action="create",
                        component_access_token=token)
    assert errcode(registration) == 61028
    assert "component is unpublished" in registration["errmsg"]
    emu.set_live(APPID, True)
    assert emu.platform(APPID).test_accounts == {accounts[2]}  # kept for the next time
    registration = post(client, "/wxa/component/fastregisterpersonalweapp",
                        {"idname": "张三", "wxuser": "zhangsan", "new_version": True},
                        action="create",
                        component_access_token=token)
    assert errcode(registration) == 0
    assert emu.authorize(APPID, accounts[0], push=False).auth_code
    with pytest.raises(InvalidArgument):
        emu.set_live(APPID, "no")  # type: ignore[arg-type]


def test_authorizing_again_replaces_the_refresh_token_and_revoking_kills_it(
    emu: EmulatorServer, client: httpx.Client
) -> None:
    a = authorize(emu, client)
    emu.authorize(APPID, a.appid, push=False)  # through the consent page again
    current = emu.current_refresh_token(APPID, a.appid)
    assert current != a.refresh_token
    assert errcode(refresh(client, a.component_token, a.appid, a.refresh_token)) == 61023
    assert "authorizer_access_token" in refresh(client, a.component_token, a.appid, current)
    emu.update_authorization(APPID, a.appid, push=False)  # permissions changed elsewhere
    assert emu.current_refresh_token(APPID, a.appid) == current
    emu.revoke(APPID, a.appid, push=False)
    assert errcode(refresh(client, a.component_token, a.appid, current)) == 61023
    answer = post(client, C + "api_get_authorizer_info",
                  {"component_appid": APPID, "authorizer_appid": a.appid},
                  component_access_token=a.component_token)
    assert errcode(answer) == 61003  # other calls still say the account is not authorized
