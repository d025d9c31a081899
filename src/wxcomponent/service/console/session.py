"""Sign-in to the console: who may, server-side sessions and the CSRF tokens of forms.

* **Credentials.** The admin key (``api_key``; the operator is then named ``admin``) or an
  operator's name and password (the ``operators`` setting, scrypt or PBKDF2 hashes). Wrong
  credentials count against the client address in the service's failure limiter, which then
  refuses that address for a while whatever it sends.
* **Sessions live in the store**, in its volatile token cache, so every host of a fleet sees
  the same ones and any host can end one. Signing in writes a record under
  ``console-session:<digest of a random id>`` that names the operator, the fingerprint of the
  credential used and the operator's generation, expiring with the session (12 hours). The
  cookie holds only the random id and the session's end, signed with HMAC-SHA256 under a key
  derived from the service's secrets; the store keeps a digest of the id, never the id.
  Every request reads the record: a session whose record is gone (signed out), whose
  operator is no longer configured or whose credential changed (another admin key or
  password), or whose generation is older than its operator's, has ended.
* **Signing out everywhere** raises the operator's generation, kept under
  ``console-operator:<name>`` in the same cache: every session of that operator made before
  is refused at its next request, on every host, without looking for them. The generation is
  a number that only grows (at least the current time in milliseconds), and it outlives the
  sessions it ends, so its own expiry never revives one.
* The cookie is ``HttpOnly``, ``SameSite=Strict``, ``Path=/console`` and ``Secure`` on a TLS
  request.
* **CSRF.** Every form carries a token derived from the session's id; a POST without the
  token of its own session is refused.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ...stores.base import AsyncStore, CachedToken
from ..settings import ServiceSettings
from .operators import (
    MAX_PASSWORD,
    Operator,
    PasswordHash,
    hash_password,
    parse_password_hash,
    verify_password,
)

__all__ = ["ADMIN", "COOKIE", "OPERATOR_KEY", "SESSION_KEY", "SESSION_TTL", "Session",
           "Sessions"]

#: The session cookie's name.
COOKIE = "wxcomponent_console"
#: How long a session lasts (seconds): one working day.
SESSION_TTL = 12 * 3600.0
#: The name of whoever signs in with the admin key.
ADMIN = "admin"
#: The prefix of a session's record in the store's token cache (then a digest of its id).
SESSION_KEY = "console-session:"
#: The prefix of an operator's generation in the store's token cache (then the name).
OPERATOR_KEY = "console-operator:"
#: How much longer than a session a raised generation is kept (hosts' clocks differ).
_SLACK = 3600.0
_MAX_COOKIE = 512
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

#: Why there is no session: no cookie, a cookie that is not ours, a session past its end,
#: or one ended before it (signed out, signed out everywhere, its operator or key changed).
Why = Literal["ok", "missing", "invalid", "expired", "ended"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    """A signed-in operator: the name, when the session ends, and its CSRF token."""

    operator: str
    expires_at: float
    csrf: str = field(repr=False)
    id: str = field(repr=False, default="")


class Sessions:
    """Checks credentials, and opens, reads and ends the sessions of the settings' operators,
    kept in ``store``."""

    def __init__(self, settings: ServiceSettings, store: AsyncStore,
                 clock: Callable[[], float], *, ttl: float = SESSION_TTL) -> None:
        self._admin_key = settings.api_key.encode("utf-8") if settings.api_key else None
        self._operators = {o.name: o for o in settings.operators}
        self._store = store
        self._clock = clock
        self.ttl = ttl
        # operators' passwords are not part of the key: each session carries the fingerprint
        # of its own credential, so a changed password ends only that operator's sessions
        material = [b"wxcomponent console session v2", self._admin_key or b"",
                    (settings.link_key or "").encode("utf-8")]
        material += [p.secret.encode("utf-8") for p in settings.platforms]
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

    @staticmethod
    def is_admin_name(name: str) -> bool:
        """Whether a sign-in with ``name`` is one with the admin key (an empty name or
        ``admin``), not an operator's password."""
        return name.strip() in ("", ADMIN)

    async def check(self, name: str, password: str) -> str | None:
        """The operator's name when ``name``/``password`` are right (``name`` empty or
        ``admin``: the password is the admin key), else None."""
        name = name.strip()
        if len(password) > MAX_PASSWORD or len(name) > 64:
            return None
        if self.is_admin_name(name):
            given = password.encode("utf-8")
            if self._admin_key is not None and hmac.compare_digest(given, self._admin_key):
                return ADMIN
            return None
        operator: Operator | None = self._operators.get(name)
        hashed = operator.password_hash if operator is not None else self._decoy
        matched = await asyncio.to_thread(verify_password, password, hashed)
        return name if matched and operator is not None else None

    # ------------------------------------------------------------------ the cookie

    def seal(self, session_id: str, expires_at: int) -> str:
        """The cookie value of a session: its id and end, signed."""
        body = {"s": session_id, "e": expires_at}
        data = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return f"{data}.{_b64(self._mac(b'session', data.encode('ascii')))}"

    def unseal(self, cookie: str) -> tuple[str, int] | None:
        """The session id and end a cookie value holds, or None when it is not a cookie this
        console signed."""
        if len(cookie) > _MAX_COOKIE or cookie.count(".") != 1:
            return None
        data, _, mac = cookie.partition(".")
        try:
            expected = self._mac(b"session", data.encode("ascii"))
            if not hmac.compare_digest(_unb64(mac), expected):
                return None
            body = json.loads(_unb64(data))
        except (ValueError, UnicodeError, binascii.Error):
            return None
        if not isinstance(body, dict) or not isinstance(body.get("s"), str) \
                or type(body.get("e")) is not int or not _ID.fullmatch(body["s"]):
            return None
        return body["s"], body["e"]

    def _csrf(self, session_id: str) -> str:
        return _b64(self._mac(b"csrf", session_id.encode("ascii")))

    @staticmethod
    def record_key(session_id: str) -> str:
        """Where the store keeps the record of session ``session_id`` (a digest of the id)."""
        return SESSION_KEY + _b64(hashlib.sha256(session_id.encode("ascii")).digest())

    @staticmethod
    def generation_key(name: str) -> str:
        """Where the store keeps the generation of operator ``name``."""
        return OPERATOR_KEY + name

    # ------------------------------------------------------------------ sessions

    async def _generation(self, name: str) -> int:
        found = await self._store.get_token(self.generation_key(name))
        if found is None:
            return 0
        try:
            return max(0, int(found.value))
        except ValueError:
            return 0

    async def open(self, name: str) -> tuple[str, Session]:
        """A new session of ``name``, recorded in the store: the cookie value and the
        session."""
        now = self._clock()
        session_id = _b64(secrets.token_bytes(18))
        expires = int(now + self.ttl)
        record = {"n": name, "c": self._fingerprint(name), "g": await self._generation(name),
                  "i": int(now)}
        await self._store.set_token(self.record_key(session_id), CachedToken(
            json.dumps(record, separators=(",", ":")), float(expires), now))
        return self.seal(session_id, expires), Session(name, float(expires),
                                                       self._csrf(session_id), session_id)

    async def read(self, cookie: str | None) -> tuple[Session | None, Why]:
        """The session of a cookie value, or None and why: ``missing``, ``invalid`` (not a
        cookie of this console, or signed with keys since changed), ``expired`` or
        ``ended`` (signed out, signed out everywhere, or its operator removed or given
        another password or key)."""
        if not cookie:
            return None, "missing"
        sealed = self.unseal(cookie)
        if sealed is None:
            return None, "invalid"
        session_id, expires = sealed
        if expires <= self._clock():
            return None, "expired"
        found = await self._store.get_token(self.record_key(session_id))
        if found is None:
            return None, "ended"
        try:
            record = json.loads(found.value)
        except ValueError:
            return None, "ended"
        if not isinstance(record, dict) or not isinstance(record.get("n"), str) \
                or not isinstance(record.get("c"), str) or type(record.get("g")) is not int:
            return None, "ended"
        name = record["n"]
        fingerprint = self._fingerprint(name)
        if fingerprint is None or not hmac.compare_digest(fingerprint, record["c"]):
            return None, "ended"
        if record["g"] < await self._generation(name):
            return None, "ended"
        return Session(name, float(expires), self._csrf(session_id), session_id), "ok"

    async def close(self, session: Session) -> None:
        """End ``session`` (sign out): its record is deleted, so its cookie is refused on
        every host from now on."""
        await self._store.delete_token(self.record_key(session.id))

    async def close_everywhere(self, session: Session) -> None:
        """End every session of ``session``'s operator, on every host (sign out
        everywhere); other operators' sessions go on."""
        now = self._clock()
        generation = max(await self._generation(session.operator) + 1, int(now * 1000))
        await self._store.set_token(self.generation_key(session.operator), CachedToken(
            str(generation), now + self.ttl + _SLACK, now))
        await self.close(session)

    @staticmethod
    def csrf_ok(session: Session, given: object) -> bool:
        """Whether ``given`` is the CSRF token of ``session`` (constant time)."""
        return isinstance(given, str) and hmac.compare_digest(
            given.encode("utf-8", "replace"), session.csrf.encode("ascii"))
