"""Registration as WeChat answers it since the old versions were retired (COMPLIANCE.md §9),
over real HTTP: the old enterprise create and search, a personal create without
``new_version`` and an old trial verification answer -1 (``system error``); the new forms are
served, ``new_version`` of a trial verification is taken inside ``verify_info`` or beside it,
and an enterprise task is finished by its ``authorize_url`` through the control API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer

from .support import APPID, C, authorize, component_token, errcode, post

CODE = "91110000MA01CANT01"
PHONE = "13800000000"
ENTERPRISE = "/wxa/component/fastregisterenterpriseweapp"
PERSONAL = "/wxa/component/fastregisterpersonalweapp"
OLD_ENTERPRISE = {"name": "模拟公司", "code": CODE, "code_type": 1,
                  "legal_persona_wechat": "legal", "legal_persona_name": "张三",
                  "component_phone": PHONE}


def _system_error(answer: dict[str, Any]) -> None:
    assert errcode(answer) == -1 and answer["errmsg"].startswith("system error")


@pytest.mark.parametrize("action", ["create", "search"])
def test_the_old_enterprise_registration_answers_system_error(
        emu: EmulatorServer, client: httpx.Client, action: str) -> None:
    token = component_token(emu, client)
    _system_error(post(client, C + "fastregisterweapp", OLD_ENTERPRISE, action=action,
                       component_access_token=token))
    assert emu.registrations(APPID) == []


def test_the_new_enterprise_registration(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    _system_error(post(client, ENTERPRISE, OLD_ENTERPRISE, action="create",
                       component_access_token=token))
    body = {"name": "模拟公司", "code": CODE, "component_phone": PHONE, "new_version": True}
    for missing, expected in (("component_phone", 47001), ("code", 47001)):
        partial = {k: v for k, v in body.items() if k != missing}
        assert errcode(post(client, ENTERPRISE, partial, action="create",
                            component_access_token=token)) == expected
    wrong = post(client, ENTERPRISE, {**body, "code": CODE[:-1] + "2"}, action="create",
                 component_access_token=token)
    assert errcode(wrong) == 47001
    created = post(client, ENTERPRISE, body, action="create", component_access_token=token)
    assert errcode(created) == 0 and created["authorize_url"].startswith("https://")
    query = {"taskid": created["taskid"]}
    assert post(client, ENTERPRISE, query, action="query",
                component_access_token=token)["status"] == 1000
    finished = client.post("/__emulator__/complete_authorize_url",
                           json={"component_appid": APPID,
                                 "authorize_url": created["authorize_url"], "push": False})
    assert finished.status_code == 200 and finished.json()["status"] == "done"
    done = post(client, ENTERPRISE, query, action="query", component_access_token=token)
    assert done["status"] == 0 and done["appid"] == finished.json()["appid"]


def test_a_personal_registration_needs_the_new_version(emu: EmulatorServer,
                                                       client: httpx.Client) -> None:
    token = component_token(emu, client)
    body = {"idname": "李四", "wxuser": "lisi", "component_phone": PHONE}
    _system_error(post(client, PERSONAL, body, action="create", component_access_token=token))
    created = post(client, PERSONAL, {**body, "new_version": True}, action="create",
                   component_access_token=token)
    assert errcode(created) == 0 and created["authorize_url"].startswith("https://")


def test_a_trial_verification_needs_the_new_version_in_either_place(
        emu: EmulatorServer, client: httpx.Client) -> None:
    trial = authorize(emu, client, kind="mini_program")
    info = {"enterprise_name": "模拟公司", "code": CODE, "component_phone": PHONE}
    path = "/wxa/verifybetaweapp"
    old = {**info, "code_type": 1, "legal_persona_wechat": "legal",
           "legal_persona_name": "张三"}
    _system_error(post(client, path, {"verify_info": old}, access_token=trial.access_token))
    inside = post(client, path, {"verify_info": {**info, "new_version": True}},
                  access_token=trial.access_token)
    beside = post(client, path, {"verify_info": info, "new_version": True},
                  access_token=trial.access_token)
    assert errcode(inside) == errcode(beside) == 0
    no_phone = {k: v for k, v in info.items() if k != "component_phone"}
    assert errcode(post(client, path, {"verify_info": {**no_phone, "new_version": True}},
                        access_token=trial.access_token)) == 47001
    assert [t["kind"] for t in emu.registrations(APPID)] == ["verify", "verify"]
