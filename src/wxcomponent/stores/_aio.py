"""The asyncio flavour of a synchronous store, derived from the sync one.

:class:`AsyncOverSync` (generated from :class:`~wxcomponent.stores.base.Store` into
:mod:`._over_sync`) implements :class:`~wxcomponent.stores.base.AsyncStore` by calling the
methods of a sync :class:`~wxcomponent.stores.base.Store`. Subclasses only decide *how* a call
runs: inline (the memory store, whose calls never block) or on worker threads
(:class:`ThreadedAsyncStore`: SQLite, or any foreign blocking store), so the event loop is
never blocked by file I/O or lock waits.

:func:`as_async_store` is the one place that turns whatever store a caller hands over into an
:class:`~wxcomponent.stores.base.AsyncStore`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar, cast

from ._over_sync import AsyncOverSync
from .base import AsyncStore, Store

__all__ = ["AsyncOverSync", "ThreadedAsyncStore", "as_async_store", "is_async_store"]

P = ParamSpec("P")
T = TypeVar("T")


class ThreadedAsyncStore(AsyncOverSync):
    """An :class:`AsyncStore` over any blocking sync store: each call runs on a worker thread.

    Calls go to a small private thread pool, so a slow store cannot exhaust the event loop's
    default executor.
    """

    def __init__(self, store: Store, *, owns: bool, max_workers: int = 4) -> None:
        super().__init__(store, owns=owns)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="wxcomponent-store")

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def close(self) -> None:
        """Close the store if this object created it, then stop the worker threads."""
        try:
            await super().close()
        finally:
            self._executor.shutdown(wait=False)


def is_async_store(store: object) -> bool:
    """True if ``store``'s methods are coroutine functions (an :class:`AsyncStore`).

    ``get_token`` or ``save_ticket`` decides: a sync store's are plain functions.
    """
    return any(
        inspect.iscoroutinefunction(getattr(store, name, None))
        for name in ("get_token", "save_ticket")
    )


def as_async_store(store: Store | AsyncStore) -> AsyncStore:
    """``store`` as an :class:`AsyncStore` whose calls never block the event loop.

    * an :class:`AsyncStore` (``AsyncSQLiteStore``, ``AsyncRedisStore``, ...) is returned as is;
    * a sync store with an ``aio`` flavour (``SQLiteStore``, ``RedisStore``, ``MemoryStore``;
      ``aio`` may be a property or a method) gives that flavour, over the same data;
    * any other sync :class:`Store` is wrapped in a :class:`ThreadedAsyncStore`, whose calls
      run on its own worker threads.

    Anything else raises :class:`TypeError`. When the result is not ``store`` itself, it is a
    view that the caller closes (``await view.close()``) when done with it: that releases what
    the view opened (threads, asyncio connections) and never closes ``store``.
    """
    if is_async_store(store):
        return cast(AsyncStore, store)
    aio = getattr(store, "aio", None)
    if aio is not None:
        view = aio if is_async_store(aio) or not callable(aio) else aio()
        if not is_async_store(view):
            raise TypeError(
                f"{type(store).__name__}.aio is not an async store (got {type(view).__name__})"
            )
        return cast(AsyncStore, view)
    if isinstance(store, Store):
        return ThreadedAsyncStore(store, owns=False)
    raise TypeError(
        "store must be an AsyncStore, a Store with an .aio flavour or a sync Store, "
        f"not {type(store).__name__}"
    )
