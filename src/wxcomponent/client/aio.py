"""The asyncio shell: :class:`AsyncComponent` and :class:`AsyncAuthorizerClient`.

It performs each effect a flow yields with ``httpx.AsyncClient``, an async store, ``asyncio``
locks, ``asyncio.sleep`` and tasks; every rule is in the flows.

Internal module: import the names from :mod:`wxcomponent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import threading
import time
import weakref
from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import Any, TypeVar, cast

import httpx

from ..config import ComponentConfig
from ..core import callbacks as cb
from ..core import effects as fx
from ..core.context import TokenProvider
from ..core.effects import Flow
from ..core.policy import Policy
from ..stores import as_async_store
from ..stores.base import AsyncStore, Store
from ._api import AuthorizerAPI, ComponentAPI
from ._locks import KeyedLocks
from ._methods import AsyncDriver
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
from .refresher import AsyncRefresher

__all__ = ["AsyncAuthorizerClient", "AsyncComponent"]

log = logging.getLogger("wxcomponent")

T = TypeVar("T")


class AsyncComponent(ComponentAPI, Shell, AsyncDriver):
    """A third-party platform, asyncio API: the same methods as :class:`Component`, awaited.

    ``store`` may be an async store or a sync one (``SQLiteStore``, ``RedisStore``,
    ``MemoryStore`` use their ``.aio`` flavour; any other runs on worker threads).
    ``tokens`` is where calls get their tokens (see :class:`Component`).
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
        tokens: TokenProvider | None = None,
    ) -> None:
        super().__init__(config, api_base=api_base, auth_base=auth_base, policy=policy,
                         clock=clock, listeners=listeners, callbacks=callbacks, tokens=tokens)
        self.store: AsyncStore = as_async_store(chosen_store(store, tokens))
        self._http = http_client  # a client given is used as given
        # httpx connections belong to the event loop that opened them: without a client given,
        # one of our own per loop, so the callback app may run on a server's loop while the
        # methods are called on another
        self._loop_http: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                   httpx.AsyncClient] = weakref.WeakKeyDictionary()
        self._loop_http_guard = threading.Lock()
        self._locks = KeyedLocks(asyncio.Lock)  # by (event loop, key)
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ driving flows

    async def _drive(self, flow: Flow[T]) -> T:
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
                if type(send) is CoroutineType:  # the async performers; the quick ones are not
                    send = await send
            except BaseException as exc:  # cancellation too: the flow releases what it holds
                error = exc

    # one method per effect (see PERFORMERS); the quick ones answer without awaiting

    async def _store_call(self, effect: fx.StoreCall) -> Any:
        return await getattr(self.store, effect.method)(*effect.args, **effect.kwargs)

    async def _request(self, effect: fx.Http) -> fx.HttpResult:
        try:
            response = await self._client().request(effect.method, effect.path,
                                                    **request_args(effect))
        except httpx.HTTPError as exc:
            raise transport_error(exc, effect.path) from None
        return http_result(response)

    def _client(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        loop = asyncio.get_running_loop()
        with self._loop_http_guard:
            client = self._loop_http.get(loop)
            if client is None:
                client = self._loop_http[loop] = httpx.AsyncClient(**self._http_options())
            return client

    async def _lock(self, effect: fx.Lock) -> bool:
        key = (id(asyncio.get_running_loop()), effect.key)
        lock = self._locks.enter(key)
        taken = False
        try:
            if effect.timeout <= 0:  # a try: wait_for would give up before the task ever ran
                if not lock.locked():
                    await lock.acquire()
                    taken = True
            else:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(lock.acquire(), effect.timeout)
                    taken = True
        finally:
            if not taken:
                self._locks.leave(key)
        return taken

    def _unlock(self, effect: fx.Unlock) -> None:
        self._locks.leave((id(asyncio.get_running_loop()), effect.key), release=True)

    async def _sleep(self, effect: fx.Sleep) -> None:
        await asyncio.sleep(effect.seconds)

    async def _call_handler(self, effect: fx.CallHandler) -> Any:
        result = effect.handler(*effect.args)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _spawn(self, effect: fx.Spawn) -> None:
        task = asyncio.get_running_loop().create_task(
            self._drive_logged(effect.factory, effect.name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _gather(self, effect: fx.Gather) -> list[Any]:
        gate = asyncio.Semaphore(max(1, effect.concurrency))

        async def one(factory: Callable[[], Flow[Any]]) -> Any:
            async with gate:
                return await self._drive(factory())

        return gathered(list(await asyncio.gather(*(one(f) for f in effect.factories),
                                                  return_exceptions=True)))

    async def _read_file(self, effect: fx.ReadFile) -> bytes:
        return await asyncio.to_thread(read_file, effect)

    async def _pause(self, effect: fx.Pause) -> bool:
        stop = cast(asyncio.Event, effect.stop)
        if effect.seconds <= 0 or stop.is_set():
            return stop.is_set()
        try:
            await asyncio.wait_for(stop.wait(), effect.seconds)
        except asyncio.TimeoutError:
            return False
        return True

    async def _drive_logged(self, factory: Callable[[], Flow[Any]], name: str) -> None:
        try:
            await self._drive(factory())
        except Exception:
            log.exception("background %s failed", name)

    async def wait_background(self) -> None:
        """Wait for the background work started by pushes (code exchanges) to finish.

        The work runs on the event loop that served the push, which may be another one than
        the caller's (a server running the callback app in a thread of its own): work on
        another running loop is awaited through that loop. Work on a loop that is closed can
        never finish and is forgotten; work on a loop that is stopped resumes when that loop
        runs again, and is not waited for here.
        """
        here = asyncio.get_running_loop()
        while True:
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Task[None]]] = {}
            for task in self._tasks.copy():  # other loops add and discard tasks meanwhile
                if task.done():
                    self._tasks.discard(task)
                else:
                    by_loop.setdefault(task.get_loop(), []).append(task)
            waits = [_settled(tasks) if loop is here
                     else _through(loop, functools.partial(_settled, tasks))
                     for loop, tasks in by_loop.items() if loop is here or loop.is_running()]
            for loop, tasks in by_loop.items():
                if loop.is_closed():
                    self._tasks.difference_update(tasks)
            if not waits:
                return
            await asyncio.gather(*waits)

    # ------------------------------------------------------------------ the rest of the API

    def authorizer(self, authorizer_appid: str) -> AsyncAuthorizerClient:
        """A client acting for one authorizer (official account or mini program)."""
        return AsyncAuthorizerClient(self, authorizer_appid)

    def start_refresher(self, *, interval: float = 60.0, concurrency: int = 8) -> AsyncRefresher:
        """Start a task that calls :meth:`refresh_due` every ``interval`` (jittered)."""
        return AsyncRefresher(self, interval=interval, concurrency=concurrency)

    def asgi_app(self) -> Any:
        """An ASGI app serving this platform's callback URLs (see :mod:`wxcomponent.web`)."""
        from ..web import asgi_app

        return asgi_app(self)

    async def aclose(self) -> None:
        """Finish background work and close the HTTP clients (if created here), each on the
        event loop it was used on."""
        await self.wait_background()
        here = asyncio.get_running_loop()
        with self._loop_http_guard:
            clients = list(self._loop_http.items())
            self._loop_http.clear()
        await asyncio.gather(*(client.aclose() if loop is here else _through(loop, client.aclose)
                               for loop, client in clients
                               if loop is here or loop.is_running()))

    async def __aenter__(self) -> AsyncComponent:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _settled(tasks: list[asyncio.Task[None]]) -> None:
    """Wait until ``tasks`` (of the running loop) are done, whatever their outcome."""
    await asyncio.gather(*tasks, return_exceptions=True)


async def _through(loop: asyncio.AbstractEventLoop,
                   work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` on another running ``loop`` and wait for it. If that loop closes first or
    cancels the work (its shutdown cancels every task), the caller is not cancelled: its own
    cancellation is the only one that propagates."""
    coroutine = work()
    try:
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    except RuntimeError:  # the loop closed before the work could be scheduled on it
        coroutine.close()
        return
    wait = asyncio.wrap_future(future)
    try:
        await asyncio.shield(wait)
    except asyncio.CancelledError:
        if not wait.cancelled():  # the caller was cancelled, not the wait
            future.cancel()
            raise


class AsyncAuthorizerClient(AuthorizerAPI, AuthorizerBase, AsyncDriver):
    """The asyncio flavour of :class:`AuthorizerClient`."""

    def __init__(self, component: AsyncComponent, authorizer_appid: str) -> None:
        super().__init__(component, authorizer_appid)
        self.component = component

    async def _drive(self, flow: Flow[T]) -> T:
        return await self.component._drive(flow)
