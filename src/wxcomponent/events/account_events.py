"""The events of an authorized account on the message URL (``MsgType`` ``event``): followers,
QR codes, menus, template deliveries and customer-service sessions, and a mini program's
audit and nickname audit results.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import AuthorizerMessage

__all__ = [
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
