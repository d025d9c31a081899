"""Audits on both shells: submission with material, status, the planned outcomes pushed to the
message URL (success, failure with its reason, delay), withdrawal limits, speed-up and the
quota — and WeChat's errcodes for every wrong state."""

from __future__ import annotations

import calendar
import io
import time
from pathlib import Path

import pytest

from wxcomponent import AuditItem, AuditQuota, AuditState, AuditStatus, SubmittedAudit, UgcDeclare
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    APIError,
    AuditInProgress,
    AuditNotReleasable,
    FileTooLarge,
    InvalidArgument,
    NoCommittedCode,
)
from wxcomponent.events import WeappAuditResult

from .conftest import (
    APPID,
    PNG_MAGIC,
    Side,
    advance,
    committed,
    mini_program,
    pushes_to,
    wait_for,
)

SCREENSHOT = PNG_MAGIC + b"screenshot" * 10
ITEM = AuditItem("工具", "备忘录", 287, 612, address="pages/index/index", tag="工具 效率",
                 title="首页")


def test_submit_with_material_and_follow_the_audit(emu: EmulatorServer, side: Side,
                                                   tmp_path: Path) -> None:
    appid = mini_program(emu, side)
    audit = side.authorizer(appid).audit
    with pytest.raises(NoCommittedCode) as caught:
        side.run(audit.submit([ITEM]))
    assert caught.value.errcode == 85086
    committed(emu, side, appid)
    picture = side.run(audit.upload_media(SCREENSHOT))
    path = tmp_path / "recording.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 100)
    video = side.run(audit.upload_media(path))
    assert (picture.type, video.type) == ("image", "video") and picture.mediaid
    emu.set_audit_result(APPID, appid, "success", after=3600)
    submitted = side.run(audit.submit([ITEM], version_desc="第一版",
                                      preview_pictures=[picture.mediaid],
                                      preview_videos=[video.mediaid],
                                      ugc_declare=UgcDeclare(scene=(0,))))
    assert isinstance(submitted, SubmittedAudit) and submitted.auditid > 0
    body = side.sent("/wxa/submit_audit")[-1].read()
    assert b'"pic_id_list"' in body and b'"first_id": 287' in body
    status = side.run(audit.status(submitted.auditid))
    assert isinstance(status, AuditStatus) and status.state is AuditState.AUDITING
    assert not status.finished
    with pytest.raises(AuditInProgress) as twice:
        side.run(audit.submit([ITEM]))
    assert twice.value.errcode == 85009
    emu.advance_clock(3600)
    latest = side.run(audit.latest())
    assert (latest.auditid, latest.status, latest.user_version) == (submitted.auditid, 0,
                                                                     "1.0.0")
    assert latest.finished and latest.submit_audit_time > 0
    with pytest.raises(APIError) as unknown:
        side.run(audit.status(submitted.auditid + 1))
    assert unknown.value.errcode == 85012


