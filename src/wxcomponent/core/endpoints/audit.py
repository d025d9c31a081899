"""A mini program's code audits, on its behalf: submit (with audit material), follow, withdraw,
speed up, and the platform's monthly audit quota.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, FileInput, call, endpoint, model, upload_part
from ..models_wxa import (
    AuditItem,
    AuditMedia,
    AuditQuota,
    AuditStatus,
    SubmittedAudit,
    UgcDeclare,
    part_json,
    parts_json,
)
from ._checks import flag, number, optional_text, texts

__all__ = ["latest", "quota", "speed_up", "status", "submit", "upload_media", "withdraw"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

#: Audit material: images up to 2 MiB, videos up to 10 MiB.
MEDIA_MAX = 10 * 1024 * 1024

SUBMIT = endpoint("POST", "/wxa/submit_audit", model(SubmittedAudit), token=_A)
UPLOAD_MEDIA = endpoint("POST", "/wxa/uploadmedia", model(AuditMedia), token=_A,
                        max_upload=MEDIA_MAX)
STATUS = endpoint("POST", "/wxa/get_auditstatus", model(AuditStatus), token=_A)
LATEST = endpoint("GET", "/wxa/get_latest_auditstatus", model(AuditStatus), token=_A)
WITHDRAW = endpoint("GET", "/wxa/undocodeaudit", NOTHING, token=_A)
SPEED_UP = endpoint("POST", "/wxa/speedupaudit", NOTHING, token=_A)
QUOTA = endpoint("GET", "/wxa/queryquota", model(AuditQuota), token=_A)

#: At most five items per submission, five feedback pictures.
ITEMS_MAX = 5


def submit(
    ctx: Context,
    authorizer_appid: str,
    item_list: Sequence[AuditItem | Mapping[str, Any]] = (),
    *,
    version_desc: str = "",
    feedback_info: str = "",
    feedback_stuff: Sequence[str] = (),
    preview_pictures: Sequence[str] = (),
    preview_videos: Sequence[str] = (),
    ugc_declare: UgcDeclare | Mapping[str, Any] | None = None,
    privacy_api_not_use: bool = False,
    order_path: str = "",
) -> Flow[SubmittedAudit]:
    """Submit the committed code for audit; the answer carries the ``auditid``.

    ``item_list`` names up to five pages with their categories; ``feedback_info`` and
    ``feedback_stuff`` (media ids) answer a previous rejection; ``preview_pictures`` and
    ``preview_videos`` are media ids of :meth:`upload_media`. Raises
    :class:`~wxcomponent.errors.CodeCheckPending` while the privacy check of the commit runs.
    """
    items = parts_json(item_list, "item_list")
    if len(items) > ITEMS_MAX:
        raise InvalidArgument("item_list", f"must have at most {ITEMS_MAX} items")
    body: dict[str, Any] = {"item_list": items}
    if optional_text(version_desc, "version_desc"):
        body["version_desc"] = version_desc
    if optional_text(feedback_info, "feedback_info", max_len=200):
        body["feedback_info"] = feedback_info
    stuff = texts(feedback_stuff, "feedback_stuff", max_items=ITEMS_MAX)
    if stuff:
        body["feedback_stuff"] = "|".join(stuff)
    pictures = texts(preview_pictures, "preview_pictures")
    videos = texts(preview_videos, "preview_videos")
    if pictures or videos:
        body["preview_info"] = {"pic_id_list": pictures, "video_id_list": videos}
    if ugc_declare is not None:
        body["ugc_declare"] = part_json(ugc_declare, "ugc_declare")
    if flag(privacy_api_not_use, "privacy_api_not_use"):
        body["privacy_api_not_use"] = True
    if optional_text(order_path, "order_path"):
        body["order_path"] = order_path
    return call(ctx, SUBMIT, authorizer_appid=authorizer_appid, body=body)


def upload_media(ctx: Context, authorizer_appid: str, file: FileInput) -> Flow[AuditMedia]:
    """Upload audit material (a screenshot up to 2 MiB or a recording up to 10 MiB) for
    :meth:`submit`'s previews; the media id is valid three days."""
    part = yield from upload_part(file, field_name="media", limit=UPLOAD_MEDIA.max_upload)
    return (yield from call(ctx, UPLOAD_MEDIA, authorizer_appid=authorizer_appid,
                            files=(part,)))


def status(ctx: Context, authorizer_appid: str, auditid: int) -> Flow[AuditStatus]:
    """The state of one audit (0 approved, 1 rejected with ``reason``, 2 auditing,
    3 withdrawn, 4 delayed)."""
    return call(ctx, STATUS, authorizer_appid=authorizer_appid,
                body={"auditid": number(auditid, "auditid")})


def latest(ctx: Context, authorizer_appid: str) -> Flow[AuditStatus]:
    """The last submitted audit, with its id, version and state."""
    return call(ctx, LATEST, authorizer_appid=authorizer_appid)


def withdraw(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """Withdraw the audit under way (WeChat allows few withdrawals a day and a month)."""
    return call(ctx, WITHDRAW, authorizer_appid=authorizer_appid)


def speed_up(ctx: Context, authorizer_appid: str, auditid: int) -> Flow[None]:
    """Ask for a faster audit (spends the platform's speed-up quota)."""
    return call(ctx, SPEED_UP, authorizer_appid=authorizer_appid,
                body={"auditid": number(auditid, "auditid")})


def quota(ctx: Context, authorizer_appid: str) -> Flow[AuditQuota]:
    """The platform's audit and speed-up quotas for this month (shared by its mini
    programs)."""
    return call(ctx, QUOTA, authorizer_appid=authorizer_appid)
