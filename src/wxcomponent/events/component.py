"""The events of the authorization-event URL (they have ``InfoType``): the verify ticket,
authorization changes and fast registrations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..core.xml import XMLValue
from .base import ComponentEvent

__all__ = [
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
