"""The service's settings: a TOML file and/or ``WXCOMPONENT_…`` environment variables.

A file looks like this (every key but the platforms' is optional)::

    host = "0.0.0.0"                           # the public listener: callbacks and pages
    port = 8000
    admin_host = "127.0.0.1"                   # the admin listener: token API, links, metrics
    admin_port = 8001
    public_url = "https://wx.example.com"      # base URL of the pages (off without it)
    api_base = "https://api.weixin.qq.com"     # the emulator's URL for local runs
    api_key = "a long random string"           # bearer key of the admin API
    link_key = "another long random string"    # signs authorization links (default: derived)
    link_ttl = 604800                          # default lifetime of a link, seconds
    open_authorize = false                     # true: /authorize also without a link
    trusted_proxies = ["10.0.0.0/8"]           # whose X-Forwarded-For is believed
    callback_allowlist = false                 # true: pushes only from WeChat's addresses
    page_rate_limit = 30                       # page requests per minute per client address
    auth_failure_limit = 10                    # failed bearer keys per minute per address
    header_timeout = 10                        # seconds to send the request head
    body_timeout = 10                          # seconds to send the body after the head
    store = "sqlite:///./wxcomponent.sqlite3"  # or "redis://host:6379/0"
    durable_store = "postgresql://wx:…@db/wx"   # beside redis:// only (or sqlite:///path)
    refresh_interval = 60                      # seconds between refresher rounds; 0: off
    ticket_max_age = 43200                     # /healthz fails past this ticket age
    delivered_retention = 259200               # seconds delivered pushes are kept (3 days)
    dead_retention = 2592000                   # … dead ones (30 days)
    exchange_retention = 259200                # … finished code exchanges (3 days)
    log_level = "info"

    handlers = "myapp.wechat:register"         # register(component) for each platform
    reply_url = "https://app.internal/wechat/reply"   # asked for passive replies (≤ 4 s)
    reply_secret = "a long random string"      # signs what is sent to reply_url

    [[operators]]                              # who may sign in to /console (besides api_key)
    name = "alice"
    password_hash = "scrypt$16384$8$1$…"       # printed by `wxcomponent operator-hash`

    [[webhooks]]                               # every push, delivered with nothing lost
    name = "app"
    url = "https://app.internal/wechat/pushes"
    secret = "a long random string"            # HMAC key of X-Wxcomponent-Signature
    # kinds = ["authorized", "unauthorized", "text"]   # default: every push
    # timeout = 10                             # seconds per try
    # max_age = 86400                          # retried this long, then dead

    [[platforms]]
    appid = "wx0123456789abcdef"
    secret = "…"
    token = "…"
    encoding_aes_key = "…43 characters…"
    previous_encoding_aes_key = "…"            # during a key rotation

Environment variables override the file key by key: ``WXCOMPONENT_`` and the key in capitals
(``WXCOMPONENT_HOST``, ``WXCOMPONENT_ADMIN_PORT``, ``WXCOMPONENT_LINK_KEY``, …; a list such
as ``trusted_proxies`` is comma-separated, a boolean is ``true``/``false``);
the first platform's ``WXCOMPONENT_APPID``, ``WXCOMPONENT_SECRET``, ``WXCOMPONENT_TOKEN``,
``WXCOMPONENT_ENCODING_AES_KEY``, ``WXCOMPONENT_PREVIOUS_ENCODING_AES_KEY``;
``WXCOMPONENT_OPERATORS`` as ``name:hash,name:hash``; any platform's
``WXCOMPONENT_PLATFORMS_<N>_<KEY>`` (``N`` from 0). ``WXCOMPONENT_CONFIG`` names the file.

Every problem raises :class:`SettingsError` naming the key (``platforms[0].encoding_aes_key``)
and, for a value from the environment, the variable. Reading a file needs Python 3.11
(``tomllib``); on 3.10 configure the service with environment variables only.
"""

from __future__ import annotations

