"""A mini program's code versions, on its behalf: commit a template as the experience version,
its pages, QR code and privacy check, then release, revert, gray release, the service's
visibility and the minimum base library.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import IMAGE, NOTHING, call, endpoint, model
from ..models import Media
from ..models_wxa import (
    CodePages,
    CodePrivacyInfo,
    GrayReleasePlan,
    SupportVersion,
    VersionHistory,
    VersionInfo,
    VisitStatus,
)
from ._checks import flag, json_text, number, optional_text, text

__all__ = [
    "commit",
    "gray_release",
    "gray_release_plan",
    "history",
    "pages",
    "privacy_check",
    "qrcode",
    "release",
    "revert",
    "revert_gray_release",
    "set_support_version",
    "set_visit_status",
    "support_version",
    "version_info",
    "visit_status",
]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

COMMIT = endpoint("POST", "/wxa/commit", NOTHING, token=_A)
GET_PAGE = endpoint("GET", "/wxa/get_page", model(CodePages), token=_A)
GET_QRCODE = endpoint("GET", "/wxa/get_qrcode", IMAGE, token=_A)
PRIVACY_INFO = endpoint("GET", "/wxa/security/get_code_privacy_info", model(CodePrivacyInfo),
                        token=_A)
VERSION_INFO = endpoint("POST", "/wxa/getversioninfo", model(VersionInfo), token=_A)
RELEASE = endpoint("POST", "/wxa/release", NOTHING, token=_A)
REVERT = endpoint("GET", "/wxa/revertcoderelease", NOTHING, token=_A)
HISTORY = endpoint("GET", "/wxa/revertcoderelease", model(VersionHistory), token=_A)
GRAY_RELEASE = endpoint("POST", "/wxa/grayrelease", NOTHING, token=_A)
GRAY_PLAN = endpoint("GET", "/wxa/getgrayreleaseplan", model(GrayReleasePlan), token=_A)
REVERT_GRAY = endpoint("GET", "/wxa/revertgrayrelease", NOTHING, token=_A)
CHANGE_VISIT = endpoint("POST", "/wxa/change_visitstatus", NOTHING, token=_A)
GET_VISIT = endpoint("POST", "/wxa/getvisitstatus", model(VisitStatus), token=_A)
SUPPORT_VERSION = endpoint("POST", "/cgi-bin/wxopen/getweappsupportversion",
                           model(SupportVersion), token=_A)
SET_SUPPORT_VERSION = endpoint("POST", "/cgi-bin/wxopen/setweappsupportversion", NOTHING,
                               token=_A)

#: The longest ``user_version`` WeChat takes.
USER_VERSION_MAX = 64


def commit(ctx: Context, authorizer_appid: str, template_id: int,
           ext_json: str | Mapping[str, Any], user_version: str,
           user_desc: str = "") -> Flow[None]:
    """Upload a template of the platform's library as the mini program's experience version.

    ``ext_json`` is the ext.json configuration, as a JSON string or a mapping (sent as a
    string, as WeChat wants). The privacy check of the new code starts now: submit an audit
    once :meth:`privacy_check` stops answering 61039.
    """
    body = {
        "template_id": number(template_id, "template_id"),
        "ext_json": json_text(ext_json, "ext_json"),
        "user_version": text(user_version, "user_version", max_len=USER_VERSION_MAX),
        "user_desc": optional_text(user_desc, "user_desc"),
    }
    return call(ctx, COMMIT, authorizer_appid=authorizer_appid, body=body)


def pages(ctx: Context, authorizer_appid: str) -> Flow[CodePages]:
    """The page paths of the committed code (for audit items)."""
    return call(ctx, GET_PAGE, authorizer_appid=authorizer_appid)


def qrcode(ctx: Context, authorizer_appid: str, path: str | None = None) -> Flow[Media]:
    """The experience version's QR code image; ``path`` opens a page (with its query)."""
    params = {} if path is None else {"path": text(path, "path")}
    return call(ctx, GET_QRCODE, authorizer_appid=authorizer_appid, params=params)


def privacy_check(ctx: Context, authorizer_appid: str) -> Flow[CodePrivacyInfo]:
    """The privacy check of the committed code: the privacy APIs it uses without permission
    or declaration. Raises :class:`~wxcomponent.errors.CodeCheckPending` (61039) until the
    check has finished."""
    return call(ctx, PRIVACY_INFO, authorizer_appid=authorizer_appid)


def version_info(ctx: Context, authorizer_appid: str) -> Flow[VersionInfo]:
    """The experience version and the released version."""
    return call(ctx, VERSION_INFO, authorizer_appid=authorizer_appid, body={})


def release(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """Release the last approved audit to every user."""
    return call(ctx, RELEASE, authorizer_appid=authorizer_appid, body={})


def revert(ctx: Context, authorizer_appid: str, app_version: int | None = None) -> Flow[None]:
    """Go back to the previous release (or to ``app_version`` of :meth:`history`)."""
    params = {} if app_version is None else {"app_version": number(app_version, "app_version")}
    return call(ctx, REVERT, authorizer_appid=authorizer_appid, params=params)


def history(ctx: Context, authorizer_appid: str) -> Flow[VersionHistory]:
    """The released versions a revert may go back to."""
    return call(ctx, HISTORY, authorizer_appid=authorizer_appid,
                params={"action": "get_history_version"})


def gray_release(ctx: Context, authorizer_appid: str, percentage: int, *,
                 debugger_first: bool = False, experiencer_first: bool = False) -> Flow[None]:
    """Release the approved version to ``percentage`` percent of users first (1-100; 0 with
    ``debugger_first`` or ``experiencer_first``); raise it later with another call."""
    number(percentage, "percentage", maximum=100)
    body = {"gray_percentage": percentage,
            "support_debuger_first": flag(debugger_first, "debugger_first"),
            "support_experiencer_first": flag(experiencer_first, "experiencer_first")}
    if percentage == 0 and not (debugger_first or experiencer_first):
        raise InvalidArgument("percentage", "0 needs debugger_first or experiencer_first")
    return call(ctx, GRAY_RELEASE, authorizer_appid=authorizer_appid, body=body)


def gray_release_plan(ctx: Context, authorizer_appid: str) -> Flow[GrayReleasePlan]:
    """The current gray release."""
    return call(ctx, GRAY_PLAN, authorizer_appid=authorizer_appid)


def revert_gray_release(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """Cancel the gray release (the previous release serves every user again)."""
    return call(ctx, REVERT_GRAY, authorizer_appid=authorizer_appid)


def set_visit_status(ctx: Context, authorizer_appid: str, visible: bool) -> Flow[None]:
    """Pause the mini program's service (``visible=False``) or resume it."""
    action = "open" if flag(visible, "visible") else "close"
    return call(ctx, CHANGE_VISIT, authorizer_appid=authorizer_appid, body={"action": action})


def visit_status(ctx: Context, authorizer_appid: str) -> Flow[VisitStatus]:
    """Whether the mini program's service is on or paused."""
    return call(ctx, GET_VISIT, authorizer_appid=authorizer_appid, body={})


def support_version(ctx: Context, authorizer_appid: str) -> Flow[SupportVersion]:
    """The minimum base library version and the users' base library versions."""
    return call(ctx, SUPPORT_VERSION, authorizer_appid=authorizer_appid, body={})


def set_support_version(ctx: Context, authorizer_appid: str, version: str) -> Flow[None]:
    """Set the minimum base library version (a released one, such as ``"2.30.0"``)."""
    return call(ctx, SET_SUPPORT_VERSION, authorizer_appid=authorizer_appid,
                body={"version": text(version, "version", max_len=32)})
