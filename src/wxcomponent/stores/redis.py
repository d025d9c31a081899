"""The fleet store: Redis 7, from any number of hosts, sync (redis-py) or asyncio.

Tokens live in Redis with a ``PX`` expiry matching ``expires_at``. A lease is
``SET lease fence NX PX ttl``, its fence taken from ``INCR`` of one counter per platform (its
hash tag), both in one Lua script; releasing it and writing a token under it are Lua scripts
that check the fence, so a holder that paused past its lease can neither release nor overwrite
its successor's work. Nothing a token or a lease writes outlives its expiry but that counter.
Leases expire by the Redis server's clock; a token's ``expires_at`` is also checked against the
store's ``clock`` when read.

**Refresh tokens and Redis persistence.** The verify ticket and the authorizers' refresh tokens
must survive anything: losing a refresh token forces that merchant to authorize again. Redis is
a cache unless it runs with AOF, so there are two ways to run this store:

* ``RedisStore(url, durable=SQLiteStore("/persistent/wxcomponent.sqlite3"))`` (or any other
  :class:`~wxcomponent.stores.base.Store`): tickets and authorizer records are written to the
  durable store first and then mirrored into Redis; reads come from Redis and fall back to the
  durable store on a miss, repairing Redis. Listing and counting authorizers ask the durable
  store, which is the reference. A record write drops the mirror, writes the durable store and
  mirrors what it then holds, under an epoch counter that a reader's repair must find
  unchanged, so a slow reader cannot put back a refresh token that was replaced meanwhile.
  Every host that writes credentials must reach the same durable data (a SQLite file on a
  persistent path serves one host; a fleet needs a shared store). A Redis flush then loses
  nothing that cannot be fetched again.
* ``RedisStore(url)`` alone: everything lives in Redis, which must then run with AOF
  (``appendonly yes``). On first use the store reads ``CONFIG GET appendonly`` and logs one
  WARNING when AOF is off or cannot be checked (``CONFIG`` disabled). Simpler and faster, but
  a Redis restart without AOF, a ``FLUSHALL`` or an eviction policy that drops keys loses the
  refresh tokens.

Plain Redis (a primary, with replicas if you like) and Redis Cluster both work: every key of a
platform carries the platform's hash tag, so each script touches one slot. Name any node of a
cluster with ``redis+cluster://host:port`` (``rediss+cluster://`` with TLS), or pass a
``redis.cluster.RedisCluster``. Every key starts with ``prefix`` and then the component appid
(tokens and leases use the token layer's keys, which carry it), so platforms and applications
sharing one Redis never collide; see :mod:`._redis_keys` for the layout. Keys written by
versions before hash tags are moved to the current layout on the first use of their platform
(not on a cluster, where those versions did not run), and records written by versions before
names and the refresh schedule join the indexes that serve ``due_authorizers`` and
``search_authorizers``, and the per-key fence counters of versions before layout 4 are folded
into the platform's one counter (a batch per script, on a cluster too): upgrade every host of a
fleet together, as a record an older host writes afterwards is not indexed and a lease an older
host grants afterwards takes its fence from a per-key counter again.

The rules are written once, in :mod:`._redis_ops` (and :mod:`._redis_queue` for the job
queue), as generators of Redis commands; :class:`RedisStore` (here) and
:class:`AsyncRedisStore` (:mod:`._redis_async`) only execute the commands they yield, through
what they share in :mod:`._redis_driver`; :mod:`._redis_client` makes their clients.
``redis`` is imported when a store is created, so the rest of the package works without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InvalidArgument
from ._aio import is_async_store
from ._checked import CheckedStore
from ._redis_async import AsyncRedisStore
from ._redis_client import async_twin
from ._redis_driver import Done, RedisDriver
from ._redis_steps import DurableCall, Op, Step
from .base import (
    AccountType,
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
    import redis as redis_sync

__all__ = ["AsyncRedisStore", "RedisStore"]

T = TypeVar("T")


class RedisStore(RedisDriver, CheckedStore):
    """The :class:`~wxcomponent.stores.base.Store` protocol over Redis (redis-py, blocking).

    ``url_or_client`` is a ``redis://`` / ``rediss://`` / ``unix://`` URL (the store then owns
    its client and closes it) or a ``redis.Redis`` you manage. ``durable`` is the store that
    keeps tickets and authorizer records durably beside Redis (see the module docs); it is
    not closed by :meth:`close`. ``clock`` decides token expiry and the times recorded.
    """

    def __init__(
        self,
        url_or_client: str | redis_sync.Redis,
        prefix: str = "wxcomponent",
        *,
        durable: Store | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if durable is not None and (not isinstance(durable, Store) or is_async_store(durable)):
            raise InvalidArgument("durable", "must be a synchronous Store (e.g. SQLiteStore)")
        self._durable = durable
        super().__init__(url_or_client, prefix, asyncio=False, clock=clock)

    @property
    def durable(self) -> Store | None:
        """The store keeping tickets and authorizer records beside Redis, if any."""
        durable: Store | None = self._durable
        return durable

    @property
    def aio(self) -> AsyncRedisStore:
        """An :class:`AsyncRedisStore` on the same server, prefix and durable store.

        It opens its own asyncio connections, which its ``close()`` releases.
        """
        if self._url is not None:
            view = AsyncRedisStore(
                self._url, self._prefix, durable=self._durable, clock=self._clock
            )
        else:
            view = AsyncRedisStore(
                async_twin(self._client), self._prefix, durable=self._durable, clock=self._clock
            )
            view._owns_client = True
        view._unchecked = self._unchecked
        return view

    def _run(self, op: Op[T]) -> T:
        return self._drive(self._first_use(op) if self._unchecked else op)

    def _drive(self, op: Op[T]) -> T:
        step = self._resume(op)
        while not isinstance(step, Done):
            try:
                reply = self._execute(step)
            except Exception as exc:
                step = self._resume(op, error=exc)
            else:
                step = self._resume(op, reply)
        return step.value

    def _execute(self, step: Step) -> Any:
        if isinstance(step, DurableCall):
            return getattr(self._durable, step.method)(*step.args, **step.kwargs)
        return self._client.execute_command(*step)

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        return self._run(self._ops.save_ticket(component_appid, ticket, created_at))

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        return self._run(self._ops.load_ticket(component_appid))

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid`` (a ``tenant`` or
        ``name`` of None keeps the stored one, a ``refresh_at`` of 0 the stored schedule, an
        ``auth_event_at`` of 0 the stored time); False, and nothing written, when its
        ``auth_event_at`` is older than the stored one."""
        return self._run(self._ops.save_authorizer(record))

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        return self._run(self._ops.get_authorizer(component_appid, authorizer_appid))

    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        op = self._ops.list_authorizers(component_appid, status=status, after=after, limit=limit)
        return self._run(op)

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        return self._run(self._ops.count_authorizers(component_appid, status=status))

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        op = self._ops.replace_refresh_token(component_appid, authorizer_appid, expected, new)
        return self._run(op)

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        return self._run(self._ops.mark_revoked(component_appid, authorizer_appid, event_at))

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        return self._run(self._ops.delete_authorizer(component_appid, authorizer_appid))

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        op = self._ops.set_authorizer_tenant(component_appid, authorizer_appid, tenant)
        return self._run(op)

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its account type when
        given; False if there is no record."""
        op = self._ops.set_authorizer_name(component_appid, authorizer_appid, name,
                                           account_type)
        return self._run(op)

    def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records whose name starts with ``prefix`` (by :func:`~.base.name_key`), in name
        order, after the (name key, appid) pair ``after`` (keyset paging)."""
        op = self._ops.search_authorizers(component_appid, prefix, after=after, limit=limit)
        return self._run(op)

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record."""
        return self._run(self._ops.schedule_refresh(component_appid, authorizer_appid, at))

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the due index."""
        return self._run(self._ops.due_authorizers(component_appid, before=before, limit=limit))

    # ------------------------------------------------------------------ compliance

    def save_compliance(self, record: ComplianceRecord) -> None:
        """Insert or replace the record and move it between its codes' sets."""
        return self._run(self._ops.compliance.save(record))

    def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """One mini program's compliance record, or None."""
        return self._run(self._ops.compliance.get(component_appid, authorizer_appid))

    def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ComplianceRecord]:
        """Records in appid order after ``after``, by code and expiry when given."""
        return self._run(self._ops.compliance.listing(
            component_appid, blocked_by, expiring_before, after, limit))

    def count_compliance(self, component_appid: str) -> dict[str, int]:
        """How many records hold each code, with ``"any"`` and ``"records"``."""
        return self._run(self._ops.compliance.count(component_appid))

    def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """Records whose ``check_at`` is at or before ``before``, earliest first."""
        return self._run(self._ops.compliance.due(component_appid, before, limit))

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
        """Add a pending job; returns its id (see :meth:`Store.enqueue`)."""
        op = self._queue.enqueue(component_appid, topic, group, payload, available_at, key)
        return self._run(op)

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        return self._run(self._queue.claim_jobs(component_appid, topic, limit, lease))

    def ack_job(self, job_id: int, claim: int) -> bool:
        """Mark the job done; False if ``claim`` is not its claim."""
        return self._run(self._queue.ack_job(job_id, claim))

    def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """Put the claimed job back, claimable from ``available_at``; False if stale."""
        return self._run(self._queue.retry_job(job_id, claim, available_at, error))

    def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """Give the claimed job up (dead); False if ``claim`` is not its claim."""
        return self._run(self._queue.bury_job(job_id, claim, error))

    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        return self._run(self._queue.get_job(job_id))

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
        return self._run(self._queue.list_jobs(component_appid, topic, state, after, limit))

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again, attempts 0; False otherwise."""
        return self._run(self._queue.requeue_job(job_id, available_at))

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        return self._run(self._queue.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float,
        limit: int = 500,
    ) -> int:
        """Delete at most ``limit`` jobs of ``topic`` in ``state`` last updated before
        ``before``, the least recently updated first (one script run per call)."""
        return self._run(self._queue.purge_jobs(component_appid, topic, state, before, limit))

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        return self._run(self._queue.find_job(component_appid, topic, key))

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands; see :meth:`Store.restore_job`."""
        return self._run(self._queue.restore_job(job, renumber))

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        return self._run(self._queue.reserve_job_ids(through))

    # ------------------------------------------------------------------ tokens

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        return self._run(self._ops.get_token(key))

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        return self._run(self._ops.set_token(key, token, fence=fence))

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        return self._run(self._ops.delete_token(key, if_value=if_value))

    # ------------------------------------------------------------------ leases

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        return self._run(self._ops.acquire_lease(key, ttl))

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        return self._run(self._ops.release_lease(key, fence))

    def close(self) -> None:
        """Close the client if this store created it (the durable store stays open)."""
        if self._owns_client:
            self._client.close()
