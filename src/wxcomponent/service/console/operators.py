"""Operators of the console and their password hashes (stdlib ``hashlib.scrypt`` or PBKDF2).

A password hash is one line of text that names its method and parameters, so a hash made with
stronger parameters later still verifies the older ones::

    scrypt$<n>$<r>$<p>$<salt, base64>$<derived key, base64>
    pbkdf2_sha256$<iterations>$<salt, base64>$<derived key, base64>

:func:`hash_password` makes one (``wxcomponent operator-hash`` prints one);
:func:`verify_password` checks a password against one in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from ...errors import ConfigurationError, InvalidArgument

__all__ = ["Operator", "PasswordHash", "hash_password", "parse_password_hash",
           "verify_password"]

#: The scrypt cost of new hashes (about 50 ms and 16 MiB on a server core).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_MAX_N = 2**20
_MAX_ITERATIONS = 10_000_000
_MIN_ITERATIONS = 100_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
#: The longest password accepted (longer ones are refused before any hashing).
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class PasswordHash:
    """A parsed password hash: its method, parameters, salt and derived key."""

    method: str
    params: tuple[int, ...]
    salt: bytes = field(repr=False)
    key: bytes = field(repr=False)

    def derive(self, password: str) -> bytes:
        """The key ``password`` derives to with this hash's method, parameters and salt."""
        data = password.encode("utf-8")
        if self.method == "scrypt":
            n, r, p = self.params
            return hashlib.scrypt(data, salt=self.salt, n=n, r=r, p=p,
                                  maxmem=256 * r * n + 1024 * 1024, dklen=len(self.key))
        return hashlib.pbkdf2_hmac("sha256", data, self.salt, self.params[0],
                                   dklen=len(self.key))


def _b64(text: str, name: str) -> bytes:
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ConfigurationError(name, "is not a password hash: its salt or key is not "
                                       "base64") from None
    if len(value) < 16:
        raise ConfigurationError(name, "is not a password hash: its salt and key must be at "
                                       "least 16 bytes")
    return value


def parse_password_hash(text: object, name: str = "password_hash") -> PasswordHash:
    """Parse a hash made by :func:`hash_password`; :class:`~wxcomponent.errors.ConfigurationError`
    (naming ``name``) for anything else, without echoing the value."""
    if not isinstance(text, str):
        raise ConfigurationError(name, "must be a string made by 'wxcomponent operator-hash'")
    parts = text.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
                raise ConfigurationError(name, "has scrypt parameters out of range")
            return PasswordHash("scrypt", (n, r, p), _b64(parts[4], name), _b64(parts[5], name))
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            if not _MIN_ITERATIONS <= iterations <= _MAX_ITERATIONS:
                raise ConfigurationError(name, f"needs from {_MIN_ITERATIONS} to "
                                               f"{_MAX_ITERATIONS} PBKDF2 iterations")
            return PasswordHash("pbkdf2_sha256", (iterations,), _b64(parts[2], name),
                                _b64(parts[3], name))
    except ValueError:
        pass
    raise ConfigurationError(name, "is not a password hash (scrypt$n$r$p$salt$key or "
                                   "pbkdf2_sha256$iterations$salt$key); make one with "
                                   "'wxcomponent operator-hash'")


def hash_password(password: str) -> str:
    """A new scrypt hash of ``password`` with a random salt, for the ``operators`` setting."""
    if not isinstance(password, str) or not password:
        raise InvalidArgument("password", "must be a non-empty string")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument("password", f"must be at most {MAX_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    parsed = PasswordHash("scrypt", (SCRYPT_N, SCRYPT_R, SCRYPT_P), salt, b"\0" * 32)
    key = parsed.derive(password)
    encode = base64.b64encode
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}$"
            f"{encode(key).decode()}")


def verify_password(password: str, hashed: PasswordHash) -> bool:
    """Whether ``password`` matches ``hashed`` (compared in constant time)."""
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
        return False
    return hmac.compare_digest(hashed.derive(password), hashed.key)


@dataclass(frozen=True)
class Operator:
    """Someone who may sign in to the console: a name (shown in the log of every action) and
    a password hash (never shown)."""

    name: str
    password_hash: PasswordHash = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ConfigurationError("operators.name", "must be 1-64 letters, digits, '.', "
                                                       "'_', '@' or '-', starting with a "
                                                       "letter or digit")
        if self.name == "admin":
            raise ConfigurationError("operators.name", "'admin' is the name of whoever signs "
                                                       "in with the api_key")

    @classmethod
    def of(cls, name: object, password_hash: object) -> Operator:
        """An operator from the raw setting values (raising naming the bad one)."""
        return cls(name if isinstance(name, str) else "",
                   parse_password_hash(password_hash, "operators.password_hash"))
