"""Authorizer options on both shells: read and set through WeChat's current paths
(``get_authorizer_option`` / ``set_authorizer_option``, the authorizer's token, a body of only
the option), and through the old ``api_*`` paths when the new one answers that it does not
exist."""

from __future__ import annotations

import json

import pytest

from wxcomponent.core.models import AuthorizerOption
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument, OptionInvalid

from .conftest import APPID, Side, official_account

NEW_GET = "/cgi-bin/component/get_authorizer_option"
NEW_SET = "/cgi-bin/component/set_authorizer_option"
OLD_GET = "/cgi-bin/component/api_get_authorizer_option"
OLD_SET = "/cgi-bin/component/api_set_authorizer_option"


def test_options_go_through_the_current_paths(emu: EmulatorServer, side: Side) -> None:
    appid = official_account(emu, side)
    side.run(side.component.set_authorizer_option(appid, "voice_recognize", 1))
    option = side.run(side.component.get_authorizer_option(appid, "voice_recognize"))
    assert isinstance(option, AuthorizerOption)
    assert (option.authorizer_appid, option.option_name, option.option_value) == (
        appid, "voice_recognize", "1")
    (sent_set,) = side.sent(NEW_SET)
    (sent_get,) = side.sent(NEW_GET)
    assert json.loads(sent_set.content) == {"option_name": "voice_recognize",
                                            "option_value": "1"}
    assert json.loads(sent_get.content) == {"option_name": "voice_recognize"}
    for request in (sent_set, sent_get):
        assert "access_token" in request.url.params
        assert "component_access_token" not in request.url.params
    assert side.sent(OLD_GET) == [] and side.sent(OLD_SET) == []


@pytest.mark.parametrize("errcode", [404, 40066, 48001])
def test_the_old_paths_answer_when_the_new_ones_are_not_served(
        emu: EmulatorServer, side: Side, errcode: int) -> None:
    appid = official_account(emu, side)
    emu.inject(NEW_GET, errcode=errcode, times=None)
    emu.inject(NEW_SET, errcode=errcode, times=None)
    side.run(side.component.set_authorizer_option(appid, "location_report", 2))
    option = side.run(side.component.get_authorizer_option(appid, "location_report"))
    assert option.option_value == "2" and option.authorizer_appid == appid
    assert len(side.sent(NEW_SET)) == len(side.sent(OLD_SET)) == 1
    assert json.loads(side.sent(OLD_GET)[0].content) == {
        "component_appid": APPID, "authorizer_appid": appid, "option_name": "location_report"}


def test_other_errors_of_the_new_paths_are_raised_without_a_fallback(
        emu: EmulatorServer, side: Side) -> None:
    appid = official_account(emu, side)
    with pytest.raises(OptionInvalid):
        side.run(side.component.get_authorizer_option(appid, "colour"))
    with pytest.raises(APIError) as bad_value:
        side.run(side.component.set_authorizer_option(appid, "voice_recognize", 7))
    assert bad_value.value.errcode == 61013
    assert side.sent(OLD_GET) == [] and side.sent(OLD_SET) == []


@pytest.mark.parametrize(("call", "argument"), [
    (lambda c, a: c.get_authorizer_option(a, ""), "option_name"),
    (lambda c, a: c.set_authorizer_option(a, "voice_recognize", None), "option_value"),
    (lambda c, a: c.get_authorizer_option("", "voice_recognize"), "authorizer_appid"),
])
def test_bad_option_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side,
                                                        call, argument: str) -> None:
    appid = official_account(emu, side)
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(call(side.component, appid))
    assert caught.value.argument == argument
    assert emu.call_counts() == before
