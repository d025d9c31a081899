"""A mini program's code on both shells: commit, pages, the experience QR code (bytes), the
privacy check, release, revert and history, gray release, visibility, version info and the
minimum base library — with WeChat's errcodes for every wrong state."""

from __future__ import annotations

import json

import pytest

from wxcomponent import (
    CodePages,
    CodePrivacyInfo,
    GrayReleasePlan,
    Media,
    SupportVersion,
    VersionHistory,
    VersionInfo,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    AlreadyReleased,
    APIError,
    AuditNotReleasable,
    CodeCheckPending,
    InvalidArgument,
    InvalidExtJson,
    NoCommittedCode,
    PermissionDenied,
    TemplateNotFound,
)

from .conftest import (
    APPID,
    PNG_MAGIC,
    Side,
    approved,
    committed,
    mini_program,
    official_account,
    template,
)


def test_commit_pages_and_the_experience_qr_code(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    with pytest.raises(NoCommittedCode) as caught:
        side.run(code.pages())
    assert caught.value.errcode == 86001
    pages = ["pages/index/index", "pages/order/list"]
    template_id = template(emu, side, pages=[*pages, "pages/me/index"])
    side.run(code.commit(template_id, json.dumps({"extAppid": appid, "pages": pages}),
                         "2.0.0", "two pages"))
    listed = side.run(code.pages())
    assert isinstance(listed, CodePages) and list(listed.pages) == pages
    qr = side.run(code.qrcode())
    assert isinstance(qr, Media) and qr.content.startswith(PNG_MAGIC)
    assert qr.content_type == "image/png"
    other = side.run(code.qrcode("pages/order/list?id=7"))
    assert other.content.startswith(PNG_MAGIC) and other.content != qr.content
    assert side.sent("/wxa/get_qrcode")[-1].url.params["path"] == "pages/order/list?id=7"
    info = side.run(code.version_info())
    assert isinstance(info, VersionInfo)
    assert (info.exp_version, info.exp_desc, info.release_version) == ("2.0.0", "two pages", "")
    state = emu.mini_program(APPID, appid)
    assert state["commits"] == 1 and state["experience"]["template_id"] == template_id


def test_commit_errors_of_wechat(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    template_id = template(emu, side, pages=["pages/a"])
    with pytest.raises(TemplateNotFound):
        side.run(code.commit(template_id + 1000, {}, "1.0"))
    with pytest.raises(APIError) as caught:
        side.run(code.commit(template_id, {"pages": ["pages/missing"]}, "1.0"))
    assert caught.value.errcode == 85045
    with pytest.raises(InvalidExtJson):
        side.run(code.commit(template_id, {"pages": "pages/a"}, "1.0"))
    assert emu.mini_program(APPID, appid)["commits"] == 0


@pytest.mark.parametrize(("args", "argument"), [
    ((1, "{not json", "1.0"), "ext_json"),
    ((1, "[1, 2]", "1.0"), "ext_json"),
    ((1, {"x": float("nan")}, "1.0"), "ext_json"),
    ((1, {}, ""), "user_version"),
    ((1, {}, "v" * 65), "user_version"),
    (("1", {}, "1.0"), "template_id"),
    ((1, 42, "1.0"), "ext_json"),
])
def test_bad_commits_are_refused_before_sending(emu: EmulatorServer, side: Side, args,
                                                argument: str) -> None:
    appid = mini_program(emu, side)
    before = emu.calls("/wxa/commit")
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.authorizer(appid).code.commit(*args))
    assert caught.value.argument == argument
    assert emu.calls("/wxa/commit") == before


def test_the_privacy_check_finishes_on_the_emulated_clock(emu: EmulatorServer,
                                                          side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    committed(emu, side, appid, checked=False)
    with pytest.raises(CodeCheckPending) as caught:
        side.run(code.privacy_check())
    assert caught.value.errcode == 61039
    assert caught.value.errmsg.startswith("隐私接口检查任务未完成,请稍等一分钟再重试")
    with pytest.raises(CodeCheckPending):
        side.run(side.authorizer(appid).audit.submit())
    emu.advance_clock(61)
    result = side.run(code.privacy_check())
    assert isinstance(result, CodePrivacyInfo) and result.without_auth_list == ()


def test_release_revert_and_history(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    with pytest.raises(AuditNotReleasable) as caught:
        side.run(code.release())
    assert caught.value.errcode == 85019
    approved(emu, side, appid, "1.0.0")
    side.run(code.release())
    with pytest.raises(AlreadyReleased) as caught_again:
        side.run(code.release())
    assert caught_again.value.errcode == 85052
    with pytest.raises(APIError) as no_history:
        side.run(code.revert())
    assert no_history.value.errcode == 87012
    approved(emu, side, appid, "1.1.0")
    side.run(code.release())
    history = side.run(code.history())
    assert isinstance(history, VersionHistory)
    assert [v.user_version for v in history.versions] == ["1.0.0"]
    assert side.run(code.version_info()).release_version == "1.1.0"
    side.run(code.revert())
    assert side.run(code.version_info()).release_version == "1.0.0"
    with pytest.raises(APIError) as twice:
        side.run(code.revert())
    assert twice.value.errcode == 87012


def test_a_rejected_audit_cannot_be_released(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.set_audit_result(APPID, appid, "fail", "1:功能不完整")
    approved(emu, side, appid)
    with pytest.raises(AuditNotReleasable) as caught:
        side.run(side.authorizer(appid).code.release())
    assert caught.value.errcode == 85020


def test_gray_release_and_its_plan(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    approved(emu, side, appid, "1.0.0")
    with pytest.raises(APIError) as no_online:
        side.run(code.gray_release(10))
    assert no_online.value.errcode == 85079
    side.run(code.release())
    approved(emu, side, appid, "2.0.0")
    side.run(code.gray_release(20, experiencer_first=True))
    plan = side.run(code.gray_release_plan())
    assert isinstance(plan, GrayReleasePlan)
    assert (plan.status, plan.gray_percentage, plan.support_experiencer_first) == (1, 20, True)
    with pytest.raises(APIError) as lower:
        side.run(code.gray_release(10))
    assert lower.value.errcode == 85082
    side.run(code.revert_gray_release())
    assert side.run(code.gray_release_plan()).status == 0
    with pytest.raises(InvalidArgument):
        side.run(code.gray_release(0))
    with pytest.raises(InvalidArgument):
        side.run(code.gray_release(101))


def test_visit_status_and_the_minimum_base_library(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    code = side.authorizer(appid).code
    with pytest.raises(APIError) as unreleased:
        side.run(code.set_visit_status(False))
    assert unreleased.value.errcode == 85079
    approved(emu, side, appid)
    side.run(code.release())
    side.run(code.set_visit_status(False))
    assert side.run(code.visit_status()).status == 0
    side.run(code.set_visit_status(True))
    assert side.run(code.visit_status()).status == 1
    support = side.run(code.support_version())
    assert isinstance(support, SupportVersion) and support.uv_info
    side.run(code.set_support_version("2.30.0"))
    assert side.run(code.support_version()).now_version == "2.30.0"
    with pytest.raises(APIError) as bad:
        side.run(code.set_support_version("latest"))
    assert bad.value.errcode == 89014


def test_an_official_account_has_no_code(emu: EmulatorServer, side: Side) -> None:
    appid = official_account(emu, side)
    with pytest.raises(PermissionDenied):
        side.run(side.authorizer(appid).code.qrcode())
