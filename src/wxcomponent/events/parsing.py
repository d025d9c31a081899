"""Turning a decrypted push into its typed event: :func:`parse_event` and
:func:`event_from_fields`, dispatching on ``InfoType``, or on ``MsgType`` and ``Event``, and
the readers of its fields (numbers are ints; a missing required field or a malformed number
is an :class:`~wxcomponent.errors.XMLError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.xml import DEFAULT_MAX_BODY, XMLValue, _parse_flat, parse_xml
from ..errors import XMLError
from .account_events import (
    LocationEvent,
    MenuClickEvent,
    MenuViewEvent,
    NicknameAuditResult,
    ScanEvent,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    UnsubscribeEvent,
    UserEnterTempsessionEvent,
    WeappAuditResult,
)
from .base import AuthorizerMessage, ComponentEvent, Event, Raw
from .compliance import COMPONENT_EVENTS, MESSAGE_EVENTS
from .compliance_filing import FILING_EVENTS
from .component import (
    Authorized,
    BetaAppRegistered,
    BetaAppVerified,
    FastRegisterResult,
    Unauthorized,
    UnknownEvent,
    UpdateAuthorized,
    VerifyTicket,
)
from .messages import (
    FileMessage,
    ImageMessage,
    LinkMessage,
    LocationMessage,
    ShortVideoMessage,
    TextMessage,
    VideoMessage,
    VoiceMessage,
)

__all__ = ["event_from_fields", "parse_event"]

#: The compliance pushes of the authorization-event URL (filing, verification), one table.
_COMPLIANCE = {**FILING_EVENTS, **COMPONENT_EVENTS}


def _text(raw: Raw, name: str, default: str | None = None) -> str | None:
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise XMLError(f"field {name} must be text")
    return value


def _need(raw: Raw, name: str) -> str:
    value = _text(raw, name)
    if value is None or value == "":
        raise XMLError(f"field {name} is missing")
    return value


def _int(raw: Raw, name: str, default: int | None = None) -> int | None:
    value = _text(raw, name)
    if value is None:
        return default
    try:
        return int(value)  # int() ignores surrounding whitespace, as str.strip() does
    except ValueError:
        if value.strip() == "":
            return default
        raise XMLError(f"field {name} is not an integer") from None


def _need_int(raw: Raw, name: str) -> int:
    value = _int(raw, name)
    if value is None:
        raise XMLError(f"field {name} is missing")
    return value


def _mapping(raw: Raw, name: str) -> Mapping[str, XMLValue]:
    value = raw.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise XMLError(f"field {name} must be a nested element")
    return value


_new = object.__new__


def _verify_ticket(raw: Raw, info_type: str) -> VerifyTicket:
    """The hot path (every 10 minutes per platform): the event's fields written straight into
    its ``__dict__``, which is what the frozen dataclass's ``__init__`` does one
    ``object.__setattr__`` at a time. A test checks that it has the dataclass's fields."""
    created: Any = raw.get("CreateTime")
    appid: Any = raw.get("AppId", "")
    ticket: Any = raw.get("ComponentVerifyTicket")
    if type(created) is str and created.isascii() and created.isdigit() \
            and type(appid) is str and type(ticket) is str and ticket:
        created = int(created)
    else:
        # Anything unusual (a field missing, nested, spaced or not a number) is read, or
        # refused, by the general readers.
        created = _int(raw, "CreateTime", 0)
        appid = _text(raw, "AppId", "") or ""
        ticket = _need(raw, "ComponentVerifyTicket")
    event = _new(VerifyTicket)
    fields = event.__dict__
    fields["create_time"] = created
    fields["raw"] = raw
    fields["component_appid"] = appid
    fields["info_type"] = info_type
    fields["ticket"] = ticket
    return event


def _component_event(raw: Raw) -> ComponentEvent:
    info_type = _need(raw, "InfoType")
    if info_type == "component_verify_ticket":
        return _verify_ticket(raw, info_type)
    base: dict[str, Any] = {
        "create_time": _int(raw, "CreateTime", 0),
        "raw": raw,
        "component_appid": _text(raw, "AppId", "") or "",
        "info_type": info_type,
    }
    if info_type in ("authorized", "updateauthorized"):
        cls = Authorized if info_type == "authorized" else UpdateAuthorized
        return cls(
            **base,
            authorizer_appid=_need(raw, "AuthorizerAppid"),
            authorization_code=_need(raw, "AuthorizationCode"),
            authorization_code_expired_time=_int(raw, "AuthorizationCodeExpiredTime", 0) or 0,
            pre_auth_code=_text(raw, "PreAuthCode", "") or "",
        )
    if info_type == "unauthorized":
        return Unauthorized(**base, authorizer_appid=_need(raw, "AuthorizerAppid"))
    if info_type in (
        "notify_third_fasteregister",
        "notify_third_fastregisterbetaapp",
        "notify_third_fastverifybetaapp",
    ):
        fast: dict[str, Any] = {
            **base,
            "appid": _text(raw, "appid") or None,
            "status": _int(raw, "status", 0),
            "msg": _text(raw, "msg", "") or "",
            "info": _mapping(raw, "info"),
        }
        if info_type == "notify_third_fasteregister":
            return FastRegisterResult(**fast, auth_code=_text(raw, "auth_code") or None)
        if info_type == "notify_third_fastregisterbetaapp":
            info = fast["info"]
            unique_id = info.get("unique_id")
            name = info.get("name")
            return BetaAppRegistered(
                **fast,
                unique_id=unique_id if isinstance(unique_id, str) else None,
                name=name if isinstance(name, str) else None,
            )
        return BetaAppVerified(**fast)
    build = _COMPLIANCE.get(info_type)
    return build(base, raw) if build is not None else UnknownEvent(**base)


