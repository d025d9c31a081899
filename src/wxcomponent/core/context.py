"""What every flow of one platform needs: its configuration, policy, clock, randomness, and
the names under which its tokens live in the store.

Internal module: import the public names (:class:`TokenKind`) from :mod:`wxcomponent`.
"""

from __future__ import annotations

import copy
import hashlib
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from ..config import ComponentConfig
from ..errors import InvalidArgument, LeaseTimeout
from .authurl import MOBILE_AUTH_URL, PC_AUTH_URL
from .backoff import CallBackoff
from .crypto import MessageCrypto
from .policy import Policy
from .xml import DEFAULT_MAX_BODY

if TYPE_CHECKING:
    from ..stores.base import CachedToken

__all__ = ["Context", "Lease", "LeaseLost", "TokenKind", "TokenProvider"]


class TokenKind(str, Enum):
    """The tokens wxcomponent keeps fresh; the value is the name used in store keys and logs.

    ``COMPONENT_ACCESS_TOKEN`` belongs to the platform; the other two to one authorizer.
    """

    COMPONENT_ACCESS_TOKEN = "component_access_token"
    AUTHORIZER_ACCESS_TOKEN = "authorizer_access_token"
    JSAPI_TICKET = "jsapi_ticket"

    @property
    def per_authorizer(self) -> bool:
        """True when the token belongs to one authorizer (it needs an authorizer appid)."""
        return self is not TokenKind.COMPONENT_ACCESS_TOKEN

    @classmethod
    def parse(cls, value: TokenKind | str) -> TokenKind:
        """The kind named by ``value`` (a member or its string value)."""
        if isinstance(value, TokenKind):
            return value
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(repr(k.value) for k in cls)
            raise InvalidArgument("kind", f"must be one of {names}, not {value!r:.40}") from None

    def __str__(self) -> str:
        return self.value


class TokenProvider(Protocol):
    """How the call engine gets and renews the token an endpoint carries.

    The shells install :class:`wxcomponent.core.tokens.Tokens`; tests of the engine may
    install their own.
    """

    def current(self, ctx: Context, kind: TokenKind,
                authorizer_appid: str) -> Generator[Any, Any, CachedToken]:
        """A fresh token of ``kind`` (fetched at most once across the fleet)."""
        ...

    def refresh(self, ctx: Context, kind: TokenKind, authorizer_appid: str,
                stale: str) -> Generator[Any, Any, CachedToken]:
        """Compare-and-refresh after WeChat refused ``stale``."""
        ...


@dataclass(frozen=True)
class Lease:
    """A store lease a single flight holds while it fetches: its key, its fence, and when it
    ends by the holder's clock (``ends_at``), counted from the moment the lease was asked for,
    so the holder never believes it longer than the store does."""

    key: str
    fence: int
    ends_at: float


class LeaseLost(LeaseTimeout):
    """The lease of a single flight ran out while it fetched (the process paused, or WeChat
    answered slowly): no further upstream call is made under it. The single flight that
    held it catches this and reads the token the next holder writes; callers do not see it."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(f"the lease on {lease.key} ran out during the refresh")
        self.lease = lease


@dataclass
class Context:
    """What every flow of one platform needs. Built by the shells; flows only read it."""

    config: ComponentConfig
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    pc_auth_url: str = PC_AUTH_URL
    mobile_auth_url: str = MOBILE_AUTH_URL
    #: Callback settings and handlers (a :class:`wxcomponent.core.callbacks.Callbacks`).
    callbacks: Any = None
    #: Where the engine gets the tokens endpoints carry (the shells give
    #: :class:`wxcomponent.core.tokens.Tokens`).
    tokens: TokenProvider = field(kw_only=True)
    #: The lease of the single flight this context fetches under (see :meth:`under`).
    lease: Lease | None = field(default=None, kw_only=True)
    #: The accounts backed off after repeated failures (shared by the copies of
    #: :meth:`under`).
    backoff: CallBackoff = field(default_factory=CallBackoff, kw_only=True)

    def __post_init__(self) -> None:
        cfg = self.config
        options = getattr(self.callbacks, "options", None)
        self.crypto = MessageCrypto(cfg.token, cfg.encoding_aes_key, cfg.appid,
                                    previous_encoding_aes_key=cfg.previous_encoding_aes_key,
                                    max_body=getattr(options, "max_body", DEFAULT_MAX_BODY))
        self._component_key = f"{cfg.appid}:{TokenKind.COMPONENT_ACCESS_TOKEN.value}"

    @property
    def appid(self) -> str:
        """The component appid."""
        return self.config.appid

    def under(self, lease: Lease) -> Context:
        """This context for the fetch of a single flight holding ``lease``: every upstream
        call made through it first checks that the lease still holds (:meth:`hold`)."""
        guarded = copy.copy(self)
        guarded.lease = lease
        return guarded

    def hold(self) -> None:
        """Raise :class:`LeaseLost` when this context fetches under a lease that has run out
        by its clock; nothing otherwise."""
        if self.lease is not None and self.clock() >= self.lease.ends_at:
            raise LeaseLost(self.lease)

    def token_key(self, kind: TokenKind, authorizer_appid: str = "") -> str:
        """The store key of a token: always under the component appid, and for the tokens of
        an authorizer under its appid too."""
        if kind is TokenKind.COMPONENT_ACCESS_TOKEN and not authorizer_appid:
            return self._component_key
        if kind.per_authorizer:
            if not authorizer_appid:
                raise InvalidArgument("authorizer_appid", f"a {kind.value} belongs to an "
                                      "authorizer: give its appid")
            return f"{self.config.appid}:{kind.value}:{authorizer_appid}"
        if authorizer_appid:
            raise InvalidArgument("authorizer_appid",
                                  f"the {kind.value} belongs to the platform, not an authorizer")
        return f"{self.config.appid}:{kind.value}"

    def auth_code_key(self, code: str) -> str:
        """Store key remembering which authorizer an auth code was exchanged for."""
        digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:32]
        return f"{self.config.appid}:auth_code:{digest}"
