"""ICP filing through the HTTP control API and the raw endpoints, as a test in another language
would drive it: the filing pushes reach the authorization-event URL encrypted, and parse as the
typed events; bad control arguments get a 400 and change nothing."""

from __future__ import annotations

from typing import Any

import httpx

from wxcomponent import parse_event
from wxcomponent.core.xml import build_xml
from wxcomponent.emulator import EmulatorServer
from wxcomponent.events import IcpFilingResult, IcpVerifyResult

from .support import (
    APPID,
    Receiver,
    authorize,
    control,
    errcode,
    get,
    independent_open,
    post,
)

ICP = "/wxa/icp/"


def test_a_filing_driven_over_http(emu: EmulatorServer, client: httpx.Client,
                                   receiver: Receiver) -> None:
    emu.configure(APPID, auth_event_url=receiver.url)
    mini = authorize(emu, client, "mini_program")
    token = mini.access_token
    who = {"component_appid": APPID, "authorizer_appid": mini.appid}
    filing = control(client, "set_filing", {**who, "filed": False})
    assert filing["status"] == 1024
    control(client, "face_verification", {**who, "outcome": "pass", "after": 5})
    control(client, "filing_plan", {**who, "platform_after": 10, "sms_after": 10,
                                    "bureau_after": 10})
    task = post(client, ICP + "create_icp_verifytask", {"along_with_auth": False},
                access_token=token)["task_id"]
    upload = client.post(ICP + "upload_icp_media", params={"access_token": token},
                         data={"type": "image", "certificate_type": "2",
                               "icp_order_field": "icp_subject.principal_info."
                                                  "certificate_photo_front"},
                         files={"media": ("front.jpg", b"\xff\xd8\xffjpeg", "image/jpeg")})
    photo = upload.json()["media_id"]
    control(client, "advance_clock", {"seconds": 5})
    assert get(client, ICP + "get_icp_entrance_info", access_token=token)["info"]["status"] \
        == 1024
    control(client, "filing_refusal", {**who, "hints": [
        {"err_field": "icp_subject.base_info.name", "errcode": 86302, "errmsg": "图文不一致"}]})
    refused = post(client, ICP + "apply_icp_filing", {}, access_token=token)
    assert errcode(refused) == 86202
    assert {"err_field": "icp_subject.base_info.name", "errcode": 86302,
            "errmsg": "图文不一致"} in refused["hints"]
    assert any(h["err_field"] == "icp_subject" for h in refused["hints"])
    body = _application(photo, task)
    assert errcode(post(client, ICP + "apply_icp_filing", body, access_token=token)) == 0
    control(client, "advance_clock", {"seconds": 30})
    pushes = receiver.wait_for(2)
    events = [parse_event(build_xml(independent_open(p))) for p in pushes]
    verified = next(e for e in events if isinstance(e, IcpVerifyResult))
    assert verified.verify_appid == mini.appid and verified.task_id == task
    assert verified.succeeded
    filed = next(e for e in events if isinstance(e, IcpFilingResult))
    assert filed.filed and filed.authorizer_appid == mini.appid
    assert {p.path for p in pushes} == {receiver_path(receiver)}
    state = control(client, "filing", **who)
    assert state["status"] == 6 and state["order"]["icp_subject"]["base_info"]["record_number"]
    assert control(client, "mini_program", **who)["filing"]["status"] == 6


def receiver_path(receiver: Receiver) -> str:
    return httpx.URL(receiver.url).path


def _application(photo: str, task: str) -> dict[str, Any]:
    person = {"name": "张三", "mobile": "13800000000", "email": "a@example.com",
              "emergency_contact": "13900000000", "certificate_type": 2,
              "certificate_number": "110105199001011234",
              "certificate_validity_date_start": "20200101",
              "certificate_validity_date_end": "长期", "certificate_photo_front": photo,
              "certificate_photo_back": photo}
    return {
        "icp_subject": {"base_info": {"type": 4, "name": "模拟公司", "province": "110000",
                                      "city": "110100", "district": "110105",
                                      "address": "建国路1号"},
                        "principal_info": person},
        "icp_applets": {"base_info": {"service_content_types": [11],
                                      "nrlx_details": [{"type": 16}],
                                      "comment": "为顾客提供在线点餐与订单查询服务，"
                                                 "不涉及前置审批。"},
                        "principal_info": {**person, "verify_task_id": task}},
        "icp_materials": {}}


def test_bad_filing_controls_change_nothing(emu: EmulatorServer, client: httpx.Client) -> None:
    mini = authorize(emu, client, "mini_program")
    who = {"component_appid": APPID, "authorizer_appid": mini.appid}
    before = control(client, "filing", **who)
    for name, body in [
        ("filing_plan", {**who, "platform": "maybe"}),
        ("filing_plan", {**who, "sms_after": -1}),
        ("filing_plan", {**who, "bureau_reasons": [{"error": "no field"}]}),
        ("filing_plan", {**who, "colour": "red"}),
        ("face_verification", {**who, "outcome": "perhaps"}),
        ("filing_refusal", {**who, "hints": [{"errcode": 1}]}),
        ("set_filing", {**who, "filed": "yes"}),
        ("mini_program_settings", {"filing_gate": "off"}),
        ("mini_program_settings", {"unfiled_errcode": -5}),
    ]:
        answer = client.post(f"/__emulator__/{name}", json=body)
        assert answer.status_code == 400, (name, answer.text)
    assert control(client, "filing", **who) == before
    settings = control(client, "mini_program_settings", {})
    assert (settings["filing_gate"], settings["unfiled_errcode"]) == (True, 86399)
    official = authorize(emu, client)
    assert client.get("/__emulator__/filing", params={
        "component_appid": APPID, "authorizer_appid": official.appid}).status_code == 400
