"""A mini program's ICP filing: the entrance, the administrator's face verification, filing
material, the dictionaries, the application (checked field by field, refused with ``hints``),
its withdrawal, deregistration, the filed order — and the gate that keeps a mini program that
is not filed from audits and releases. The filing's course follows :mod:`.icp_model`.

WeChat's errcodes for a wrong state are not all documented: an application while one is
under review answers 86324 (named by one SDK as "审批中"), a withdrawal or deregistration
with nothing to act on 47001 with a hint; field problems, a closed entrance and a missing
category are ``hints`` of an 86202.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..calls import OK, Binary, Call
from ..model import WxError
from ._handlers import one_of, program_of
from .icp_dictionaries import (
    CERTIFICATE_TYPES,
    DISTRICTS,
    NRLX_TYPES,
    SERVICE_CONTENT_TYPES,
    SUBJECT_TYPES,
    district_codes,
)
from .icp_model import FACE_PASSED, FILED, Application, Filing
from .model import MiniProgram

__all__ = [
    "apply",
    "cancel_application",
    "cancel_filing",
    "certificate_types",
    "create_verify_task",
    "districts",
    "entrance_info",
    "get_media",
    "nrlx_types",
    "online_order",
    "query_verify_task",
    "require_filed",
    "service_content_types",
    "subject_types",
    "upload_media",
]

#: The application's fields that take media, with those that are certificates.
_CERTIFICATE_FIELDS = frozenset({
    "icp_subject.organize_info.certificate_photo",
    "icp_subject.principal_info.certificate_photo_front",
    "icp_subject.principal_info.certificate_photo_back",
    "icp_applets.principal_info.certificate_photo_front",
    "icp_applets.principal_info.certificate_photo_back",
})
_MEDIA_FIELDS = _CERTIFICATE_FIELDS | {
    "icp_subject.personal_info.residence_permit",
    "icp_subject.principal_info.authorization_letter",
    "icp_applets.principal_info.authorization_letter",
    "icp_applets.base_info.nrlx_details",
    *(f"icp_materials.{name}" for name in (
        "commitment_letter", "business_name_change_letter",
        "party_building_confirmation_letter", "promise_video",
        "authenticity_responsibility_letter", "authenticity_commitment_letter",
        "website_construction_proposal", "subject_other_materials", "applets_other_materials",
        "holding_certificate_photo")),
}
#: The names of media fields, left out of the filed order.
_MEDIA_NAMES = frozenset({path.rsplit(".", 1)[1] for path in _MEDIA_FIELDS
                          if not path.endswith(".nrlx_details")} | {"media"})
_MOBILE = re.compile(r"1\d{10}")


class FilingRefused(WxError):
    """86202 with the ``hints`` of every field refused."""

    def __init__(self, hints: list[dict[str, Any]]) -> None:
        super().__init__(86202)
        self.hints = hints

    def payload(self, rid: str | None = None) -> dict[str, Any]:
        """The answer, with its hints."""
        return {**super().payload(rid), "hints": self.hints}


def _filing(call: Call) -> tuple[Filing, MiniProgram]:
    program, _ = program_of(call)
    program.filing.settle(call.now)
    return program.filing, program


def require_filed(call: Call, program: MiniProgram) -> None:
    """Refuse an audit or a release of a mini program that is not filed, while the gate is
    on (the errcode is a setting: WeChat has named none)."""
    limits = call.state.wxa.limits
    if limits.filing_gate and not program.filing.filed(call.now):
        raise WxError(limits.unfiled_errcode, "the mini program is not filed (ICP)")


# --------------------------------------------------------------------------- the state


def entrance_info(call: Call) -> dict[str, Any]:
    filing, program = _filing(call)
    return {**OK, "info": filing.entrance(call.now, program.has_category())}


def create_verify_task(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    along = call.params.get("along_with_auth", False)
    if not isinstance(along, bool):
        raise WxError(47001, "along_with_auth must be true or false")
    task = filing.new_task(call.now, along, call.state.wxa.limits.face_verify_delay)
    call.hooks.wake_scheduler()
    answer = {**OK, "task_id": task.task_id}
    if along:
        answer["verify_url"] = f"https://mp.weixin.qq.com/wxopen/wxaauthicp?task={task.task_id}"
    return answer


def query_verify_task(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    task = filing.tasks.get(call.text("task_id"))
    if task is None:
        raise WxError(86328)
    if call.now >= task.expires_at:
        raise WxError(1, "code过期或不存在")
    status = task.face_status(call.now)
    answer = {**OK, "is_finish": call.now >= task.finish_at, "face_status": status}
    if task.along_with_auth and status == FACE_PASSED:
        answer["along_with_auth_result"] = 9
    return answer


# --------------------------------------------------------------------------- material


def upload_media(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    kind = one_of("type", call.text("type"), ("image", "video"))
    order_field = call.text("icp_order_field")
    if order_field not in _MEDIA_FIELDS:
        raise WxError(40097, "icp_order_field names no media field of an application")
    if order_field in _CERTIFICATE_FIELDS and not call.text("certificate_type").isdigit():
        raise WxError(40097, "certificate_type is required for a certificate")
    media = call.upload("media")
    wanted = "image/" if kind == "image" else "video/mp4"
    if not media.content_type.startswith(wanted):
        raise WxError(40097, f"the file is not an {kind}")
    media_id = call.keep(media)
    filing.media[media_id] = (kind, call.now, order_field)
    return {**OK, "type": kind, "media_id": media_id, "created_at": int(call.now)}


def get_media(call: Call) -> dict[str, Any] | Binary:
    filing, _ = _filing(call)
    media_id = call.text("media_id")
    kept = call.state.media.get(media_id)
    if media_id not in filing.media or kept is None:
        raise WxError(86205)
    _, _, content_type, content = kept
    return Binary(content, content_type)


# --------------------------------------------------------------------------- dictionaries


def subject_types(call: Call) -> dict[str, Any]:
    return {**OK, "items": SUBJECT_TYPES}


def certificate_types(call: Call) -> dict[str, Any]:
    return {**OK, "items": CERTIFICATE_TYPES}


def districts(call: Call) -> dict[str, Any]:
    return {**OK, "items": DISTRICTS}


def service_content_types(call: Call) -> dict[str, Any]:
    return {**OK, "items": SERVICE_CONTENT_TYPES}


def nrlx_types(call: Call) -> dict[str, Any]:
    return {**OK, "items": NRLX_TYPES}


# --------------------------------------------------------------------------- the application


def _hint(err_field: str, errmsg: str, errcode: int = 47001) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg, "err_field": err_field}


def _part(body: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    value: Any = body
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _principal_hints(principal: Mapping[str, Any], path: str) -> Iterator[dict[str, Any]]:
    for name in ("name", "certificate_number", "certificate_photo_front",
                 "certificate_photo_back"):
        if not isinstance(principal.get(name), str) or not principal[name]:
            yield _hint(f"{path}.{name}", "字段缺失")
    if not _MOBILE.fullmatch(str(principal.get("mobile", ""))):
        yield _hint(f"{path}.mobile", "手机号码格式错误")


def _media_hints(filing: Filing, body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for path in sorted(_MEDIA_FIELDS - {"icp_applets.base_info.nrlx_details"}):
        parent, name = path.rsplit(".", 1)
        value = _part(body, parent).get(name)
        ids = value if isinstance(value, list) else [value] if value else []
        for media_id in ids:
            if media_id not in filing.media:
                yield _hint(path, "media_id不合法", 86205)
    details = _part(body, "icp_applets.base_info").get("nrlx_details")
    for index, detail in enumerate(details if isinstance(details, list) else []):
        media_id = detail.get("media") if isinstance(detail, Mapping) else None
        if media_id and media_id not in filing.media:
            yield _hint(f"icp_applets.base_info.nrlx_details[{index}].media", "media_id不合法",
                        86205)


def _application_hints(call: Call, program: MiniProgram,
                        body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    filing = program.filing
    if not filing.available:
        yield _hint("", "备案入口未开放")
    if not program.has_category():
        yield _hint("", "小程序类目未填")
    for part in ("icp_subject", "icp_applets", "icp_materials"):
        if not isinstance(body.get(part), Mapping):
            yield _hint(part, "字段缺失")
    base = _part(body, "icp_subject.base_info")
    if not isinstance(base.get("type"), int) or not base.get("name"):
        yield _hint("icp_subject.base_info", "主体性质或名称缺失")
    codes = district_codes()
    for name in ("province", "city", "district"):
        if base.get(name) not in codes:
            yield _hint(f"icp_subject.base_info.{name}", "区域编码不存在")
    yield from _principal_hints(_part(body, "icp_subject.principal_info"),
                                "icp_subject.principal_info")
    applets = _part(body, "icp_applets.principal_info")
    yield from _principal_hints(applets, "icp_applets.principal_info")
    task = filing.tasks.get(str(applets.get("verify_task_id", "")))
    if task is None or call.now >= task.expires_at \
            or task.face_status(call.now) != FACE_PASSED:
        yield _hint("icp_applets.principal_info.verify_task_id", "人脸核身未完成或已过期", 86328)
    service = _part(body, "icp_applets.base_info")
    types = service.get("service_content_types")
    known = {t["type"] for t in SERVICE_CONTENT_TYPES if t["parent_type"]}
    if not isinstance(types, list) or not 1 <= len(types) <= 5 \
            or any(t not in known for t in types):
        yield _hint("icp_applets.base_info.service_content_types", "服务内容类型不合法")
    if not isinstance(service.get("nrlx_details"), list) or not service["nrlx_details"]:
        yield _hint("icp_applets.base_info.nrlx_details", "前置审批信息缺失")
    comment = service.get("comment")
    if not isinstance(comment, str) or not 20 <= len(comment) <= 200:
        yield _hint("icp_applets.base_info.comment", "服务内容描述需为20至200字")
    yield from _media_hints(filing, body)


def apply(call: Call) -> dict[str, Any]:
    filing, program = _filing(call)
    current = filing.application
    if current is not None and current.under_review(call.now):
        raise WxError(86324)
    hints = [*filing.refusal, *_application_hints(call, program, call.params)]
    if hints:
        filing.refusal = ()
        raise FilingRefused(hints)
    plan = call.state.wxa.filing_plan_for(call.platform.appid, program)
    filing.application = Application(dict(call.params), call.now, plan.steps(call.now))
    call.hooks.wake_scheduler()
    return {**OK, "hints": []}


def cancel_application(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    current = filing.application
    if current is None or not current.under_review(call.now):
        raise WxError(47001, "no application is under review")
    filing.application = None
    return dict(OK)


def cancel_filing(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    one_of("cancel_type", call.params.get("cancel_type"), (1, 2, 3))
    if filing.status(call.now) != FILED or filing.cancel_at is not None:
        raise WxError(47001, "the mini program is not filed, or its deregistration runs")
    filing.cancel_at = call.now + call.state.wxa.limits.filing_cancel_delay
    call.hooks.wake_scheduler()
    return dict(OK)


def online_order(call: Call) -> dict[str, Any]:
    filing, _ = _filing(call)
    if filing.order is None:
        raise WxError(86328)
    return {**OK, **_without_media(filing.order)}


def _without_media(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_media(v) for k, v in value.items()
                if k not in _MEDIA_NAMES}
    if isinstance(value, list):
        return [_without_media(v) for v in value]
    return value