def test_outcomes_are_pushed_to_the_message_url(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    seen: list[WeappAuditResult] = []
    side.component.on(WeappAuditResult)(lambda event, push: seen.append(event))
    with pushes_to(emu, side):
        emu.plan_audits(APPID, [{"outcome": "delay", "after": 60, "reason": "排队中"},
                                {"outcome": "fail", "after": 600, "reason": "1:页面空白",
                                 "screenshot": "m1|m2"}], appid)
        committed(emu, side, appid)
        auditid = side.run(side.authorizer(appid).audit.submit()).auditid
        emu.advance_clock(60)
        wait_for(lambda: len(seen) == 1, "the delay push did not come")
        assert seen[0].event == "weapp_audit_delay" and seen[0].reason == "排队中"
        assert side.run(side.authorizer(appid).audit.status(auditid)).status == 4
        emu.advance_clock(600)
        wait_for(lambda: len(seen) == 2, "the failure push did not come")
    failure = seen[1]
    assert failure.event == "weapp_audit_fail" and not failure.succeeded
    assert (failure.reason, failure.screenshots) == ("1:页面空白", ("m1", "m2"))
    status = side.run(side.authorizer(appid).audit.status(auditid))
    assert (status.status, status.reason, status.screenshot) == (1, "1:页面空白", ("m1", "m2"))
    assert status.state is AuditState.REJECTED


def _to_next_month(emu: EmulatorServer) -> float:
    """Seconds to 01:00 China time on the first day of the next month (so that a test of
    monthly limits does not cross a month)."""
    now = emu.now()
    china = time.gmtime(now + 8 * 3600)
    year, month = (china.tm_year + 1, 1) if china.tm_mon == 12 else (china.tm_year,
                                                                        china.tm_mon + 1)
    return calendar.timegm((year, month, 1, 1, 0, 0, 0, 0, 0)) - 8 * 3600 - now


def test_withdrawals_are_limited_a_day_and_a_month(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    audit = side.authorizer(appid).audit
    committed(emu, side, appid)
    with pytest.raises(AuditNotReleasable) as nothing:
        side.run(audit.withdraw())
    assert nothing.value.errcode == 85019
    advance(emu, side, _to_next_month(emu))
    emu.set_audit_result(APPID, appid, "success", after=86400 * 20)
    emu.configure_mini_programs(withdrawals_per_month=2)
    first = side.run(audit.submit()).auditid
    side.run(audit.withdraw())
    assert side.run(audit.status(first)).state is AuditState.WITHDRAWN
    side.run(audit.submit())
    with pytest.raises(APIError) as same_day:
        side.run(audit.withdraw())
    assert same_day.value.errcode == 87013
    advance(emu, side, 86400)
    side.run(audit.withdraw())
    side.run(audit.submit())
    advance(emu, side, 86400)
    with pytest.raises(APIError) as month:
        side.run(audit.withdraw())
    assert month.value.errcode == 87013
    assert emu.mini_program(APPID, appid)["audits"][-1]["status"] == 2


def test_speed_up_and_the_quota(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    audit = side.authorizer(appid).audit
    committed(emu, side, appid)
    emu.configure_mini_programs(audit_quota=5, speedup_quota=1)
    emu.set_audit_result(APPID, appid, "success", after=7200)
    before = side.run(audit.quota())
    assert isinstance(before, AuditQuota) and (before.rest, before.limit) == (5, 5)
    auditid = side.run(audit.submit()).auditid
    side.run(audit.speed_up(auditid))
    with pytest.raises(APIError) as twice:
        side.run(audit.speed_up(auditid))
    assert twice.value.errcode == 89404
    after = side.run(audit.quota())
    assert (after.rest, after.speedup_rest, after.speedup_limit) == (4, 0, 1)
    emu.advance_clock(3600)  # half the planned time: sped up
    assert side.run(audit.status(auditid)).status == 0
    with pytest.raises(APIError) as not_queued:
        side.run(audit.speed_up(auditid))
    assert not_queued.value.errcode == 89402


def test_audit_errors_of_wechat(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    audit = side.authorizer(appid).audit
    committed(emu, side, appid)
    with pytest.raises(APIError) as category:
        side.run(audit.submit([AuditItem("教育", "在线教育", 150, 151)]))
    assert category.value.errcode == 85008
    with pytest.raises(APIError) as items:  # past the typed API's own check
        side.run(side.authorizer(appid).post_json("/wxa/submit_audit",
                                                  {"item_list": [{}] * 6}))
    assert items.value.errcode == 85023
    emu.configure_mini_programs(audit_quota=0)
    with pytest.raises(APIError) as quota:
        side.run(audit.submit())
    assert quota.value.errcode == 85085
    assert emu.mini_program(APPID, appid)["audits"] == []


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"item_list": [ITEM] * 6}, "item_list"),
    ({"item_list": "pages/index"}, "item_list"),
    ({"item_list": [3]}, "item_list"),
    ({"feedback_info": "x" * 201}, "feedback_info"),
    ({"feedback_stuff": "m1|m2"}, "feedback_stuff"),
    ({"ugc_declare": "none"}, "ugc_declare"),
    ({"privacy_api_not_use": "yes"}, "privacy_api_not_use"),
])
def test_bad_submissions_are_refused_before_sending(emu: EmulatorServer, side: Side, kwargs,
                                                    argument: str) -> None:
    appid = mini_program(emu, side)
    before = emu.calls("/wxa/submit_audit")
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.authorizer(appid).audit.submit(**kwargs))
    assert caught.value.argument == argument
    assert emu.calls("/wxa/submit_audit") == before


def test_audit_material_limits(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    audit = side.authorizer(appid).audit
    with pytest.raises(FileTooLarge):
        side.run(audit.upload_media(io.BytesIO(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))))
    with pytest.raises(APIError) as big_image:
        side.run(audit.upload_media(b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)))
    assert big_image.value.errcode == 40006
    with pytest.raises(APIError) as kind:
        side.run(audit.upload_media(b"plain text is no audit material"))
    assert kind.value.errcode == 40005
    with pytest.raises(InvalidArgument):
        side.run(audit.upload_media(b""))
