"""ICP filing's APIs on both shells against the emulator over HTTP: the entrance, the face
verification, material up and down (multipart with its form fields), the dictionaries kept
per platform for the policy's time, the application with its field hints, withdrawal,
deregistration and the filed order — and bad arguments refused before anything is sent."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from wxcomponent import (
    AsyncComponent,
    Component,
    FilingStatus,
    IcpDistrict,
    IcpEntranceInfo,
    IcpFilingApplied,
    IcpMedia,
    IcpSubjectType,
    IcpVerifyTaskStatus,
    Policy,
)
from wxcomponent.core.endpoints.icp import dictionary_key
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    APIError,
    FilingApplicationInvalid,
    FilingMediaUnavailable,
    InvalidArgument,
    StoreUnavailable,
)
from wxcomponent.stores import CachedToken, MemoryStore

from ..support.filing import JPEG, application, principal
from .conftest import APPID, CONFIG, Side, advance, mini_program

PHOTO_FIELD = "icp_subject.principal_info.certificate_photo_front"


def _photo(side: Side, appid: str) -> str:
    media = side.run(side.authorizer(appid).icp.upload_media(
        JPEG, type="image", icp_order_field=PHOTO_FIELD, certificate_type=2))
    return str(media.media_id)


def _verified(emu: EmulatorServer, side: Side, appid: str) -> str:
    task = side.run(side.authorizer(appid).icp.create_verify_task())
    emu.advance_clock(60)
    return str(task.task_id)


def test_entrance_info_follows_the_mini_program(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    icp = side.authorizer(appid).icp
    info = side.run(icp.entrance_info())
    assert isinstance(info, IcpEntranceInfo)
    assert info.filed and info.state is FilingStatus.FILED and info.available
    emu.set_filing(APPID, appid, filed=False, available=False)
    info = side.run(icp.entrance_info())
    assert (info.status, info.filed, info.available) == (1024, False, False)
    assert info.state is FilingStatus.NOT_FILED and not info.lacks_category
    side.run(side.authorizer(appid).categories.delete(287, 612))
    info = side.run(icp.entrance_info())
    assert (info.status, info.state, info.lacks_category) == (1026, FilingStatus.NOT_FILED,
                                                              True)
    assert not info.lacks_information and not info.lacks_verification


@pytest.mark.parametrize(("status", "lacks"), [
    (1024, (False, False, False)), (1025, (True, False, False)), (1027, (True, True, False)),
    (1028, (False, False, True)), (1031, (True, True, True)), (6, (False, False, False)),
])
def test_the_not_filed_statuses_read_as_bits(status: int, lacks: tuple[bool, ...]) -> None:
    info = IcpEntranceInfo.from_json({"info": {"status": status}})
    assert (info.lacks_information, info.lacks_category, info.lacks_verification) == lacks
    assert info.state is (FilingStatus.FILED if status == 6 else FilingStatus.NOT_FILED)
    assert IcpEntranceInfo.from_json({"info": {"status": 99}}).state is None


def test_face_verification_task_and_its_status(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    icp = side.authorizer(appid).icp
    task = side.run(icp.create_verify_task())
    assert task.task_id and not task.verify_url
    assert json.loads(side.sent("/wxa/icp/create_icp_verifytask")[-1].read()) == {
        "along_with_auth": False}
    waiting = side.run(icp.verify_task(task.task_id))
    assert isinstance(waiting, IcpVerifyTaskStatus)
    assert (waiting.is_finish, waiting.face_status, waiting.succeeded) == (False, 1, False)
    emu.advance_clock(60)
    done = side.run(icp.verify_task(task.task_id))
    assert (done.is_finish, done.face_status, done.succeeded) == (True, 3, True)
    combined = side.run(icp.create_verify_task(along_with_auth=True))
    assert combined.verify_url.startswith("https://")
    emu.plan_face_verification(APPID, appid, "fail", after=0)
    assert side.run(icp.verify_task(combined.task_id)).face_status == 2
    with pytest.raises(APIError) as unknown:
        side.run(icp.verify_task("no-such-task"))
    assert unknown.value.errcode == 86328
    sent = len(side.requests)
    with pytest.raises(InvalidArgument):
        side.run(icp.verify_task(""))
    with pytest.raises(InvalidArgument):
        side.run(icp.create_verify_task(along_with_auth="yes"))
    assert len(side.requests) == sent


def test_material_goes_up_as_multipart_and_comes_back_as_bytes(emu: EmulatorServer,
                                                               side: Side) -> None:
    appid = mini_program(emu, side)
    icp = side.authorizer(appid).icp
    media = side.run(icp.upload_media(JPEG, type="image", icp_order_field=PHOTO_FIELD,
                                      certificate_type=2))
    assert isinstance(media, IcpMedia)
    assert media.type == "image" and media.media_id and media.created_at > 0
    body = side.sent("/wxa/icp/upload_icp_media")[-1].read()
    for part in (b'name="type"', b'name="icp_order_field"', b'name="certificate_type"',
                 PHOTO_FIELD.encode(), b'name="media"'):
        assert part in body
    back = side.run(icp.media(media.media_id))
    assert (back.content, back.content_type) == (JPEG, "image/jpeg")
    with pytest.raises(FilingMediaUnavailable) as unknown:
        side.run(icp.media("no-such-media"))
    assert unknown.value.errcode == 86205
    with pytest.raises(APIError) as wrong_field:
        side.run(icp.upload_media(JPEG, type="image", icp_order_field="icp_subject.nothing"))
    assert wrong_field.value.errcode == 40097
    sent = len(side.requests)
    with pytest.raises(InvalidArgument):
        side.run(icp.upload_media(JPEG, type="audio", icp_order_field=PHOTO_FIELD))
    with pytest.raises(InvalidArgument):
        side.run(icp.upload_media(JPEG, type="image", icp_order_field=""))
    with pytest.raises(InvalidArgument):
        side.run(icp.upload_media(b"", type="image", icp_order_field=PHOTO_FIELD))
    with pytest.raises(InvalidArgument):
        side.run(icp.media(""))
    assert len(side.requests) == sent


def test_the_dictionaries_are_typed(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    icp = side.authorizer(appid).icp
    subjects = side.run(icp.subject_types())
    assert all(isinstance(s, IcpSubjectType) for s in subjects)
    assert (subjects[0].type, subjects[0].name) == (1, "国防机构")
    certificates = side.run(icp.certificate_types())
    assert {(c.type, c.subject_type) for c in certificates} >= {(1, 4), (2, 5)}
    districts = side.run(icp.districts())
    beijing = districts[0]
    assert isinstance(beijing, IcpDistrict) and beijing.code_text == "110000"
    assert beijing.sub_list[0].sub_list[0].name == "朝阳区"
    services = side.run(icp.service_content_types())
    assert any(s.parent_type == 1 and s.name == "备忘录" for s in services)
    approvals = side.run(icp.prior_approval_types())
    assert any(a.name == "以上都不涉及" for a in approvals)


def _component(side: Side, emu: EmulatorServer, ttl: float,
               store: MemoryStore | None = None) -> Any:
    """A second shell of the same kind on the side's store (or ``store``), on the emulator's
    clock."""
    options: dict[str, Any] = {"api_base": emu.url, "policy": Policy(dictionary_ttl=ttl),
                               "clock": emu.now}
    chosen = store if store is not None else side.store
    if side.portal is None:
        return Component(CONFIG, chosen, **options)
    return side.portal.run(_async_component(chosen, options))


async def _async_component(store: MemoryStore, options: dict[str, Any]) -> AsyncComponent:
    return AsyncComponent(CONFIG, store, **options)


class _CacheDown(MemoryStore):
    """A store whose token cache fails for the filing dictionaries only."""

    def get_token(self, key: str) -> CachedToken | None:
        if ":icp_dictionary:" in key:
            raise StoreUnavailable("the cache is down")
        return super().get_token(key)

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        if ":icp_dictionary:" in key:
            raise StoreUnavailable("the cache is down")
        return super().set_token(key, token, fence=fence)


def test_a_failing_cache_only_costs_a_call(emu: EmulatorServer, side: Side,
                                           caplog: pytest.LogCaptureFixture) -> None:
    store = _CacheDown()
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))
    component = _component(side, emu, ttl=600, store=store)
    try:
        grant = emu.authorize(APPID, kind="mini_program", push=False)
        side.run(component.query_auth(grant.auth_code))
        icp = component.authorizer(grant.authorizer_appid).icp
        for _ in range(2):
            assert side.run(icp.prior_approval_types())[0].name == "新闻"
    finally:
        _close(side, component)
    assert emu.calls("/wxa/icp/query_icp_nrlx_types") == 2
    assert "could not be read from the store" in caplog.text
    assert "could not be kept in the store" in caplog.text


def test_dictionaries_are_kept_per_platform_for_the_policy_ttl(emu: EmulatorServer,
                                                               side: Side) -> None:
    first, second = mini_program(emu, side), mini_program(emu, side)
    component = _component(side, emu, ttl=600)
    path = "/wxa/icp/query_icp_subject_types"
    try:
        kept = side.run(component.authorizer(first).icp.subject_types())
        assert emu.calls(path) == 1
        assert side.store.get_token(dictionary_key(APPID, "query_icp_subject_types"))
        again = side.run(component.authorizer(second).icp.subject_types())
        assert again == kept and emu.calls(path) == 1
        emu.advance_clock(601)
        side.run(component.authorizer(first).icp.subject_types())
        assert emu.calls(path) == 2
        never = _component(side, emu, ttl=0)
        try:
            side.run(never.authorizer(first).icp.subject_types())
            side.run(never.authorizer(first).icp.subject_types())
            assert emu.calls(path) == 4
        finally:
            _close(side, never)
    finally:
        _close(side, component)


def _close(side: Side, component: Any) -> None:
    if side.portal is None:
        component.close()
    else:
        side.portal.run(component.aclose())


def test_apply_and_its_field_hints(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.set_filing(APPID, appid, filed=False)
    icp = side.authorizer(appid).icp
    photo = _photo(side, appid)
    with pytest.raises(FilingApplicationInvalid) as refused:
        side.run(icp.apply(application("unknown-media", "no-task")))
    fields = {h.err_field for h in refused.value.hints}
    assert {"icp_applets.principal_info.verify_task_id",
            "icp_subject.organize_info.certificate_photo"} <= fields
    assert refused.value.errcode == 86202
    assert "icp_applets.principal_info.verify_task_id" in str(refused.value)
    task_id = _verified(emu, side, appid)
    emu.refuse_filing(APPID, appid, [{"err_field": "icp_subject.base_info.name",
                                      "errcode": 86302, "errmsg": "图文不一致"}])
    with pytest.raises(FilingApplicationInvalid) as hinted:
        side.run(icp.apply(application(photo, task_id)))
    assert [(h.err_field, h.errcode) for h in hinted.value.hints] == [
        ("icp_subject.base_info.name", 86302)]
    emu.set_filing(APPID, appid, available=False)
    with pytest.raises(FilingApplicationInvalid) as closed:
        side.run(icp.apply(application(photo, task_id)))
    assert [h.errmsg for h in closed.value.hints] == ["备案入口未开放"]
    emu.set_filing(APPID, appid, available=True)
    applied = side.run(icp.apply(application(photo, task_id)))
    assert isinstance(applied, IcpFilingApplied) and applied.hints == ()
    assert side.run(icp.entrance_info()).state is FilingStatus.PLATFORM_REVIEW
    with pytest.raises(APIError) as twice:
        side.run(icp.apply(application(photo, task_id)))
    assert twice.value.errcode == 86324


def test_bad_applications_are_refused_before_sending(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    icp = side.authorizer(appid).icp
    good = application("m", "t")
    bad_mobile = replace(good, icp_subject=replace(
        good.icp_subject, principal_info=replace(principal("m"), mobile="12345")))
    short = replace(good, icp_applets=replace(good.icp_applets, base_info=replace(
        good.icp_applets.base_info, comment="太短")))
    unverified = replace(good, icp_applets=replace(good.icp_applets,
                                                   principal_info=principal("m")))
    bad_district = replace(good, icp_subject=replace(good.icp_subject, base_info=replace(
        good.icp_subject.base_info, city="北京")))
    cases = [(bad_mobile, "icp_subject.principal_info.mobile"),
             (short, "icp_applets.base_info.comment"),
             (unverified, "icp_applets.principal_info.verify_task_id"),
             (bad_district, "icp_subject.base_info.city"),
             ({"icp_subject": {}}, "icp_applets"), ("application", "application")]
    for value, field in cases:
        with pytest.raises(InvalidArgument) as caught:
            side.run(icp.apply(value))
        assert caught.value.argument == field
    with pytest.raises(InvalidArgument):
        side.run(icp.cancel_filing(4))
    with pytest.raises(InvalidArgument):
        side.run(icp.cancel_filing(True))
    assert not side.sent("/wxa/icp/apply_icp_filing")
    assert not side.sent("/wxa/icp/cancel_icp_filing")


def test_withdraw_deregister_and_the_filed_order(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.set_filing(APPID, appid, filed=False)
    emu.plan_filing(APPID, appid, platform_after=10, sms_after=10, bureau_after=10)
    icp = side.authorizer(appid).icp
    with pytest.raises(APIError) as nothing:
        side.run(icp.cancel_application())
    assert nothing.value.errcode == 47001
    photo, task_id = _photo(side, appid), _verified(emu, side, appid)
    side.run(icp.apply(application(photo, task_id)))
    side.run(icp.cancel_application())
    assert side.run(icp.entrance_info()).status == 1024
    with pytest.raises(APIError) as not_filed:
        side.run(icp.online_order())
    assert not_filed.value.errcode == 86328
    side.run(icp.apply(application(photo, task_id)))
    emu.advance_clock(30)
    assert side.run(icp.entrance_info()).filed
    order = side.run(icp.online_order())
    assert order.subject_record_number.startswith("京ICP备")
    assert order.applets_record_number.startswith(order.subject_record_number[:-1])
    assert order.icp_subject["base_info"]["name"] == "模拟餐饮有限公司"
    principal_info = order.icp_applets["principal_info"]
    assert "certificate_photo_front" not in principal_info and principal_info["name"] == "张三"
    side.run(icp.cancel_filing(2))
    assert json.loads(side.sent("/wxa/icp/cancel_icp_filing")[-1].read()) == {"cancel_type": 2}
    canceling = side.run(icp.entrance_info())
    assert canceling.is_canceling and canceling.filed
    advance(emu, side, 86400)
    assert side.run(icp.entrance_info()).status == 1024
