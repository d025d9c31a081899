"""What every emulated endpoint is made of: the declaration (:class:`Endpoint`), the request as
its handler sees it (:class:`Call`), binary answers and uploaded files, and the hooks a handler
may call on the emulator. The dispatcher lives in :mod:`.endpoints`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .model import Account, AccountKind, Credential, Grant, Platform, WxError
from .state import State

__all__ = ["MP", "OA", "OK", "Binary", "Call", "Endpoint", "Handler", "Hooks", "TokenUse",
           "Upload"]

TokenUse = Literal["none", "component", "authorizer", "any", "user"]

#: Account kinds: official accounts only, mini programs only.
OA: tuple[AccountKind, ...] = ("official_account",)
MP: tuple[AccountKind, ...] = ("mini_program",)
#: The answer of a call that returns nothing else.
OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}


@dataclass(frozen=True)
class Binary:
    """A non-JSON answer (an image)."""

    content: bytes
    content_type: str


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart body."""

    filename: str
    content_type: str
    content: bytes


class Hooks(Protocol):
    """What endpoints may ask of the emulator beyond its state."""

    def push_ticket_soon(self, component_appid: str) -> None:
        """Push a new ticket in the background."""

    def wake_scheduler(self) -> None:
        """Have the background scheduler look for due events now (a new audit step)."""


@dataclass
class Call:
    """One authenticated request, as handlers see it."""

    state: State
    hooks: Hooks
    params: dict[str, Any]
    now: float
    platform: Platform
    token: Credential | None = None
    grant: Grant | None = None
    account: Account | None = None
    #: The query string's parameters (tokens included).
    query: Mapping[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The parameter ``name`` as a string ("" when absent)."""
        value = self.params.get(name)
        return "" if value is None else str(value)

    def number(self, name: str, default: int) -> int:
        """The parameter ``name`` as a non-negative int (47001 otherwise)."""
        value = self.params.get(name, default)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise WxError(47001, f"{name} must be a number") from None
        if number < 0:
            raise WxError(47001, f"{name} must not be negative")
        return number

    def expect(self, name: str, value: str, errcode: int) -> None:
        """Raise ``errcode`` unless the parameter ``name`` equals ``value``."""
        if self.text(name) != value:
            raise WxError(errcode, f"{name} must be {value}")

    def check_secret(self, name: str) -> None:
        """Raise 40125 unless the parameter ``name`` is the platform's secret."""
        if self.text(name) != self.platform.config.secret:
            raise WxError(40125)

    def upload(self, name: str, hint: str = "") -> Upload:
        """The file uploaded as ``name`` (41005, with ``hint``, when it is missing or empty)."""
        media = self.params.get(name)
        if not isinstance(media, Upload) or not media.content:
            raise WxError(41005, hint)
        return media

    def keep(self, upload: Upload) -> str:
        """Keep ``upload`` as media of the caller (:attr:`owner`); its new media id."""
        return self.state.keep_media(self.owner, upload.filename, upload.content_type,
                                     upload.content)

    def owned(self) -> tuple[Platform, Grant, Account]:
        """The platform, grant and account the call acts for (set by the dispatcher)."""
        assert self.grant is not None and self.account is not None
        return self.platform, self.grant, self.account

    @property
    def owner(self) -> str:
        """Whose quota the call spends: the authorizer of its token, else the platform."""
        if self.token is not None and self.token.authorizer_appid is not None:
            return self.token.authorizer_appid
        return self.platform.appid

    @property
    def lifetime(self) -> int:
        """``expires_in`` of a new token."""
        return int(self.state.settings.token_lifetime)


Handler = Callable[[Call], "dict[str, Any] | Binary"]


@dataclass(frozen=True)
class Endpoint:
    """An emulated API: ``token`` says which access token it takes (``none``: it checks the
    secret itself), ``required`` the fields without which it answers an errcode,
    ``authorizer`` the field naming an account that must have authorized the platform and
    ``kinds`` the account kinds it serves (48001 for others); ``any_method`` takes GET and
    POST alike (where WeChat's SDKs disagree on the method). A ``multipart`` endpoint reads
    its fields from the query and a multipart form, files as :class:`Upload`. Component
    endpoints require ``component_appid`` in their body unless ``names_component`` is
    false."""

    method: Literal["GET", "POST"]
    path: str
    handler: Handler
    token: TokenUse = "component"
    required: tuple[str, ...] = ()
    authorizer: str | None = None
    kinds: tuple[AccountKind, ...] | None = None
    multipart: bool = False
    #: False for the component endpoints whose body names no ``component_appid`` (the
    #: template library, the platform's domains, fast registration).
    names_component: bool = True
    #: The errcode answered for an account that revoked its authorization (61003; the
    #: refresh of its token answers 61023: its refresh token died with the authorization).
    revoked_errcode: int = 61003
    any_method: bool = False

    @property
    def needed(self) -> tuple[str, ...]:
        """Required fields, with ``component_appid`` for component endpoints."""
        if self.token in ("none", "component") and self.names_component:
            return ("component_appid", *self.required)
        return self.required
