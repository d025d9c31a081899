"""The service's settings: a TOML file and/or ``WXCOMPONENT_…`` environment variables.

A file looks like this (every key but the platforms' is optional)::

    host = "0.0.0.0"
    port = 8000
    public_url = "https://wx.example.com"      # base of the redirect_uri of the authorization
    api_base = "https://api.weixin.qq.com"     # the emulator's URL for local runs
    api_key = "a long random string"           # bearer key of the internal token API
    store = "sqlite:///./wxcomponent.sqlite3"  # or "redis://host:6379/0"
    durable_store = "sqlite:///./wxcomponent-durable.sqlite3"   # beside redis:// only
    refresh_interval = 60                      # seconds between refresher rounds; 0: off
    ticket_max_age = 43200                     # /healthz fails past this ticket age
    log_level = "info"

    [[platforms]]
    appid = "wx0123456789abcdef"
    secret = "…"
    token = "…"
    encoding_aes_key = "…43 characters…"
    previous_encoding_aes_key = "…"            # during a key rotation

Environment variables override the file key by key: ``WXCOMPONENT_HOST``, ``WXCOMPONENT_PORT``,
``WXCOMPONENT_PUBLIC_URL``, ``WXCOMPONENT_API_BASE``, ``WXCOMPONENT_AUTH_BASE``,
``WXCOMPONENT_API_KEY``, ``WXCOMPONENT_STORE``, ``WXCOMPONENT_DURABLE_STORE``,
``WXCOMPONENT_REFRESH_INTERVAL``, ``WXCOMPONENT_TICKET_MAX_AGE``, ``WXCOMPONENT_LOG_LEVEL``;
the first platform's ``WXCOMPONENT_APPID``, ``WXCOMPONENT_SECRET``, ``WXCOMPONENT_TOKEN``,
``WXCOMPONENT_ENCODING_AES_KEY``, ``WXCOMPONENT_PREVIOUS_ENCODING_AES_KEY``; any platform's
``WXCOMPONENT_PLATFORMS_<N>_<KEY>`` (``N`` from 0). ``WXCOMPONENT_CONFIG`` names the file.

Every problem raises :class:`SettingsError` naming the key (``platforms[0].encoding_aes_key``)
and, for a value from the environment, the variable. Reading a file needs Python 3.11
(``tomllib``); on 3.10 configure the service with environment variables only.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import ComponentConfig
from ..errors import ConfigurationError

__all__ = [
    "DEFAULT_STORE",
    "ENV_PREFIX",
    "ServiceSettings",
    "SettingsError",
    "load_settings",
    "settings_from_mapping",
]

ENV_PREFIX = "WXCOMPONENT_"
DEFAULT_STORE = "sqlite:///./wxcomponent.sqlite3"
WECHAT_API = "https://api.weixin.qq.com"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

_SERVICE_KEYS = ("host", "port", "public_url", "api_base", "auth_base", "api_key", "store",
                 "durable_store", "refresh_interval", "ticket_max_age", "log_level")
_PLATFORM_KEYS = ("appid", "secret", "token", "encoding_aes_key", "previous_encoding_aes_key")
_MIN_API_KEY = 16


class SettingsError(ConfigurationError):
    """A setting is missing or wrong; ``field`` names its key (``platforms[0].secret``)."""


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service needs, validated. ``repr`` shows no secret.

    ``platforms`` holds one :class:`~wxcomponent.ComponentConfig` per third-party platform.
    ``api_key`` is the bearer key of the token API (the API is off without one).
    ``public_url`` is the base URL the service is reached at from browsers (the
    authorization's ``redirect_uri`` is built on it; without it, on the request's own URL).
    """

    platforms: tuple[ComponentConfig, ...]
    store: str = DEFAULT_STORE
    durable_store: str | None = None
    api_base: str = WECHAT_API
    auth_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    refresh_interval: float = 60.0
    ticket_max_age: float = 12 * 3600.0
    log_level: str = "info"

    def __post_init__(self) -> None:
        if not self.platforms:
            raise SettingsError("platforms", "configure at least one platform")
        seen: set[str] = set()
        for index, platform in enumerate(self.platforms):
            if platform.appid in seen:
                raise SettingsError(f"platforms[{index}].appid",
                                    f"{platform.appid} is configured twice")
            seen.add(platform.appid)

    def platform(self, appid: str | None = None) -> ComponentConfig:
        """The platform ``appid`` (the only one when ``appid`` is None and there is one)."""
        if appid is None:
            if len(self.platforms) == 1:
                return self.platforms[0]
            known = ", ".join(p.appid for p in self.platforms)
            raise SettingsError("platforms", f"several platforms are configured ({known}): "
                                             "name one")
        for platform in self.platforms:
            if platform.appid == appid:
                return platform
        raise SettingsError("platforms", f"no platform {appid!r} is configured")

    def __repr__(self) -> str:
        key = "'***'" if self.api_key else "None"
        return (f"ServiceSettings(platforms={list(self.platforms)!r}, "
                f"store={shown_url(self.store)!r}, api_base={self.api_base!r}, "
                f"api_key={key}, host={self.host!r}, port={self.port}, "
                f"public_url={self.public_url!r})")


