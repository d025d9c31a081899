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
    AccountType,
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    ComplianceRecord,
    Job,
    JobState,
    Store,
    Ticket,
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

    # ------------------------------------------------------------------ tickets

    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.save_ticket`."""
        return await self._run(self._ops.save_ticket(component_appid, ticket, created_at))

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`~wxcomponent.stores.RedisStore.load_ticket`."""
        return await self._run(self._ops.load_ticket(component_appid))

    # ------------------------------------------------------------------ authorizers

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.save_authorizer`."""
        return await self._run(self._ops.save_authorizer(record))

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`~wxcomponent.stores.RedisStore.get_authorizer`."""
        return await self._run(self._ops.get_authorizer(component_appid, authorizer_appid))

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`~wxcomponent.stores.RedisStore.list_authorizers`."""
        op = self._ops.list_authorizers(component_appid, status=status, after=after, limit=limit)
        return await self._run(op)

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`~wxcomponent.stores.RedisStore.count_authorizers`."""
        return await self._run(self._ops.count_authorizers(component_appid, status=status))

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.replace_refresh_token`."""
        op = self._ops.replace_refresh_token(component_appid, authorizer_appid, expected, new)
        return await self._run(op)

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.mark_revoked`."""
        return await self._run(
            self._ops.mark_revoked(component_appid, authorizer_appid, event_at)
        )

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.delete_authorizer`."""
        return await self._run(self._ops.delete_authorizer(component_appid, authorizer_appid))

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.set_authorizer_tenant`."""
        op = self._ops.set_authorizer_tenant(component_appid, authorizer_appid, tenant)
        return await self._run(op)

    async def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.set_authorizer_name`."""
        op = self._ops.set_authorizer_name(component_appid, authorizer_appid, name,
                                           account_type)
        return await self._run(op)

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`~wxcomponent.stores.RedisStore.search_authorizers`."""
        op = self._ops.search_authorizers(component_appid, prefix, after=after, limit=limit)
        return await self._run(op)

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.schedule_refresh`."""
        return await self._run(self._ops.schedule_refresh(component_appid, authorizer_appid, at))

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`~wxcomponent.stores.RedisStore.due_authorizers`."""
        op = self._ops.due_authorizers(component_appid, before=before, limit=limit)
        return await self._run(op)

    # ------------------------------------------------------------------ compliance

    async def save_compliance(self, record: ComplianceRecord) -> None:
        """See :meth:`~wxcomponent.stores.RedisStore.save_compliance`."""
        return await self._run(self._ops.compliance.save(record))

    async def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """See :meth:`~wxcomponent.stores.RedisStore.get_compliance`."""
        return await self._run(self._ops.compliance.get(component_appid, authorizer_appid))

    async def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ComplianceRecord]:
        """See :meth:`~wxcomponent.stores.RedisStore.list_compliance`."""
        return await self._run(self._ops.compliance.listing(
            component_appid, blocked_by, expiring_before, after, limit))

    async def count_compliance(self, component_appid: str) -> dict[str, int]:
        """See :meth:`~wxcomponent.stores.RedisStore.count_compliance`."""
        return await self._run(self._ops.compliance.count(component_appid))

    async def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """See :meth:`~wxcomponent.stores.RedisStore.due_compliance`."""
        return await self._run(self._ops.compliance.due(component_appid, before, limit))

    # ------------------------------------------------------------------ the job queue

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
        """See :meth:`~wxcomponent.stores.RedisStore.enqueue`."""
        op = self._queue.enqueue(component_appid, topic, group, payload, available_at, key)
        return await self._run(op)

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`~wxcomponent.stores.RedisStore.claim_jobs`."""
        return await self._run(self._queue.claim_jobs(component_appid, topic, limit, lease))

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.ack_job`."""
        return await self._run(self._queue.ack_job(job_id, claim))

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.retry_job`."""
        return await self._run(self._queue.retry_job(job_id, claim, available_at, error))

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.bury_job`."""
        return await self._run(self._queue.bury_job(job_id, claim, error))

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`~wxcomponent.stores.RedisStore.get_job`."""
        return await self._run(self._queue.get_job(job_id))

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """See :meth:`~wxcomponent.stores.RedisStore.list_jobs`."""
        return await self._run(self._queue.list_jobs(component_appid, topic, state, after, limit))

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.requeue_job`."""
        return await self._run(self._queue.requeue_job(job_id, available_at))

    async def count_jobs(
        self, component_appid: str, *, topic: str | None = None
    ) -> dict[str, int]:
        """See :meth:`~wxcomponent.stores.RedisStore.count_jobs`."""
        return await self._run(self._queue.count_jobs(component_appid, topic))

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float,
        limit: int = 500,
    ) -> int:
        """See :meth:`~wxcomponent.stores.RedisStore.purge_jobs`."""
        return await self._run(self._queue.purge_jobs(component_appid, topic, state, before,
                                                      limit))

    async def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """See :meth:`~wxcomponent.stores.RedisStore.find_job`."""
        return await self._run(self._queue.find_job(component_appid, topic, key))

    async def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """See :meth:`~wxcomponent.stores.RedisStore.restore_job`."""
        return await self._run(self._queue.restore_job(job, renumber))

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`~wxcomponent.stores.RedisStore.reserve_job_ids`."""
        return await self._run(self._queue.reserve_job_ids(through))

    # ------------------------------------------------------------------ tokens

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`~wxcomponent.stores.RedisStore.get_token`."""
        return await self._run(self._ops.get_token(key))

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.set_token`."""
        return await self._run(self._ops.set_token(key, token, fence=fence))

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.delete_token`."""
        return await self._run(self._ops.delete_token(key, if_value=if_value))

    # ------------------------------------------------------------------ leases

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`~wxcomponent.stores.RedisStore.acquire_lease`."""
        return await self._run(self._ops.acquire_lease(key, ttl))

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`~wxcomponent.stores.RedisStore.release_lease`."""
        return await self._run(self._ops.release_lease(key, fence))

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
