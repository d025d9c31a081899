"""Authorization links and the state of an authorization in flight: signed, expiring tokens.

An **authorization link** is what the admin API hands out for one tenant (a reference of the
company's own, such as a customer id): ``{public_url}/{component_appid}/authorize?link=TOKEN``.
The token carries the link's id, the platform, the tenant, its expiry and the authorization
page's options (``auth_type``, ``biz_appid``, ``category_ids``, ``mobile``), and a MAC over
them, so the public page trusts nothing it did not sign itself.

The **state** travels in the ``redirect_uri`` given to WeChat
(``…/authorized?state=TOKEN``) and comes back with the merchant: it names the pre-auth code
the page used (by digest), the tenant and the link, so that ``/authorized`` completes only
authorizations this service started.

Tokens are ``v1.<payload>.<mac>``: the payload is compact JSON in unpadded base64url, the MAC
the first 16 bytes of an HMAC-SHA256 over a purpose label and the payload (a state can never
pass for a link, nor the reverse). The key of each platform is derived with HMAC-SHA256 from
the ``link_key`` setting, or from the platform's app secret when no ``link_key`` is set, and
the component appid: every host with the same settings checks every host's links, and a
changed key (or app secret) voids the links given out before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import validate_appid
from ..core.authurl import AuthType
from ..errors import ConfigurationError, InvalidArgument

__all__ = [
    "MAX_TENANT_LENGTH",
    "AuthorizationLink",
    "AuthorizationState",
    "LinkExpired",
    "LinkInvalid",
    "LinkSigner",
    "check_appid",
    "code_digest",
    "validate_tenant",
]

#: The longest tenant reference accepted.
MAX_TENANT_LENGTH = 128
#: The most category ids a link may carry.
MAX_CATEGORIES = 32
#: The longest token looked at (anything longer is refused unread).
MAX_TOKEN_LENGTH = 2048

_LINK = b"wxcomponent authorization link v1\x00"
_STATE = b"wxcomponent authorization state v1\x00"
_KEY_LABEL = b"wxcomponent link key v1\x00"
_MAC_BYTES = 16
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{2,2000})\.([A-Za-z0-9_-]{22})")
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_DIGEST = re.compile(r"[0-9a-f]{32}")


class LinkInvalid(InvalidArgument):
    """A link or state token that is malformed, forged, or for another platform."""


class LinkExpired(LinkInvalid):
    """A link or state token whose lifetime is over."""


def validate_tenant(value: object, name: str = "tenant") -> str:
    """A tenant reference: 1 to 128 printable characters, no surrounding whitespace."""
    if not isinstance(value, str):
        raise InvalidArgument(name, "must be a string")
    if not value or len(value) > MAX_TENANT_LENGTH or not value.isprintable() \
            or value != value.strip():
        raise InvalidArgument(name, f"must be 1 to {MAX_TENANT_LENGTH} printable characters "
                                    "without surrounding spaces")
    return value


def check_appid(value: object, name: str) -> str:
    """An appid (``wx`` and 16 letters or digits), else :class:`InvalidArgument`."""
    try:
        return validate_appid(value, name)
    except ConfigurationError as exc:
        raise InvalidArgument(name, str(exc).split(": ", 1)[-1]) from None


def code_digest(pre_auth_code: str) -> str:
    """What a pre-auth code is known by in the store and in states (never the code itself)."""
    return hashlib.sha256(pre_auth_code.encode("utf-8")).hexdigest()[:32]


def _category_ids(value: object, name: str = "category_ids") -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or len(value) > MAX_CATEGORIES:
        raise InvalidArgument(name, f"must be a list of at most {MAX_CATEGORIES} numbers")
    found: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < 2**31:
            raise InvalidArgument(name, "must be a list of non-negative integers")
        found.append(item)
    return tuple(found)


@dataclass(frozen=True)
class AuthorizationLink:
    """What an authorization link says: who it is for and how the page is opened.

    ``link_id`` is random and names the link in the store (its single use);
    ``expires_at`` is in epoch seconds.
    """

    link_id: str
    component_appid: str
    tenant: str
    expires_at: int
    auth_type: int = AuthType.BOTH
    biz_appid: str | None = None
    category_ids: tuple[int, ...] = ()
    mobile: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.link_id, str) or not _ID.fullmatch(self.link_id):
            raise InvalidArgument("link_id", "must be 16 to 64 URL-safe characters")
        check_appid(self.component_appid, "component_appid")
        validate_tenant(self.tenant)
        if isinstance(self.expires_at, bool) or not isinstance(self.expires_at, int):
            raise InvalidArgument("expires_at", "must be an integer (epoch seconds)")
        if self.auth_type not in AuthType.VALID:
            raise InvalidArgument("auth_type", f"must be one of {sorted(AuthType.VALID)}")
        if self.biz_appid is not None:
            check_appid(self.biz_appid, "biz_appid")
        _category_ids(list(self.category_ids))
        if not isinstance(self.mobile, bool):
            raise InvalidArgument("mobile", "must be true or false")

    @classmethod
    def new(cls, component_appid: str, tenant: str, expires_at: int, *,
            auth_type: int = AuthType.BOTH, biz_appid: str | None = None,
            category_ids: Iterable[int] = (), mobile: bool = False) -> AuthorizationLink:
        """A link with a fresh random id."""
        return cls(secrets.token_urlsafe(18), component_appid, tenant, expires_at, auth_type,
                   biz_appid, tuple(category_ids), mobile)

    def payload(self) -> dict[str, Any]:
        """The signed fields, in their compact names."""
        body: dict[str, Any] = {"i": self.link_id, "p": self.component_appid,
                                "t": self.tenant, "e": self.expires_at, "a": self.auth_type}
        if self.biz_appid:
            body["b"] = self.biz_appid
        if self.category_ids:
            body["c"] = list(self.category_ids)
        if self.mobile:
            body["m"] = 1
        return body

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AuthorizationLink:
        """The link of a verified payload (:class:`LinkInvalid` when a field is wrong)."""
        try:
            return cls(data["i"], data["p"], data["t"], data["e"], data.get("a", 3),
                       data.get("b"), _category_ids(data.get("c")), data.get("m") == 1)
        except (KeyError, InvalidArgument) as exc:
            raise LinkInvalid("link", f"is not a valid authorization link ({exc})") from None


@dataclass(frozen=True)
class AuthorizationState:
    """The state carried through WeChat's page: the pre-auth code's digest (``session``),
    the tenant and link it was started for (None for an open start), and its expiry."""

    session: str
    component_appid: str
    expires_at: int
    tenant: str | None = None
    link_id: str | None = field(default=None)

    def payload(self) -> dict[str, Any]:
        """The signed fields, in their compact names."""
        body: dict[str, Any] = {"s": self.session, "p": self.component_appid,
                                "e": self.expires_at}
        if self.tenant is not None:
            body["t"] = self.tenant
        if self.link_id is not None:
            body["i"] = self.link_id
        return body

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AuthorizationState:
        """The state of a verified payload (:class:`LinkInvalid` when a field is wrong)."""
        session, appid, expires = data.get("s"), data.get("p"), data.get("e")
        tenant, link_id = data.get("t"), data.get("i")
        try:
            if not isinstance(session, str) or not _DIGEST.fullmatch(session):
                raise InvalidArgument("s", "is not a digest")
            check_appid(appid, "component_appid")
            if isinstance(expires, bool) or not isinstance(expires, int):
                raise InvalidArgument("e", "is not an integer")
            if tenant is not None:
                validate_tenant(tenant)
            if link_id is not None and (not isinstance(link_id, str)
                                        or not _ID.fullmatch(link_id)):
                raise InvalidArgument("i", "is not a link id")
        except InvalidArgument as exc:
            raise LinkInvalid("state", f"is not a valid authorization state ({exc})") from None
        assert isinstance(appid, str)
        return cls(session, appid, expires, tenant, link_id)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    """Signs and checks the links and states of one platform.

    ``secret`` is the ``link_key`` setting, or the platform's app secret when none is set;
    the MAC key is derived from it and the component appid. ``repr`` shows no key.
    """

    def __init__(self, component_appid: str, secret: str) -> None:
        if not secret:
            raise InvalidArgument("secret", "must not be empty")
        self.component_appid = component_appid
        self._key = hmac.new(secret.encode("utf-8"), _KEY_LABEL + component_appid.encode(),
                             hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"<LinkSigner {self.component_appid}>"

    def _mac(self, purpose: bytes, payload: str) -> str:
        digest = hmac.new(self._key, purpose + payload.encode("ascii"), hashlib.sha256)
        return _b64(digest.digest()[:_MAC_BYTES])

    def _seal(self, purpose: bytes, appid: str, payload: Mapping[str, Any], name: str) -> str:
        if appid != self.component_appid:
            raise InvalidArgument(name, "belongs to another platform")
        text = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False,
                               sort_keys=True).encode("utf-8"))
        return f"v1.{text}.{self._mac(purpose, text)}"

    def _open(self, purpose: bytes, token: object, name: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise LinkInvalid(name, "is missing or malformed")
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise LinkInvalid(name, "is missing or malformed")
        text, mac = match.groups()
        if not hmac.compare_digest(self._mac(purpose, text), mac):
            raise LinkInvalid(name, "is not signed by this service (or was altered)")
        try:
            data = json.loads(_unb64(text).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise LinkInvalid(name, "is malformed") from None
        if not isinstance(data, dict):
            raise LinkInvalid(name, "is malformed")
        return data

    def _check(self, appid: str, expires_at: int, now: float, name: str) -> None:
        if appid != self.component_appid:
            raise LinkInvalid(name, "belongs to another platform")
        if now >= expires_at:
            raise LinkExpired(name, "has expired: ask for a new one")

    def sign_link(self, link: AuthorizationLink) -> str:
        """The token of ``link``."""
        return self._seal(_LINK, link.component_appid, link.payload(), "link")

    def open_link(self, token: object, now: float) -> AuthorizationLink:
        """The link a token names, checked: signed here, this platform's, not expired."""
        link = AuthorizationLink.from_payload(self._open(_LINK, token, "link"))
        self._check(link.component_appid, link.expires_at, now, "link")
        return link

    def sign_state(self, state: AuthorizationState) -> str:
        """The token of ``state``."""
        return self._seal(_STATE, state.component_appid, state.payload(), "state")

    def open_state(self, token: object, now: float) -> AuthorizationState:
        """The state a token names, checked like a link."""
        state = AuthorizationState.from_payload(self._open(_STATE, token, "state"))
        self._check(state.component_appid, state.expires_at, now, "state")
        return state
