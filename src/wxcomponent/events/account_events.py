"""The events of an authorized account on the message URL (``MsgType`` ``event``): followers,
QR codes, menus, template deliveries and customer-service sessions, and a mini program's
audit and nickname audit results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import AuthorizerMessage, Builder, Raw
from .fields import decimal, integer, plain, text

__all__ = [
    "AUDIT_EVENTS",
    "EVENTS",
    "LocationEvent",
    "MenuClickEvent",
    "MenuViewEvent",
    "NicknameAuditResult",
    "ScanEvent",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "UnsubscribeEvent",
    "UserEnterTempsessionEvent",
    "WeappAuditResult",
]


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


@dataclass(frozen=True)
class _QrCodeEvent(AuthorizerMessage):
    event_key: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class SubscribeEvent(_QrCodeEvent):
    """``event:subscribe``: a user followed the account (``event_key`` ``qrscene_…`` and
    ``ticket`` when through a parameterized QR code)."""


@dataclass(frozen=True)
class UnsubscribeEvent(AuthorizerMessage):
    """``event:unsubscribe``: a user unfollowed the account."""


@dataclass(frozen=True)
class ScanEvent(_QrCodeEvent):
    """``event:SCAN``: a follower scanned a parameterized QR code."""


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


def _audit_result(base: dict[str, Any], raw: Raw) -> AuthorizerMessage:
    shots = plain(raw, "ScreenShot")
    return WeappAuditResult(
        **base,
        succ_time=integer(raw, "SuccTime"),
        fail_time=integer(raw, "FailTime"),
        delay_time=integer(raw, "DelayTime"),
        reason=text(raw, "Reason"),
        screenshots=tuple(s for s in shots.split("|") if s),
    )


def _nickname_audit(base: dict[str, Any], raw: Raw) -> AuthorizerMessage:
    return NicknameAuditResult(
        **base,
        ret=integer(raw, "ret", 0) or 0,
        nickname=plain(raw, "nickname"),
        reason=plain(raw, "reason"),
    )


def _qr_code(cls: type[_QrCodeEvent]) -> Builder[AuthorizerMessage]:
    return lambda base, raw: cls(**base, event_key=plain(raw, "EventKey"),
                                 ticket=plain(raw, "Ticket"))


#: The builders of a mini program's audit results, by ``Event`` exactly as WeChat spells it.
AUDIT_EVENTS: dict[str, Builder[AuthorizerMessage]] = {
    "weapp_audit_success": _audit_result,
    "weapp_audit_fail": _audit_result,
    "weapp_audit_delay": _audit_result,
    "wxa_nickname_audit": _nickname_audit,
}

#: The builders of the account's other events, by lower-cased ``Event``.
EVENTS: dict[str, Builder[AuthorizerMessage]] = {
    "subscribe": _qr_code(SubscribeEvent),
    "unsubscribe": lambda b, r: UnsubscribeEvent(**b),
    "scan": _qr_code(ScanEvent),
    "location": lambda b, r: LocationEvent(**b, latitude=decimal(r, "Latitude"),
                                           longitude=decimal(r, "Longitude"),
                                           precision=decimal(r, "Precision")),
    "click": lambda b, r: MenuClickEvent(**b, event_key=plain(r, "EventKey")),
    "view": lambda b, r: MenuViewEvent(**b, event_key=plain(r, "EventKey"),
                                       menu_id=plain(r, "MenuId")),
    "templatesendjobfinish": lambda b, r: TemplateSendJobFinishEvent(
        **b, msg_id=integer(r, "MsgID", integer(r, "MsgId")), status=plain(r, "Status")),
    "user_enter_tempsession": lambda b, r: UserEnterTempsessionEvent(
        **b, session_from=plain(r, "SessionFrom")),
}
