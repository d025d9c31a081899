"""Typed events for every push a third-party platform receives.

:func:`parse_event` turns a decrypted push into a frozen dataclass. Pushes to the
authorization-event URL dispatch on ``InfoType``; pushes to the message URL on ``MsgType`` and
``Event``. Unknown kinds are never refused: they come back as :class:`UnknownEvent` or a plain
:class:`AuthorizerMessage` with every field. Every event keeps ``raw``, the parsed XML fields as
text, so nothing is lost; numeric fields are ints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .core.xml import DEFAULT_MAX_BODY, XMLValue, _parse_flat, parse_xml
from .errors import XMLError

__all__ = [
    "Authorized",
    "AuthorizerMessage",
    "BetaAppRegistered",
    "BetaAppVerified",
    "ComponentEvent",
    "Event",
    "EventType",
    "FastRegisterResult",
    "FileMessage",
    "ImageMessage",
    "InfoType",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "MenuClickEvent",
    "MenuViewEvent",
    "MsgType",
    "NicknameAuditResult",
    "ScanEvent",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "TextMessage",
    "Unauthorized",
    "UnknownEvent",
    "UnsubscribeEvent",
    "UpdateAuthorized",
    "UserEnterTempsessionEvent",
    "UserMessage",
    "VerifyTicket",
    "VideoMessage",
    "VoiceMessage",
    "WeappAuditResult",
    "event_from_fields",
    "parse_event",
]

Raw = Mapping[str, XMLValue]


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


@dataclass(frozen=True)
class Event:
    """Base of every event. ``raw`` holds all fields of the push as parsed."""

    create_time: int
    raw: Raw = field(repr=False, compare=False)

    def get(self, name: str, default: Any = None) -> Any:
        """A raw field by its XML name."""
        return self.raw.get(name, default)


# ------------------------------------------------------------------ authorization-event URL


@dataclass(frozen=True)
class ComponentEvent(Event):
    """A push to the authorization-event URL (it has ``InfoType``)."""

    component_appid: str
    info_type: str


@dataclass(frozen=True)
class VerifyTicket(ComponentEvent):
    """``component_verify_ticket``: the ticket used to obtain the component token."""

    ticket: str = field(repr=False, default="")


@dataclass(frozen=True)
class _AuthorizationChange(ComponentEvent):
    authorizer_appid: str = ""
    authorization_code: str = field(repr=False, default="")
    authorization_code_expired_time: int = 0
    pre_auth_code: str = field(repr=False, default="")


@dataclass(frozen=True)
class Authorized(_AuthorizationChange):
    """``authorized``: an account authorized the platform; exchange the code."""


@dataclass(frozen=True)
class UpdateAuthorized(_AuthorizationChange):
    """``updateauthorized``: an account changed its permissions; exchange the code again."""


@dataclass(frozen=True)
class Unauthorized(ComponentEvent):
    """``unauthorized``: an account revoked the platform."""

    authorizer_appid: str = ""


@dataclass(frozen=True)
class _FastRegistration(ComponentEvent):
    appid: str | None = None
    status: int = 0
    msg: str = ""
    info: Mapping[str, XMLValue] = field(default_factory=dict, compare=False)

    @property
    def succeeded(self) -> bool:
        """True when ``status`` is 0."""
        return self.status == 0


@dataclass(frozen=True)
class FastRegisterResult(_FastRegistration):
    """``notify_third_fasteregister``: result of a mini-program fast registration.

    On success (``status`` 0) ``auth_code`` goes to ``query_auth``. On failure ``appid`` and
    ``auth_code`` may be missing (None).
    """

    auth_code: str | None = field(repr=False, default=None)


@dataclass(frozen=True)
class BetaAppRegistered(_FastRegistration):
    """``notify_third_fastregisterbetaapp``: a trial mini program was created."""

    unique_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class BetaAppVerified(_FastRegistration):
    """``notify_third_fastverifybetaapp``: a trial mini program was verified."""


@dataclass(frozen=True)
class UnknownEvent(ComponentEvent):
    """An ``InfoType`` this version has no class for; all fields are in ``raw``."""


# --------------------------------------------------------------------------- message URL


@dataclass(frozen=True)
class AuthorizerMessage(Event):
    """A message or event of an authorized account, pushed to the message URL."""

    to_user_name: str
    from_user_name: str
    msg_type: str
    event: str | None = None

    @property
    def route_key(self) -> str:
        """``event:<Event>`` for events (lower-cased), else the ``MsgType``."""
        if self.msg_type == "event" and self.event:
            return f"event:{self.event.lower()}"
        return self.msg_type


@dataclass(frozen=True)
class WeappAuditResult(AuthorizerMessage):
    """``weapp_audit_success`` / ``weapp_audit_fail`` / ``weapp_audit_delay`` of a mini program."""

    succ_time: int | None = None
    fail_time: int | None = None
    delay_time: int | None = None
    reason: str | None = None
    screenshots: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        """True for ``weapp_audit_success``."""
        return self.event == "weapp_audit_success"


@dataclass(frozen=True)
class NicknameAuditResult(AuthorizerMessage):
    """``wxa_nickname_audit``: ``ret`` 2 rejected, 3 approved."""

    ret: int = 0
    nickname: str = ""
    reason: str = ""

    @property
    def approved(self) -> bool:
        """True when the nickname was approved (``ret`` 3)."""
        return self.ret == 3


# ------------------------------------------------------------------ users' messages


@dataclass(frozen=True)
class UserMessage(AuthorizerMessage):
    """A message a user sent to an authorized account; ``msg_id`` identifies it (retries of
    the same message carry the same id)."""

    msg_id: int | None = None


@dataclass(frozen=True)
class TextMessage(UserMessage):
    """``text``: what the user typed."""

    content: str = ""


@dataclass(frozen=True)
class ImageMessage(UserMessage):
    """``image``: a picture (``pic_url`` to download it, ``media_id`` for the media API)."""

    pic_url: str = ""
    media_id: str = ""


@dataclass(frozen=True)
class VoiceMessage(UserMessage):
    """``voice``: a voice message; ``recognition`` is WeChat's transcript when enabled."""

    media_id: str = ""
    format: str = ""
    recognition: str | None = None