def _authorizer_message(raw: Raw) -> AuthorizerMessage:
    msg_type = _need(raw, "MsgType")
    event = _text(raw, "Event") if msg_type == "event" else None
    base: dict[str, Any] = {
        "create_time": _int(raw, "CreateTime", 0),
        "raw": raw,
        "to_user_name": _text(raw, "ToUserName", "") or "",
        "from_user_name": _text(raw, "FromUserName", "") or "",
        "msg_type": msg_type,
        "event": event,
    }
    if event in ("weapp_audit_success", "weapp_audit_fail", "weapp_audit_delay"):
        shots = _text(raw, "ScreenShot", "") or ""
        return WeappAuditResult(
            **base,
            succ_time=_int(raw, "SuccTime"),
            fail_time=_int(raw, "FailTime"),
            delay_time=_int(raw, "DelayTime"),
            reason=_text(raw, "Reason"),
            screenshots=tuple(s for s in shots.split("|") if s),
        )
    if event == "wxa_nickname_audit":
        return NicknameAuditResult(
            **base,
            ret=_int(raw, "ret", 0) or 0,
            nickname=_text(raw, "nickname", "") or "",
            reason=_text(raw, "reason", "") or "",
        )
    if event is not None:
        build_event = _EVENTS.get(event.lower())
        return build_event(base, raw) if build_event else AuthorizerMessage(**base)
    build_message = _MESSAGES.get(msg_type.lower())
    if build_message is None:
        return AuthorizerMessage(**base)
    return build_message({**base, "msg_id": _int(raw, "MsgId")}, raw)


def _s(raw: Raw, name: str) -> str:
    return _text(raw, name, "") or ""


def _float(raw: Raw, name: str) -> float:
    value = _text(raw, name)
    if value is None or value.strip() == "":
        return 0.0
    try:
        return float(value.strip())
    except ValueError:
        raise XMLError(f"field {name} is not a number") from None


Builder = Callable[[dict[str, Any], Raw], AuthorizerMessage]

_MESSAGES: dict[str, Builder] = {
    "text": lambda b, r: TextMessage(**b, content=_s(r, "Content")),
    "image": lambda b, r: ImageMessage(**b, pic_url=_s(r, "PicUrl"), media_id=_s(r, "MediaId")),
    "voice": lambda b, r: VoiceMessage(**b, media_id=_s(r, "MediaId"), format=_s(r, "Format"),
                                       recognition=_text(r, "Recognition")),
    "video": lambda b, r: VideoMessage(**b, media_id=_s(r, "MediaId"),
                                       thumb_media_id=_s(r, "ThumbMediaId")),
    "shortvideo": lambda b, r: ShortVideoMessage(**b, media_id=_s(r, "MediaId"),
                                                 thumb_media_id=_s(r, "ThumbMediaId")),
    "location": lambda b, r: LocationMessage(**b, latitude=_float(r, "Location_X"),
                                             longitude=_float(r, "Location_Y"),
                                             scale=_int(r, "Scale", 0) or 0,
                                             label=_s(r, "Label")),
    "link": lambda b, r: LinkMessage(**b, title=_s(r, "Title"), description=_s(r, "Description"),
                                     url=_s(r, "Url")),
    "file": lambda b, r: FileMessage(**b, title=_s(r, "Title"), description=_s(r, "Description"),
                                     file_key=_s(r, "FileKey"), file_md5=_s(r, "FileMd5"),
                                     file_total_len=_int(r, "FileTotalLen", 0) or 0),
}

_EVENTS: dict[str, Builder] = {
    "subscribe": lambda b, r: SubscribeEvent(**b, event_key=_s(r, "EventKey"),
                                             ticket=_s(r, "Ticket")),
    "unsubscribe": lambda b, r: UnsubscribeEvent(**b),
    "scan": lambda b, r: ScanEvent(**b, event_key=_s(r, "EventKey"), ticket=_s(r, "Ticket")),
    "location": lambda b, r: LocationEvent(**b, latitude=_float(r, "Latitude"),
                                           longitude=_float(r, "Longitude"),
                                           precision=_float(r, "Precision")),
    "click": lambda b, r: MenuClickEvent(**b, event_key=_s(r, "EventKey")),
    "view": lambda b, r: MenuViewEvent(**b, event_key=_s(r, "EventKey"),
                                       menu_id=_s(r, "MenuId")),
    "templatesendjobfinish": lambda b, r: TemplateSendJobFinishEvent(
        **b, msg_id=_int(r, "MsgID", _int(r, "MsgId")), status=_s(r, "Status")),
    "user_enter_tempsession": lambda b, r: UserEnterTempsessionEvent(
        **b, session_from=_s(r, "SessionFrom")),
    **MESSAGE_EVENTS,
}


def event_from_fields(raw: Raw) -> Event:
    """Build the typed event from already parsed XML fields."""
    if "InfoType" in raw:
        return _component_event(raw)
    if "MsgType" in raw:
        return _authorizer_message(raw)
    raise XMLError("the push has neither InfoType nor MsgType")


def parse_event(xml: bytes | str, *, max_size: int = DEFAULT_MAX_BODY) -> Event:
    """Parse a decrypted push into its typed event.

    Raises :class:`~wxcomponent.errors.XMLError` for malformed XML, a DOCTYPE or entities, a
    missing required field or a non-integer number.
    """
    if isinstance(xml, bytes) and len(xml) <= max_size:
        flat = _parse_flat(xml)  # the common flat push, without the general entry's checks
        if flat is not None:
            return event_from_fields(flat)
    return event_from_fields(parse_xml(xml, max_size=max_size))