import difflib
import ipaddress
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
from ..core.callbacks import CallbackOptions
from ..errors import ConfigurationError
from ..redaction import masked, redact_text
from .console.operators import Operator
from .forward import Webhook
from .retention import Retention

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

_SERVICE_KEYS = ("host", "port", "admin_host", "admin_port", "public_url", "api_base",
                 "auth_base", "api_key", "link_key", "link_ttl", "open_authorize",
                 "trusted_proxies", "callback_allowlist", "page_rate_limit",
                 "auth_failure_limit", "header_timeout",
                 "body_timeout", "store", "durable_store", "refresh_interval", "ticket_max_age",
                 "log_level", "handlers", "reply_url", "reply_secret", "reply_timeout",
                 "operators", "delivered_retention", "dead_retention", "exchange_retention")
_PLATFORM_KEYS = ("appid", "secret", "token", "encoding_aes_key", "previous_encoding_aes_key")
_WEBHOOK_KEYS = ("name", "url", "secret", "kinds", "timeout", "max_age")
_HANDLERS = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_MIN_API_KEY = 16
_MIN_LINK_KEY = 32
#: The longest lifetime of an authorization link (30 days).
MAX_LINK_TTL = 30 * 86400.0


class SettingsError(ConfigurationError):
    """A setting is missing or wrong; ``field`` names its key (``platforms[0].secret``)."""


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service needs, validated. ``repr`` shows no secret.

    ``platforms`` holds one :class:`~wxcomponent.ComponentConfig` per third-party platform.

    Two listeners: ``host``/``port`` is the **public** one (callback URLs, the authorization
    pages, a bare ``/healthz`` and ``/readyz``); ``admin_host``/``admin_port`` the **admin**
    one (the token API, authorization links, the authorizers' listing, ``/metrics`` and the
    detailed health), on loopback by default. ``api_key`` is the bearer key of the admin API
    (off without one).

    ``public_url`` is the base URL browsers reach the public listener at; the authorization
    pages are off without it (a ``redirect_uri`` is never built from a request's ``Host``).
    ``link_key`` signs authorization links (without it, a key derived from each platform's
    app secret); ``link_ttl`` is a link's default lifetime; ``open_authorize`` serves
    ``/authorize`` without a link. ``trusted_proxies`` are the addresses or networks whose
    ``X-Forwarded-For`` names the client; ``callback_allowlist`` accepts pushes only from
    WeChat's callback addresses (``getcallbackip``, fetched once a day and shared through the
    store; see :mod:`wxcomponent.service.allowlist`); ``page_rate_limit`` and
    ``auth_failure_limit`` (wrong keys only: a right one is always served) are per client
    address and minute (0: off);
    ``header_timeout`` and ``body_timeout`` close connections whose request head or body is
    not complete in time.

    ``webhooks`` receive every accepted push, written to the store's queue before WeChat is
    answered and retried until delivered (:mod:`wxcomponent.service.forward`); ``reply_url``
    is asked for a passive reply to users' messages within ``reply_timeout`` seconds;
    ``handlers`` names ``module:function``, called with each platform at start to register
    Python push handlers. ``operators`` may sign in to the console (``/console`` on the
    admin listener) with their passwords, besides whoever holds ``api_key``. ``retention``
    is how long delivered and dead pushes and finished code exchanges are kept
    (:class:`~wxcomponent.service.retention.Retention`).
    """

    platforms: tuple[ComponentConfig, ...]
    store: str = DEFAULT_STORE
    durable_store: str | None = None
    api_base: str = WECHAT_API
    auth_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    admin_host: str = "127.0.0.1"
    admin_port: int = 8001
    public_url: str | None = None
    link_key: str | None = field(default=None, repr=False)
    link_ttl: float = 7 * 86400.0
    open_authorize: bool = False
    trusted_proxies: tuple[str, ...] = ()
    callback_allowlist: bool = False
    page_rate_limit: int = 30
    auth_failure_limit: int = 10
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    refresh_interval: float = 60.0
    ticket_max_age: float = 12 * 3600.0
    log_level: str = "info"
    webhooks: tuple[Webhook, ...] = ()
    handlers: str | None = None
    reply_url: str | None = None
    reply_secret: str | None = field(default=None, repr=False)
    reply_timeout: float = 4.0
    operators: tuple[Operator, ...] = ()
    retention: Retention = field(default_factory=Retention)

    def __post_init__(self) -> None:
        if not self.platforms:
            raise SettingsError("platforms", "configure at least one platform")
        seen: set[str] = set()
        for index, platform in enumerate(self.platforms):
            if platform.appid in seen:
                raise SettingsError(f"platforms[{index}].appid",
                                    f"{platform.appid} is configured twice")
            seen.add(platform.appid)
        names = [hook.name for hook in self.webhooks]
        if len(set(names)) != len(names):
            raise SettingsError("webhooks", "each webhook needs a name of its own")
        if self.reply_url is not None and not self.reply_secret:
            raise SettingsError("reply_secret", "is required with reply_url (it signs what is "
                                                "sent there)")
        if self.port == self.admin_port and self.port != 0:
            raise SettingsError("admin_port", f"must differ from port ({self.port}): the "
                                              "admin listener is a listener of its own")

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
        return (f"ServiceSettings(platforms={list(self.platforms)!r}, "
                f"store={redact_text(self.store)!r}, api_base={self.api_base!r}, "
                f"api_key={masked(self.api_key)}, link_key={masked(self.link_key)}, "
                f"host={self.host!r}, port={self.port}, "
                f"admin_host={self.admin_host!r}, admin_port={self.admin_port}, "
                f"public_url={self.public_url!r}, open_authorize={self.open_authorize})")


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


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_INDEXED = re.compile(r"PLATFORMS_(\d{1,3})_(.+)")
_WEBHOOK_ENV = re.compile(r"WEBHOOKS_(\d{1,3})_(.+)")


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
        hook = _WEBHOOK_ENV.fullmatch(rest)
        if hook is not None and hook.group(2).lower() in _WEBHOOK_KEYS:
            hooks = data.setdefault("webhooks", [])
            if not isinstance(hooks, list):
                raise SettingsError("webhooks", "must be an array of tables ([[webhooks]])")
            index = int(hook.group(1))
            while len(hooks) <= index:
                hooks.append({})
            hooks[index][hook.group(2).lower()] = value
            sources[f"webhooks[{index}].{hook.group(2).lower()}"] = name
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

    def flag(self, key: str, value: object, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise self.fail(key, "must be true or false")

    def networks(self, key: str, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        items: list[object]
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, list):
            items = list(value)
        else:
            raise self.fail(key, "must be a list of addresses or networks")
        found: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise self.fail(key, "must be a list of addresses or networks (strings)")
            try:
                found.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError:
                raise self.fail(key, f"{item[:60]!r} is not an IP address or network "
                                     "such as 10.0.0.0/8") from None
        return tuple(found)

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
        if key not in (*_SERVICE_KEYS, "platforms", "webhooks"):
            raise read.fail(str(key), "unknown key" + _hint(
                str(key), [*_SERVICE_KEYS, "platforms", "webhooks"]))
    platforms = _platforms(read, data.get("platforms"))
    store = read.text("store", data.get("store")) or DEFAULT_STORE
    _check_store_url(read, "store", store)
    durable = read.text("durable_store", data.get("durable_store"))
    if durable is not None:
        if not store.startswith(("redis://", "rediss://", "redis+cluster://",
                                 "rediss+cluster://")):
            raise read.fail("durable_store", "is only used beside a redis:// store")
        if not durable.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise read.fail("durable_store", "must be a sqlite:///path or postgresql:// URL")
    api_key = read.text("api_key", data.get("api_key"))
    if api_key is not None and len(api_key) < _MIN_API_KEY:
        raise read.fail("api_key", f"must be at least {_MIN_API_KEY} characters")
    link_key = read.text("link_key", data.get("link_key"))
    if link_key is not None and len(link_key) < _MIN_LINK_KEY:
        raise read.fail("link_key", f"must be at least {_MIN_LINK_KEY} characters")
    handlers = read.text("handlers", data.get("handlers"))
    if handlers is not None and not _HANDLERS.fullmatch(handlers):
        raise read.fail("handlers", "must name module:function, e.g. myapp.wechat:register")
    reply_secret = read.text("reply_secret", data.get("reply_secret"))
    if reply_secret is not None and len(reply_secret) < _MIN_API_KEY:
        raise read.fail("reply_secret", f"must be at least {_MIN_API_KEY} characters")
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
        port=_port(read, "port", data.get("port", 8000)),
        admin_host=read.text("admin_host", data.get("admin_host")) or "127.0.0.1",
        admin_port=_port(read, "admin_port", data.get("admin_port", 8001)),
        public_url=read.url("public_url", data.get("public_url")),
        link_key=link_key,
        link_ttl=read.number("link_ttl", data.get("link_ttl", 7 * 86400.0), minimum=60,
                             maximum=MAX_LINK_TTL),
        open_authorize=read.flag("open_authorize", data.get("open_authorize"), False),
        trusted_proxies=read.networks("trusted_proxies", data.get("trusted_proxies")),
        callback_allowlist=read.flag("callback_allowlist", data.get("callback_allowlist"),
                                     False),
        page_rate_limit=int(read.number("page_rate_limit", data.get("page_rate_limit", 30),
                                        minimum=0, maximum=100_000, integer=True)),
        auth_failure_limit=int(read.number("auth_failure_limit",
                                           data.get("auth_failure_limit", 10), minimum=0,
                                           maximum=100_000, integer=True)),
        header_timeout=read.number("header_timeout", data.get("header_timeout", 10.0),
                                   minimum=0.05, maximum=600),
        body_timeout=read.number("body_timeout", data.get("body_timeout", 10.0),
                                 minimum=0.05, maximum=600),
        refresh_interval=read.number("refresh_interval", data.get("refresh_interval", 60.0),
                                     minimum=0),
        ticket_max_age=read.number("ticket_max_age", data.get("ticket_max_age", 43200.0),
                                   minimum=1),
        log_level=log_level,
        webhooks=_webhooks(read, data.get("webhooks")),
        handlers=handlers,
        reply_url=read.url("reply_url", data.get("reply_url")),
        reply_secret=reply_secret,
        reply_timeout=read.number("reply_timeout", data.get("reply_timeout", 4.0),
                                  minimum=0.1, maximum=4.5),
        operators=_operators(read, data.get("operators")),
        retention=_retention(read, data),
    )


def _port(read: _Reader, key: str, value: object) -> int:
    return int(read.number(key, value, minimum=0, maximum=65535, integer=True))


def _tables(read: _Reader, name: str, raw: object,
            keys: tuple[str, ...]) -> list[tuple[str, Mapping[str, Any]]]:
    """The tables of ``[[name]]`` with their key prefix (``name[i]``), every key known."""
    if not isinstance(raw, list):
        raise read.fail(name, f"must be an array of tables ([[{name}]])")
    found: list[tuple[str, Mapping[str, Any]]] = []
    for index, item in enumerate(raw):
        prefix = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            raise read.fail(prefix, "must be a table")
        for key in item:
            if key not in keys:
                raise read.fail(f"{prefix}.{key}", "unknown key" + _hint(str(key), list(keys)))
        found.append((prefix, item))
    return found


def _platforms(read: _Reader, raw: object) -> tuple[ComponentConfig, ...]:
    if raw is None:
        raise read.fail("platforms", "configure at least one platform ([[platforms]] with "
                                     "appid, secret, token and encoding_aes_key)")
    if isinstance(raw, list) and not raw:
        raise read.fail("platforms", "must be a non-empty array of tables ([[platforms]])")
    configs: list[ComponentConfig] = []
    for prefix, item in _tables(read, "platforms", raw, _PLATFORM_KEYS):
        for key in _PLATFORM_KEYS[:4]:
            read.text(f"{prefix}.{key}", item.get(key), optional=False)
        try:
            configs.append(ComponentConfig(**{k: item[k] for k in _PLATFORM_KEYS if k in item}))
        except ConfigurationError as exc:
            key = f"{prefix}.{exc.field}"
            message = str(exc).split(": ", 1)[-1]
            raise read.fail(key, message) from None
    return tuple(configs)


def _webhooks(read: _Reader, raw: object) -> tuple[Webhook, ...]:
    if raw is None:
        return ()
    hooks: list[Webhook] = []
    for prefix, item in _tables(read, "webhooks", raw, _WEBHOOK_KEYS):
        kinds = item.get("kinds", [])
        if isinstance(kinds, str):
            kinds = [k.strip() for k in kinds.split(",") if k.strip()]
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
            raise read.fail(f"{prefix}.kinds", "must be a list of push kinds")
        try:
            hooks.append(Webhook(
                name=str(read.text(f"{prefix}.name", item.get("name"), optional=False)),
                url=str(read.url(f"{prefix}.url", item.get("url"), optional=False)),
                secret=str(read.text(f"{prefix}.secret", item.get("secret"), optional=False)),
                kinds=tuple(kinds),
                timeout=read.number(f"{prefix}.timeout", item.get("timeout", 10.0),
                                    minimum=0.1, maximum=120),
                max_age=read.number(f"{prefix}.max_age", item.get("max_age", 86400.0),
                                    minimum=1, maximum=30 * 86400.0),
            ))
        except ConfigurationError as exc:
            if isinstance(exc, SettingsError):
                raise
            key = f"{prefix}.{exc.field.rpartition('.')[2]}"
            raise read.fail(key, str(exc).split(": ", 1)[-1]) from None
    return tuple(hooks)


def _operators(read: _Reader, raw: object) -> tuple[Operator, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):  # the environment's name:hash,name:hash
        raw = [dict(zip(("name", "password_hash"), part.strip().split(":", 1), strict=False))
               for part in raw.split(",") if part.strip()]
    found: list[Operator] = []
    for prefix, item in _tables(read, "operators", raw, ("name", "password_hash")):
        try:
            found.append(Operator.of(item.get("name"), item.get("password_hash")))
        except ConfigurationError as exc:
            raise read.fail(f"{prefix}.{exc.field.rpartition('.')[2]}",
                            str(exc).split(": ", 1)[-1]) from None
    if len({o.name for o in found}) != len(found):
        raise read.fail("operators", "each operator needs a name of its own")
    return tuple(found)


def _retention(read: _Reader, data: Mapping[str, Any]) -> Retention:
    """The retention settings, each at least the default push dedupe window."""
    values = [read.number(key, data.get(key, default), minimum=0)
              for key, default in Retention().settings().items()]
    try:
        retention = Retention(*values)
        retention.check_dedupe(CallbackOptions().dedupe_ttl)
    except ConfigurationError as exc:
        raise read.fail(exc.field, str(exc).split(": ", 1)[-1]) from None
    return retention


def _check_store_url(read: _Reader, key: str, url: str) -> None:
    scheme = url.partition("://")[0].lower()
    if "://" not in url or scheme not in ("sqlite", "redis", "rediss", "redis+cluster",
                                          "rediss+cluster", "postgresql", "postgres", "memory"):
        raise read.fail(key, "must be sqlite:///path, redis://host:port/db, "
                             "postgresql://user:password@host/db or memory://")
    if scheme == "sqlite" and (not url.startswith("sqlite:///") or url == "sqlite:///"):
        raise read.fail(key, "a SQLite URL is sqlite:///relative/path or "
                             "sqlite:////absolute/path")
