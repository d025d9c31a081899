"""Registering mini programs on both shells — enterprise (WeChat's new version: a task whose
``authorize_url`` the legal person completes within 24 hours), personal, trial (and its
verification), with an official account's subject — each ending in the push WeChat sends and
the new mini program authorized; and open platform accounts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from wxcomponent import (
    EnterpriseRegistration,
    EnterpriseRegistrationStatus,
    OpenAccount,
    PersonalRegistration,
    ReusedRegistration,
    TrialRegistration,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument
from wxcomponent.events import FastRegisterResult

from .conftest import APPID, Side, advance, mini_program, official_account, pushes_to, wait_for

ENTERPRISE_PATH = "/wxa/component/fastregisterenterpriseweapp"
#: Unified social credit codes whose check characters are right (GB 32100).
CODE = "91110000MA01CANT01"
OTHER_CODE = "91310000MA1FL7TR43"
PHONE = "13800000000"


def _authorized(side: Side, appid: str) -> bool:
    record = side.store.get_authorizer(APPID, appid)
    return record is not None and record.status == "authorized"


def _body(side: Side, path: str) -> Any:
    return json.loads(side.sent(path)[-1].content)


def test_an_enterprise_registration_ends_authorized(emu: EmulatorServer, side: Side) -> None:
    registration = side.component.fast_registration
    task = side.run(registration.create_enterprise("模拟餐饮有限公司", CODE, PHONE))
    assert isinstance(task, EnterpriseRegistration)
    assert task.taskid and task.authorize_url.startswith("https://")
    assert _body(side, ENTERPRISE_PATH) == {"name": "模拟餐饮有限公司", "code": CODE,
                                            "component_phone": PHONE, "new_version": True}
    sent = side.sent(ENTERPRISE_PATH)[0]
    assert sent.url.params["action"] == "create"
    assert "component_access_token" in sent.url.params
    with pytest.raises(APIError) as running:
        side.run(registration.create_enterprise("模拟餐饮有限公司", CODE, PHONE))
    assert running.value.errcode == 89249
    waiting = side.run(registration.query_enterprise(task.taskid))
    assert isinstance(waiting, EnterpriseRegistrationStatus)
    assert waiting.pending and not waiting.appid
    assert side.sent(ENTERPRISE_PATH)[-1].url.params["action"] == "query"
    with pushes_to(emu, side):
        done = emu.complete_authorize_url(APPID, task.authorize_url)
        appid = done["appid"]
        wait_for(lambda: _authorized(side, appid), "the fast-registered code was not exchanged")
    assert done["deliveries"][0]["fields"]["InfoType"] == "notify_third_fasteregister"
    finished = side.run(registration.query_enterprise(task.taskid))
    assert finished.status == 0 and finished.appid == appid and not finished.pending
    with pytest.raises(APIError) as unknown:
        side.run(registration.query_enterprise("no-such-task"))
    assert unknown.value.errcode == 89250


def test_an_enterprise_registration_expires_after_a_day(emu: EmulatorServer,
                                                        side: Side) -> None:
    registration = side.component.fast_registration
    results: list[FastRegisterResult] = []
    side.component.on(FastRegisterResult)(lambda event, push: results.append(event))
    task = side.run(registration.create_enterprise("过期餐饮有限公司", OTHER_CODE, PHONE))
    with pushes_to(emu, side):
        advance(emu, side, 23 * 3600)
        assert side.run(registration.query_enterprise(task.taskid)).pending
        advance(emu, side, 3600 + 1)
        wait_for(lambda: results, "the expiry was not pushed")
    (result,) = results
    assert not result.succeeded and result.status == 100003 and result.appid is None
    failed = side.run(registration.query_enterprise(task.taskid))
    assert not failed.pending and failed.status != 0 and not failed.appid
    with pytest.raises(LookupError):
        emu.complete_authorize_url(APPID, task.authorize_url)


@pytest.mark.parametrize(("args", "argument"), [
    (("", CODE, PHONE), "name"),
    (("公司", CODE[:-1], PHONE), "code"),
    (("公司", CODE[:-1] + "2", PHONE), "code"),  # a wrong check character
    (("公司", CODE.lower(), PHONE), "code"),
    (("公司", "91110000MA01CANI01", PHONE), "code"),  # I is not in GB 32100's alphabet
    (("公司", "91ABCDEFMA01CANT01", PHONE), "code"),  # the division code is digits
    (("公司", CODE, ""), "component_phone"),
    (("公司", CODE, "call me"), "component_phone"),
])
def test_bad_enterprise_arguments_are_refused_before_sending(
        emu: EmulatorServer, side: Side, args: tuple[str, str, str], argument: str) -> None:
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.component.fast_registration.create_enterprise(*args))
    assert caught.value.argument == argument
    assert emu.call_counts() == before


def test_personal_registration_uses_the_new_version(emu: EmulatorServer, side: Side) -> None:
    registration = side.component.fast_registration
    personal = side.run(registration.create_personal("李四", "lisi_wechat", PHONE))
    assert isinstance(personal, PersonalRegistration)
    assert personal.taskid and personal.authorize_url.startswith("https://")
    assert _body(side, "/wxa/component/fastregisterpersonalweapp") == {
        "idname": "李四", "wxuser": "lisi_wechat", "component_phone": PHONE,
        "new_version": True}
    assert side.run(registration.query_personal(personal.taskid)).status == 1000
    emu.complete_authorize_url(APPID, personal.authorize_url, push=False)
    status = side.run(registration.query_personal(personal.taskid))
    assert status.status == 0 and status.appid and status.authorization_code
    side.run(side.component.query_auth(status.authorization_code))
    assert _authorized(side, status.appid)


def test_a_trial_and_its_verification(emu: EmulatorServer, side: Side) -> None:
    registration = side.component.fast_registration
    trial = side.run(registration.create_trial("试用小店铺", "oTrialUser"))
    assert isinstance(trial, TrialRegistration) and trial.unique_id
    with pushes_to(emu, side):
        done = emu.complete_registration(APPID, trial.unique_id)
        wait_for(lambda: _authorized(side, done["appid"]), "the trial was not authorized")
    events = [d["fields"]["InfoType"] for d in done["deliveries"]]
    assert events == ["notify_third_fastregisterbetaapp", "authorized"]
    account = side.authorizer(done["appid"]).fast_registration
    side.run(account.verify_trial("模拟试用公司", OTHER_CODE, PHONE))
    assert _body(side, "/wxa/verifybetaweapp") == {"verify_info": {
        "enterprise_name": "模拟试用公司", "code": OTHER_CODE, "component_phone": PHONE,
        "new_version": True}}
    verification = emu.complete_registration(APPID, push=False)
    assert verification["kind"] == "verify" and verification["appid"] == done["appid"]
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as bad_code:
        side.run(account.verify_trial("模拟试用公司", "123456789", PHONE))
    assert bad_code.value.argument == "code"
    with pytest.raises(InvalidArgument) as no_phone:
        side.run(account.verify_trial("模拟试用公司", OTHER_CODE, ""))
    assert no_phone.value.argument == "component_phone"
    with pytest.raises(InvalidArgument):
        side.run(registration.create_trial("短", "oTrialUser"))
    assert emu.call_counts() == before


def _page(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_a_mini_program_with_an_official_accounts_subject(emu: EmulatorServer,
                                                          side: Side) -> None:
    account = official_account(emu, side)
    client = side.authorizer(account)
    url = client.reuse_subject_url("https://shop.example/back?step=2")
    assert _page(url) == ("/cgi-bin/fastregisterauth", {
        "appid": account, "component_appid": APPID, "copy_wx_verify": "1",
        "redirect_uri": "https://shop.example/back?step=2"})
    assert _page(client.reuse_subject_url("https://shop.example/back",
                                          copy_wx_verify=False))[1]["copy_wx_verify"] == "0"
    with pytest.raises(InvalidArgument) as bad:
        client.reuse_subject_url("ftp://shop.example/back")
    assert bad.value.argument == "redirect_uri"
    ticket = emu.reuse_subject_ticket(APPID, account)
    result = side.run(side.authorizer(account).fast_registration.reuse_subject(ticket))
    assert isinstance(result, ReusedRegistration) and result.is_wx_verify_succ
    side.run(side.component.query_auth(result.authorization_code))
    assert _authorized(side, result.appid)
    with pytest.raises(APIError) as used:
        side.run(side.authorizer(account).fast_registration.reuse_subject(ticket))
    assert used.value.errcode == 40097
    assert "authorization_code" not in repr(result)


def test_rebinding_an_administrator(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    registration = side.authorizer(appid).fast_registration
    url = side.authorizer(appid).rebind_admin_url("https://shop.example/rebound")
    assert _page(url) == ("/wxopen/componentrebindadmin", {
        "appid": appid, "component_appid": APPID, "redirect_uri": "https://shop.example/rebound"})
    taskid = emu.rebind_admin_taskid(APPID, appid)
    assert side.run(registration.rebind_admin(taskid)) is None
    assert json.loads(side.sent("/cgi-bin/account/componentrebindadmin")[0].content) == {
        "taskid": taskid}
    with pytest.raises(APIError) as used:
        side.run(registration.rebind_admin(taskid))
    assert used.value.errcode == 40097
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as bad:
        side.run(registration.rebind_admin(""))
    assert bad.value.argument == "taskid"
    with pytest.raises(InvalidArgument) as no_uri:
        side.authorizer(appid).rebind_admin_url("")
    assert no_uri.value.argument == "redirect_uri"
    assert emu.call_counts() == before


def test_renaming_a_trial_mini_program(emu: EmulatorServer, side: Side) -> None:
    trial = side.run(side.component.fast_registration.create_trial("试用小店铺", "oTrialUser"))
    with pushes_to(emu, side):
        done = emu.complete_registration(APPID, trial.unique_id)
        wait_for(lambda: _authorized(side, done["appid"]), "the trial was not authorized")
    registration = side.authorizer(done["appid"]).fast_registration
    assert side.run(registration.set_trial_name("改名后的小店")) is None
    assert json.loads(side.sent("/wxa/setbetaweappnickname")[0].content) == {
        "name": "改名后的小店"}
    assert side.run(side.component.get_authorizer_info(done["appid"])).nick_name == "改名后的小店"
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as short:
        side.run(registration.set_trial_name("短"))
    assert short.value.argument == "name"
    assert emu.call_counts() == before
    other = mini_program(emu, side)
    with pytest.raises(APIError) as not_trial:
        side.run(side.authorizer(other).fast_registration.set_trial_name("不是试用的"))
    assert not_trial.value.errcode == 47001


def test_open_platform_accounts(emu: EmulatorServer, side: Side) -> None:
    first, second = mini_program(emu, side), official_account(emu, side)
    with pytest.raises(APIError) as none:
        side.run(side.authorizer(first).open_account.get())
    assert none.value.errcode == 89002
    created = side.run(side.authorizer(first).open_account.create())
    assert isinstance(created, OpenAccount) and created.open_appid.startswith("wx")
    with pytest.raises(APIError) as bound:
        side.run(side.authorizer(first).open_account.create())
    assert bound.value.errcode == 89000
    side.run(side.authorizer(second).open_account.bind(created.open_appid))
    assert side.run(side.authorizer(second).open_account.get()).open_appid == created.open_appid
    side.run(side.authorizer(second).open_account.unbind(created.open_appid))
    with pytest.raises(APIError):
        side.run(side.authorizer(second).open_account.get())
    with pytest.raises(InvalidArgument):
        side.run(side.authorizer(second).open_account.bind("not-an-appid"))
