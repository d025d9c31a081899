"""The asyncio Redis store: the operations of :class:`~wxcomponent.stores.RedisStore` (the
very same generators), run with a ``redis.asyncio`` client, one per event loop.
"""

from __future__ import annotations

import asyncio as aio
import contextlib
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InvalidArgument
from ._aio import as_async_store
from ._checked import CheckedAsyncStore
from ._redis_client import new_client
from ._redis_driver import Done, RedisDriver
from ._redis_steps import DurableCall, Op, Step
from .base import (
    AsyncStore,
    Store,
)

if TYPE_CHECKING:
    import redis.asyncio as redis_async

__all__ = ["AsyncRedisStore"]

T = TypeVar("T")


def _async_durable(durable: Store | AsyncStore | None) -> tuple[AsyncStore | None, bool]:
    """The durable store as an :class:`AsyncStore`, and whether we built that view."""
    if durable is None:
        return None, False
    try:
        view = as_async_store(durable)
    except TypeError:
        raise InvalidArgument(
            "durable", f"must be a Store or an AsyncStore, not {type(durable).__name__}"
        ) from None
    return view, view is not durable


class AsyncRedisStore(RedisDriver, CheckedAsyncStore):
    """The :class:`~wxcomponent.stores.base.AsyncStore` protocol over ``redis.asyncio``.

    The same rules as :class:`~wxcomponent.stores.RedisStore` (the very same code drives
    both). ``durable`` may be an :class:`AsyncStore`, or a sync :class:`Store` (used through its
    ``aio`` flavour, or on worker threads) so that the event loop never blocks.
    """

    def __init__(
        self,
        url_or_client: str | redis_async.Redis,
        prefix: str = "wxcomponent",
        *,
        durable: Store | AsyncStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._durable, self._owns_durable = _async_durable(durable)
        super().__init__(url_or_client, prefix, asyncio=True, clock=clock)
        # redis.asyncio connections belong to the loop that opened them. A store built from
        # a URL keeps one client per event loop, so one store can serve, say, a server's loop
        # and a test's loop; a client passed in is used as given.
        self._loop_clients: weakref.WeakKeyDictionary[aio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._first_loop: aio.AbstractEventLoop | None = None

    @property
    def durable(self) -> AsyncStore | None:
        """The store keeping tickets and authorizer records beside Redis, if any (an async
        view of the one given)."""
        durable: AsyncStore | None = self._durable
        return durable

    def _loop_client(self) -> Any:
        if not self._owns_client or self._url is None:
            return self._client
        loop = aio.get_running_loop()
        if self._first_loop is None:
            self._first_loop = loop
        if loop is self._first_loop:
            return self._client
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = new_client(self._url, asyncio=True)
        return client

    async def _run(self, op: Op[T]) -> T:
        return await self._drive(self._first_use(op) if self._unchecked else op)

    async def _drive(self, op: Op[T]) -> T:
        step = self._resume(op)
        while not isinstance(step, Done):
            try:
                reply = await self._execute(step)
            except Exception as exc:
                step = self._resume(op, error=exc)
            else:
                step = self._resume(op, reply)
        return step.value

    async def _execute(self, step: Step) -> Any:
        if isinstance(step, DurableCall):
            return await getattr(self._durable, step.method)(*step.args, **step.kwargs)
        return await self._loop_client().execute_command(*step)

    async def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        """See :meth:`RedisStore._operation`."""
        return await self._run(self._programs[name](a))

    async def close(self) -> None:
        """Close the client if this store created it, and any wrapper it put on ``durable``."""
        try:
            if self._owns_client:
                closing = getattr(self._client, "aclose", None) or self._client.close
                await closing()
                for client in list(self._loop_clients.values()):
                    with contextlib.suppress(Exception):  # their loops may be gone
                        await (getattr(client, "aclose", None) or client.close)()
        finally:
            if self._owns_durable and self._durable is not None:
                await self._durable.close()
