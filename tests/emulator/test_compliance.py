"""The emulator's compliance over HTTP, as a client in another language meets it: the
endpoints' answers and errcodes, and the control API that moves verifications, decides
privacy-interface reviews, injects violations and decides appeals, each pushed encrypted to
a real receiver; the annual review pushed on the emulated clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from wxcomponent.emulator import CONTROL, EmulatorServer

from .support import APPID, Receiver, authorize, errcode, get, independent_open, post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DAY = 86400


def control(client: httpx.Client, name: str, body: dict[str, Any] | None = None,
            status: int = 200) -> Any:
    method = CONTROL[name][0]
    if method == "GET":
        answer = client.get(f"/__emulator__/{name}", params=body or {})
    else:
        answer = client.post(f"/__emulator__/{name}", json=body or {})
    assert answer.status_code == status, answer.text
    return answer.json()


def _auth_data(client: httpx.Client, token: str) -> dict[str, Any]:
    uploaded = client.post("/wxa/sec/uploadauthmaterial", params={"access_token": token},
                           files={"media": ("1.png", PNG, "image/png")}).json()
    assert uploaded["mediaid"], uploaded
    return {"customer_type": 1, "contact_info": {"name": "张三", "email": "a@b.example"},
            "pay_type": 2, "qualification": uploaded["mediaid"],
            "invoice_info": {"invoice_type": 1}}


def test_verification_over_http_and_the_annual_review_on_the_clock(
        emu: EmulatorServer, client: httpx.Client, receiver: Receiver) -> None:
    emu.configure(APPID, auth_event_url=receiver.url)
    mp = authorize(emu, client, kind="mini_program")
    token = mp.access_token
    task = post(client, "/wxa/sec/wxaauth", {"auth_data": _auth_data(client, token)},
                access_token=token)
    assert errcode(task) == 0 and task["auth_url"].endswith(task["taskid"])
    bad = post(client, "/wxa/sec/wxaauth", {"auth_data": {"customer_type": 3}},
               access_token=token)
    assert errcode(bad) == 47001 and "customer_type" in bad["errmsg"]
    for method in ("GET", "POST"):  # WeChat's SDKs disagree: both are answered
        tree = client.request(method, "/wxa/sec/authidentitytree",
                              params={"access_token": token}).json()
        assert tree["node_list"][0]["node_list"][0]["leaf_info"]["requirement"], tree
    control(client, "verification_step", {"component_appid": APPID,
                                          "authorizer_appid": mp.appid, "step": "approved"})
    status = post(client, "/wxa/sec/queryauth", {"taskid": task["taskid"]}, access_token=token)
    assert (status["task_status"], status["apply_status"]) == (12, 4)
    assert status["dispatch_info"]["provider"]
    control(client, "verification_step", {"component_appid": APPID,
                                          "authorizer_appid": mp.appid, "step": "nonsense"},
            status=400)
    pushed = [independent_open(r) for r in receiver.wait_until(
        lambda got: len(got) >= 2 and any(b"Encrypt" in r.body for r in got))]
    statuses = [(p["task_status"], p["apply_status"]) for p in pushed
                if p["InfoType"] == "notify_3rd_wxa_auth"]
    assert ("12", "4") in statuses and ("0", "0") in statuses
    until = control(client, "mini_program", {"component_appid": APPID,
                                             "authorizer_appid": mp.appid}
                    )["compliance"]["verified_until"]
    control(client, "advance_clock", {"seconds": 365 * DAY - 31 * DAY})
    control(client, "run_due")
    assert not [r for r in map(independent_open, receiver.requests)
                if r["InfoType"] == "notify_3rd_wxa_wxverify"]
    def reviews(got: list[Any]) -> list[dict[str, Any]]:
        return [p for p in map(independent_open, got)
                if p["InfoType"] == "notify_3rd_wxa_wxverify"]

    for seen in (1, 2, 3, 4):  # 30 days before the end, at it, 30 and 60 days after
        control(client, "advance_clock", {"seconds": 30 * DAY + 1 if seen == 1 else 30 * DAY})
        control(client, "run_due")
        receiver.wait_until(lambda got, n=seen: len(reviews(got)) >= n)
        assert len(reviews(receiver.requests)) == seen
    found = reviews(receiver.requests)
    assert {r["expired"] for r in found} == {str(int(until))}
    assert found[0]["appid"] == mp.appid and "年审" in found[0]["message"]


def test_privacy_interfaces_violations_and_appeals_over_http(
        emu: EmulatorServer, client: httpx.Client, receiver: Receiver) -> None:
    emu.configure(APPID, message_url=receiver.url)
    mp = authorize(emu, client, kind="mini_program")
    token = mp.access_token
    control(client, "privacy_interface_plan", {
        "component_appid": APPID, "authorizer_appid": mp.appid, "api_name": "wx.chooseAddress",
        "approve": False, "after": 600, "reason": "未见使用场景"})
    video = post(client, "/wxa/security/apply_privacy_interface", {
        "api_name": "wx.chooseAddress", "content": "填写收货地址",
        "video_list": ["https://cdn.example/demo.mov"]}, access_token=token)
    assert errcode(video) == 61032
    applied = post(client, "/wxa/security/apply_privacy_interface", {
        "api_name": "wx.chooseAddress", "content": "填写收货地址"}, access_token=token)
    assert applied["audit_id"] > 0
    listed = {i["api_name"]: i for i in get(client, "/wxa/security/get_privacy_interface",
                                            access_token=token)["interface_list"]}
    assert listed["wx.chooseAddress"]["status"] == 3 and listed["wx.getLocation"]["status"] == 1
    control(client, "advance_clock", {"seconds": 601})
    control(client, "run_due")
    result = independent_open(receiver.wait_for(1)[0])
    assert result["Event"] == "wxa_privacy_apply"
    assert result["result_info"]["api_name"] == "wx.chooseAddress"
    listed = {i["api_name"]: i for i in get(client, "/wxa/security/get_privacy_interface",
                                            access_token=token)["interface_list"]}
    assert listed["wx.chooseAddress"]["status"] == 4
    assert listed["wx.chooseAddress"]["fail_reason"] == "未见使用场景"

    record = control(client, "illegal_records", {
        "component_appid": APPID, "authorizer_appid": mp.appid, "punish_type": 2,
        "detail": {"banned_days": [7], "banned_function_names": ["分享"]}})
    pushes = [independent_open(r) for r in receiver.wait_for(3)]
    assert [p["Event"] for p in pushes[1:]] == ["wxa_illegal_record", "wxa_punish_event"]
    assert '"banned_days": [7]' in pushes[2]["detail"]
    records = post(client, "/wxa/getillegalrecords", {}, access_token=token)["records"]
    assert [r["illegal_record_id"] for r in records] == [record["illegal_record_id"]]
    no_proof = post(client, "/wxa/component/createappeal", {
        "illegal_record_id": record["illegal_record_id"],
        "appeal_materials": [{"reason": "正常", "proof_material_ids": ["nope"]}]},
        access_token=token)
    assert errcode(no_proof) == 40007
    created = post(client, "/wxa/component/createappeal", {
        "illegal_record_id": record["illegal_record_id"],
        "appeal_materials": [{"reason": "内容正常", "proof_material_ids": []}]},
        access_token=token)
    assert errcode(created) == 0
    control(client, "mini_program_settings", {"appeal_running_errcode": 61099})
    again = post(client, "/wxa/component/createappeal", {
        "illegal_record_id": record["illegal_record_id"],
        "appeal_materials": [{"reason": "再次", "proof_material_ids": []}]}, access_token=token)
    assert errcode(again) == 61099
    control(client, "run_due")
    receiver.wait_for(4)  # the appeal's creation, before its decision
    control(client, "appeal_decision", {"component_appid": APPID,
                                        "authorizer_appid": mp.appid, "approve": False,
                                        "reason": "证据不足"})
    decided = [independent_open(r) for r in receiver.wait_for(5)][3:]
    assert [(p["Event"], p["appeal_status"]) for p in decided] == [
        ("wxa_appeal_record", "1"), ("wxa_appeal_record", "3")]
    assert decided[1]["audit_reason"] == "证据不足"
    appeals = post(client, "/wxa/getappealrecords",
                   {"illegal_record_id": record["illegal_record_id"]},
                   access_token=token)["records"]
    assert appeals[0]["appeal_status"] == 3 and appeals[0]["materials"][0][
        "appeal_material"]["reason"] == "内容正常"
    control(client, "appeal_decision", {"component_appid": APPID,
                                        "authorizer_appid": mp.appid}, status=404)


@pytest.mark.parametrize("body", [{"api_name": "wx.choosePoi", "content": "x" * 301},
                                  {"api_name": "wx.choosePoi", "pic_list": ["u"] * 11},
                                  {"api_name": "wx.choosePoi", "pic_list": ["unknown-media"]}])
def test_privacy_interface_applications_refused(emu: EmulatorServer, client: httpx.Client,
                                                body: dict[str, Any]) -> None:
    mp = authorize(emu, client, kind="mini_program")
    answer = post(client, "/wxa/security/apply_privacy_interface", body,
                  access_token=mp.access_token)
    assert errcode(answer) in (61033, 61034)
    listed = get(client, "/wxa/security/get_privacy_interface", access_token=mp.access_token)
    assert all(i["status"] == 1 for i in listed["interface_list"])  # nothing changed
