"""A mini program's basic information, on its behalf: the account, its nickname (and the
nickname's audit), avatar, introduction, and whether search finds it.

Internal module.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    AccountBasicInfo,
    NicknameAudit,
    NicknameCheck,
    NicknameResult,
    SearchStatus,
)
from ._checks import flag, number, text, texts

__all__ = [
    "check_nickname",
    "get",
    "nickname_status",
    "search_status",
    "set_avatar",
    "set_nickname",
    "set_search_status",
    "set_signature",
]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

GET = endpoint("GET", "/cgi-bin/account/getaccountbasicinfo", model(AccountBasicInfo),
               token=_A)
SET_NICKNAME = endpoint("POST", "/wxa/setnickname", model(NicknameResult), token=_A)
NICKNAME_STATUS = endpoint("POST", "/wxa/api_wxa_querynickname", model(NicknameAudit),
                           token=_A)
CHECK_NICKNAME = endpoint("POST", "/cgi-bin/wxverify/checkwxverifynickname",
                          model(NicknameCheck), token=_A)
SET_AVATAR = endpoint("POST", "/cgi-bin/account/modifyheadimage", NOTHING, token=_A)
SET_SIGNATURE = endpoint("POST", "/cgi-bin/account/modifysignature", NOTHING, token=_A)
SEARCH_STATUS = endpoint("GET", "/wxa/getwxasearchstatus", model(SearchStatus), token=_A)
SET_SEARCH_STATUS = endpoint("POST", "/wxa/changewxasearchstatus", NOTHING, token=_A)

#: WeChat's limits: nicknames 4-30 characters, introductions up to 120.
NICKNAME_MAX = 30
SIGNATURE_MAX = 120


def get(ctx: Context, authorizer_appid: str) -> Flow[AccountBasicInfo]:
    """The mini program's account: name, subject, introduction, avatar, verification."""
    return call(ctx, GET, authorizer_appid=authorizer_appid)


def set_nickname(ctx: Context, authorizer_appid: str, nick_name: str, *, id_card: str = "",
                 license: str = "", other_stuff: Sequence[str] = ()) -> Flow[NicknameResult]:
    """Change the nickname; a name that needs review answers an ``audit_id`` (its result
    comes as a ``wxa_nickname_audit`` push, or from :meth:`nickname_status`). ``id_card``,
    ``license`` and ``other_stuff`` are media ids of supporting documents."""
    body: dict[str, object] = {"nick_name": text(nick_name, "nick_name", max_len=NICKNAME_MAX)}
    if id_card:
        body["id_card"] = text(id_card, "id_card")
    if license:
        body["license"] = text(license, "license")
    for index, media_id in enumerate(texts(other_stuff, "other_stuff", max_items=5), 1):
        body[f"naming_other_stuff_{index}"] = media_id
    return call(ctx, SET_NICKNAME, authorizer_appid=authorizer_appid, body=body)


def nickname_status(ctx: Context, authorizer_appid: str, audit_id: int) -> Flow[NicknameAudit]:
    """The state of a nickname audit (1 auditing, 2 rejected, 3 approved)."""
    return call(ctx, NICKNAME_STATUS, authorizer_appid=authorizer_appid,
                body={"audit_id": number(audit_id, "audit_id", minimum=1)})


def check_nickname(ctx: Context, authorizer_appid: str, nick_name: str) -> Flow[NicknameCheck]:
    """Whether a nickname would need supporting documents (a brand or trademark)."""
    return call(ctx, CHECK_NICKNAME, authorizer_appid=authorizer_appid,
                body={"nick_name": text(nick_name, "nick_name", max_len=NICKNAME_MAX)})


def _unit(value: float, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidArgument(argument, "must be a number between 0 and 1")
    return float(value)


def set_avatar(ctx: Context, authorizer_appid: str, head_img_media_id: str, x1: float = 0.0,
               y1: float = 0.0, x2: float = 1.0, y2: float = 1.0) -> Flow[None]:
    """Change the avatar to an image uploaded with ``upload("/cgi-bin/media/upload", …,
    params={"type": "image"})``, cropped to (x1, y1)-(x2, y2) in fractions of its size."""
    body = {"head_img_media_id": text(head_img_media_id, "head_img_media_id"),
            "x1": _unit(x1, "x1"), "y1": _unit(y1, "y1"), "x2": _unit(x2, "x2"),
            "y2": _unit(y2, "y2")}
    return call(ctx, SET_AVATAR, authorizer_appid=authorizer_appid, body=body)


def set_signature(ctx: Context, authorizer_appid: str, signature: str) -> Flow[None]:
    """Change the introduction (at most 120 characters)."""
    return call(ctx, SET_SIGNATURE, authorizer_appid=authorizer_appid,
                body={"signature": text(signature, "signature", max_len=SIGNATURE_MAX)})


def search_status(ctx: Context, authorizer_appid: str) -> Flow[SearchStatus]:
    """Whether WeChat's search finds the mini program."""
    return call(ctx, SEARCH_STATUS, authorizer_appid=authorizer_appid)


def set_search_status(ctx: Context, authorizer_appid: str, searchable: bool) -> Flow[None]:
    """Let search find the mini program, or hide it."""
    status = 0 if flag(searchable, "searchable") else 1
    return call(ctx, SET_SEARCH_STATUS, authorizer_appid=authorizer_appid,
                body={"status": status})
