"""Acknowledging, retrying and burying a claimed job are one step of every backend: settling
the claim into a state (done, pending again from a time, dead) if it is still the job's
claim. A backend writes only that step, ``_settle``; these bases give it the three operations
of :class:`~.base.Store`, blocking or asyncio.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .base import JobState

__all__ = ["SettlesJobs", "SettlesJobsAsync"]

#: ``_settle(job_id, claim, state, error, available_at)``: True if ``claim`` was the job's.
Settle = Callable[[int, int, JobState, "str | None", "float | None"], bool]
AsyncSettle = Callable[[int, int, JobState, "str | None", "float | None"], Awaitable[bool]]


class SettlesJobs:
    """``ack_job``, ``retry_job`` and ``bury_job`` of a blocking store, over its ``_settle``."""

    _settle: Settle

    def ack_job(self, job_id: int, claim: int) -> bool:
        """Mark the job done; False if ``claim`` is not its claim."""
        return self._settle(job_id, claim, "done", None, None)

    def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """Put the claimed job back, claimable from ``available_at``; False if stale."""
        return self._settle(job_id, claim, "pending", error, available_at)

    def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """Give the claimed job up (dead); False if ``claim`` is not its claim."""
        return self._settle(job_id, claim, "dead", error, None)


class SettlesJobsAsync:
    """``ack_job``, ``retry_job`` and ``bury_job`` of an asyncio store, over its ``_settle``."""

    _settle: AsyncSettle

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`SettlesJobs.ack_job`."""
        return await self._settle(job_id, claim, "done", None, None)

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`SettlesJobs.retry_job`."""
        return await self._settle(job_id, claim, "pending", error, available_at)

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`SettlesJobs.bury_job`."""
        return await self._settle(job_id, claim, "dead", error, None)
