"""The job queue of a SQLite store: the statements of :mod:`._sql_queue` run on its write
path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from . import _args
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

    def _enqueue(self, a: _args.Enqueue) -> int:
        """Add a pending job, committed with ``synchronous=FULL``; returns its id."""
        component_appid, topic, group, payload, available_at, key = a
        when = None if available_at is None else float(available_at)
        return self._queue_write(
            lambda now: _QUEUE.enqueue(component_appid, topic, group, payload, when, key, now),
            durable=True,
        )

    def _claim_jobs(self, a: _args.ClaimJobs) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        component_appid, topic, limit, lease = a
        return self._queue_write(
            lambda now: _QUEUE.claim(component_appid, topic, limit, lease, now), durable=False
        )

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        return self._queue_write(
            lambda now: _QUEUE.settle(job_id, claim, state, error, available_at, now),
            durable=False,
        )

    def _get_job(self, a: _args.GetJob) -> Job | None:
        """One job, or None."""
        job_id = a.job_id
        return self._queue_read(_QUEUE.get_job(job_id))

    def _list_jobs(self, a: _args.ListJobs) -> list[Job]:
        """Jobs ordered by id, after ``after``, of ``topic`` and ``state`` when given."""
        component_appid, topic, state, after, limit = a
        return self._queue_read(_QUEUE.list_jobs(component_appid, topic, state, after, limit))

    def _requeue_job(self, a: _args.RequeueJob) -> bool:
        """Replay a done or dead job (committed with ``synchronous=FULL``)."""
        job_id, available_at = a
        return self._queue_write(lambda now: _QUEUE.requeue(job_id, available_at, now),
                                 durable=True)

    def _count_jobs(self, a: _args.CountJobs) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        component_appid, topic = a
        return self._queue_read(_QUEUE.count_jobs(component_appid, topic))

    def _purge_jobs(self, a: _args.PurgeJobs) -> int:
        """Delete at most ``limit`` jobs of ``topic`` in ``state`` last updated before
        ``before``, the least recently updated first (one write transaction per call)."""
        component_appid, topic, state, before, limit = a
        return self._queue_write(
            lambda now: _QUEUE.purge(component_appid, topic, state, before, limit, now),
            durable=False,
        )

    def _find_job(self, a: _args.FindJob) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        component_appid, topic, key = a
        return self._queue_read(_QUEUE.find_job(component_appid, topic, key))

    def _restore_job(self, a: _args.RestoreJob) -> int | None:
        """Write a job read from another store, as it stands (committed with
        ``synchronous=FULL``); see :meth:`Store.restore_job`."""
        job, renumber = a
        return self._queue_write(lambda now: _QUEUE.restore(job, renumber, now),
                                 durable=True)

    def _reserve_job_ids(self, a: _args.ReserveJobIds) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        through = a.through
        if through == 0:
            return self._queue_read(_QUEUE.reserve_ids(0))
        return self._queue_write(lambda now: _QUEUE.reserve_ids(through), durable=True)
