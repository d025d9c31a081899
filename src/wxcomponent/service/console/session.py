"""Sign-in to the console: who may, the signed session cookie and the CSRF tokens of forms.

* **Credentials.** The admin key (``api_key``; the operator is then named ``admin``) or an
  operator's name and password (the ``operators`` setting, scrypt or PBKDF2 hashes). Wrong
  credentials count against the client address in the service's failure limiter, which then
  refuses that address for a while whatever it sends.
* **The session** is a cookie holding the operator's name, when it was issued and expires, a
  random nonce and a fingerprint of the credential used, signed with HMAC-SHA256 under a key
  derived from the service's secrets (so every host of a fleet with the same settings accepts
  it, and a changed key or password ends the sessions made with the old one). It is
  ``HttpOnly``, ``SameSite=Strict``, ``Path=/console`` and ``Secure`` on a TLS request.
* **CSRF.** Every form carries a token derived from the session's nonce; a POST without the
  token of its own session is refused.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..settings import ServiceSettings
from .operators import (
    MAX_PASSWORD,
    Operator,
    PasswordHash,
    hash_password,
    parse_password_hash,
    verify_password,
)

__all__ = ["COOKIE", "SESSION_TTL", "Session", "Sessions"]

#: The session cookie's name.
COOKIE = "wxcomponent_console"
#: How long a session lasts (seconds): one working day.
SESSION_TTL = 12 * 3600.0
#: The name of whoever signs in with the admin key.
ADMIN = "admin"
_MAX_COOKIE = 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    """A signed-in operator: the name, when the session ends, and its CSRF token."""

    operator: str
    expires_at: float
    csrf: str


class Sessions:
    """Checks credentials and issues and reads session cookies for the settings' operators."""

    def __init__(self, settings: ServiceSettings, clock: Callable[[], float], *,
                 ttl: float = SESSION_TTL) -> None:
        self._admin_key = settings.api_key.encode("utf-8") if settings.api_key else None
        self._operators = {o.name: o for o in settings.operators}
        self._clock = clock
        self.ttl = ttl
        material = [b"wxcomponent console session v1", self._admin_key or b"",
                    (settings.link_key or "").encode("utf-8")]
        material += [p.secret.encode("utf-8") for p in settings.platforms]
        material += [o.password_hash.key for o in settings.operators]
        self._key = hashlib.sha256(b"\0".join(len(m).to_bytes(4, "big") + m
                                               for m in material)).digest()
        # verified when the name is unknown, so a wrong name costs as long as a wrong password
        self._decoy: PasswordHash = parse_password_hash(hash_password(secrets.token_hex(16)))

    @property
    def enabled(self) -> bool:
        """Whether anyone can sign in (an ``api_key`` or at least one operator)."""
        return self._admin_key is not None or bool(self._operators)

    @property
    def operator_names(self) -> Sequence[str]:
        """The configured operators' names."""
        return tuple(self._operators)

    def _mac(self, purpose: bytes, data: bytes) -> bytes:
        return hmac.new(self._key, purpose + b"\0" + data, hashlib.sha256).digest()

    def _fingerprint(self, name: str) -> str | None:
        if name == ADMIN:
            secret = self._admin_key
        else:
            operator = self._operators.get(name)
            secret = operator.password_hash.key if operator is not None else None
        return None if secret is None else _b64(self._mac(b"credential", secret)[:12])

    async def check(self, name: str, password: str) -> str | None:
        """The operator's name when ``name``/``password`` are right (``name`` empty or
        ``admin``: the password is the admin key), else None."""
        name = name.strip()
        if len(password) > MAX_PASSWORD or len(name) > 64:
            return None
        if name in ("", ADMIN):
            given = password.encode("utf-8")
            if self._admin_key is not None and hmac.compare_digest(given, self._admin_key):
                return ADMIN
            return None
        operator: Operator | None = self._operators.get(name)
        hashed = operator.password_hash if operator is not None else self._decoy
        matched = await asyncio.to_thread(verify_password, password, hashed)
        return name if matched and operator is not None else None

    def issue(self, name: str) -> tuple[str, Session]:
        """A new session of ``name``: the cookie value and the session."""
        now = self._clock()
        nonce = _b64(secrets.token_bytes(16))
        expires = int(now + self.ttl)
        body = {"n": name, "i": int(now), "e": expires, "s": nonce,
                "c": self._fingerprint(name)}
        data = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        value = f"{data}.{_b64(self._mac(b'session', data.encode('ascii')))}"
        return value, Session(name, float(expires), self._csrf(nonce))

    def _csrf(self, nonce: str) -> str:
        return _b64(self._mac(b"csrf", nonce.encode("ascii")))

    def read(self, cookie: str | None) -> tuple[Session | None, str]:
        """The session of a cookie value, or None and why: ``missing``, ``invalid`` (bad
        signature, or its key or password changed) or ``expired``."""
        if not cookie:
            return None, "missing"
        if len(cookie) > _MAX_COOKIE or cookie.count(".") != 1:
            return None, "invalid"
        data, _, mac = cookie.partition(".")
        try:
            expected = self._mac(b"session", data.encode("ascii"))
            if not hmac.compare_digest(_unb64(mac), expected):
                return None, "invalid"
            body = json.loads(_unb64(data))
        except (ValueError, UnicodeError, binascii.Error):
            return None, "invalid"
        if not isinstance(body, dict) or not isinstance(body.get("n"), str) \
                or not isinstance(body.get("e"), int) or not isinstance(body.get("s"), str):
            return None, "invalid"
        name = body["n"]
        if self._fingerprint(name) is None or body.get("c") != self._fingerprint(name):
            return None, "invalid"
        if body["e"] <= self._clock():
            return None, "expired"
        return Session(name, float(body["e"]), self._csrf(body["s"])), "ok"

    @staticmethod
    def csrf_ok(session: Session, given: object) -> bool:
        """Whether ``given`` is the CSRF token of ``session`` (constant time)."""
        return isinstance(given, str) and hmac.compare_digest(
            given.encode("utf-8", "replace"), session.csrf.encode("ascii"))

