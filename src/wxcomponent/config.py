"""Platform configuration: validated on construction, redacted in every repr."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .core.crypto import decode_aes_key
from .errors import ConfigurationError, InvalidAESKey
from .redaction import masked

__all__ = ["ComponentConfig", "validate_appid"]

_APPID = re.compile(r"wx[0-9A-Za-z]{16}")


def validate_appid(value: object, field_name: str = "appid") -> str:
    """Check an appid's form (``wx`` and 16 letters or digits) and return it."""
    if not isinstance(value, str) or not _APPID.fullmatch(value):
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else "the given value"
        raise ConfigurationError(
            field_name, f"{shown} is not an appid ('wx' followed by 16 letters or digits)"
        )
    return value


def _require_text(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(field_name, "must be a non-empty string")
    return value


def _require_key(value: object, field_name: str) -> str:
    try:
        decode_aes_key(value)
    except InvalidAESKey as exc:
        raise ConfigurationError(field_name, str(exc)) from None
    assert isinstance(value, str)
    return value


@dataclass(frozen=True)
class ComponentConfig:
    """Everything that identifies one third-party platform.

    ``appid`` is the component appid, ``secret`` its app secret, ``token`` the message-check
    Token and ``encoding_aes_key`` the current EncodingAESKey (43 characters). During a key
    rotation, ``previous_encoding_aes_key`` keeps pushes encrypted with the old key readable.
    Invalid values raise :class:`~wxcomponent.errors.ConfigurationError` naming the field.
    ``repr`` and ``str`` show no secret, token or key.
    """

    appid: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)
    previous_encoding_aes_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        validate_appid(self.appid)
        _require_text(self.secret, "secret")
        _require_text(self.token, "token")
        _require_key(self.encoding_aes_key, "encoding_aes_key")
        if self.previous_encoding_aes_key is not None:
            _require_key(self.previous_encoding_aes_key, "previous_encoding_aes_key")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, prefix: str = "WXCOMPONENT_"
    ) -> ComponentConfig:
        """Read ``WXCOMPONENT_APPID``, ``_SECRET``, ``_TOKEN``, ``_ENCODING_AES_KEY`` and
        (optional) ``_PREVIOUS_ENCODING_AES_KEY`` — the names the service uses too."""
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in ("appid", "secret", "token", "encoding_aes_key"):
            variable = prefix + name.upper()
            if not env.get(variable):
                raise ConfigurationError(name, f"set the environment variable {variable}")
            values[name] = env[variable]
        previous = env.get(prefix + "PREVIOUS_ENCODING_AES_KEY") or None
        return cls(**values, previous_encoding_aes_key=previous)

    def __repr__(self) -> str:
        return (
            f"ComponentConfig(appid={self.appid!r}, secret={masked(self.secret)}, "
            f"token={masked(self.token)}, encoding_aes_key={masked(self.encoding_aes_key)}, "
            f"previous_encoding_aes_key={masked(self.previous_encoding_aes_key)})"
        )

    __str__ = __repr__
