"""Verification and its annual review, the combined verification and filing, privacy
interfaces and violations with appeals, on both shells over HTTP against the emulator: the
typed answers, WeChat's errcodes, and the pushes each step sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wxcomponent import (
    AppealReason,
    AppealRecords,
    AuthAndIcpStatus,
    AuthAndIcpSubmission,
    AuthData,
    AuthIdentityTree,
    AuthStatus,
    AuthTask,
    IllegalRecords,
    PrivacyInterfaceList,
    PrivacyInterfaceState,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    APIError,
    CodeCheckPending,
    InvalidArgument,
    PrivacyInterfaceNotApproved,
)
from wxcomponent.events import (
    AppealRecordEvent,
    AuthAndIcpProgress,
    IllegalRecordEvent,
    PrivacyInterfaceResult,
    PunishEvent,
    VerificationExpiry,
    VerificationProgress,
)

from ..support.waiting import wait_for
from .conftest import APPID, PNG_MAGIC, Side, advance, mini_program, pushes_to, template

PNG = PNG_MAGIC + b"\x00" * 64
YEAR = 365 * 86400


def _enterprise(side: Side, appid: str) -> AuthData:
    material = side.run(side.authorizer(appid).verification.upload_material(PNG))
    assert material.mediaid
    return AuthData(customer_type=1, contact_name="张三", contact_email="ops@shop.example",
                    qualification=material.mediaid, account_name="好店")


def test_verification_refill_approval_and_annual_review(emu: EmulatorServer,
                                                       side: Side) -> None:
    appid = mini_program(emu, side)
    verification = side.authorizer(appid).verification
    progress: list[VerificationProgress] = []
    expiry: list[VerificationExpiry] = []
    side.component.on(VerificationProgress)(lambda event, push: progress.append(event))
    side.component.on(VerificationExpiry)(lambda event, push: expiry.append(event))
    with pushes_to(emu, side):
        task = side.run(verification.apply(_enterprise(side, appid)))
        assert isinstance(task, AuthTask) and task.taskid and task.taskid in task.auth_url
        with pytest.raises(APIError) as running:
            side.run(verification.apply(_enterprise(side, appid)))
        assert running.value.errcode == 89249  # the emulator's setting: WeChat's is unknown
        emu.verification_step(APPID, appid, "refill", reason="营业执照不清晰")
        status = side.run(verification.query(task.taskid))
        assert isinstance(status, AuthStatus)
        assert (status.task_status, status.apply_status) == (12, 3)
        assert status.refill_reason == "营业执照不清晰" and status.dispatch_info.provider
        again = side.run(verification.reapply(task.taskid, _enterprise(side, appid)))
        assert again.taskid == task.taskid
        emu.verification_step(APPID, appid, "approved")
        assert side.run(verification.query(task.taskid)).approved
        wait_for(lambda: len(progress) >= 4, "the verification pushes did not arrive")
        done = [p for p in progress if p.approved]
        assert done and done[0].authorizer_appid == appid
        assert done[0].provider and done[0].taskid == task.taskid
        verified_until = emu.mini_program(APPID, appid)["compliance"]["verified_until"]
        advance(emu, side, YEAR - 30 * 86400 + 1)  # the annual review opens
        emu.run_due_events()
        wait_for(lambda: expiry, "the annual-review push did not arrive")
    assert expiry[0].appid == appid and expiry[0].expired == int(verified_until)
    assert "年审" in expiry[0].message
    renewal = side.run(verification.apply(_enterprise(side, appid)))  # the annual review
    assert renewal.taskid != task.taskid
    emu.verification_step(APPID, appid, "approved")
    renewed = emu.mini_program(APPID, appid)["compliance"]["verified_until"]
    assert renewed == verified_until + YEAR  # a year more from the old end, not from now
    sent = side.sent("/wxa/sec/reauth")[0]
    assert json.loads(sent.content)["auth_data"]["taskid"] == task.taskid


def test_verification_of_a_person_and_bad_input(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    verification = side.authorizer(appid).verification
    tree = side.run(verification.identity_tree())
    assert isinstance(tree, AuthIdentityTree) and tree.leaves()
    leaf = tree.leaves()[0]
    assert leaf.is_leaf and leaf.requirement
    person = AuthData(customer_type=15, contact_name="李四", contact_email="li@example.com",
                      auth_identification=leaf.name)
    assert side.run(verification.apply(person)).taskid
    before = len(side.requests)
    with pytest.raises(InvalidArgument):
        side.run(verification.apply(AuthData(customer_type=1, contact_name="x",
                                             contact_email="x@example.com")))
    with pytest.raises(InvalidArgument):
        side.run(verification.apply(AuthData(customer_type=7, contact_name="x",
                                             contact_email="x@example.com")))
    with pytest.raises(InvalidArgument):
        side.run(verification.upload_material(b"plain text, not an image"))
    with pytest.raises(InvalidArgument):
        side.run(verification.query(""))
    assert len(side.requests) == before  # nothing was sent
    with pytest.raises(APIError) as unknown:
        side.run(verification.query("no-such-task"))
    assert unknown.value.errcode == 89250


def test_the_combined_verification_and_filing(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    verification = side.authorizer(appid).verification
    seen: list[AuthAndIcpProgress] = []
    side.component.on(AuthAndIcpProgress)(lambda event, push: seen.append(event))
    icp = {"icp_subject": {"base_info": {"type": 5, "name": "好店"}},
           "icp_applets": {"base_info": {"comment": "在线销售本店商品的小程序"}},
           "icp_materials": {"commitment_letter": ["m1"]}}
    with pushes_to(emu, side):
        submitted = side.run(verification.submit_auth_and_icp(_enterprise(side, appid), **icp))
        assert isinstance(submitted, AuthAndIcpSubmission)
        assert submitted.procedure_id and submitted.procedure_id in submitted.pay_url
        status = side.run(verification.query_auth_and_icp(submitted.procedure_id))
        assert isinstance(status, AuthAndIcpStatus) and status.procedure_status == 15
        emu.auth_and_icp_step(APPID, appid, 24)
        status = side.run(verification.query_auth_and_icp(submitted.procedure_id))
        assert status.sms_verify_status == 1 and not status.finished
        emu.auth_and_icp_step(APPID, appid, 26)
        assert side.run(verification.query_auth_and_icp(submitted.procedure_id)).finished
        wait_for(lambda: len(seen) >= 3, "the procedure's pushes did not arrive")
    # the submission's push goes out from the scheduler, the control API's at once: any order
    assert sorted(e.procedure_status for e in seen) == [15, 24, 26]
    assert {e.procedure_id for e in seen} == {submitted.procedure_id}
    with pytest.raises(InvalidArgument):
        side.run(verification.submit_auth_and_icp(_enterprise(side, appid), {}, {}, {}))


def test_privacy_interfaces_gate_the_audit(emu: EmulatorServer, side: Side,
                                          tmp_path: Path) -> None:
    appid = mini_program(emu, side)
    client = side.authorizer(appid)
    listed = side.run(client.privacy_interfaces.list())
    assert isinstance(listed, PrivacyInterfaceList)
    poi = listed.get("wx.getLocation")
    assert poi is not None and poi.state is PrivacyInterfaceState.NOT_APPLIED
    template_id = template(emu, side)
    ext = {"requiredPrivateInfos": ["getLocation"], "ext": {"shop": appid}}
    side.run(client.code.commit(template_id, ext, "1.0.0", "定位门店"))
    with pytest.raises(CodeCheckPending) as pending:
        side.run(client.audit.submit())
    assert pending.value.errmsg.startswith("隐私接口检查任务未完成,请稍等一分钟再重试")
    emu.advance_clock(61)
    assert side.run(client.code.privacy_check()).without_auth_list == ("wx.getLocation",)
    with pytest.raises(PrivacyInterfaceNotApproved) as undeclared:
        side.run(client.audit.submit())
    assert undeclared.value.errcode == 61040 and "getLocation无权限" in undeclared.value.errmsg
    emu.plan_privacy_interface(APPID, appid, "wx.getLocation", approve=True, after=3600)
    seen: list[PrivacyInterfaceResult] = []
    side.component.on(PrivacyInterfaceResult)(lambda event, push: seen.append(event))
    picture = tmp_path / "scene.png"
    picture.write_bytes(PNG)
    with pushes_to(emu, side):
        applied = side.run(client.privacy_interfaces.apply(
            "wx.getLocation", "查找附近门店", url_list=["https://shop.example/stores"],
            pictures=[picture]))
        assert applied.audit_id > 0
        with pytest.raises(APIError) as twice:
            side.run(client.privacy_interfaces.apply("wx.getLocation", "再次申请"))
        assert twice.value.errcode == 61031
        state = side.run(client.privacy_interfaces.list()).get("wx.getLocation")
        assert state.state is PrivacyInterfaceState.APPLYING and state.audit_id == applied.audit_id
        emu.advance_clock(3601)
        emu.run_due_events()
        wait_for(lambda: seen, "the review was not pushed")
    assert seen[0].api_name == "wx.getLocation" and seen[0].audit_id == applied.audit_id
    assert side.run(client.privacy_interfaces.list()).get("wx.getLocation").approved
    sent = json.loads(side.sent("/wxa/security/apply_privacy_interface")[0].content)
    assert len(sent["pic_list"]) == 1 and side.sent("/cgi-bin/media/upload")
    assert side.run(client.audit.submit()).auditid > 0
    with pytest.raises(APIError) as unknown:
        side.run(client.privacy_interfaces.apply("wx.readMinds", "x"))
    assert unknown.value.errcode == 61035
    with pytest.raises(InvalidArgument):
        side.run(client.privacy_interfaces.apply("wx.choosePoi", "x" * 301))


def test_a_rejected_privacy_interface(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    interfaces = side.authorizer(appid).privacy_interfaces
    emu.plan_privacy_interface(APPID, appid, approve=False, after=60, reason="场景不符")
    side.run(interfaces.apply("wx.choosePoi", "选择门店位置"))
    emu.review_privacy_interface(APPID, appid, "wx.choosePoi", approve=False, reason="场景不符")
    found = side.run(interfaces.list()).get("wx.choosePoi")
    assert found.state is PrivacyInterfaceState.REJECTED and found.fail_reason == "场景不符"


def test_violations_and_an_appeal(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    violations = side.authorizer(appid).violations
    records: list[IllegalRecordEvent] = []
    punishments: list[PunishEvent] = []
    appeals: list[AppealRecordEvent] = []
    side.component.on(IllegalRecordEvent)(lambda event, push: records.append(event))
    side.component.on(PunishEvent)(lambda event, push: punishments.append(event))
    side.component.on(AppealRecordEvent)(lambda event, push: appeals.append(event))
    with pushes_to(emu, side):
        added = emu.add_illegal_record(APPID, appid, illegal_reason="内容涉嫌欺诈",
                                       punish_type=1, detail={"warned_type": 2})
        listed = side.run(violations.records())
        assert isinstance(listed, IllegalRecords)
        assert [r.illegal_record_id for r in listed.records] == [added["illegal_record_id"]]
        assert side.run(violations.records(start_time=0, end_time=1)).records == ()
        proof = side.run(violations.upload_proof(PNG))
        side.run(violations.appeal(added["illegal_record_id"],
                                   [AppealReason("内容是正常的", (proof,))]))
        with pytest.raises(APIError) as again:
            side.run(violations.appeal(added["illegal_record_id"], [AppealReason("再申诉")]))
        assert again.value.errcode == 89249  # the emulator's setting: WeChat's is unknown
        emu.run_due_events()
        emu.decide_appeal(APPID, appid, approve=True)
        wait_for(lambda: records and punishments and len(appeals) >= 2,
                 "the violation pushes did not arrive")
    found = side.run(violations.appeals(added["illegal_record_id"]))
    assert isinstance(found, AppealRecords) and found.records[0].appeal_status == 2
    assert found.records[0].materials[0].proof_material_ids == (proof,)
    assert records[0].illegal_record_id == added["illegal_record_id"]
    assert punishments[0].event_type == 1 and punishments[0].detail == {"warned_type": 2}
    assert sorted(a.appeal_status for a in appeals) == [1, 2]  # pushed as they happened
    assert appeals[0].materials[0].proof_material_ids == (proof,)
    with pytest.raises(InvalidArgument):
        side.run(violations.records(start_time=10, end_time=5))
    with pytest.raises(InvalidArgument):
        side.run(violations.appeal(added["illegal_record_id"], []))
