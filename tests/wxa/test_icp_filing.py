"""The emulated filing from start to end on both shells: a registered mini program starts
unfiled and may not be audited or released; its administrator is face-verified; the platform
rejects the application with reasons by field, the bureau rejects the next after the SMS
check, the third is filed — each step pushed to the authorization-event URL and handled as a
typed event — and then the audit and the release go through."""

from __future__ import annotations

from typing import Any

import pytest

from wxcomponent import FilingStatus
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError
from wxcomponent.events import IcpFilingResult, IcpVerifyResult

from ..support.filing import JPEG, application
from .conftest import APPID, Side, advance, committed, pushes_to, wait_for

PHOTO_FIELD = "icp_subject.principal_info.certificate_photo_front"
REASON = {"key_name": "icp_subject.base_info.name", "error": "主体名称与证件不一致",
          "suggest": "请填写证件上的名称"}


def _registered(emu: EmulatorServer, side: Side) -> str:
    """A mini program made by a fast registration, exchanged through the shell."""
    side.run(side.component.fast_registration.create_personal("李四", "lisi_wechat"))
    done = emu.complete_registration(APPID, push=False)
    side.run(side.component.query_auth(done["info"]["auth_code"]))
    return str(done["appid"])


def test_a_filing_through_two_rejections_to_filed(emu: EmulatorServer, side: Side) -> None:
    grant_appid = _registered(emu, side)
    icp = side.authorizer(grant_appid).icp
    seen: list[Any] = []
    side.component.on(IcpVerifyResult)(lambda event, push: seen.append(event))
    side.component.on(IcpFilingResult)(lambda event, push: seen.append(event))
    emu.configure_mini_programs(privacy_check_delay=0)
    info = side.run(icp.entrance_info())
    assert info.state is FilingStatus.NOT_FILED and info.available
    committed(emu, side, grant_appid, checked=False)
    with pytest.raises(APIError) as gated:
        side.run(side.authorizer(grant_appid).audit.submit())
    assert gated.value.errcode == 86399
    with pytest.raises(APIError):
        side.run(side.authorizer(grant_appid).code.release())

    emu.plan_filing(APPID, grant_appid, platform="reject", platform_after=3600,
                    platform_reasons=[REASON])
    with pushes_to(emu, side):
        task = side.run(icp.create_verify_task())
        emu.advance_clock(60)
        wait_for(lambda: len(seen) == 1, "the face verification was not pushed")
        verified = seen[0]
        assert isinstance(verified, IcpVerifyResult) and verified.succeeded
        assert (verified.task_id, verified.verify_appid) == (task.task_id, grant_appid)
        photo = side.run(icp.upload_media(JPEG, type="image", icp_order_field=PHOTO_FIELD,
                                          certificate_type=2)).media_id

        # the platform rejects the first application
        side.run(icp.apply(application(photo, task.task_id)))
        assert side.run(icp.entrance_info()).state is FilingStatus.PLATFORM_REVIEW
        emu.advance_clock(3600)
        wait_for(lambda: len(seen) == 2, "the platform's rejection was not pushed")
        assert (seen[1].authorizer_appid, seen[1].beian_status) == (grant_appid, 3)
        rejected = side.run(icp.entrance_info())
        assert rejected.rejected and rejected.state is FilingStatus.PLATFORM_REJECTED
        assert [(a.key_name, a.error) for a in rejected.audit_data] == [
            (REASON["key_name"], REASON["error"])]

        # the bureau rejects the second, after the SMS check
        emu.plan_filing(APPID, grant_appid, platform="approve", platform_after=600,
                        sms_after=1200, bureau="reject", bureau_after=1800)
        side.run(icp.apply(application(photo, task.task_id)))
        emu.advance_clock(600)
        bureau = side.run(icp.entrance_info())
        assert (bureau.state, bureau.sms_verify_status) == (FilingStatus.BUREAU_REVIEW, 1)
        emu.advance_clock(1200)
        assert side.run(icp.entrance_info()).sms_verify_status == 2
        emu.advance_clock(1800)
        wait_for(lambda: len(seen) == 3, "the bureau's rejection was not pushed")
        assert seen[2].beian_status == 5 and seen[2].rejected
        assert side.run(icp.entrance_info()).audit_data[0].key_name.startswith("icp_")

        # the third is filed
        emu.plan_filing(APPID, grant_appid, bureau="approve")
        side.run(icp.apply(application(photo, task.task_id)))
        advance(emu, side, 600 + 1200 + 1800)
        wait_for(lambda: len(seen) == 4, "the filing was not pushed")
    assert isinstance(seen[3], IcpFilingResult) and seen[3].filed
    assert side.run(icp.entrance_info()).filed
    filing_pushes = [(d.target, d.event, d.fields.get("beian_status"), d.ok)
                     for d in emu.deliveries if "icpfiling" in d.event]
    assert filing_pushes == [
        ("auth_event", "notify_icpfiling_verify_result", None, True),
        ("auth_event", "notify_apply_icpfiling_result", 3, True),
        ("auth_event", "notify_apply_icpfiling_result", 5, True),
        ("auth_event", "notify_apply_icpfiling_result", 6, True)]
    auditid = side.run(side.authorizer(grant_appid).audit.submit()).auditid
    assert side.run(side.authorizer(grant_appid).audit.status(auditid)).status == 0
    side.run(side.authorizer(grant_appid).code.release())


def test_a_sms_timeout_and_a_failed_face_verification(emu: EmulatorServer,
                                                      side: Side) -> None:
    appid = _registered(emu, side)
    icp = side.authorizer(appid).icp
    emu.plan_face_verification(APPID, appid, "fail", after=30)
    failed = side.run(icp.create_verify_task())
    emu.advance_clock(30)
    assert side.run(icp.verify_task(failed.task_id)).face_status == 2
    emu.plan_face_verification(APPID, appid, "pass", after=0)
    task = side.run(icp.create_verify_task())
    photo = side.run(icp.upload_media(JPEG, type="image", icp_order_field=PHOTO_FIELD,
                                      certificate_type=2)).media_id
    emu.plan_filing(APPID, appid, platform_after=10, sms="timeout", sms_after=20)
    side.run(icp.apply(application(photo, task.task_id)))
    emu.advance_clock(30)
    timed_out = side.run(icp.entrance_info())
    assert (timed_out.state, timed_out.sms_verify_status) == (FilingStatus.BUREAU_REJECTED, 3)
    wait_for(lambda: emu.filing(APPID, appid)["application"]["steps"][-1]["pushed"],
             "the rejection was not pushed")
    assert [t["face_status"] for t in emu.filing(APPID, appid)["tasks"]] == [2, 3]


def test_the_gate_can_be_turned_off_and_given_another_errcode(emu: EmulatorServer,
                                                             side: Side) -> None:
    appid = _registered(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0, unfiled_errcode=89999)
    committed(emu, side, appid, checked=False)
    with pytest.raises(APIError) as gated:
        side.run(side.authorizer(appid).audit.submit())
    assert gated.value.errcode == 89999
    emu.configure_mini_programs(filing_gate=False)
    side.run(side.authorizer(appid).audit.submit())
    side.run(side.authorizer(appid).code.release())
