"""Registering mini programs on both shells — enterprise, personal, trial (and its
verification), with an official account's subject — each ending in the push WeChat sends and
the new mini program authorized; and open platform accounts."""

from __future__ import annotations

import pytest

from wxcomponent import OpenAccount, PersonalRegistration, ReusedRegistration, TrialRegistration
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument

from .conftest import APPID, Side, mini_program, official_account, pushes_to, wait_for

ENTERPRISE = ("模拟餐饮有限公司", "91110000MA01TEST00", 1, "legal_wechat", "张三")


def _authorized(side: Side, appid: str) -> bool:
    record = side.store.get_authorizer(APPID, appid)
    return record is not None and record.status == "authorized"


def test_an_enterprise_registration_ends_authorized(emu: EmulatorServer, side: Side) -> None:
    registration = side.component.fast_registration
    side.run(registration.create_enterprise(*ENTERPRISE, component_phone="13800000000"))
    with pytest.raises(APIError) as running:
        side.run(registration.create_enterprise(*ENTERPRISE))
    assert running.value.errcode == 89249
    with pytest.raises(APIError) as waiting:
        side.run(registration.search_enterprise("模拟餐饮有限公司", "legal_wechat", "张三"))
    assert waiting.value.errcode == 89251
    with pushes_to(emu, side):
        done = emu.complete_registration(APPID)
        appid = done["appid"]
        wait_for(lambda: _authorized(side, appid), "the fast-registered code was not exchanged")
    assert done["deliveries"][0]["fields"]["InfoType"] == "notify_third_fasteregister"
    side.run(registration.search_enterprise("模拟餐饮有限公司", "legal_wechat", "张三"))
    with pytest.raises(APIError) as unknown:
        side.run(registration.search_enterprise("别的公司", "legal_wechat", "张三"))
    assert unknown.value.errcode == 89250
    with pytest.raises(InvalidArgument) as bad:
        side.run(registration.create_enterprise("x", "y", 4, "w", "n"))
    assert bad.value.argument == "code_type"


def test_personal_and_trial_registrations(emu: EmulatorServer, side: Side) -> None:
    registration = side.component.fast_registration
    personal = side.run(registration.create_personal("李四", "lisi_wechat"))
    assert isinstance(personal, PersonalRegistration) and personal.authorize_url
    assert side.run(registration.query_personal(personal.taskid)).status == 1000
    emu.complete_registration(APPID, personal.taskid, push=False)
    status = side.run(registration.query_personal(personal.taskid))
    assert status.status == 0 and status.appid and status.authorization_code
    side.run(side.component.query_auth(status.authorization_code))
    assert _authorized(side, status.appid)
    trial = side.run(registration.create_trial("试用小店铺", "oTrialUser"))
    assert isinstance(trial, TrialRegistration) and trial.unique_id
    with pushes_to(emu, side):
        done = emu.complete_registration(APPID, trial.unique_id)
        wait_for(lambda: _authorized(side, done["appid"]), "the trial was not authorized")
    events = [d["fields"]["InfoType"] for d in done["deliveries"]]
    assert events == ["notify_third_fastregisterbetaapp", "authorized"]
    side.run(side.authorizer(done["appid"]).fast_registration.verify_trial(
        "模拟试用公司", "91110000MA01TRIAL0", 1, "legal_wechat", "王五"))
    verification = emu.complete_registration(APPID, push=False)
    assert verification["kind"] == "verify" and verification["appid"] == done["appid"]
    with pytest.raises(InvalidArgument):
        side.run(registration.create_trial("短", "oTrialUser"))


def test_a_mini_program_with_an_official_accounts_subject(emu: EmulatorServer,
                                                          side: Side) -> None:
    account = official_account(emu, side)
    ticket = emu.reuse_subject_ticket(APPID, account)
    result = side.run(side.authorizer(account).fast_registration.reuse_subject(ticket))
    assert isinstance(result, ReusedRegistration) and result.is_wx_verify_succ
    side.run(side.component.query_auth(result.authorization_code))
    assert _authorized(side, result.appid)
    with pytest.raises(APIError) as used:
        side.run(side.authorizer(account).fast_registration.reuse_subject(ticket))
    assert used.value.errcode == 40097
    assert "authorization_code" not in repr(result)


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
