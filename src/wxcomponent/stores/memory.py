"""A store in process memory: for tests and single-process scripts.

Nothing survives the process, so it suits neither a fleet nor a service whose refresh tokens
must outlive a restart: use :class:`~wxcomponent.stores.SQLiteStore` (one host) or
:class:`~wxcomponent.stores.RedisStore` with a durable store (several hosts) there.

One lock guards every dict, so a :class:`MemoryStore` is safe under threads, and its async
flavour (:class:`AsyncMemoryStore`, over the same dicts) is safe under asyncio: no call ever
waits for anything but that lock, held for a few microseconds (half a millisecond when a write
drops a full batch of expired entries, below).

Cached tokens and leases do not pile up: every :data:`PURGE_EVERY` token or lease writes, the
write also drops up to :data:`PURGE_BATCH` entries past their end (found in order of expiry,
through a heap, without scanning). Fences come from one counter of the store, so a key whose
lease entry was dropped is granted again with a fence above every earlier one.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import _validate as valid
from ._aio import AsyncOverSync
from .base import (
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Ticket,
    name_key,
)

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "AsyncMemoryStore", "MemoryStore"]

#: Every this many token or lease writes, expired tokens and leases are dropped...
PURGE_EVERY = 100
#: ...at most this many of each.
PURGE_BATCH = 1000


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


def _drop_ended(ends: list[tuple[float, str]], table: dict[str, Any],
                end_of: Callable[[Any], float], now: float) -> None:
    """Pop up to :data:`PURGE_BATCH` keys from the heap ``ends`` whose end has passed, and
    drop each from ``table`` unless it was written again meanwhile (a later end)."""
    for _ in range(PURGE_BATCH):
        if not ends or ends[0][0] >= now:
            return
        _, key = heapq.heappop(ends)
        entry = table.get(key)
        if entry is not None and end_of(entry) < now:
            del table[key]


class MemoryStore:
    """The :class:`~wxcomponent.stores.base.Store` protocol over dicts in this process.

    ``clock`` (epoch seconds) decides token expiry, lease expiry and the times recorded; tests
    may pass a fake one.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tickets: dict[str, Ticket] = {}
        # component appid -> (authorizer appid -> record), plus the sorted appids for paging
        self._authorizers: dict[str, dict[str, AuthorizerRecord]] = {}
        self._order: dict[str, list[str]] = {}
        self._tokens: dict[str, CachedToken] = {}
        # key -> (fence of the current or last grant, held until)
        self._leases: dict[str, tuple[int, float]] = {}
        # the last fence granted for any key: fences never repeat, even for a dropped entry
        self._last_fence = 0
        # (end, key) of every token and lease written, earliest first (an entry may be stale:
        # the purge checks the current one); and the writes counted toward the next purge
        self._token_ends: list[tuple[float, str]] = []
        self._lease_ends: list[tuple[float, str]] = []
        self._writes = itertools.count(1)
        # the job queue: rows by id, ids per platform (increasing), idempotency keys, groups
        self._jobs: dict[int, _JobRow] = {}
        self._job_ids: dict[str, list[int]] = {}
        self._job_keys: dict[tuple[str, str, str], int] = {}
        self._groups: dict[tuple[str, str], dict[str, _Group]] = {}
        self._last_job = 0
        self._last_claim = 0

    def __repr__(self) -> str:
        return f"MemoryStore(tickets={len(self._tickets)}, tokens={len(self._tokens)})"

    @property
    def aio(self) -> AsyncMemoryStore:
        """An :class:`AsyncMemoryStore` over the same data."""
        return AsyncMemoryStore.over(self)

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        valid.ticket_args(component_appid, ticket, created_at)
        with self._lock:
            current = self._tickets.get(component_appid)
            if current is not None and current.created_at > created_at:
                return False
            self._tickets[component_appid] = Ticket(
                component_appid, ticket, created_at, self._clock()
            )
            return True

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        valid.check_appid("component_appid", component_appid)
        with self._lock:
            return self._tickets.get(component_appid)

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid``; True when written.

        A record whose ``tenant``, ``name`` or ``account_type`` is None keeps the one already
        stored, one whose ``refresh_at`` is 0 keeps the stored schedule, and one whose
        ``auth_event_at`` is 0 the stored time; one whose ``auth_event_at`` is older than the
        stored one is not written.
        """
        record = valid.check_record(record)
        with self._lock:
            records = self._authorizers.setdefault(record.component_appid, {})
            current = records.get(record.authorizer_appid)
            if current is None:
                bisect.insort(
                    self._order.setdefault(record.component_appid, []), record.authorizer_appid
                )
            else:
                if record.auth_event_at and record.auth_event_at < current.auth_event_at:
                    return False
                record = replace(
                    record,
                    tenant=current.tenant if record.tenant is None else record.tenant,
                    name=current.name if record.name is None else record.name,
                    account_type=record.account_type or current.account_type,
                    refresh_at=record.refresh_at or current.refresh_at,
                    auth_event_at=record.auth_event_at or current.auth_event_at,
                )
            records[record.authorizer_appid] = record
            return True

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        valid.authorizer_args(component_appid, authorizer_appid)
        with self._lock:
            return self._authorizers.get(component_appid, {}).get(authorizer_appid)

    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        valid.list_args(component_appid, status, after, limit)
        with self._lock:
            order = self._order.get(component_appid, [])
            records = self._authorizers.get(component_appid, {})
            start = 0 if after is None else bisect.bisect_right(order, after)
            page: list[AuthorizerRecord] = []
            for appid in order[start:]:
                record = records[appid]
                if status is None or record.status == status:
                    page.append(record)
                    if len(page) == limit:
                        break
            return page

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        valid.count_args(component_appid, status)
        with self._lock:
            records = self._authorizers.get(component_appid, {}).values()
            return sum(1 for r in records if status is None or r.status == status)

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        valid.replace_args(component_appid, authorizer_appid, expected, new)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None or (expected is not None and record.refresh_token != expected):
                return False
            records[authorizer_appid] = replace(record, refresh_token=new, updated_at=self._clock())
            return True

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        valid.revoke_args(component_appid, authorizer_appid, event_at)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None or (event_at and event_at < record.auth_event_at):
                return False
            if record.status != "revoked":
                now = self._clock()
                record = replace(record, status="revoked", revoked_at=now, updated_at=now)
            if event_at:
                record = replace(record, auth_event_at=event_at)
            records[authorizer_appid] = record
            return True

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        valid.authorizer_args(component_appid, authorizer_appid)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            if records.pop(authorizer_appid, None) is None:
                return False
            order = self._order[component_appid]
            del order[bisect.bisect_left(order, authorizer_appid)]
            return True

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        valid.tenant_args(component_appid, authorizer_appid, tenant)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None:
                return False
            records[authorizer_appid] = replace(record, tenant=tenant, updated_at=self._clock())
            return True

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its account type when
        given; False if there is no record."""
        valid.name_args(component_appid, authorizer_appid, name, account_type)
        if account_type is None:
            return self._change(component_appid, authorizer_appid, name=name)
        return self._change(component_appid, authorizer_appid, name=name,
                            account_type=account_type)

    def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records whose name starts with ``prefix`` (by :func:`name_key`), in name order."""
        valid.search_args(component_appid, prefix, after, limit)
        wanted = name_key(prefix)
        with self._lock:
            found = sorted(
                (name_key(r.name), r.authorizer_appid, r)
                for r in self._authorizers.get(component_appid, {}).values()
                if r.name is not None and name_key(r.name).startswith(wanted)
            )
        return [r for key, appid, r in found if after is None or (key, appid) > after][:limit]

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record."""
        at = valid.schedule_args(component_appid, authorizer_appid, at)
        return self._change(component_appid, authorizer_appid, refresh_at=at)

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first (a scan: memory is small)."""
        before = valid.due_args(component_appid, before, limit)
        with self._lock:
            due = sorted(
                (r.refresh_at, r.authorizer_appid, r)
                for r in self._authorizers.get(component_appid, {}).values()
                if r.status == "authorized" and r.refresh_at <= before
            )
        return [r for _, _, r in due[:limit]]

    def _change(self, component_appid: str, authorizer_appid: str, **fields: Any) -> bool:
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None:
                return False
            records[authorizer_appid] = replace(record, **fields)
            return True

    # ------------------------------------------------------------------ jobs

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
        """Add a pending job; returns its id (an existing job's, for a known ``key``)."""
        data = valid.enqueue_args(component_appid, topic, group, payload, available_at, key)
        with self._lock:
            if key is not None and (found := self._job_keys.get((component_appid, topic, key))):
                return found
            now = self._clock()
            self._last_job += 1
            job_id = self._last_job
            self._jobs[job_id] = _JobRow(Job(
                id=job_id, component_appid=component_appid, topic=topic, group=group,
                payload=data, state="pending", attempts=0,
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

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        lease = valid.claim_args(component_appid, topic, limit, lease)
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

    def ack_job(self, job_id: int, claim: int) -> bool:
        """Mark the job done; False if ``claim`` is not its claim."""
        valid.settle_args(job_id, claim)
        return self._settle(job_id, claim, "done", None)

    def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """Put the claimed job back, claimable from ``available_at``; False if stale."""
        valid.settle_args(job_id, claim)
        when = valid.check_time("available_at", available_at)
        return self._settle(job_id, claim, "pending", valid.check_error(error), when)

    def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """Give the claimed job up (dead); False if ``claim`` is not its claim."""
        valid.settle_args(job_id, claim)
        return self._settle(job_id, claim, "dead", valid.check_error(error))

    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        valid.check_job_id(job_id)
        with self._lock:
            row = self._jobs.get(job_id)
            return None if row is None else row.job

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
        valid.list_jobs_args(component_appid, topic, state, after, limit)
        with self._lock:
            ids = self._job_ids.get(component_appid, [])
            page: list[Job] = []
            for job_id in ids[bisect.bisect_right(ids, after or 0):]:
                job = self._jobs[job_id].job
                if (topic is None or job.topic == topic) and (state is None or job.state == state):
                    page.append(job)
                    if len(page) == limit:
                        break
            return page

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again, attempts 0; False otherwise."""
        valid.check_job_id(job_id)
        valid.check_time("available_at", available_at, optional=True)
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

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        valid.check_appid("component_appid", component_appid)
        valid.check_name("topic", topic, optional=True)
        counts = dict.fromkeys(valid.JOB_STATES, 0)
        with self._lock:
            for job_id in self._job_ids.get(component_appid, []):
                job = self._jobs[job_id].job
                if topic is None or job.topic == topic:
                    counts[job.state] += 1
        return counts

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """Delete the jobs of ``topic`` in ``state`` last updated before ``before``."""
        before = valid.purge_args(component_appid, topic, state, before)
        with self._lock:
            ids = self._job_ids.get(component_appid, [])
            gone = {
                job_id for job_id in ids
                if (job := self._jobs[job_id].job).topic == topic and job.state == state
                and job.updated_at < before
            }  # fmt: skip
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

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        valid.find_job_args(component_appid, topic, key)
        with self._lock:
            found = self._job_keys.get((component_appid, topic, key))
            return None if found is None else self._jobs[found].job

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands; see :meth:`Store.restore_job`."""
        job = valid.restore_args(job, renumber)
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

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        through = valid.check_through(through)
        with self._lock:
            self._last_job = max(self._last_job, through)
            return self._last_job

    # ------------------------------------------------------------------ tokens

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        valid.check_key(key)
        token = self._tokens.get(key)
        if token is None or self._clock() >= token.expires_at:
            return None
        return token

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        valid.set_token_args(key, token, fence)
        with self._lock:
            if fence is not None and not self._holds(key, fence):
                return False
            self._tokens[key] = token
            heapq.heappush(self._token_ends, (token.expires_at, key))
            self._purge_if_due()
            return True

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        valid.delete_token_args(key, if_value)
        with self._lock:
            token = self._tokens.get(key)
            if token is None or (if_value is not None and token.value != if_value):
                return False
            del self._tokens[key]
            return self._clock() < token.expires_at

    # ------------------------------------------------------------------ leases

    def _holds(self, key: str, fence: int) -> bool:
        lease = self._leases.get(key)
        return lease is not None and lease[0] == fence and self._clock() < lease[1]

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        ttl = valid.lease_args(key, ttl)
        with self._lock:
            now = self._clock()
            last, until = self._leases.get(key, (0, 0.0))
            if now < until:
                return None
            fence = self._last_fence = max(self._last_fence, last) + 1
            self._leases[key] = (fence, now + ttl)
            heapq.heappush(self._lease_ends, (now + ttl, key))
            self._purge_if_due()
            return fence

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        valid.release_args(key, fence)
        with self._lock:
            if not self._holds(key, fence):
                return False
            self._leases[key] = (fence, 0.0)
            return True

    def _purge_if_due(self) -> None:
        """Count a token or lease write (under the lock); every :data:`PURGE_EVERY` writes,
        drop up to :data:`PURGE_BATCH` tokens and leases each whose end has passed."""
        if next(self._writes) % PURGE_EVERY:
            return
        now = self._clock()
        _drop_ended(self._token_ends, self._tokens, lambda token: token.expires_at, now)
        _drop_ended(self._lease_ends, self._leases, lambda lease: lease[1], now)

    def close(self) -> None:
        """Nothing to release; the data stays available to other views."""


class AsyncMemoryStore(AsyncOverSync):
    """The asyncio flavour of :class:`MemoryStore`; calls run inline (they never block)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(MemoryStore(clock=clock), owns=True)

    @classmethod
    def over(cls, store: MemoryStore) -> AsyncMemoryStore:
        """An async view of ``store``: the same dicts, seen from asyncio."""
        view = cls.__new__(cls)
        AsyncOverSync.__init__(view, store, owns=False)
        return view

    @property
    def sync(self) -> MemoryStore:
        """The :class:`MemoryStore` holding the data."""
        assert isinstance(self._store, MemoryStore)
        return self._store

    def __repr__(self) -> str:
        return f"AsyncMemoryStore({self._store!r})"
