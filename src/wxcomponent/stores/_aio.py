"""The asyncio flavour of a synchronous store, written once.

:class:`AsyncOverSync` implements :class:`~wxcomponent.stores.base.AsyncStore` by calling the
methods of a sync :class:`~wxcomponent.stores.base.Store`. Subclasses only decide *how* a call
runs: inline (the memory store, whose calls never block) or on worker threads (SQLite, or any
foreign blocking store), so the event loop is never blocked by file I/O or lock waits.

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

from .base import (
    AccountType,
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Store,
    Ticket,
)

__all__ = ["AsyncOverSync", "ThreadedAsyncStore", "as_async_store", "is_async_store"]

P = ParamSpec("P")
T = TypeVar("T")


class AsyncOverSync:
    """Every :class:`AsyncStore` method, delegated to a sync store through :meth:`_call`."""

    def __init__(self, store: Store, *, owns: bool) -> None:
        self._store = store
        self._owns = owns

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one sync call; inline here, overridden to use threads."""
        return fn(*args, **kwargs)

    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`Store.save_ticket`."""
        return await self._call(self._store.save_ticket, component_appid, ticket, created_at)

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`Store.load_ticket`."""
        return await self._call(self._store.load_ticket, component_appid)

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`Store.save_authorizer`."""
        return bool(await self._call(self._store.save_authorizer, record))

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`Store.get_authorizer`."""
        return await self._call(self._store.get_authorizer, component_appid, authorizer_appid)

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.list_authorizers`."""
        return await self._call(
            self._store.list_authorizers, component_appid, status=status, after=after, limit=limit
        )

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`Store.count_authorizers`."""
        return await self._call(self._store.count_authorizers, component_appid, status=status)

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`Store.replace_refresh_token`."""
        return await self._call(
            self._store.replace_refresh_token, component_appid, authorizer_appid, expected, new
        )

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`Store.mark_revoked`."""
        return await self._call(
            self._store.mark_revoked, component_appid, authorizer_appid, event_at=event_at
        )

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`Store.delete_authorizer`."""
        return await self._call(self._store.delete_authorizer, component_appid, authorizer_appid)

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`Store.set_authorizer_tenant`."""
        return await self._call(
            self._store.set_authorizer_tenant, component_appid, authorizer_appid, tenant
        )

    async def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """See :meth:`Store.set_authorizer_name`."""
        return await self._call(self._store.set_authorizer_name, component_appid,
                                authorizer_appid, name, account_type=account_type)

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.search_authorizers`."""
        return await self._call(
            self._store.search_authorizers, component_appid, prefix, after=after, limit=limit
        )

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`Store.schedule_refresh`."""
        return await self._call(
            self._store.schedule_refresh, component_appid, authorizer_appid, at
        )

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.due_authorizers`."""
        return await self._call(
            self._store.due_authorizers, component_appid, before=before, limit=limit
        )

    async def enqueue(
        self,
        component_appid: str,
        topic: str,
        group: str,
        payload: bytes,
        *,
        available_at: float | None = None,
        key: str | None = None,
    ) -> int:
        """See :meth:`Store.enqueue`."""
        return await self._call(
            self._store.enqueue, component_appid, topic, group, payload,
            available_at=available_at, key=key,
        )  # fmt: skip

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`Store.claim_jobs`."""
        return await self._call(
            self._store.claim_jobs, component_appid, topic, limit=limit, lease=lease
        )

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`Store.ack_job`."""
        return await self._call(self._store.ack_job, job_id, claim)

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`Store.retry_job`."""
        return await self._call(self._store.retry_job, job_id, claim, available_at, error)

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`Store.bury_job`."""
        return await self._call(self._store.bury_job, job_id, claim, error)

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`Store.get_job`."""
        return await self._call(self._store.get_job, job_id)

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """See :meth:`Store.list_jobs`."""
        return await self._call(
            self._store.list_jobs, component_appid, topic=topic, state=state, after=after,
            limit=limit,
        )  # fmt: skip

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`Store.requeue_job`."""
        return await self._call(self._store.requeue_job, job_id, available_at=available_at)

    async def count_jobs(
        self, component_appid: str, *, topic: str | None = None
    ) -> dict[str, int]:
        """See :meth:`Store.count_jobs`."""
        return await self._call(self._store.count_jobs, component_appid, topic=topic)

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """See :meth:`Store.purge_jobs`."""
        return await self._call(
            self._store.purge_jobs, component_appid, topic=topic, state=state, before=before
        )

    async def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """See :meth:`Store.find_job`."""
        return await self._call(self._store.find_job, component_appid, topic, key)

    async def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """See :meth:`Store.restore_job`."""
        return await self._call(self._store.restore_job, job, renumber=renumber)

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`Store.reserve_job_ids`."""
        return await self._call(self._store.reserve_job_ids, through)

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`Store.get_token`."""
        return await self._call(self._store.get_token, key)

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`Store.set_token`."""
        return await self._call(self._store.set_token, key, token, fence=fence)

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`Store.delete_token`."""
        return await self._call(self._store.delete_token, key, if_value=if_value)

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`Store.acquire_lease`."""
        return await self._call(self._store.acquire_lease, key, ttl)

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`Store.release_lease`."""
        return await self._call(self._store.release_lease, key, fence)

    async def close(self) -> None:
        """Close the underlying sync store if this object created it."""
        if self._owns:
            await self._call(self._store.close)


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