@dataclass(frozen=True)
class VideoMessage(UserMessage):
    """``video``: a video with its thumbnail."""

    media_id: str = ""
    thumb_media_id: str = ""


@dataclass(frozen=True)
class ShortVideoMessage(VideoMessage):
    """``shortvideo``: a short video with its thumbnail."""


@dataclass(frozen=True)
class LocationMessage(UserMessage):
    """``location``: a place the user sent."""

    latitude: float = 0.0
    longitude: float = 0.0
    scale: int = 0
    label: str = ""


@dataclass(frozen=True)
class LinkMessage(UserMessage):
    """``link``: a link the user shared."""

    title: str = ""
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class FileMessage(UserMessage):
    """``file``: a file the user sent."""

    title: str = ""
    description: str = ""
    file_key: str = ""
    file_md5: str = ""
    file_total_len: int = 0


@dataclass(frozen=True)
class SubscribeEvent(AuthorizerMessage):
    """``event:subscribe``: a user followed the account (``event_key`` ``qrscene_…`` and
    ``ticket`` when through a parameterized QR code)."""

    event_key: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class UnsubscribeEvent(AuthorizerMessage):
    """``event:unsubscribe``: a user unfollowed the account."""


@dataclass(frozen=True)
class ScanEvent(AuthorizerMessage):
    """``event:SCAN``: a follower scanned a parameterized QR code."""

    event_key: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class LocationEvent(AuthorizerMessage):
    """``event:LOCATION``: a follower's location, reported on entering the conversation."""

    latitude: float = 0.0
    longitude: float = 0.0
    precision: float = 0.0


@dataclass(frozen=True)
class MenuClickEvent(AuthorizerMessage):
    """``event:CLICK``: a menu item was clicked; ``event_key`` is the item's key."""

    event_key: str = ""


@dataclass(frozen=True)
class MenuViewEvent(AuthorizerMessage):
    """``event:VIEW``: a menu link was opened; ``event_key`` is its URL."""

    event_key: str = ""
    menu_id: str = ""


@dataclass(frozen=True)
class TemplateSendJobFinishEvent(AuthorizerMessage):
    """``event:TEMPLATESENDJOBFINISH``: the delivery of a template message ended
    (``status`` ``success``, ``failed:user block``, ``failed: system failed``)."""

    msg_id: int | None = None
    status: str = ""

    @property
    def delivered(self) -> bool:
        """True when the message reached the user."""
        return self.status == "success"


@dataclass(frozen=True)
class UserEnterTempsessionEvent(AuthorizerMessage):
    """``event:user_enter_tempsession``: a user opened a mini program's customer-service
    conversation (``session_from`` is what the page passed)."""

    session_from: str = ""


# ------------------------------------------------------------------ names


class InfoType:
    """The ``InfoType`` values of the authorization-event URL."""

    COMPONENT_VERIFY_TICKET = "component_verify_ticket"
    AUTHORIZED = "authorized"
    UPDATE_AUTHORIZED = "updateauthorized"
    UNAUTHORIZED = "unauthorized"
    NOTIFY_THIRD_FASTEREGISTER = "notify_third_fasteregister"
    NOTIFY_THIRD_FASTREGISTERBETAAPP = "notify_third_fastregisterbetaapp"
    NOTIFY_THIRD_FASTVERIFYBETAAPP = "notify_third_fastverifybetaapp"


class MsgType:
    """The ``MsgType`` values of the message URL."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    SHORTVIDEO = "shortvideo"
    LOCATION = "location"
    LINK = "link"
    FILE = "file"
    EVENT = "event"
    MINIPROGRAMPAGE = "miniprogrampage"


class EventType:
    """The ``Event`` values of the message URL (as WeChat spells them)."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SCAN = "SCAN"
    LOCATION = "LOCATION"
    CLICK = "CLICK"
    VIEW = "VIEW"
    TEMPLATESENDJOBFINISH = "TEMPLATESENDJOBFINISH"
    USER_ENTER_TEMPSESSION = "user_enter_tempsession"
    WEAPP_AUDIT_SUCCESS = "weapp_audit_success"
    WEAPP_AUDIT_FAIL = "weapp_audit_fail"
    WEAPP_AUDIT_DELAY = "weapp_audit_delay"
    WXA_NICKNAME_AUDIT = "wxa_nickname_audit"


# --------------------------------------------------------------------------- parsing


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
    return UnknownEvent(**base)


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