def shown_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and messages)."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


# --------------------------------------------------------------------------- loading


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ServiceSettings:
    """Read the TOML file ``path`` (or ``$WXCOMPONENT_CONFIG``), apply the environment, then
    ``overrides`` (e.g. ``host=``/``port=`` from the command line, None ones ignored)."""
    env = os.environ if env is None else env
    if path is None:
        path = env.get(ENV_PREFIX + "CONFIG") or None
    data: dict[str, Any] = {}
    if path is not None:
        data = read_toml(Path(path))
    sources: dict[str, str] = {}
    _apply_env(data, env, sources)
    for key, value in overrides.items():
        if value is not None:
            data[key] = value
            sources[key] = "the command line"
    return settings_from_mapping(data, sources=sources)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file; :class:`SettingsError` when missing, unreadable or malformed."""
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError:
            raise SettingsError(str(path), "no such file") from None
        except OSError as exc:
            raise SettingsError(str(path), exc.strerror or type(exc).__name__) from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(str(path), f"not valid TOML: {exc}") from None
    raise SettingsError(str(path), "reading a TOML file needs Python 3.11 or later; on "
                                   "Python 3.10 configure the service with WXCOMPONENT_… "
                                   "environment variables")


_INDEXED = re.compile(r"PLATFORMS_(\d{1,3})_(.+)")


def _apply_env(data: dict[str, Any], env: Mapping[str, str], sources: dict[str, str]) -> None:
    known = {key.upper(): key for key in _SERVICE_KEYS}
    shortcuts = {key.upper(): key for key in _PLATFORM_KEYS}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        rest, value = name[len(ENV_PREFIX):], env[name]
        if rest in known:
            data[known[rest]] = value
            sources[known[rest]] = name
            continue
        indexed = _INDEXED.fullmatch(rest)
        index, key = (int(indexed.group(1)), indexed.group(2)) if indexed else (0, rest)
        if key not in shortcuts:
            raise SettingsError(name, "unknown environment variable" + _hint(
                rest.lower(), [*_SERVICE_KEYS, *_PLATFORM_KEYS]))
        platforms = data.setdefault("platforms", [])
        if not isinstance(platforms, list):
            raise SettingsError("platforms", "must be an array of tables ([[platforms]])")
        while len(platforms) <= index:
            platforms.append({})
        if not isinstance(platforms[index], dict):
            raise SettingsError(f"platforms[{index}]", "must be a table")
        platforms[index][shortcuts[key]] = value
        sources[f"platforms[{index}].{shortcuts[key]}"] = name


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- validation


class _Reader:
    """Takes typed values out of the raw mapping, naming the key (and its source) on error."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = sources

    def fail(self, key: str, message: str) -> SettingsError:
        source = self.sources.get(key)
        suffix = f" (set by {source})" if source else ""
        return SettingsError(key, message + suffix)

    def text(self, key: str, value: object, *, optional: bool = True) -> str | None:
        if value is None:
            if optional:
                return None
            raise self.fail(key, "is required")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def number(self, key: str, value: object, *, minimum: float, maximum: float = math.inf,
               integer: bool = False) -> float:
        if isinstance(value, str):
            try:
                value = int(value) if integer else float(value)
            except ValueError:
                raise self.fail(key, f"must be {'an integer' if integer else 'a number'}") \
                    from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (integer and not isinstance(value, int)) or not math.isfinite(value):
            raise self.fail(key, f"must be {'an integer' if integer else 'a number'}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}")
        if value > maximum:
            raise self.fail(key, f"must be at most {maximum:g}")
        return float(value)

    def url(self, key: str, value: object, *, schemes: tuple[str, ...] = ("http", "https"),
            optional: bool = True) -> str | None:
        text = self.text(key, value, optional=optional)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme not in schemes or not parts.netloc:
            raise self.fail(key, f"must be an absolute {'/'.join(schemes)} URL")
        if parts.query or parts.fragment:
            raise self.fail(key, "must not have a query string or fragment")
        return text.rstrip("/")


