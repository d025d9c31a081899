"""The two shells: :class:`Component` (blocking, threads) and :class:`AsyncComponent` (asyncio).

Neither holds a rule of its own. Every method builds a flow from :mod:`wxcomponent.core.flows`
and drives it: the sync shell performs each effect with ``httpx.Client``, a sync store,
``threading`` locks and ``time.sleep``; the async shell with ``httpx.AsyncClient``, an async
store, ``asyncio`` locks and ``asyncio.sleep``. The methods themselves are declared once per
shell from the flow (see :func:`_sync` and :func:`_async`), so the two APIs cannot drift apart.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import httpx

from .config import ComponentConfig
from .core import callbacks as cb
from .core import flows
from .core.authurl import MOBILE_AUTH_URL, PC_AUTH_URL
from .core.crypto import MessageCrypto
from .core.effects import (
    CallHandler,
    Effect,
    Emit,
    Flow,
    Http,
    HttpResult,
    Lock,
    Sleep,
    Spawn,
    StoreCall,
    Unlock,
)
from .core.flows import Context
from .core.models import AuthorizerListItem
from .core.policy import Policy
from .errors import TransportError
from .stores.base import AsyncStore, AuthorizerRecord, Store

__all__ = [
    "API_BASE",
    "AsyncAuthorizerClient",
    "AsyncComponent",
    "AsyncRefresher",
    "AuthorizerClient",
    "Component",
    "Listener",
    "Refresher",
]

log = logging.getLogger("wxcomponent")


class RedactTokens(logging.Filter):
    """Removes token values from URLs in log records (httpx logs every request URL at INFO,
    and WeChat puts tokens in the query string)."""

    _PATTERN = re.compile(
        r"((?:component_)?access_token|refresh_token|authorizer_refresh_token|js_code|code"
        r"|ticket)=[^&\s\"']+"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with token values replaced by ``***``."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        if "=" in message:
            cleaned = self._PATTERN.sub(r"\1=***", message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


_REDACT = RedactTokens()
for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, RedactTokens) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_REDACT)

API_BASE = "https://api.weixin.qq.com"

#: A listener gets an event name ("ticket_received", "token_refreshed", "refresh_failed",
#: "quota_exhausted", "authorizer_saved", "authorizer_revoked", "refresh_token_rotated") and
#: its fields (never secrets). It runs inline: keep it quick.
Listener = Callable[[str, Mapping[str, Any]], None]

P = ParamSpec("P")
T = TypeVar("T")


# --------------------------------------------------------------------------- shared pieces


class _Shell:
    """What both shells share: the context, listeners and the effect-independent plumbing."""

    _ctx: Context

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
    ) -> None:
        if not isinstance(config, ComponentConfig):
            raise TypeError("config must be a ComponentConfig")
        api_base = api_base.rstrip("/")
        if auth_base is None:
            pc, mobile = (
                (PC_AUTH_URL, MOBILE_AUTH_URL)
                if api_base == API_BASE
                else (f"{api_base}/cgi-bin/componentloginpage",
                      f"{api_base}/wxaopen/safe/bindcomponent")
            )
        else:
            auth_base = auth_base.rstrip("/")
            pc = f"{auth_base}/cgi-bin/componentloginpage"
            mobile = f"{auth_base}/wxaopen/safe/bindcomponent"
        self._ctx = Context(config, policy or Policy(), clock, random.Random(),
                            pc_auth_url=pc, mobile_auth_url=mobile,
                            callbacks=cb.Callbacks(callbacks or cb.CallbackOptions()))
        self.api_base = api_base
        self._listeners: list[Listener] = list(listeners)

    def _http_options(self) -> dict[str, Any]:
        """What the HTTP client of either shell is built with."""
        return {
            "base_url": self.api_base,
            "timeout": self.policy.timeout,
            "limits": httpx.Limits(max_connections=100, max_keepalive_connections=50),
        }

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

    # ------------------------------------------------------------------ callbacks

    def on(self, key: str | type) -> Callable[[T], T]:
        """Register a push handler (decorator): by InfoType (``"authorized"``), by message type
        (``"text"``, ``"event:weapp_audit_success"``) or by event class. Sync or async."""
        return cast(Callable[[T], T], self._ctx.callbacks.on(key))

    def on_default(self, handler: T) -> T:
        """Register the handler for pushes no other handler matches."""
        return cast(T, self._ctx.callbacks.on_default(handler))

    @property
    def crypto(self) -> MessageCrypto:
        """The platform's message crypto (current and previous EncodingAESKey)."""
        return self._ctx.crypto

    def rotate_aes_key(self, new_encoding_aes_key: str) -> None:
        """Install a new EncodingAESKey at run time; the current one stays as the previous."""
        self._ctx.crypto.rotate(new_encoding_aes_key)

    def token_key(self, kind: str, authorizer_appid: str | None = None) -> str:
        """The store key of a token: ``"component_access_token"``, or with an authorizer
        appid ``"authorizer_access_token"`` or ``"jsapi_ticket"``."""
        ctx = self._ctx
        if kind == "component_access_token" and authorizer_appid is None:
            return ctx.component_token_key()
        if authorizer_appid and kind == "authorizer_access_token":
            return ctx.authorizer_token_key(authorizer_appid)
        if authorizer_appid and kind == "jsapi_ticket":
            return ctx.jsapi_ticket_key(authorizer_appid)
        raise ValueError(f"no token {kind!r}" + (f" for {authorizer_appid}"
                                                  if authorizer_appid else ""))

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(name, fields)`` on every event (ticket received, token refreshed…)."""
        self._listeners.append(listener)

    def _emit(self, effect: Emit) -> None:
        if log.isEnabledFor(logging.INFO):
            fields = dict(effect.fields)
            log.info("%s %s", effect.name, fields,
                     extra={"wx_event": effect.name, "wx_fields": fields})
        for listener in self._listeners:
            try:
                listener(effect.name, effect.fields)
            except Exception:
                log.exception("event listener failed on %s", effect.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} appid={self.appid!r} api_base={self.api_base!r}>"


def _request_args(effect: Http) -> dict[str, Any]:
    args: dict[str, Any] = {"params": dict(effect.params)}
    if effect.json is not None:
        args["content"] = json.dumps(effect.json, ensure_ascii=False).encode("utf-8")
        args["headers"] = {"Content-Type": "application/json; charset=utf-8"}
    return args


def _transport_error(exc: httpx.HTTPError, path: str) -> TransportError:
    # The URL carries tokens in its query: name the path only.
    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
    return TransportError(f"{kind} calling {path}", path=path)


def _result(response: httpx.Response) -> HttpResult:
    return HttpResult(response.status_code, response.content,
                      response.headers.get("content-type", ""))


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an async handler from sync code, also when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _default_store() -> Store:
    """The store used when none is given: ``./wxcomponent.sqlite3``."""
    from .stores import SQLiteStore

    return SQLiteStore("wxcomponent.sqlite3")


def _step(flow: Flow[T], send: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Advance ``flow`` once: (True, result) when it returned, else (False, next effect)."""
    try:
        effect = flow.throw(error) if error is not None else flow.send(send)
    except StopIteration as stop:
        return True, stop.value
    return False, effect


