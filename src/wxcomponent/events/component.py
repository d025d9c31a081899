"""The events of the authorization-event URL (they have ``InfoType``): the verify ticket,
authorization changes and fast registrations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.xml import XMLValue
from .base import Builder, ComponentEvent, Raw
from .fields import integer, mapping, need, plain, text

__all__ = [
    "AUTHORIZATION_EVENTS",
    "Authorized",
    "BetaAppRegistered",
    "BetaAppVerified",
    "FastRegisterResult",
    "Unauthorized",
    "UnknownEvent",
    "UpdateAuthorized",
    "VerifyTicket",
]


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


def _authorization(cls: type[_AuthorizationChange]) -> Builder[ComponentEvent]:
    return lambda base, raw: cls(
        **base,
        authorizer_appid=need(raw, "AuthorizerAppid"),
        authorization_code=need(raw, "AuthorizationCode"),
        authorization_code_expired_time=integer(raw, "AuthorizationCodeExpiredTime", 0) or 0,
        pre_auth_code=plain(raw, "PreAuthCode"),
    )


def _fast(base: dict[str, Any], raw: Raw) -> dict[str, Any]:
    return {
        **base,
        "appid": text(raw, "appid") or None,
        "status": integer(raw, "status", 0),
        "msg": plain(raw, "msg"),
        "info": mapping(raw, "info"),
    }


def _beta_registered(base: dict[str, Any], raw: Raw) -> ComponentEvent:
    fast = _fast(base, raw)
    unique_id = fast["info"].get("unique_id")
    name = fast["info"].get("name")
    return BetaAppRegistered(
        **fast,
        unique_id=unique_id if isinstance(unique_id, str) else None,
        name=name if isinstance(name, str) else None,
    )


#: The builders of authorization changes and fast registrations, by ``InfoType``.
AUTHORIZATION_EVENTS: dict[str, Builder[ComponentEvent]] = {
    "authorized": _authorization(Authorized),
    "updateauthorized": _authorization(UpdateAuthorized),
    "unauthorized": lambda b, r: Unauthorized(**b, authorizer_appid=need(r, "AuthorizerAppid")),
    "notify_third_fasteregister": lambda b, r: FastRegisterResult(
        **_fast(b, r), auth_code=text(r, "auth_code") or None),
    "notify_third_fastregisterbetaapp": _beta_registered,
    "notify_third_fastverifybetaapp": lambda b, r: BetaAppVerified(**_fast(b, r)),
}