def settings_from_mapping(
    data: Mapping[str, Any], *, sources: Mapping[str, str] | None = None
) -> ServiceSettings:
    """Validate a raw mapping (as read from TOML) into :class:`ServiceSettings`."""
    if not isinstance(data, Mapping):
        raise SettingsError("settings", "must be a table")
    read = _Reader(sources or {})
    for key in data:
        if key not in (*_SERVICE_KEYS, "platforms"):
            raise read.fail(str(key), "unknown key" + _hint(str(key),
                                                          [*_SERVICE_KEYS, "platforms"]))
    platforms = _platforms(read, data.get("platforms"))
    store = read.text("store", data.get("store")) or DEFAULT_STORE
    _check_store_url(read, "store", store)
    durable = read.text("durable_store", data.get("durable_store"))
    if durable is not None:
        if not store.startswith(("redis://", "rediss://")):
            raise read.fail("durable_store", "is only used beside a redis:// store")
        if not durable.startswith("sqlite:///"):
            raise read.fail("durable_store", "must be a sqlite:///path URL")
    api_key = read.text("api_key", data.get("api_key"))
    if api_key is not None and len(api_key) < _MIN_API_KEY:
        raise read.fail("api_key", f"must be at least {_MIN_API_KEY} characters")
    log_level = (read.text("log_level", data.get("log_level")) or "info").lower()
    if log_level not in LOG_LEVELS:
        raise read.fail("log_level", f"must be one of {', '.join(LOG_LEVELS)}")
    return ServiceSettings(
        platforms=platforms,
        store=store,
        durable_store=durable,
        api_base=read.url("api_base", data.get("api_base")) or WECHAT_API,
        auth_base=read.url("auth_base", data.get("auth_base")),
        api_key=api_key,
        host=read.text("host", data.get("host")) or "127.0.0.1",
        port=int(read.number("port", data.get("port", 8000), minimum=0, maximum=65535,
                             integer=True)),
        public_url=read.url("public_url", data.get("public_url")),
        refresh_interval=read.number("refresh_interval", data.get("refresh_interval", 60.0),
                                     minimum=0),
        ticket_max_age=read.number("ticket_max_age", data.get("ticket_max_age", 43200.0),
                                   minimum=1),
        log_level=log_level,
    )


def _platforms(read: _Reader, raw: object) -> tuple[ComponentConfig, ...]:
    if raw is None:
        raise read.fail("platforms", "configure at least one platform ([[platforms]] with "
                                     "appid, secret, token and encoding_aes_key)")
    if not isinstance(raw, list) or not raw:
        raise read.fail("platforms", "must be a non-empty array of tables ([[platforms]])")
    configs: list[ComponentConfig] = []
    for index, item in enumerate(raw):
        prefix = f"platforms[{index}]"
        if not isinstance(item, Mapping):
            raise read.fail(prefix, "must be a table")
        for key in item:
            if key not in _PLATFORM_KEYS:
                raise read.fail(f"{prefix}.{key}", "unknown key" + _hint(str(key),
                                                                       list(_PLATFORM_KEYS)))
        for key in _PLATFORM_KEYS[:4]:
            read.text(f"{prefix}.{key}", item.get(key), optional=False)
        try:
            configs.append(ComponentConfig(**{k: item[k] for k in _PLATFORM_KEYS if k in item}))
        except ConfigurationError as exc:
            key = f"{prefix}.{exc.field}"
            message = str(exc).split(": ", 1)[-1]
            raise read.fail(key, message) from None
    return tuple(configs)


def _check_store_url(read: _Reader, key: str, url: str) -> None:
    scheme = url.partition("://")[0].lower()
    if "://" not in url or scheme not in ("sqlite", "redis", "rediss", "memory"):
        raise read.fail(key, "must be sqlite:///path, redis://host:port/db or memory://")
    if scheme == "sqlite" and (not url.startswith("sqlite:///") or url == "sqlite:///"):
        raise read.fail(key, "a SQLite URL is sqlite:///relative/path or "
                             "sqlite:////absolute/path")
