"""The job queue of a SQLite store: the statements of :mod:`._sql_queue` run on its write
path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ._settle import SettlesJobs
from ._sql_queue import SQLITE, SqlOp, SqlQueue
from ._sqlite_conn import _perform, _SQLiteFile
from .base import (
    Job,
    JobState,
)

T = TypeVar("T")

_QUEUE = SqlQueue(SQLITE)


class _SQLiteQueue(_SQLiteFile, SettlesJobs):
    """The job queue's operations of :class:`~.sqlite.SQLiteStore`."""

    def _queue_read(self, op: SqlOp[T]) -> T:
        return self._read_op(op, "job")

    def _queue_write(self, make: Callable[[float], SqlOp[T]], *, durable: bool) -> T:
        """Run the operation ``make(now)`` in one write transaction."""
        return self._write(lambda conn, now: _perform(conn, make(now)), durable=durable)

    # ------------------------------------------------------------------ the job queue

    def enqueue(
        self,
        component_appid: str,
        topic: str,
        group: str,
        payload: bytes,
        *,
        available_at: float | None = None,
        key: str | None = None,
    ) -> int:
        """Add a pending job, committed with ``synchronous=FULL``; returns its id."""
        when = None if available_at is None else float(available_at)
        return self._queue_write(
            lambda now: _QUEUE.enqueue(component_appid, topic, group, payload, when, key, now),
            durable=True,
        )

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        return self._queue_write(
            lambda now: _QUEUE.claim(component_appid, topic, limit, lease, now), durable=False
        )

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        return self._queue_write(
            lambda now: _QUEUE.settle(job_id, claim, state, error, available_at, now),
            durable=False,
        )

    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        return self._queue_read(_QUEUE.get_job(job_id))

    def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """Jobs ordered by id, after ``after``, of ``topic`` and ``state`` when given."""
        return self._queue_read(_QUEUE.list_jobs(component_appid, topic, state, after, limit))

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job (committed with ``synchronous=FULL``)."""
        return self._queue_write(lambda now: _QUEUE.requeue(job_id, available_at, now),
                                 durable=True)

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        return self._queue_read(_QUEUE.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float,
        limit: int = 500,
    ) -> int:
        """Delete at most ``limit`` jobs of ``topic`` in ``state`` last updated before
        ``before``, the least recently updated first (one write transaction per call)."""
        return self._queue_write(
            lambda now: _QUEUE.purge(component_appid, topic, state, before, limit, now),
            durable=False,
        )

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        return self._queue_read(_QUEUE.find_job(component_appid, topic, key))

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands (committed with
        ``synchronous=FULL``); see :meth:`Store.restore_job`."""
        return self._queue_write(lambda now: _QUEUE.restore(job, renumber, now),
                                 durable=True)

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        if through == 0:
            return self._queue_read(_QUEUE.reserve_ids(0))
        return self._queue_write(lambda now: _QUEUE.reserve_ids(through), durable=True)
