"""The PostgreSQL store: durable data every host of a fleet shares, sync or asyncio.

:class:`PostgresStore` (psycopg 3 and its connection pool) and :class:`AsyncPostgresStore`
(the asyncio pool) keep the whole contract in PostgreSQL: tickets, authorizer records and the
job queue durably, cached tokens in an ``UNLOGGED`` table, and leases as rows whose fence grows
with every grant, so a holder that died blocks nobody beyond its lease and a holder that paused
past it cannot write. It serves alone, or as the durable store beside Redis
(``RedisStore(url, durable=PostgresStore(dsn))``), where Redis answers the hot reads.

The tables live in their own schema (``wxcomponent`` by default, ``schema=`` to choose), so
the store can share the platform's main database; the first call creates or upgrades it and
refuses (:class:`~wxcomponent.errors.StoreCorrupt`) a schema of other tables or of a newer
version. Times (token and lease expiry, the times recorded) come from the store's ``clock``:
the hosts of a fleet must keep their clocks synchronised (NTP), as for any lease.

A call that cannot reach the server raises :class:`~wxcomponent.errors.StoreUnavailable` naming
the server without its password; once the server is back, the pool reconnects and calls work
again. So does a call the server does not answer within its deadline (``timeout``, 2.5 s by
default): the client then shuts the connection's socket down, which ends the wait whatever the
server does (a stopped server runs neither a cancel nor its own ``statement_timeout``), and
closes the connection instead of pooling it again. A pooled connection idle for more than a
second is checked before use, so one the server dropped meanwhile is replaced rather than
failed on; a call is never sent twice. Every statement is one transaction unless the operation
needs more (the job queue), which then runs in one. A record's name and refresh schedule hold
no credential: their updates commit without waiting for the disk (``synchronous_commit`` off
for that statement alone), so a crash of the server may lose the last few of them, never a
refresh token.

Due records (:meth:`PostgresStore.due_authorizers`) and searches by name are each one range of
an index (schema version 2), read in the index's order: they cost the rows they return.

Cached tokens and leases do not pile up: every :data:`PURGE_EVERY` token or lease writes of a
store, one statement per table (its own transaction, skipping rows other transactions hold)
deletes up to :data:`PURGE_BATCH` tokens past their expiry and as many leases past their end
(the rule of :mod:`._purge`), read through indexes on those times. Fences come from one
sequence of the schema (version 3), never from a lease's row, so a key whose expired row was
deleted is granted again with a fence above every earlier one.

``psycopg`` is imported when a store is created: ``pip install 'wxcomponent[postgres]'``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ._checked import CheckedStore
from ._postgres_async import AsyncPostgresStore
from ._postgres_conn import (
    _CALL_ENDS,
    _CHECK_AFTER_IDLE,
    _GET_TOKEN,
    CONNECT_TIMEOUT,
    TIMEOUT,
    T,
    _Base,
    _idle_for,
    _until,
    _used,
    _watched,
    redact_dsn,
)
from ._purge import PURGE_BATCH, PURGE_EVERY
from ._settle import SettlesJobs
from ._sql_queue import Result, SqlOp
from .base import (
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    ComplianceRecord,
    Job,
    JobState,
    Ticket,
)

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = [
    "CONNECT_TIMEOUT",
    "PURGE_BATCH",
    "PURGE_EVERY",
    "TIMEOUT",
    "AsyncPostgresStore",
    "PostgresStore",
    "redact_dsn",
]


class PostgresStore(_Base, SettlesJobs, CheckedStore):
    """The :class:`~wxcomponent.stores.base.Store` protocol over PostgreSQL (blocking).

    ``dsn`` is a ``postgresql://user:password@host:port/dbname`` URL (its ``schema=`` query
    parameter chooses the schema) or a libpq ``key=value`` string. ``schema`` is the schema
    of the tables (``wxcomponent`` by default). ``min_size`` / ``max_size`` bound the
    connection pool. ``timeout`` (else the URL's ``timeout=``, else :data:`TIMEOUT`) is how
    long a call may take, all included (the wait for a pooled connection, its check, every
    statement), before :class:`~wxcomponent.errors.StoreUnavailable`; the DSN's
    ``connect_timeout`` (else :data:`CONNECT_TIMEOUT`) bounds opening a connection. ``clock``
    decides token and lease expiry and the times recorded. No connection is made before the
    first call, which makes one before it opens the pool, so a refused login fails it at once.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        clock: Callable[[], float] = time.time,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float | None = None,
    ) -> None:
        super().__init__(dsn, schema=schema, clock=clock, min_size=min_size, max_size=max_size,
                         timeout=timeout)
        self._pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] | None = None
        self._lock = threading.Lock()
        self._setup_lock = threading.Lock()

    @property
    def aio(self) -> AsyncPostgresStore:
        """An :class:`AsyncPostgresStore` on the same database and schema (its own pool,
        which its ``close()`` releases)."""
        return AsyncPostgresStore(
            self._dsn, schema=self._schema, clock=self._clock, min_size=self._min_size,
            max_size=self._max_size, timeout=self._timeout,
        )  # fmt: skip

    def _get_pool(self) -> psycopg_pool.ConnectionPool[psycopg.Connection[Any]]:
        pool = self._pool
        if pool is not None:
            return pool
        with self._lock:
            self._check_open()
            if self._pool is None:
                import psycopg
                from psycopg_pool import ConnectionPool

                # One connection made here first: a refused login or a server that cannot
                # be reached fails this call at once, instead of the pool retrying it.
                psycopg.connect(self._dsn, **self._connect).close()
                configure_sql = self._configure_sql()
                budget = self._timeout

                def configure(conn: psycopg.Connection[Any]) -> None:
                    with _until(conn, budget, time.monotonic() + budget, _watched):
                        conn.execute(configure_sql)
                    _used(conn)

                def check(conn: psycopg.Connection[Any]) -> None:
                    if _idle_for(conn) > _CHECK_AFTER_IDLE:
                        at = _CALL_ENDS.get() or time.monotonic() + budget
                        with _until(conn, budget, at, _watched):
                            ConnectionPool.check_connection(conn)
                    _used(conn)

                self._pool = ConnectionPool(
                    self._dsn, min_size=self._min_size, max_size=self._max_size,
                    timeout=self._timeout, kwargs=self._connect, configure=configure,
                    check=check, open=True, name="wxcomponent",
                    reconnect_timeout=max(self._timeout, 30.0),
                )  # fmt: skip
            return self._pool

    @contextlib.contextmanager
    def _connection(self, *, setup: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one call, which must end within the call's budget (the
        wait for the connection included); psycopg's and the pool's errors become the
        store's."""
        with self._call(setup=setup) as (budget, at):
            pool = self._get_pool()
            with pool.connection(timeout=max(0.0, at - time.monotonic())) as conn, \
                    _until(conn, budget, at, _watched):
                yield conn

    def _perform(self, conn: psycopg.Connection[Any], op: SqlOp[T]) -> T:
        reply: Result | None = None
        while True:
            try:
                step = op.send(reply)  # type: ignore[arg-type]  # None starts it
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            cursor = conn.execute(self._text(step.text), step.params)
            reply = Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def _run(self, make: Callable[[float], SqlOp[T]], *, transaction: bool = False) -> T:
        """Run ``make(now)`` on a pooled connection (in one transaction if asked), once the
        schema is ready."""
        if not self._ready:
            self._setup()
        return self._execute(make, transaction=transaction)

    def _execute(self, make: Callable[[float], SqlOp[T]], *, transaction: bool,
                 setup: bool = False) -> T:
        with self._connection(setup=setup) as conn:
            op = make(self._clock())
            if transaction:
                with conn.transaction():
                    return self._perform(conn, op)
            return self._perform(conn, op)

    def _setup(self) -> None:
        with self._setup_lock:
            if not self._ready:
                self._execute(lambda now: self._ops.migrate(), transaction=True, setup=True)
                self._ready = True

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        return self._run(lambda now: self._ops.save_ticket(component_appid, ticket, created_at,
                                                            now))

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        return self._run(lambda now: self._ops.load_ticket(component_appid))

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid`` (a ``tenant`` or
        ``name`` of None keeps the stored one, a ``refresh_at`` of 0 the stored schedule, an
        ``auth_event_at`` of 0 the stored time); False, and nothing written, when its
        ``auth_event_at`` is older than the stored one."""
        return self._run(lambda now: self._ops.save_authorizer(record))

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        return self._run(lambda now: self._ops.get_authorizer(component_appid, authorizer_appid))

    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        return self._run(
            lambda now: self._ops.list_authorizers(component_appid, status, after, limit)
        )

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        return self._run(lambda now: self._ops.count_authorizers(component_appid, status))

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        return self._run(lambda now: self._ops.replace_refresh_token(
            component_appid, authorizer_appid, expected, new, now))

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        return self._run(lambda now: self._ops.mark_revoked(
            component_appid, authorizer_appid, now, event_at))

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        return self._run(
            lambda now: self._ops.delete_authorizer(component_appid, authorizer_appid))

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        return self._run(lambda now: self._ops.set_authorizer_tenant(
            component_appid, authorizer_appid, tenant, now))

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its account type when
        given; False if there is no record.

        A name is no credential: it commits without waiting for the disk."""
        return self._run(lambda now: self._ops.set_authorizer_name(
            component_appid, authorizer_appid, name, account_type))

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
        return self._run(
            lambda now: self._ops.search_authorizers(component_appid, prefix, after, limit)
        )

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record.

        A schedule is no credential: it commits without waiting for the disk."""
        return self._run(
            lambda now: self._ops.schedule_refresh(component_appid, authorizer_appid, at)
        )

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the schedule's index."""
        return self._run(lambda now: self._ops.due_authorizers(component_appid, before, limit))

    # ------------------------------------------------------------------ compliance

    def save_compliance(self, record: ComplianceRecord) -> None:
        """Insert or replace the record and its codes, in one transaction."""
        self._run(lambda now: self._ops.compliance.save(record), transaction=True)

    def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """One mini program's compliance record, or None."""
        return self._run(
            lambda now: self._ops.compliance.get(component_appid, authorizer_appid)
        )

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
        return self._run(lambda now: self._ops.compliance.listing(
            component_appid, blocked_by, expiring_before, after, limit))

    def count_compliance(self, component_appid: str) -> dict[str, int]:
        """How many records hold each code, with ``"any"`` and ``"records"``."""
        return self._run(lambda now: self._ops.compliance.count(component_appid))

    def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """Records whose ``check_at`` is at or before ``before``, earliest first."""
        return self._run(
            lambda now: self._ops.compliance.due(component_appid, before, limit)
        )

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
        """Add a pending job, committed before it returns; returns its id."""
        when = None if available_at is None else float(available_at)
        return self._run(lambda now: self._ops.queue.enqueue(
            component_appid, topic, group, payload, when, key, now), transaction=True)

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        return self._run(lambda now: self._ops.queue.claim(component_appid, topic, limit, lease,
                                                            now), transaction=True)

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        return self._run(lambda now: self._ops.queue.settle(
            job_id, claim, state, error, available_at, now), transaction=True)

    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        return self._run(lambda now: self._ops.queue.get_job(job_id))

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
        return self._run(
            lambda now: self._ops.queue.list_jobs(component_appid, topic, state, after, limit)
        )

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again, attempts 0; False otherwise."""
        return self._run(lambda now: self._ops.queue.requeue(job_id, available_at, now),
                         transaction=True)

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        return self._run(lambda now: self._ops.queue.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float,
        limit: int = 500,
    ) -> int:
        """Delete at most ``limit`` jobs of ``topic`` in ``state`` last updated before
        ``before``, the least recently updated first (one transaction per call)."""
        return self._run(lambda now: self._ops.queue.purge(component_appid, topic, state,
                                                            before, limit, now), transaction=True)

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        return self._run(lambda now: self._ops.queue.find_job(component_appid, topic, key))

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands; see :meth:`Store.restore_job`."""
        return self._run(lambda now: self._ops.queue.restore(job, renumber, now),
                         transaction=True)

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        return self._run(lambda now: self._ops.queue.reserve_ids(through), transaction=True)

    # ------------------------------------------------------------------ tokens

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``.

        The hottest call of all (every API call reads its token): one statement on a pooled
        connection, without the machinery of the other operations."""
        if not self._ready:
            self._setup()
        with self._connection() as conn:
            row = conn.execute(_GET_TOKEN, (key,)).fetchone()
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        self._purge_if_due()
        return self._run(lambda now: self._ops.set_token(key, token, fence, now))

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        return self._run(lambda now: self._ops.delete_token(key, if_value, now))

    # ------------------------------------------------------------------ leases

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        self._purge_if_due()
        return self._run(lambda now: self._ops.acquire_lease(key, ttl, now))

    def _purge_if_due(self) -> None:
        """Count a token or lease write, and purge when :mod:`._purge` says (a lease only once
        it has expired; its key's next grant still gets a larger fence, from the schema's
        sequence). It runs before the write, so a failure or a cancellation meanwhile loses no
        grant."""
        try:
            self._purge.run(lambda batch: self._run(lambda now: self._ops.purge(now, batch)))
        except StoreError as exc:
            self._purge_failed(exc)

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        return self._run(lambda now: self._ops.release_lease(key, fence, now))

    def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