# --------------------------------------------------------------------------- sync shell


class _ThreadLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def get(self, key: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock


def _sync(
    flow: Callable[Concatenate[Context, P], Flow[T]],
) -> Callable[Concatenate[Component, P], T]:
    def method(self: Component, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(flow(self._ctx, *args, **kwargs))

    method.__name__ = flow.__name__
    method.__doc__ = flow.__doc__
    return method


class Component(_Shell):
    """A third-party platform, blocking API (threads welcome).

    ``store`` keeps the ticket, authorizers and tokens (default: ``SQLiteStore`` at
    ``./wxcomponent.sqlite3``). ``api_base`` is WeChat's API host, or the emulator's URL in
    tests; the authorization pages are served from ``auth_base`` (WeChat's hosts by default,
    the emulator when ``api_base`` points at one).
    """

    def __init__(
        self,
        config: ComponentConfig,
        store: Store | None = None,
        *,
        api_base: str = API_BASE,
        auth_base: str | None = None,
        policy: Policy | None = None,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        listeners: tuple[Listener, ...] = (),
        callbacks: cb.CallbackOptions | None = None,
    ) -> None:
        super().__init__(config, api_base=api_base, auth_base=auth_base, policy=policy,
                         clock=clock, listeners=listeners, callbacks=callbacks)
        self.store: Store = store if store is not None else _default_store()
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(**self._http_options())
        self._locks = _ThreadLocks()
        self._bg: ThreadPoolExecutor | None = None
        self._bg_guard = threading.Lock()

    # ------------------------------------------------------------------ driving flows

    def _run(self, flow: Flow[T]) -> T:
        send: Any = None
        error: BaseException | None = None
        while True:
            done, value = _step(flow, send, error)
            if done:
                return cast(T, value)
            send, error = None, None
            try:
                send = self._perform(value)
            except BaseException as exc:  # thrown in, so the flow releases locks and leases
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, StoreCall):
            return getattr(self.store, effect.method)(*effect.args, **effect.kwargs)
        if isinstance(effect, Http):
            try:
                response = self._http.request(effect.method, effect.path, **_request_args(effect))
            except httpx.HTTPError as exc:
                raise _transport_error(exc, effect.path) from None
            return _result(response)
        if isinstance(effect, Lock):
            return self._locks.get(effect.key).acquire(timeout=effect.timeout)
        if isinstance(effect, Unlock):
            self._locks.get(effect.key).release()
            return None
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, CallHandler):
            result = effect.handler(*effect.args)
            if inspect.isawaitable(result):
                result = _run_coroutine(_awaited(result))
            return result
        if isinstance(effect, Spawn):
            self._background().submit(self._run_logged, effect.factory, effect.name)
            return None
        self._emit(effect)
        return None

    def _background(self) -> ThreadPoolExecutor:
        with self._bg_guard:
            if self._bg is None:
                self._bg = ThreadPoolExecutor(max_workers=4,
                                              thread_name_prefix="wxcomponent-background")
            return self._bg

    def _run_logged(self, factory: Callable[[], Flow[Any]], name: str) -> None:
        try:
            self._run(factory())
        except Exception:
            log.exception("background %s failed", name)

    def wait_background(self) -> None:
        """Wait for the background work started by pushes (code exchanges) to finish."""
        with self._bg_guard:
            pool, self._bg = self._bg, None
        if pool is not None:
            pool.shutdown(wait=True)

    # ------------------------------------------------------------------ the API

    handle_callback = _sync(cb.handle_callback)

    access_token = _sync(flows.component_access_token)
    refresh_access_token = _sync(flows.refresh_component_token)
    save_ticket = _sync(flows.save_ticket)
    create_pre_auth_code = _sync(flows.create_pre_auth_code)
    authorization_url = _sync(flows.authorization_url)
    query_auth = _sync(flows.query_auth)
    get_authorizer_info = _sync(flows.get_authorizer_info)
    get_authorizer_option = _sync(flows.get_authorizer_option)
    set_authorizer_option = _sync(flows.set_authorizer_option)
    get_authorizer_list = _sync(flows.authorizer_list_page)
    start_push_ticket = _sync(flows.start_push_ticket)
    clear_quota = _sync(flows.clear_quota)
    get_quota = _sync(flows.get_quota)
    get_json = _sync(flows.component_get_json)
    post_json = _sync(flows.component_post_json)
    forget_authorizer = _sync(flows.forget_authorizer)
    _stored_page = _sync(flows.stored_authorizer_page)
    _refresh_one = _sync(flows.refresh_one)

    def iter_authorizers(self, page_size: int = 500) -> Iterator[AuthorizerListItem]:
        """Every authorizer WeChat lists for the platform, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = self.get_authorizer_list(offset, page_size)
            yield from page.items
            offset = flows.next_offset(page, offset)

    def stored_authorizers(
        self, *, status: str | None = "authorized"
    ) -> Iterator[AuthorizerRecord]:
        """Every authorizer record in the store (all statuses with ``status=None``)."""
        after: str | None = None
        while True:
            page = self._stored_page(after, status)
            yield from page
            if len(page) < flows.STORE_PAGE:
                return
            after = page[-1].authorizer_appid

    def authorizer(self, authorizer_appid: str) -> AuthorizerClient:
        """A client acting for one authorizer (official account or mini program)."""
        return AuthorizerClient(self, authorizer_appid)

    # ------------------------------------------------------------------ refresher

    def refresh_due(self, *, concurrency: int = 8) -> tuple[int, int]:
        """Renew every token that is near its margin: (tokens checked, refreshes failed)."""
        checked, failed = 1, 0 if self._refresh_one("component") else 1
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for ok in pool.map(lambda r: self._refresh_one("authorizer", r.authorizer_appid),
                               self.stored_authorizers()):
                checked += 1
                failed += 0 if ok else 1
        return checked, failed

    def start_refresher(self, *, interval: float = 60.0, concurrency: int = 8) -> Refresher:
        """Start a daemon thread that calls :meth:`refresh_due` every ``interval`` (jittered)."""
        refresher = Refresher(self, interval=interval, concurrency=concurrency)
        refresher.start()
        return refresher

    # ------------------------------------------------------------------ lifecycle

    def asgi_app(self) -> Any:
        """An ASGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from .web import asgi_app

        return asgi_app(self)

    def wsgi_app(self) -> Any:
        """A WSGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from .web import wsgi_app

        return wsgi_app(self)

    def close(self) -> None:
        """Finish background work and close the HTTP client (if created here)."""
        self.wait_background()
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Component:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sync_for(
    flow: Callable[Concatenate[Context, str, P], Flow[T]],
) -> Callable[Concatenate[AuthorizerClient, P], T]:
    def method(self: AuthorizerClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.component._run(flow(self.component._ctx, self.appid, *args, **kwargs))

    method.__name__ = flow.__name__
    method.__doc__ = flow.__doc__
    return method


class _AuthorizerBase:
    """What both authorizer clients share."""

    def __init__(self, component: _Shell, authorizer_appid: str) -> None:
        from .config import validate_appid

        self.appid = validate_appid(authorizer_appid, "authorizer_appid")
        self._shell = component

    def oauth_url(self, redirect_uri: str, *, scope: str = "snsapi_base", state: str = "") -> str:
        """The web OAuth page URL for this official account's users (on the platform's behalf)."""
        from urllib.parse import urlencode

        if scope not in ("snsapi_base", "snsapi_userinfo"):
            raise ValueError("scope must be snsapi_base or snsapi_userinfo")
        query = urlencode([
            ("appid", self.appid), ("redirect_uri", redirect_uri), ("response_type", "code"),
            ("scope", scope), ("state", state), ("component_appid", self._shell.appid),
        ])
        return f"https://open.weixin.qq.com/connect/oauth2/authorize?{query}#wechat_redirect"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.appid} of {self._shell.appid}>"


class AuthorizerClient(_AuthorizerBase):
    """Acts for one authorizer: its token, any API with the token injected, OAuth, JS-SDK.

    Every call reads the tokens fresh from the store; nothing is captured.
    """

    def __init__(self, component: Component, authorizer_appid: str) -> None:
        super().__init__(component, authorizer_appid)
        self.component = component

    access_token = _sync_for(flows.authorizer_access_token)
    refresh_access_token = _sync_for(flows.refresh_authorizer_token)
    get_json = _sync_for(flows.authorizer_get_json)
    post_json = _sync_for(flows.authorizer_post_json)
    jsapi_ticket = _sync_for(flows.jsapi_ticket)
    oauth_access_token = _sync_for(flows.oauth_access_token)
    oauth_refresh_token = _sync_for(flows.oauth_refresh_token)
    jscode2session = _sync_for(flows.jscode2session)
    info = _sync_for(flows.get_authorizer_info)

    def user_info(self, access_token: str, openid: str, lang: str = "zh_CN") -> Any:
        """A web user's profile, with the user's OAuth access token."""
        return self.component._run(flows.oauth_user_info(self.component._ctx, access_token,
                                                         openid, lang))


class Refresher:
    """A background thread keeping every token fresh; :meth:`stop` ends it cleanly."""

    def __init__(self, component: Component, *, interval: float, concurrency: int) -> None:
        self.component = component
        self.interval = interval
        self.concurrency = concurrency
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wxcomponent-refresher",
                                        daemon=True)
        self.rounds = 0
        self.last_failed = 0

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def _loop(self) -> None:
        rng = random.Random()
        while not self._stop.is_set():
            try:
                _, self.last_failed = self.component.refresh_due(concurrency=self.concurrency)
            except Exception:
                log.exception("token refresher round failed")
            self.rounds += 1
            self._stop.wait(self.interval * rng.uniform(0.8, 1.2))

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()


# --------------------------------------------------------------------------- async shell


class _TaskLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def get(self, key: str) -> asyncio.Lock:
        loop_key = (id(asyncio.get_running_loop()), key)
        lock = self._locks.get(loop_key)
        if lock is None:
            lock = self._locks[loop_key] = asyncio.Lock()
        return lock


def _as_async_store(store: Store | AsyncStore | None) -> AsyncStore:
    if store is None:
        store = _default_store()
    if inspect.iscoroutinefunction(getattr(store, "get_token", None)):
        return cast(AsyncStore, store)
    aio = getattr(store, "aio", None)
    if aio is None:
        raise TypeError("store must be an async store or a store with an .aio flavour")
    return cast(AsyncStore, aio() if callable(aio) else aio)


def _async(
    flow: Callable[Concatenate[Context, P], Flow[T]],
) -> Callable[Concatenate[AsyncComponent, P], Awaitable[T]]:
    async def method(self: AsyncComponent, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(flow(self._ctx, *args, **kwargs))

    method.__name__ = flow.__name__
    method.__doc__ = flow.__doc__
    return method


class AsyncComponent(_Shell):
    """A third-party platform, asyncio API: the same methods as :class:`Component`, awaited.

    ``store`` may be an async store or a sync one with an ``.aio`` flavour
    (``SQLiteStore``, ``RedisStore``, ``MemoryStore``).
    """

    def __init__(
        self,
        config: ComponentConfig,
        store: Store | AsyncStore | None = None,
        *,
        api_base: str = API_BASE,
        auth_base: str | None = None,
        policy: Policy | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        listeners: tuple[Listener, ...] = (),
        callbacks: cb.CallbackOptions | None = None,
    ) -> None:
        super().__init__(config, api_base=api_base, auth_base=auth_base, policy=policy,
                         clock=clock, listeners=listeners, callbacks=callbacks)
        self.store: AsyncStore = _as_async_store(store)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(**self._http_options())
        self._locks = _TaskLocks()
        self._tasks: set[asyncio.Task[None]] = set()

    async def _run(self, flow: Flow[T]) -> T:
        send: Any = None
        error: BaseException | None = None
        while True:
            done, value = _step(flow, send, error)
            if done:
                return cast(T, value)
            send, error = None, None
            try:
                send = await self._perform(value)
            except BaseException as exc:  # cancellation too: the flow releases what it holds
                error = exc

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, StoreCall):
            return await getattr(self.store, effect.method)(*effect.args, **effect.kwargs)
        if isinstance(effect, Http):
            try:
                response = await self._http.request(effect.method, effect.path,
                                                    **_request_args(effect))
            except httpx.HTTPError as exc:
                raise _transport_error(exc, effect.path) from None
            return _result(response)
        if isinstance(effect, Lock):
            try:
                await asyncio.wait_for(self._locks.get(effect.key).acquire(), effect.timeout)
            except asyncio.TimeoutError:
                return False
            return True
        if isinstance(effect, Unlock):
            self._locks.get(effect.key).release()
            return None
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        if isinstance(effect, CallHandler):
            result = effect.handler(*effect.args)
            if inspect.isawaitable(result):
                result = await result
            return result
        if isinstance(effect, Spawn):
            task = asyncio.get_running_loop().create_task(
                self._run_logged(effect.factory, effect.name))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return None
        self._emit(effect)
        return None

    async def _run_logged(self, factory: Callable[[], Flow[Any]], name: str) -> None:
        try:
            await self._run(factory())
        except Exception:
            log.exception("background %s failed", name)

    async def wait_background(self) -> None:
        """Wait for the background work started by pushes (code exchanges) to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    handle_callback = _async(cb.handle_callback)

    def asgi_app(self) -> Any:
        """An ASGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from .web import asgi_app

        return asgi_app(self)

    access_token = _async(flows.component_access_token)
    refresh_access_token = _async(flows.refresh_component_token)
    save_ticket = _async(flows.save_ticket)
    create_pre_auth_code = _async(flows.create_pre_auth_code)
    authorization_url = _async(flows.authorization_url)
    query_auth = _async(flows.query_auth)
    get_authorizer_info = _async(flows.get_authorizer_info)
    get_authorizer_option = _async(flows.get_authorizer_option)
    set_authorizer_option = _async(flows.set_authorizer_option)
    get_authorizer_list = _async(flows.authorizer_list_page)
    start_push_ticket = _async(flows.start_push_ticket)
    clear_quota = _async(flows.clear_quota)
    get_quota = _async(flows.get_quota)
    get_json = _async(flows.component_get_json)
    post_json = _async(flows.component_post_json)
    forget_authorizer = _async(flows.forget_authorizer)
    _stored_page = _async(flows.stored_authorizer_page)
    _refresh_one = _async(flows.refresh_one)

    async def stored_authorizers(
        self, *, status: str | None = "authorized"
    ) -> AsyncIterator[AuthorizerRecord]:
        """Every authorizer record in the store (all statuses with ``status=None``)."""
        after: str | None = None
        while True:
            page = await self._stored_page(after, status)
            for record in page:
                yield record
            if len(page) < flows.STORE_PAGE:
                return
            after = page[-1].authorizer_appid

    async def iter_authorizers(self, page_size: int = 500) -> AsyncIterator[AuthorizerListItem]:
        """Every authorizer WeChat lists for the platform, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = await self.get_authorizer_list(offset, page_size)
            for item in page.items:
                yield item
            offset = flows.next_offset(page, offset)

    def authorizer(self, authorizer_appid: str) -> AsyncAuthorizerClient:
        """A client acting for one authorizer (official account or mini program)."""
        return AsyncAuthorizerClient(self, authorizer_appid)

    async def refresh_due(self, *, concurrency: int = 8) -> tuple[int, int]:
        """Renew every token that is near its margin: (tokens checked, refreshes failed)."""
        checked, failed = 1, 0 if await self._refresh_one("component") else 1
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(appid: str) -> bool:
            async with gate:
                return await self._refresh_one("authorizer", appid)

        batch: list[str] = []
        async for record in self.stored_authorizers():
            batch.append(record.authorizer_appid)
        for ok in await asyncio.gather(*(one(a) for a in batch)):
            checked += 1
            failed += 0 if ok else 1
        return checked, failed

    def start_refresher(self, *, interval: float = 60.0, concurrency: int = 8) -> AsyncRefresher:
        """Start a task that calls :meth:`refresh_due` every ``interval`` (jittered)."""
        return AsyncRefresher(self, interval=interval, concurrency=concurrency)

    async def aclose(self) -> None:
        """Finish background work and close the HTTP client (if created here)."""
        await self.wait_background()
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncComponent:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _async_for(
    flow: Callable[Concatenate[Context, str, P], Flow[T]],
) -> Callable[Concatenate[AsyncAuthorizerClient, P], Awaitable[T]]:
    async def method(self: AsyncAuthorizerClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.component._run(flow(self.component._ctx, self.appid, *args, **kwargs))

    method.__name__ = flow.__name__
    method.__doc__ = flow.__doc__
    return method


class AsyncAuthorizerClient(_AuthorizerBase):
    """The asyncio flavour of :class:`AuthorizerClient`."""

    def __init__(self, component: AsyncComponent, authorizer_appid: str) -> None:
        super().__init__(component, authorizer_appid)
        self.component = component

    access_token = _async_for(flows.authorizer_access_token)
    refresh_access_token = _async_for(flows.refresh_authorizer_token)
    get_json = _async_for(flows.authorizer_get_json)
    post_json = _async_for(flows.authorizer_post_json)
    jsapi_ticket = _async_for(flows.jsapi_ticket)
    oauth_access_token = _async_for(flows.oauth_access_token)
    oauth_refresh_token = _async_for(flows.oauth_refresh_token)
    jscode2session = _async_for(flows.jscode2session)
    info = _async_for(flows.get_authorizer_info)

    async def user_info(self, access_token: str, openid: str, lang: str = "zh_CN") -> Any:
        """A web user's profile, with the user's OAuth access token."""
        return await self.component._run(flows.oauth_user_info(self.component._ctx,
                                                               access_token, openid, lang))


class AsyncRefresher:
    """A task keeping every token fresh; ``await stop()`` ends it cleanly."""

    def __init__(self, component: AsyncComponent, *, interval: float, concurrency: int) -> None:
        self.component = component
        self.interval = interval
        self.concurrency = concurrency
        self.rounds = 0
        self.last_failed = 0
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop(),
                                                            name="wxcomponent-refresher")

    async def _loop(self) -> None:
        rng = random.Random()
        while not self._stopping.is_set():
            try:
                _, self.last_failed = await self.component.refresh_due(
                    concurrency=self.concurrency)
            except Exception:
                log.exception("token refresher round failed")
            self.rounds += 1
            try:
                await asyncio.wait_for(self._stopping.wait(),
                                       self.interval * rng.uniform(0.8, 1.2))
            except asyncio.TimeoutError:
                continue

    async def stop(self) -> None:
        """Ask the task to stop and wait for it."""
        self._stopping.set()
        await self._task

    @property
    def running(self) -> bool:
        """True while the task runs."""
        return not self._task.done()
