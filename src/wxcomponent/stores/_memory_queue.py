"""The job queue of the memory store: jobs by id, their idempotency keys, and the groups whose
jobs are claimed one at a time, in order.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import _args
from . import _validate as valid
from ._memory_pages import page_after
from .base import (
    Job,
    JobState,
)


@dataclass
class _JobRow:
    """A job as the memory store keeps it: :class:`Job` plus when its claim ends."""

    job: Job
    claimed_until: float = 0.0


@dataclass
class _Group:
    """The pending jobs of one (component appid, topic, group), oldest first, and the job
    under the latest claim."""

    pending: list[int] = field(default_factory=list)
    flight: int | None = None


class _MemoryQueue:
    """The job queue's operations of :class:`~.memory.MemoryStore`, over the dicts its
    constructor makes."""

    _clock: Callable[[], float]
    _lock: threading.Lock
    _jobs: dict[int, _JobRow]
    _job_ids: dict[str, list[int]]
    _job_keys: dict[tuple[str, str, str], int]
    _groups: dict[tuple[str, str], dict[str, _Group]]
    _last_job: int
    _last_claim: int

    # ------------------------------------------------------------------ the job queue

    def _enqueue(self, a: _args.Enqueue) -> int:
        """Add a pending job; returns its id (an existing job's, for a known ``key``)."""
        component_appid, topic, group, payload, available_at, key = a
        with self._lock:
            if key is not None and (found := self._job_keys.get((component_appid, topic, key))):
                return found
            now = self._clock()
            self._last_job += 1
            job_id = self._last_job
            self._jobs[job_id] = _JobRow(Job(
                id=job_id, component_appid=component_appid, topic=topic, group=group,
                payload=payload, state="pending", attempts=0,
                available_at=now if available_at is None else float(available_at),
                created_at=now, updated_at=now, last_error="", key=key, claim=None,
            ))  # fmt: skip
            self._job_ids.setdefault(component_appid, []).append(job_id)
            if key is not None:
                self._job_keys[(component_appid, topic, key)] = job_id
            self._group(component_appid, topic, group).pending.append(job_id)
            return job_id

    def _group(self, component_appid: str, topic: str, group: str) -> _Group:
        return self._groups.setdefault((component_appid, topic), {}).setdefault(group, _Group())

    def _ready_at(self, group: _Group) -> float:
        """When the group's oldest pending job may be claimed (its time, or the end of the
        claim of the group's job in flight)."""
        ready = self._jobs[group.pending[0]].job.available_at
        if group.flight is not None:
            flight = self._jobs.get(group.flight)
            if flight is not None and flight.job.claim is not None:
                ready = max(ready, flight.claimed_until)
        return ready

    def _claim_jobs(self, a: _args.ClaimJobs) -> list[Job]:
        component_appid, topic, limit, lease = a
        with self._lock:
            now = self._clock()
            groups = self._groups.get((component_appid, topic), {})
            due = sorted(
                (ready, group.pending[0], group)
                for group in groups.values()
                if group.pending and (ready := self._ready_at(group)) <= now
            )[:limit]
            claimed = []
            for _ready, job_id, group in due:
                self._last_claim += 1
                row = self._jobs[job_id]
                row.job = replace(row.job, attempts=row.job.attempts + 1, updated_at=now,
                                  claim=self._last_claim)
                row.claimed_until = now + lease
                group.flight = job_id
                claimed.append(row.job)
            return claimed

    def _ack_job(self, a: _args.AckJob) -> bool:
        return self._settle(a.job_id, a.claim, "done", None, None)

    def _retry_job(self, a: _args.RetryJob) -> bool:
        return self._settle(a.job_id, a.claim, "pending", a.error, a.available_at)

    def _bury_job(self, a: _args.BuryJob) -> bool:
        return self._settle(a.job_id, a.claim, "dead", a.error, None)

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        with self._lock:
            row = self._jobs.get(job_id)
            if row is None or row.job.state != "pending" or row.job.claim != claim:
                return False
            job = row.job
            now = self._clock()
            row.job = replace(
                job, state=state, updated_at=now, claim=None,
                last_error=job.last_error if error is None else error,
                available_at=job.available_at if available_at is None else available_at,
            )  # fmt: skip
            row.claimed_until = 0.0
            group = self._group(job.component_appid, job.topic, job.group)
            if group.flight == job_id:
                group.flight = None
            if state != "pending":
                group.pending.remove(job_id)
                if not group.pending:
                    del self._groups[(job.component_appid, job.topic)][job.group]
            return True

    def _get_job(self, a: _args.GetJob) -> Job | None:
        job_id = a.job_id
        with self._lock:
            row = self._jobs.get(job_id)
            return None if row is None else row.job

    def _list_jobs(self, a: _args.ListJobs) -> list[Job]:
        """Jobs ordered by id, after ``after``, of ``topic`` and ``state`` when given."""
        component_appid, topic, state, after, limit = a
        with self._lock:
            return page_after(self._job_ids.get(component_appid, []), after, limit,
                              lambda job_id: self._jobs[job_id].job,
                              lambda job: topic in (None, job.topic) and state in (None, job.state))

    def _requeue_job(self, a: _args.RequeueJob) -> bool:
        job_id, available_at = a
        with self._lock:
            row = self._jobs.get(job_id)
            if row is None or row.job.state == "pending":
                return False
            now = self._clock()
            job = row.job = replace(
                row.job, state="pending", attempts=0, updated_at=now, claim=None,
                available_at=now if available_at is None else float(available_at),
            )  # fmt: skip
            bisect.insort(self._group(job.component_appid, job.topic, job.group).pending, job_id)
            return True

    def _count_jobs(self, a: _args.CountJobs) -> dict[str, int]:
        component_appid, topic = a
        counts = dict.fromkeys(valid.JOB_STATES, 0)
        with self._lock:
            for job_id in self._job_ids.get(component_appid, []):
                job = self._jobs[job_id].job
                if topic is None or job.topic == topic:
                    counts[job.state] += 1
        return counts

    def _purge_jobs(self, a: _args.PurgeJobs) -> int:
        """Delete at most ``limit`` jobs of ``topic`` in ``state`` last updated before
        ``before``, the least recently updated first."""
        component_appid, topic, state, before, limit = a
        with self._lock:
            ids = self._job_ids.get(component_appid, [])
            old = [
                (job.updated_at, job_id) for job_id in ids
                if (job := self._jobs[job_id].job).topic == topic and job.state == state
                and job.updated_at < before
            ]  # fmt: skip
            gone = {job_id for _, job_id in heapq.nsmallest(limit, old)}
            for job_id in gone:
                job = self._jobs.pop(job_id).job
                if job.key is not None:
                    self._job_keys.pop((component_appid, topic, job.key), None)
                if state == "pending":
                    group = self._group(component_appid, topic, job.group)
                    group.pending.remove(job_id)
                    if group.flight == job_id:
                        group.flight = None
                    if not group.pending:
                        del self._groups[(component_appid, topic)][job.group]
            if gone:
                self._job_ids[component_appid] = [i for i in ids if i not in gone]
            return len(gone)

    def _find_job(self, a: _args.FindJob) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        component_appid, topic, key = a
        with self._lock:
            found = self._job_keys.get((component_appid, topic, key))
            return None if found is None else self._jobs[found].job

    def _restore_job(self, a: _args.RestoreJob) -> int | None:
        """Write a job read from another store, as it stands; see :meth:`Store.restore_job`."""
        job, renumber = a
        c, topic = job.component_appid, job.topic
        with self._lock:
            existing: Job | None = None
            if job.key is not None and (found := self._job_keys.get((c, topic, job.key))):
                existing = self._jobs[found].job
            if existing is None and not renumber and (row := self._jobs.get(job.id)):
                if not valid.same_job(row.job, job):
                    return None
                existing = row.job
            if existing is not None:
                if job.updated_at <= existing.updated_at:
                    return existing.id
                self._unlist(existing)
                job_id = existing.id
            else:
                job_id = self._last_job + 1 if renumber else job.id
            self._last_job = max(self._last_job, job_id)
            self._jobs[job_id] = _JobRow(replace(job, id=job_id))
            ids = self._job_ids.setdefault(c, [])
            at = bisect.bisect_left(ids, job_id)
            if at == len(ids) or ids[at] != job_id:
                ids.insert(at, job_id)
            if job.key is not None:
                self._job_keys[(c, topic, job.key)] = job_id
            if job.state == "pending":
                bisect.insort(self._group(c, topic, job.group).pending, job_id)
            return job_id

    def _unlist(self, job: Job) -> None:
        """Take ``job`` out of its key and its group (its id stays listed)."""
        if job.key is not None:
            self._job_keys.pop((job.component_appid, job.topic, job.key), None)
        groups = self._groups.get((job.component_appid, job.topic), {})
        group = groups.get(job.group)
        if group is None:
            return
        if job.id in group.pending:
            group.pending.remove(job.id)
        if group.flight == job.id:
            group.flight = None
        if not group.pending:
            del groups[job.group]

    def _reserve_job_ids(self, a: _args.ReserveJobIds) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        through = a.through
        with self._lock:
            self._last_job = max(self._last_job, through)
            return self._last_job
