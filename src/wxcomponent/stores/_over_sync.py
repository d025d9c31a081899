"""Every :class:`~.base.AsyncStore` method, delegated to a sync :class:`~.base.Store`.

The methods below the ``generated from Store`` line are written by :mod:`._codegen` from
:class:`~.base.Store` (``python -m wxcomponent.stores._codegen``): never edit them by hand.
Subclasses (:mod:`._aio`) decide only *how* a call runs: inline, or on worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from . import base

__all__ = ["AsyncOverSync"]

P = ParamSpec("P")
T = TypeVar("T")


class AsyncOverSync:
    """Every :class:`AsyncStore` method, delegated to a sync store through :meth:`_call`."""

    def __init__(self, store: base.Store, *, owns: bool) -> None:
        self._store = store
        self._owns = owns

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one sync call; inline here, overridden to use threads."""
        return fn(*args, **kwargs)

    async def close(self) -> None:
        """Close the underlying sync store if this object created it."""
        if self._owns:
            await self._call(self._store.close)

    # ---------------------------------------------------------- generated from Store
    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`Store.save_ticket`."""
        return await self._call(self._store.save_ticket, component_appid, ticket, created_at)

    async def load_ticket(self, component_appid: str) -> base.Ticket | None:
        """See :meth:`Store.load_ticket`."""
        return await self._call(self._store.load_ticket, component_appid)

    async def save_authorizer(self, record: base.AuthorizerRecord) -> bool:
        """See :meth:`Store.save_authorizer`."""
        return await self._call(self._store.save_authorizer, record)

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> base.AuthorizerRecord | None:
        """See :meth:`Store.get_authorizer`."""
        return await self._call(self._store.get_authorizer, component_appid, authorizer_appid)

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: base.AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[base.AuthorizerRecord]:
        """See :meth:`Store.list_authorizers`."""
        return await self._call(
            self._store.list_authorizers, component_appid, status=status, after=after, limit=limit
        )

    async def count_authorizers(
        self, component_appid: str, *, status: base.AuthorizerStatus | None = None
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
        self,
        component_appid: str,
        authorizer_appid: str,
        name: str | None,
        *,
        account_type: base.AccountType | None = None,
    ) -> bool:
        """See :meth:`Store.set_authorizer_name`."""
        return await self._call(
            self._store.set_authorizer_name,
            component_appid,
            authorizer_appid,
            name,
            account_type=account_type,
        )

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[base.AuthorizerRecord]:
        """See :meth:`Store.search_authorizers`."""
        return await self._call(
            self._store.search_authorizers, component_appid, prefix, after=after, limit=limit
        )

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`Store.schedule_refresh`."""
        return await self._call(self._store.schedule_refresh, component_appid, authorizer_appid, at)

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[base.AuthorizerRecord]:
        """See :meth:`Store.due_authorizers`."""
        return await self._call(
            self._store.due_authorizers, component_appid, before=before, limit=limit
        )

    async def save_compliance(self, record: base.ComplianceRecord) -> None:
        """See :meth:`Store.save_compliance`."""
        return await self._call(self._store.save_compliance, record)

    async def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> base.ComplianceRecord | None:
        """See :meth:`Store.get_compliance`."""
        return await self._call(self._store.get_compliance, component_appid, authorizer_appid)

    async def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[base.ComplianceRecord]:
        """See :meth:`Store.list_compliance`."""
        return await self._call(
            self._store.list_compliance,
            component_appid,
            blocked_by=blocked_by,
            expiring_before=expiring_before,
            after=after,
            limit=limit,
        )

    async def count_compliance(self, component_appid: str) -> dict[str, int]:
        """See :meth:`Store.count_compliance`."""
        return await self._call(self._store.count_compliance, component_appid)

    async def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[base.ComplianceRecord]:
        """See :meth:`Store.due_compliance`."""
        return await self._call(
            self._store.due_compliance, component_appid, before=before, limit=limit
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
            self._store.enqueue,
            component_appid,
            topic,
            group,
            payload,
            available_at=available_at,
            key=key,
        )

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[base.Job]:
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

    async def get_job(self, job_id: int) -> base.Job | None:
        """See :meth:`Store.get_job`."""
        return await self._call(self._store.get_job, job_id)

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: base.JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[base.Job]:
        """See :meth:`Store.list_jobs`."""
        return await self._call(
            self._store.list_jobs,
            component_appid,
            topic=topic,
            state=state,
            after=after,
            limit=limit,
        )

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`Store.requeue_job`."""
        return await self._call(self._store.requeue_job, job_id, available_at=available_at)

    async def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """See :meth:`Store.count_jobs`."""
        return await self._call(self._store.count_jobs, component_appid, topic=topic)

    async def purge_jobs(
        self,
        component_appid: str,
        *,
        topic: str,
        state: base.JobState,
        before: float,
        limit: int = 500,
    ) -> int:
        """See :meth:`Store.purge_jobs`."""
        return await self._call(
            self._store.purge_jobs,
            component_appid,
            topic=topic,
            state=state,
            before=before,
            limit=limit,
        )

    async def find_job(self, component_appid: str, topic: str, key: str) -> base.Job | None:
        """See :meth:`Store.find_job`."""
        return await self._call(self._store.find_job, component_appid, topic, key)

    async def restore_job(self, job: base.Job, *, renumber: bool = False) -> int | None:
        """See :meth:`Store.restore_job`."""
        return await self._call(self._store.restore_job, job, renumber=renumber)

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`Store.reserve_job_ids`."""
        return await self._call(self._store.reserve_job_ids, through)

    async def get_token(self, key: str) -> base.CachedToken | None:
        """See :meth:`Store.get_token`."""
        return await self._call(self._store.get_token, key)

    async def set_token(
        self, key: str, token: base.CachedToken, *, fence: int | None = None
    ) -> bool:
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
