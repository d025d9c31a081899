"""The blocking shell: :class:`Component` and :class:`AuthorizerClient`.

It performs each effect a flow yields with ``httpx.Client``, a sync store, ``threading``
locks, ``time.sleep`` and a thread pool; every rule is in the flows.

Internal module: import the names from :mod:`wxcomponent`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import httpx

from ..config import ComponentConfig
from ..core import callbacks as cb
from ..core import effects as fx
from ..core.context import TokenProvider
from ..core.effects import Flow
from ..core.policy import Policy
from ..stores.base import Store
from ._api import AuthorizerAPI, ComponentAPI
from ._locks import KeyedLocks
from ._methods import SyncDriver
from ._shell import (
    API_BASE,
    AuthorizerBase,
    Listener,
    Shell,
    chosen_store,
    gathered,
    http_result,
    read_file,
    request_args,
    step,
    transport_error,
)
from .refresher import Refresher

__all__ = ["AuthorizerClient", "Component"]

log = logging.getLogger("wxcomponent")

T = TypeVar("T")


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


class Component(ComponentAPI, Shell, SyncDriver):
    """A third-party platform, blocking API (threads welcome).

    ``store`` keeps the ticket, authorizers and tokens (default: ``SQLiteStore`` at
    ``./wxcomponent.sqlite3``). ``api_base`` is WeChat's API host, or the emulator's URL in
    tests; the authorization pages are served from ``auth_base`` (WeChat's hosts by default,
    the emulator when ``api_base`` points at one). ``tokens`` is where calls get their tokens:
    by default the store and WeChat; a :class:`~wxcomponent.ServiceTokens` takes them from a
    running ``wxcomponent serve`` instead (the store then defaults to a ``MemoryStore``).
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
        tokens: TokenProvider | None = None,
    ) -> None:
        super().__init__(config, api_base=api_base, auth_base=auth_base, policy=policy,
                         clock=clock, listeners=listeners, callbacks=callbacks, tokens=tokens)
        self.store: Store = chosen_store(store, tokens)
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(**self._http_options())
        self._locks = KeyedLocks(threading.Lock)
        self._bg: ThreadPoolExecutor | None = None
        self._bg_guard = threading.Lock()

    # ------------------------------------------------------------------ driving flows

    def _drive(self, flow: Flow[T]) -> T:
        perform = self._performers
        send: Any = None
        error: BaseException | None = None
        while True:
            done, value = step(flow, send, error)
            if done:
                return cast(T, value)
            send, error = None, None
            try:
                send = perform[type(value)](value)
            except BaseException as exc:  # thrown in, so the flow releases locks and leases
                error = exc

    # one method per effect (see PERFORMERS)

    def _store_call(self, effect: fx.StoreCall) -> Any:
        return getattr(self.store, effect.method)(*effect.args, **effect.kwargs)

    def _request(self, effect: fx.Http) -> fx.HttpResult:
        try:
            response = self._http.request(effect.method, effect.path, **request_args(effect))
        except httpx.HTTPError as exc:
            raise transport_error(exc, effect.path) from None
        return http_result(response)

    def _lock(self, effect: fx.Lock) -> bool:
        lock = self._locks.enter(effect.key)
        taken = False
        try:
            taken = lock.acquire(timeout=effect.timeout)
        finally:
            if not taken:
                self._locks.leave(effect.key)
        return taken

    def _unlock(self, effect: fx.Unlock) -> None:
        self._locks.leave(effect.key, release=True)

    def _sleep(self, effect: fx.Sleep) -> None:
        time.sleep(effect.seconds)

    def _call_handler(self, effect: fx.CallHandler) -> Any:
        result = effect.handler(*effect.args)
        if inspect.isawaitable(result):
            result = _run_coroutine(_awaited(result))
        return result

    def _spawn(self, effect: fx.Spawn) -> None:
        self._background().submit(self._drive_logged, effect.factory, effect.name)

    def _gather(self, effect: fx.Gather) -> list[Any]:
        if not effect.factories:
            return []
        workers = max(1, min(effect.concurrency, len(effect.factories)))
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="wxcomponent-gather") as pool:
            futures = [pool.submit(self._drive_made, factory) for factory in effect.factories]
        return gathered([f.exception() or f.result() for f in futures])

    def _read_file(self, effect: fx.ReadFile) -> bytes:
        return read_file(effect)

    def _pause(self, effect: fx.Pause) -> bool:
        stop = cast(threading.Event, effect.stop)
        return stop.wait(effect.seconds) if effect.seconds > 0 else stop.is_set()

    def _drive_made(self, factory: Callable[[], Flow[T]]) -> T:
        return self._drive(factory())

    def _background(self) -> ThreadPoolExecutor:
        with self._bg_guard:
            if self._bg is None:
                self._bg = ThreadPoolExecutor(max_workers=4,
                                              thread_name_prefix="wxcomponent-background")
            return self._bg

    def _drive_logged(self, factory: Callable[[], Flow[Any]], name: str) -> None:
        try:
            self._drive(factory())
        except Exception:
            log.exception("background %s failed", name)

    def wait_background(self) -> None:
        """Wait for the background work started by pushes (code exchanges) to finish."""
        with self._bg_guard:
            pool, self._bg = self._bg, None
        if pool is not None:
            pool.shutdown(wait=True)

    # ------------------------------------------------------------------ the rest of the API

    def authorizer(self, authorizer_appid: str) -> AuthorizerClient:
        """A client acting for one authorizer (official account or mini program)."""
        return AuthorizerClient(self, authorizer_appid)

    def start_refresher(self, *, interval: float = 60.0, concurrency: int = 8) -> Refresher:
        """Start a daemon thread that calls :meth:`refresh_due` every ``interval`` (jittered)."""
        return Refresher(self, interval=interval, concurrency=concurrency)

    def asgi_app(self) -> Any:
        """An ASGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from ..web import asgi_app

        return asgi_app(self)

    def wsgi_app(self) -> Any:
        """A WSGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from ..web import wsgi_app

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


class AuthorizerClient(AuthorizerAPI, AuthorizerBase, SyncDriver):
    """Acts for one authorizer: its token, any API with the token injected, OAuth, JS-SDK.

    Every call reads the tokens fresh from the store; nothing is captured.
    """

    def __init__(self, component: Component, authorizer_appid: str) -> None:
        super().__init__(component, authorizer_appid)
        self.component = component

    def _drive(self, flow: Flow[T]) -> T:
        return self.component._drive(flow)
