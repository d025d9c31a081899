"""A mini program's ICP filing (小程序备案), on its behalf: the filing's state and rejection
reasons, the administrator's face verification, filing material (upload and download), the
dictionaries an application is written with (kept per platform for ``policy.dictionary_ttl``),
the application, its withdrawal, deregistration and the filed order.

Every endpoint takes the mini program's token (permission sets 18 or 156). WeChat's documents
do not say in which states a withdrawal is allowed, nor how large a filing upload may be (the
engine's 10 MiB bound applies).

Internal module.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from ...errors import (
    APIError,
    FilingApplicationInvalid,
    FilingMediaUnavailable,
    InvalidArgument,
    StoreError,
)
from ...stores.base import CachedToken, Store
from ..context import Context, TokenKind
from ..effects import Flow, HttpResult, store_call
from ..engine import JSON, NOTHING, Answer, Endpoint, FileInput, call, endpoint, model, upload_part
from ..models import Media
from ..models_wxa import (
    IcpCertificateType,
    IcpDistrict,
    IcpEntranceInfo,
    IcpFilingApplied,
    IcpMedia,
    IcpOnlineOrder,
    IcpPriorApprovalType,
    IcpServiceContentType,
    IcpSubjectType,
    IcpVerifyTask,
    IcpVerifyTaskStatus,
    WxaModel,
)
from ..models_wxa.icp import field_errors
from ..models_wxa.icp_application import IcpApplication, application_json
from ._checks import choice, flag, number, text

__all__ = [
    "apply",
    "cancel_application",
    "cancel_filing",
    "certificate_types",
    "create_verify_task",
    "dictionary_key",
    "districts",
    "entrance_info",
    "media",
    "online_order",
    "prior_approval_types",
    "service_content_types",
    "subject_types",
    "upload_media",
    "verify_task",
]

log = logging.getLogger("wxcomponent")

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN
M = TypeVar("M", bound=WxaModel)


def _media_answer(result: HttpResult) -> Media:
    return Media(result.content, result.content_type or "application/octet-stream")


def _no_media(data: dict[str, Any]) -> Media:
    raise FilingMediaUnavailable(0, "the answer was JSON, not the material",
                                 "/wxa/icp/get_icp_media")


def _with_hints(error: APIError, answer: Mapping[str, Any]) -> APIError:
    hints = field_errors(answer)
    if isinstance(error, FilingApplicationInvalid) or hints:
        return FilingApplicationInvalid(error.errcode, error.errmsg, error.path, hints=hints)
    return error


#: Material comes back as bytes; any JSON answer is an error.
_MATERIAL: Answer[Media] = Answer("icp_media", _no_media, _media_answer)

ENTRANCE_INFO = endpoint("GET", "/wxa/icp/get_icp_entrance_info", model(IcpEntranceInfo),
                         token=_A)
CREATE_VERIFY_TASK = endpoint("POST", "/wxa/icp/create_icp_verifytask", model(IcpVerifyTask),
                              token=_A)
QUERY_VERIFY_TASK = endpoint("POST", "/wxa/icp/query_icp_verifytask",
                             model(IcpVerifyTaskStatus), token=_A)
UPLOAD_MEDIA = endpoint("POST", "/wxa/icp/upload_icp_media", model(IcpMedia), token=_A)
GET_MEDIA = endpoint("GET", "/wxa/icp/get_icp_media", _MATERIAL, token=_A)
APPLY = endpoint("POST", "/wxa/icp/apply_icp_filing", model(IcpFilingApplied), token=_A,
                 error_detail=_with_hints)
CANCEL_APPLICATION = endpoint("POST", "/wxa/icp/cancel_apply_icp_filing", NOTHING, token=_A)
CANCEL_FILING = endpoint("POST", "/wxa/icp/cancel_icp_filing", NOTHING, token=_A)
ONLINE_ORDER = endpoint("GET", "/wxa/icp/get_online_icp_order", model(IcpOnlineOrder), token=_A)
SUBJECT_TYPES = endpoint("GET", "/wxa/icp/query_icp_subject_types", JSON, token=_A)
CERTIFICATE_TYPES = endpoint("GET", "/wxa/icp/query_icp_certificate_types", JSON, token=_A)
DISTRICTS = endpoint("GET", "/wxa/icp/query_icp_district_code", JSON, token=_A)
SERVICE_CONTENT_TYPES = endpoint("GET", "/wxa/icp/query_icp_service_content_types", JSON,
                                 token=_A)
PRIOR_APPROVAL_TYPES = endpoint("GET", "/wxa/icp/query_icp_nrlx_types", JSON, token=_A)

#: ``cancel_type``: deregister the subject, the mini program's filing, the mini program.
CANCEL_TYPES = (1, 2, 3)


def entrance_info(ctx: Context, authorizer_appid: str) -> Flow[IcpEntranceInfo]:
    """The state of the mini program's filing, with the reasons of a rejection and whether
    the filing entrance is open."""
    return call(ctx, ENTRANCE_INFO, authorizer_appid=authorizer_appid)


def create_verify_task(ctx: Context, authorizer_appid: str, *,
                       along_with_auth: bool = False) -> Flow[IcpVerifyTask]:
    """Start the face verification of the mini program's administrator (WeChat notifies
    them; the notice is valid 24 hours). The ``task_id`` is valid three days (one in the
    combined verification and filing flow, ``along_with_auth``, which also gives
    ``verify_url``): upload every other material first.

    WeChat's documents are unclear on the body in filing mode (one 47001 was reported for a
    body; a widely used SDK always sends ``along_with_auth``): it is always sent, as that SDK
    does.
    """
    body = {"along_with_auth": flag(along_with_auth, "along_with_auth")}
    return call(ctx, CREATE_VERIFY_TASK, authorizer_appid=authorizer_appid, body=body)


def verify_task(ctx: Context, authorizer_appid: str, task_id: str) -> Flow[IcpVerifyTaskStatus]:
    """Where the face verification ``task_id`` stands."""
    return call(ctx, QUERY_VERIFY_TASK, authorizer_appid=authorizer_appid,
                body={"task_id": text(task_id, "task_id")})


def upload_media(ctx: Context, authorizer_appid: str, file: FileInput, *, type: str,
                 icp_order_field: str, certificate_type: int | None = None) -> Flow[IcpMedia]:
    """Upload filing material: ``type`` ``"image"`` or ``"video"``, ``icp_order_field`` the
    field of the application it is for (``icp_subject.principal_info.certificate_photo_front``;
    ``icp_applets.base_info.nrlx_details`` for prior approvals) and, for a certificate, its
    ``certificate_type`` (which must match the field: a mismatch may only show when applying).
    """
    form: dict[str, Any] = {"type": choice(type, "type", ("image", "video")),
                            "icp_order_field": text(icp_order_field, "icp_order_field")}
    if certificate_type is not None:
        form["certificate_type"] = number(certificate_type, "certificate_type", minimum=1)
    part = yield from upload_part(file, field_name="media", limit=UPLOAD_MEDIA.max_upload)
    return (yield from call(ctx, UPLOAD_MEDIA, authorizer_appid=authorizer_appid,
                            files=(part,), form=form))


def media(ctx: Context, authorizer_appid: str, media_id: str) -> Flow[Media]:
    """The bytes of filing material (a JPEG or an MP4). Raises
    :class:`~wxcomponent.errors.FilingMediaUnavailable` when WeChat answers JSON instead."""
    return call(ctx, GET_MEDIA, authorizer_appid=authorizer_appid,
                params={"media_id": text(media_id, "media_id")})


def apply(ctx: Context, authorizer_appid: str,
          application: IcpApplication | Mapping[str, Any]) -> Flow[IcpFilingApplied]:
    """Apply for the filing (an :class:`~wxcomponent.IcpApplication`, checked before it is
    sent, or a mapping sent as given). WeChat's refusal of fields raises
    :class:`~wxcomponent.errors.FilingApplicationInvalid` listing each field (``hints``).
    WeChat limits applications a day; how many is not published."""
    return call(ctx, APPLY, authorizer_appid=authorizer_appid,
                body=application_json(application))


def cancel_application(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """Withdraw the application under review."""
    return call(ctx, CANCEL_APPLICATION, authorizer_appid=authorizer_appid, body={})


def cancel_filing(ctx: Context, authorizer_appid: str, cancel_type: int) -> Flow[None]:
    """Deregister a filing: ``cancel_type`` 1 the subject, 2 the mini program's filing, 3 the
    mini program (the values of one SDK's documentation; WeChat's page does not list them)."""
    if isinstance(cancel_type, bool) or cancel_type not in CANCEL_TYPES:
        raise InvalidArgument("cancel_type", "must be 1, 2 or 3")
    return call(ctx, CANCEL_FILING, authorizer_appid=authorizer_appid,
                body={"cancel_type": cancel_type})


def online_order(ctx: Context, authorizer_appid: str) -> Flow[IcpOnlineOrder]:
    """The filed order: the subject and the mini program as filed, with their numbers."""
    return call(ctx, ONLINE_ORDER, authorizer_appid=authorizer_appid)


# --------------------------------------------------------------------------- dictionaries


def dictionary_key(component_appid: str, name: str) -> str:
    """The token-cache key of a filing dictionary of the platform."""
    return f"{component_appid}:icp_dictionary:{name}"


def _cached_items(cached: CachedToken | None, now: float) -> list[Any] | None:
    if cached is None or cached.expires_at <= now:
        return None
    try:
        items = json.loads(cached.value)
    except ValueError:
        return None
    return items if isinstance(items, list) else None


def _dictionary(ctx: Context, authorizer_appid: str, spec: Endpoint[dict[str, Any]],
                item: type[M]) -> Flow[tuple[M, ...]]:
    """A dictionary's items: from the platform's cache while fresh, else from WeChat (then
    kept ``policy.dictionary_ttl`` seconds). The cache is a convenience: a store that fails
    is logged and WeChat asked."""
    name = spec.path.rsplit("/", 1)[-1]
    key = dictionary_key(ctx.appid, name)
    ttl = ctx.policy.dictionary_ttl
    items: list[Any] | None = None
    if ttl > 0:
        try:
            cached = yield from store_call(Store.get_token, key)
        except StoreError as exc:
            log.warning("the filing dictionary %s could not be read from the store (%s)",
                        name, type(exc).__name__)
            cached = None
        items = _cached_items(cached, ctx.clock())
    if items is None:
        answer = yield from call(ctx, spec, authorizer_appid=authorizer_appid)
        found = answer.get("items")
        items = found if isinstance(found, list) else []
        if ttl > 0:
            now = ctx.clock()
            value = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
            try:
                yield from store_call(Store.set_token, key, CachedToken(value, now + ttl, now))
            except StoreError as exc:
                log.warning("the filing dictionary %s could not be kept in the store (%s)",
                            name, type(exc).__name__)
    return tuple(item.from_json(i) for i in items if isinstance(i, Mapping))


def subject_types(ctx: Context, authorizer_appid: str) -> Flow[tuple[IcpSubjectType, ...]]:
    """The subject types (单位性质) an application's ``icp_subject.base_info.type`` takes."""
    return _dictionary(ctx, authorizer_appid, SUBJECT_TYPES, IcpSubjectType)


def certificate_types(ctx: Context,
                      authorizer_appid: str) -> Flow[tuple[IcpCertificateType, ...]]:
    """The certificate types, each with the subject type it belongs to."""
    return _dictionary(ctx, authorizer_appid, CERTIFICATE_TYPES, IcpCertificateType)


def districts(ctx: Context, authorizer_appid: str) -> Flow[tuple[IcpDistrict, ...]]:
    """The provinces, with their cities and districts (``sub_list``)."""
    return _dictionary(ctx, authorizer_appid, DISTRICTS, IcpDistrict)


def service_content_types(ctx: Context,
                          authorizer_appid: str) -> Flow[tuple[IcpServiceContentType, ...]]:
    """The types of service content (applications name second-level ones)."""
    return _dictionary(ctx, authorizer_appid, SERVICE_CONTENT_TYPES, IcpServiceContentType)


def prior_approval_types(ctx: Context,
                         authorizer_appid: str) -> Flow[tuple[IcpPriorApprovalType, ...]]:
    """The types of prior approval (前置审批) an application's ``nrlx_details`` take."""
    return _dictionary(ctx, authorizer_appid, PRIOR_APPROVAL_TYPES, IcpPriorApprovalType)
