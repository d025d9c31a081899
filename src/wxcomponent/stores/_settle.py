"""Acknowledging, retrying and burying a claimed job are one step of every backend: settling
the claim into a state (done, pending again from a time, dead) if it is still the job's
claim. A backend writes only that step, ``_settle``; these bases give it the three operations
of :class:`~.base.Store`, blocking or asyncio.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from . import _args
from .base import JobState

__all__ = ["SettlesJobs", "SettlesJobsAsync"]

#: ``_settle(job_id, claim, state, error, available_at)``: True if ``claim`` was the job's.
Settle = Callable[[int, int, JobState, "str | None", "float | None"], bool]
AsyncSettle = Callable[[int, int, JobState, "str | None", "float | None"], Awaitable[bool]]


class SettlesJobs:
    """``ack_job``, ``retry_job`` and ``bury_job`` of a blocking store, over its ``_settle``."""

    _settle: Settle

    def _ack_job(self, a: _args.AckJob) -> bool:
        """Mark the job done; False if ``claim`` is not its claim."""
        job_id, claim = a
        return self._settle(job_id, claim, "done", None, None)

    def _retry_job(self, a: _args.RetryJob) -> bool:
        """Put the claimed job back, claimable from ``available_at``; False if stale."""
        job_id, claim, available_at, error = a
        return self._settle(job_id, claim, "pending", error, available_at)

    def _bury_job(self, a: _args.BuryJob) -> bool:
        """Give the claimed job up (dead); False if ``claim`` is not its claim."""
        job_id, claim, error = a
        return self._settle(job_id, claim, "dead", error, None)


class SettlesJobsAsync:
    """``ack_job``, ``retry_job`` and ``bury_job`` of an asyncio store, over its ``_settle``."""

    _settle: AsyncSettle

    async def _ack_job(self, a: _args.AckJob) -> bool:
        """See :meth:`SettlesJobs.ack_job`."""
        job_id, claim = a
        return await self._settle(job_id, claim, "done", None, None)

    async def _retry_job(self, a: _args.RetryJob) -> bool:
        """See :meth:`SettlesJobs.retry_job`."""
        job_id, claim, available_at, error = a
        return await self._settle(job_id, claim, "pending", error, available_at)

    async def _bury_job(self, a: _args.BuryJob) -> bool:
        """See :meth:`SettlesJobs.bury_job`."""
        job_id, claim, error = a
        return await self._settle(job_id, claim, "dead", error, None)
