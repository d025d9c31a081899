"""What both shells share: the context, listeners, push handlers, the HTTP client options, and
the translation between effects and the outside world that does not depend on blocking or
awaiting (request arguments, transport errors, reading files).

Internal module.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import httpx

from ..config import ComponentConfig, validate_appid
from ..core import callbacks as cb
from ..core.authurl import MOBILE_AUTH_URL, PC_AUTH_URL
from ..core.context import Context, TokenKind, TokenProvider
from ..core.crypto import MessageCrypto
from ..core.effects import (
    CallHandler,
    Emit,
    Flow,
    Gather,
    Http,
    HttpResult,
    Lock,
    Pause,
    ReadFile,
    Sleep,
    Spawn,
    StoreCall,
    Unlock,
)
from ..core.endpoints.oauth import oauth_url
from ..core.endpoints.registration import rebind_admin_url, reuse_subject_url
from ..core.listener_events import FREQUENT_EVENTS, wants
from ..core.policy import Policy
from ..core.tokens import Tokens
from ..errors import ConfigurationError, InvalidArgument, TransportError
from ..redaction import LIBRARY_LOGGERS, install_log_redaction
from ..stores.base import Store
from ..stores.memory import MemoryStore

__all__ = ["API_BASE", "AuthorizerBase", "Listener", "Shell"]

log = logging.getLogger("wxcomponent")

API_BASE = "https://api.weixin.qq.com"

#: A listener gets an event name (one of :class:`~wxcomponent.core.listener_events.ListenerEvent`,
#: as a plain string) and its fields (never secrets). It runs inline: keep it quick.
Listener = Callable[[str, Mapping[str, Any]], None]

T = TypeVar("T")
S = TypeVar("S")


# httpx logs every request URL at INFO, and WeChat puts tokens in the query string.
install_log_redaction(LIBRARY_LOGGERS)


def auth_pages(api_base: str, auth_base: str | None) -> tuple[str, str]:
    """The PC and mobile authorization page URLs: WeChat's for WeChat's API, else under
    ``auth_base`` (or ``api_base``, the emulator, which serves both)."""
    if auth_base is None and api_base == API_BASE:
        return PC_AUTH_URL, MOBILE_AUTH_URL
    base = (auth_base or api_base).rstrip("/")
    return f"{base}/cgi-bin/componentloginpage", f"{base}/wxaopen/safe/bindcomponent"


def http_options(api_base: str, policy: Policy) -> dict[str, Any]:
    """What the HTTP client of either shell is built with."""
    return {
        "base_url": api_base,
        "timeout": policy.timeout,
        "limits": httpx.Limits(max_connections=100, max_keepalive_connections=50),
    }


def request_args(effect: Http) -> dict[str, Any]:
    """httpx's arguments for an :class:`Http` effect."""
    args: dict[str, Any] = {"params": dict(effect.params)}
    headers = dict(effect.headers)
    if effect.files:
        args["files"] = [(p.name, (p.filename, p.content, p.content_type))
                         for p in effect.files]
        if effect.form:
            args["data"] = dict(effect.form)
    elif effect.json is not None:
        args["content"] = json.dumps(effect.json, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    if headers:
        args["headers"] = headers
    return args


def transport_error(exc: httpx.HTTPError, path: str) -> TransportError:
    """The typed error of a failed request (naming the path only: the URL holds tokens)."""
    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
    return TransportError(f"{kind} calling {path}", path=path)


def http_result(response: httpx.Response) -> HttpResult:
    """An :class:`HttpResult` from httpx's response."""
    return HttpResult(response.status_code, response.content,
                      response.headers.get("content-type", ""))


def read_file(effect: ReadFile) -> bytes:
    """Perform a :class:`ReadFile`: at most ``limit`` bytes of a path or a file object."""
    source = effect.source
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                return handle.read(effect.limit)
        data = source.read(effect.limit)
    except OSError as exc:
        raise InvalidArgument("file", f"cannot be read: {exc.strerror or type(exc).__name__}"
                              ) from None
    return cast(bytes, data)


#: The method of a shell that performs each kind of effect: every shell has all of them.
PERFORMERS: dict[type, str] = {
    StoreCall: "_store_call",
    Http: "_request",
    Lock: "_lock",
    Unlock: "_unlock",
    Sleep: "_sleep",
    Emit: "_emit",
    CallHandler: "_call_handler",
    Spawn: "_spawn",
    Gather: "_gather",
    ReadFile: "_read_file",
    Pause: "_pause",
}


def gathered(results: list[Any]) -> list[Any]:
    """The results of a :class:`Gather` (every flow ran to its end), or the first exception
    among them raised."""
    error = next((r for r in results if isinstance(r, BaseException)), None)
    if error is not None:
        raise error
    return results


def step(flow: Flow[T], send: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Advance ``flow`` once: (True, result) when it returned, else (False, next effect)."""
    try:
        effect = flow.throw(error) if error is not None else flow.send(send)
    except StopIteration as stop:
        return True, stop.value
    return False, effect


def chosen_store(store: S | None, tokens: TokenProvider | None) -> S | Store:
    """The store a shell keeps: the one given; without one, a ``MemoryStore`` when the tokens
    come from elsewhere (no file of our own), else ``./wxcomponent.sqlite3``."""
    if store is not None:
        return store
    if tokens is not None:
        return MemoryStore()
    from ..stores import SQLiteStore

    return SQLiteStore("wxcomponent.sqlite3")


class Shell:
    """What both shells share: the context, listeners and push handlers."""

    _ctx: Context
    _flow_args: tuple[Any, ...]

    def __init__(
        self,
        config: ComponentConfig,
        *,
        api_base: str,
        auth_base: str | None,
        policy: Policy | None,
        clock: Callable[[], float],
        listeners: tuple[Listener, ...],
        callbacks: cb.CallbackOptions | None,
        tokens: TokenProvider | None = None,
    ) -> None:
        if not isinstance(config, ComponentConfig):
            raise TypeError("config must be a ComponentConfig")
        api_base = api_base.rstrip("/")
        pc, mobile = auth_pages(api_base, auth_base)
        policy, callbacks = policy or Policy(), callbacks or cb.CallbackOptions()
        if callbacks.durable_exchanges and policy.exchange_retention < callbacks.dedupe_ttl:
            # a retried push finds its exchange by the job's key while the job is kept
            raise ConfigurationError("exchange_retention", "must be at least the callbacks' "
                                     f"dedupe_ttl ({callbacks.dedupe_ttl:g} s)")
        self._ctx = Context(config, policy, clock, random.Random(),
                            pc_auth_url=pc, mobile_auth_url=mobile,
                            callbacks=cb.Callbacks(callbacks),
                            tokens=tokens if tokens is not None else Tokens())
        self._flow_args = (self._ctx,)
        self.api_base = api_base
        self._listeners: list[Listener] = list(listeners)
        self._told: dict[str, tuple[Listener, ...]] = {}  # event name -> who is told of it
        self._performers: dict[type, Callable[[Any], Any]] = {
            effect: getattr(self, name) for effect, name in PERFORMERS.items()}

    def _http_options(self) -> dict[str, Any]:
        return http_options(self.api_base, self.policy)

    @property
    def callback_options(self) -> cb.CallbackOptions:
        """The push handling options (built-ins, dedupe, body limit)."""
        options: cb.CallbackOptions = self._ctx.callbacks.options
        return options

    @property
    def config(self) -> ComponentConfig:
        """The platform's configuration."""
        return self._ctx.config

    @property
    def appid(self) -> str:
        """The component appid."""
        return self._ctx.appid

    @property
    def policy(self) -> Policy:
        """The token and retry policy."""
        return self._ctx.policy

    @property
    def crypto(self) -> MessageCrypto:
        """The platform's message crypto (current and previous EncodingAESKey)."""
        return self._ctx.crypto

    def on(self, key: str | type) -> Callable[[T], T]:
        """Register a push handler (decorator): by InfoType (``"authorized"``), by message type
        (``"text"``, ``"event:weapp_audit_success"``) or by event class. Sync or async."""
        return cast(Callable[[T], T], self._ctx.callbacks.on(key))

    def on_default(self, handler: T) -> T:
        """Register the handler for pushes no other handler matches."""
        return cast(T, self._ctx.callbacks.on_default(handler))

    def on_refused(self, hook: T) -> T:
        """Register ``hook(error, request)`` for refused requests (bad signature, stale, too
        large…): the seed's invalid-request handler. Sync or async; the answer stays the
        refusal."""
        return cast(T, self._ctx.callbacks.on_refused(hook))

    def rotate_aes_key(self, new_encoding_aes_key: str) -> None:
        """Install a new EncodingAESKey at run time; the current one stays as the previous."""
        self._ctx.crypto.rotate(new_encoding_aes_key)

    def token_key(self, kind: TokenKind | str, authorizer_appid: str | None = None) -> str:
        """The store key of a token of ``kind`` (a :class:`TokenKind` or its value), with the
        authorizer's appid for an authorizer's token."""
        return self._ctx.token_key(TokenKind.parse(kind), authorizer_appid or "")

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(name, fields)`` on every event (ticket received, token refreshed…)."""
        self._listeners.append(listener)
        self._told = {}

    def _emit(self, effect: Emit) -> None:
        name = str(effect.name)  # the plain name
        level = logging.DEBUG if name in FREQUENT_EVENTS else logging.INFO
        if log.isEnabledFor(level):
            fields = dict(effect.fields)
            log.log(level, "%s %s", name, fields, extra={"wx_event": name, "wx_fields": fields})
        told = self._told.get(name)
        if told is None:
            told = self._told[name] = tuple(
                each for each in self._listeners if wants(each, name))
        for listener in told:
            try:
                listener(name, effect.fields)
            except Exception:
                log.exception("event listener failed on %s", name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} appid={self.appid!r} api_base={self.api_base!r}>"


class AuthorizerBase:
    """What both authorizer clients share: who they act for, and for which platform."""

    _flow_args: tuple[Any, ...]

    def __init__(self, component: Shell, authorizer_appid: str) -> None:
        self.appid = validate_appid(authorizer_appid, "authorizer_appid")
        self._shell = component
        self._flow_args = (component._ctx, self.appid)

    def oauth_url(self, redirect_uri: str, *, scope: str = "snsapi_base", state: str = "") -> str:
        """The web OAuth page URL for this official account's users (on the platform's behalf)."""
        return oauth_url(self._shell.appid, self.appid, redirect_uri, scope=scope, state=state)

    def reuse_subject_url(self, redirect_uri: str, *, copy_wx_verify: bool = True) -> str:
        """The page where this official account's administrator agrees to register a mini
        program with its subject; ``redirect_uri`` then gets ``ticket=`` for
        ``fast_registration.reuse_subject``."""
        return reuse_subject_url(self._shell._ctx, self.appid, redirect_uri,
                                 copy_wx_verify=copy_wx_verify)

    def rebind_admin_url(self, redirect_uri: str) -> str:
        """The page where this account's administrator hands it to a new one;
        ``redirect_uri`` then gets ``taskid=`` for ``fast_registration.rebind_admin``."""
        return rebind_admin_url(self._shell._ctx, self.appid, redirect_uri)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.appid} of {self._shell.appid}>"
