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

A call that cannot reach the server raises :class:`~wxcomponent.errors.StoreUnavailable`
naming the server without its password; once the server is back, the pool reconnects and
calls work again. A pooled connection idle for more than a second is checked before use, so
one the server dropped meanwhile is replaced rather than failed on; a call is never sent
twice. Every statement is one transaction unless the operation needs more (the job queue),
which then runs in one. A record's name and refresh schedule hold no credential: their updates
commit without waiting for the disk (``synchronous_commit`` off for that statement alone), so a
crash of the server may lose the last few of them, never a refresh token.

Due records (:meth:`PostgresStore.due_authorizers`) and searches by name are each one range of
an index (schema version 2), read in the index's order: they cost the rows they return.

Cached tokens and leases do not pile up: every :data:`PURGE_EVERY` token or lease writes of a
store, one statement per table (its own transaction, skipping rows other transactions hold)
deletes up to :data:`PURGE_BATCH` tokens past their expiry and as many leases past their end,
read through indexes on those times. Fences come from one sequence of the schema (version 3),
never from a lease's row, so a key whose expired row was deleted is granted again with a fence
above every earlier one.

``psycopg`` is imported when a store is created: ``pip install 'wxcomponent[postgres]'``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..errors import (
    ConfigurationError,
    InvalidArgument,
    StoreCorrupt,
    StoreError,
    StoreUnavailable,
)
from . import _validate as valid
from ._postgres_ops import PgOps
from ._sql_queue import Result, SqlOp
from .base import AuthorizerRecord, AuthorizerStatus, CachedToken, Job, JobState, Ticket

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "AsyncPostgresStore", "PostgresStore", "redact_dsn"]

T = TypeVar("T")
log = logging.getLogger("wxcomponent.stores")

#: Every this many token or lease writes of a store, one more statement per table deletes...
PURGE_EVERY = 100
#: ...at most this many expired tokens and as many expired leases.
PURGE_BATCH = 1000

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_GET_TOKEN = "SELECT value, expires_at, obtained_at FROM tokens WHERE key = %s"
_PLACEHOLDER = re.compile(r"\?")


def redact_dsn(dsn: str) -> str:
    """Where ``dsn`` points, without its password: ``postgresql://user@host:port/dbname``."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(dsn)
    except Exception:
        return "<unparsable PostgreSQL DSN>"
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    if ":" in host and not host.startswith("/") and "," not in host:
        host = f"[{host}]"
    port = parts.get("port")
    user = parts.get("user")
    where = f"{quote(str(user))}@" if user else ""
    where += host if not port else f"{host}:{port}"
    return f"postgresql://{where}/{parts.get('dbname') or ''}"


def _split_schema(dsn: str) -> tuple[str, str | None]:
    """A URL DSN without its ``schema=`` query parameter, and that parameter."""
    if "://" not in dsn:
        return dsn, None
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = [v for k, v in query if k == "schema"]
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema[-1] if schema else None


def _check_dsn(dsn: object) -> str:
    if not isinstance(dsn, str) or not dsn.strip():
        raise ConfigurationError("dsn", "a PostgreSQL DSN is postgresql://user:password@host/db")
    if "://" in dsn and urlsplit(dsn).scheme not in ("postgresql", "postgres"):
        raise ConfigurationError("dsn", "a PostgreSQL URL starts with postgresql://")
    return dsn


def _check_schema(schema: object) -> str:
    if not isinstance(schema, str) or _SCHEMA.fullmatch(schema) is None:
        raise InvalidArgument(
            "schema", "must be 1 to 63 lower-case letters, digits or '_', not starting with a "
            "digit"
        )
    return schema


def _positive(name: str, value: object, *, integer: bool = False) -> Any:
    kinds = (int,) if integer else (int, float)
    if type(value) is bool or not isinstance(value, kinds) or value <= 0:
        raise InvalidArgument(name, f"must be a positive {'int' if integer else 'number'}")
    return value


class _Base:
    """What the sync and async stores share: arguments, the rules, errors, the repr."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None,
        clock: Callable[[], float],
        min_size: int,
        max_size: int,
        timeout: float,
    ) -> None:
        dsn, from_url = _split_schema(_check_dsn(dsn))
        self._schema = _check_schema(schema or from_url or "wxcomponent")
        self._dsn = dsn
        self._where = redact_dsn(dsn)
        try:
            from psycopg.conninfo import conninfo_to_dict

            password = conninfo_to_dict(dsn).get("password")
        except ImportError as exc:
            raise ImportError(
                "the PostgreSQL stores need psycopg: pip install 'wxcomponent[postgres]'"
            ) from exc
        except Exception as exc:
            raise ConfigurationError("dsn", f"is not a PostgreSQL DSN ({self._where})") from exc
        self._password = None if password is None else str(password)
        self._clock = clock
        self._min_size = _positive("min_size", min_size, integer=True)
        self._max_size = _positive("max_size", max_size, integer=True)
        if self._max_size < self._min_size:
            raise InvalidArgument("max_size", "must be at least min_size")
        self._timeout = float(_positive("timeout", timeout))
        self._ops = PgOps(self._schema)
        self._writes = itertools.count(1)  # token and lease writes, toward the next purge
        self._ready = False
        self._closed = False
        self._sql: dict[str, str] = {}

    @property
    def schema(self) -> str:
        """The schema holding the tables."""
        return self._schema

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._where!r}, schema={self._schema!r})"

    def _text(self, sql: str) -> str:
        """``sql`` with psycopg's placeholders."""
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = _PLACEHOLDER.sub("%s", sql)
        return text

    def _configure_sql(self) -> str:
        return f'SET search_path TO "{self._schema}"'

    def _translate(self, exc: BaseException) -> BaseException:
        """Map a psycopg or pool error to the store error tree; others come back unchanged."""
        import psycopg
        from psycopg_pool import PoolTimeout, TooManyRequests

        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._password:
            detail = detail.replace(self._password, "***")
        if isinstance(exc, (PoolTimeout, TooManyRequests)):
            return StoreUnavailable(
                f"PostgreSQL at {self._where} is unavailable: no connection within "
                f"{self._timeout:g} s ({detail})"
            )
        if isinstance(exc, psycopg.OperationalError):
            return StoreUnavailable(f"PostgreSQL at {self._where} is unavailable: {detail}")
        if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn,
                            psycopg.DataError)):
            return StoreCorrupt(f"PostgreSQL at {self._where} holds unreadable data: {detail}")
        if isinstance(exc, psycopg.Error):
            return StoreError(f"PostgreSQL at {self._where} failed: {detail}")
        return exc

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self!r} is closed")

    def _purge_due(self) -> bool:
        """Count a token or lease write: True every :data:`PURGE_EVERY` of them."""
        return next(self._writes) % PURGE_EVERY == 0

    def _purge_failed(self, exc: StoreError) -> None:
        # The write that asked for the purge goes on: a purge is never the caller's concern.
        log.warning("purging expired tokens and leases from %r failed: %s", self, exc)


#: A pooled connection not taken from the pool for longer than this is checked (one empty round
#: trip) before use, so a connection the server dropped meanwhile (a restart, a failover) is
#: replaced, not failed on.
_CHECK_AFTER_IDLE = 1.0
_USED = "_wxcomponent_used"


def _idle_for(conn: Any) -> float:
    return time.monotonic() - float(getattr(conn, _USED, 0.0))


def _used(conn: Any) -> None:
    setattr(conn, _USED, time.monotonic())


class PostgresStore(_Base):
    """The :class:`~wxcomponent.stores.base.Store` protocol over PostgreSQL (blocking).

    ``dsn`` is a ``postgresql://user:password@host:port/dbname`` URL (its ``schema=`` query
    parameter chooses the schema) or a libpq ``key=value`` string. ``schema`` is the schema
    of the tables (``wxcomponent`` by default). ``min_size`` / ``max_size`` bound the
    connection pool; ``timeout`` is how long a call waits for a connection before
    :class:`~wxcomponent.errors.StoreUnavailable`. ``clock`` decides token and lease expiry
    and the times recorded. No connection is made before the first call.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        clock: Callable[[], float] = time.time,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
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
                from psycopg_pool import ConnectionPool

                configure_sql = self._configure_sql()

                def configure(conn: psycopg.Connection[Any]) -> None:
                    conn.execute(configure_sql)
                    _used(conn)

                def check(conn: psycopg.Connection[Any]) -> None:
                    if _idle_for(conn) > _CHECK_AFTER_IDLE:
                        ConnectionPool.check_connection(conn)
                    _used(conn)

                self._pool = ConnectionPool(
                    self._dsn, min_size=self._min_size, max_size=self._max_size,
                    timeout=self._timeout, kwargs={"autocommit": True,
                                                   "connect_timeout": max(1, int(self._timeout))},
                    configure=configure, check=check, open=True, name="wxcomponent",
                    reconnect_timeout=max(self._timeout, 30.0),
                )  # fmt: skip
            return self._pool

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

    def _execute(self, make: Callable[[float], SqlOp[T]], *, transaction: bool) -> T:
        try:
            with self._get_pool().connection() as conn:
                op = make(self._clock())
                if transaction:
                    with conn.transaction():
                        result = self._perform(conn, op)
                else:
                    result = self._perform(conn, op)
                return result
        except StoreError:
            raise
        except Exception as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def _setup(self) -> None:
        with self._setup_lock:
            if not self._ready:
                self._execute(lambda now: self._ops.migrate(), transaction=True)
                self._ready = True

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        valid.ticket_args(component_appid, ticket, created_at)
        return self._run(lambda now: self._ops.save_ticket(component_appid, ticket, created_at,
                                                            now))

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        valid.check_appid("component_appid", component_appid)
        return self._run(lambda now: self._ops.load_ticket(component_appid))

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid`` (a ``tenant`` or
        ``name`` of None keeps the stored one, a ``refresh_at`` of 0 the stored schedule, an
        ``auth_event_at`` of 0 the stored time); False, and nothing written, when its
        ``auth_event_at`` is older than the stored one."""
        checked = valid.check_record(record)
        return self._run(lambda now: self._ops.save_authorizer(checked))

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        valid.authorizer_args(component_appid, authorizer_appid)
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
        valid.list_args(component_appid, status, after, limit)
        return self._run(
            lambda now: self._ops.list_authorizers(component_appid, status, after, limit)
        )

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        valid.count_args(component_appid, status)
        return self._run(lambda now: self._ops.count_authorizers(component_appid, status))

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        valid.replace_args(component_appid, authorizer_appid, expected, new)
        return self._run(lambda now: self._ops.replace_refresh_token(
            component_appid, authorizer_appid, expected, new, now))

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        valid.revoke_args(component_appid, authorizer_appid, event_at)
        return self._run(lambda now: self._ops.mark_revoked(
            component_appid, authorizer_appid, now, event_at))

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        valid.authorizer_args(component_appid, authorizer_appid)
        return self._run(
            lambda now: self._ops.delete_authorizer(component_appid, authorizer_appid))

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        valid.tenant_args(component_appid, authorizer_appid, tenant)
        return self._run(lambda now: self._ops.set_authorizer_tenant(
            component_appid, authorizer_appid, tenant, now))

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer; False if there is no record.

        A name is no credential: it commits without waiting for the disk."""
        valid.name_args(component_appid, authorizer_appid, name)
        return self._run(
            lambda now: self._ops.set_authorizer_name(component_appid, authorizer_appid, name)
        )

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
        valid.search_args(component_appid, prefix, after, limit)
        return self._run(
            lambda now: self._ops.search_authorizers(component_appid, prefix, after, limit)
        )

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record.

        A schedule is no credential: it commits without waiting for the disk."""
        when = valid.schedule_args(component_appid, authorizer_appid, at)
        return self._run(
            lambda now: self._ops.schedule_refresh(component_appid, authorizer_appid, when)
        )

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the schedule's index."""
        bound = valid.due_args(component_appid, before, limit)
        return self._run(lambda now: self._ops.due_authorizers(component_appid, bound, limit))

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
        """Add a pending job, committed before it returns; returns its id."""
        data = valid.enqueue_args(component_appid, topic, group, payload, available_at, key)
        when = None if available_at is None else float(available_at)
        return self._run(lambda now: self._ops.queue.enqueue(
            component_appid, topic, group, data, when, key, now), transaction=True)

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        lease = valid.claim_args(component_appid, topic, limit, lease)
        return self._run(lambda now: self._ops.queue.claim(component_appid, topic, limit, lease,
                                                            now), transaction=True)

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        return self._run(lambda now: self._ops.queue.settle(
            job_id, claim, state, error, available_at, now), transaction=True)

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
        valid.list_jobs_args(component_appid, topic, state, after, limit)
        return self._run(
            lambda now: self._ops.queue.list_jobs(component_appid, topic, state, after, limit)
        )

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again, attempts 0; False otherwise."""
        valid.check_job_id(job_id)
        when = valid.check_time("available_at", available_at, optional=True)
        return self._run(lambda now: self._ops.queue.requeue(job_id, when, now),
                         transaction=True)

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        valid.check_appid("component_appid", component_appid)
        valid.check_name("topic", topic, optional=True)
        return self._run(lambda now: self._ops.queue.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """Delete the jobs of ``topic`` in ``state`` last updated before ``before``."""
        before = valid.purge_args(component_appid, topic, state, before)
        return self._run(lambda now: self._ops.queue.purge(component_appid, topic, state,
                                                            before, now), transaction=True)

    # ------------------------------------------------------------------ tokens and leases

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``.

        The hottest call of all (every API call reads its token): one statement on a pooled
        connection, without the machinery of the other operations."""
        valid.check_key(key)
        if not self._ready:
            self._setup()
        try:
            with self._get_pool().connection() as conn:
                row = conn.execute(_GET_TOKEN, (key,)).fetchone()
        except Exception as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        valid.set_token_args(key, token, fence)
        self._purge_if_due()
        return self._run(lambda now: self._ops.set_token(key, token, fence, now))

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        valid.delete_token_args(key, if_value)
        return self._run(lambda now: self._ops.delete_token(key, if_value, now))

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        ttl = valid.lease_args(key, ttl)
        self._purge_if_due()
        return self._run(lambda now: self._ops.acquire_lease(key, ttl, now))

    def _purge_if_due(self) -> None:
        """Before every :data:`PURGE_EVERY`-th token or lease write, delete up to
        :data:`PURGE_BATCH` expired tokens and as many expired leases (a lease only once it has
        expired; its key's next grant still gets a larger fence, from the schema's sequence).
        It runs before the write, so a failure or a cancellation meanwhile loses no grant."""
        if self._purge_due():
            try:
                self._run(lambda now: self._ops.purge(now, PURGE_BATCH))
            except StoreError as exc:
                self._purge_failed(exc)

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        valid.release_args(key, fence)
        return self._run(lambda now: self._ops.release_lease(key, fence, now))

    def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


class AsyncPostgresStore(_Base):
    """The :class:`~wxcomponent.stores.base.AsyncStore` protocol over PostgreSQL (asyncio).

    The same arguments, rules and tables as :class:`PostgresStore`, with psycopg's asyncio
    pool. The pool belongs to the event loop of the first call.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        clock: Callable[[], float] = time.time,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(dsn, schema=schema, clock=clock, min_size=min_size, max_size=max_size,
                         timeout=timeout)
        self._pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None
        self._lock: asyncio.Lock | None = None

    async def _get_pool(self) -> psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]:
        pool = self._pool
        if pool is not None:
            return pool
        self._check_open()
        from psycopg_pool import AsyncConnectionPool

        configure_sql = self._configure_sql()

        async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(configure_sql)
            _used(conn)

        async def check(conn: psycopg.AsyncConnection[Any]) -> None:
            if _idle_for(conn) > _CHECK_AFTER_IDLE:
                await AsyncConnectionPool.check_connection(conn)
            _used(conn)

        pool = AsyncConnectionPool(
            self._dsn, min_size=self._min_size, max_size=self._max_size, timeout=self._timeout,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(self._timeout))},
            configure=configure, check=check, open=False, name="wxcomponent",
            reconnect_timeout=max(self._timeout, 30.0),
        )  # fmt: skip
        if self._pool is None:
            self._pool = pool
            await pool.open()
        return self._pool

    async def _perform(self, conn: psycopg.AsyncConnection[Any], op: SqlOp[T]) -> T:
        reply: Result | None = None
        while True:
            try:
                step = op.send(reply)  # type: ignore[arg-type]  # None starts it
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            cursor = await conn.execute(self._text(step.text), step.params)
            rows = await cursor.fetchall() if cursor.description else []
            reply = Result(rows, cursor.rowcount)

    async def _run(self, make: Callable[[float], SqlOp[T]], *, transaction: bool = False) -> T:
        """Run ``make(now)`` on a pooled connection (in one transaction if asked), once the
        schema is ready."""
        if not self._ready:
            await self._setup()
        return await self._execute(make, transaction=transaction)

    async def _execute(self, make: Callable[[float], SqlOp[T]], *, transaction: bool) -> T:
        try:
            pool = await self._get_pool()
            async with pool.connection() as conn:
                op = make(self._clock())
                if transaction:
                    async with conn.transaction():
                        result = await self._perform(conn, op)
                else:
                    result = await self._perform(conn, op)
                return result
        except StoreError:
            raise
        except Exception as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def _setup(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._ready:
                await self._execute(lambda now: self._ops.migrate(), transaction=True)
                self._ready = True

    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`PostgresStore.save_ticket`."""
        valid.ticket_args(component_appid, ticket, created_at)
        return await self._run(lambda now: self._ops.save_ticket(component_appid, ticket,
                                                                  created_at, now))

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`PostgresStore.load_ticket`."""
        valid.check_appid("component_appid", component_appid)
        return await self._run(lambda now: self._ops.load_ticket(component_appid))

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`PostgresStore.save_authorizer`."""
        checked = valid.check_record(record)
        return await self._run(lambda now: self._ops.save_authorizer(checked))

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`PostgresStore.get_authorizer`."""
        valid.authorizer_args(component_appid, authorizer_appid)
        return await self._run(
            lambda now: self._ops.get_authorizer(component_appid, authorizer_appid)
        )

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`PostgresStore.list_authorizers`."""
        valid.list_args(component_appid, status, after, limit)
        return await self._run(
            lambda now: self._ops.list_authorizers(component_appid, status, after, limit)
        )

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`PostgresStore.count_authorizers`."""
        valid.count_args(component_appid, status)
        return await self._run(lambda now: self._ops.count_authorizers(component_appid, status))

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`PostgresStore.replace_refresh_token`."""
        valid.replace_args(component_appid, authorizer_appid, expected, new)
        return await self._run(lambda now: self._ops.replace_refresh_token(
            component_appid, authorizer_appid, expected, new, now))

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`PostgresStore.mark_revoked`."""
        valid.revoke_args(component_appid, authorizer_appid, event_at)
        return await self._run(lambda now: self._ops.mark_revoked(
            component_appid, authorizer_appid, now, event_at))

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`PostgresStore.delete_authorizer`."""
        valid.authorizer_args(component_appid, authorizer_appid)
        return await self._run(
            lambda now: self._ops.delete_authorizer(component_appid, authorizer_appid))

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`PostgresStore.set_authorizer_tenant`."""
        valid.tenant_args(component_appid, authorizer_appid, tenant)
        return await self._run(lambda now: self._ops.set_authorizer_tenant(
            component_appid, authorizer_appid, tenant, now))

    async def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None
    ) -> bool:
        """See :meth:`PostgresStore.set_authorizer_name`."""
        valid.name_args(component_appid, authorizer_appid, name)
        return await self._run(
            lambda now: self._ops.set_authorizer_name(component_appid, authorizer_appid, name)
        )

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`PostgresStore.search_authorizers`."""
        valid.search_args(component_appid, prefix, after, limit)
        return await self._run(
            lambda now: self._ops.search_authorizers(component_appid, prefix, after, limit)
        )

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`PostgresStore.schedule_refresh`."""
        when = valid.schedule_args(component_appid, authorizer_appid, at)
        return await self._run(
            lambda now: self._ops.schedule_refresh(component_appid, authorizer_appid, when)
        )

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`PostgresStore.due_authorizers`."""
        bound = valid.due_args(component_appid, before, limit)
        return await self._run(
            lambda now: self._ops.due_authorizers(component_appid, bound, limit)
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
        """See :meth:`PostgresStore.enqueue`."""
        data = valid.enqueue_args(component_appid, topic, group, payload, available_at, key)
        when = None if available_at is None else float(available_at)
        return await self._run(lambda now: self._ops.queue.enqueue(
            component_appid, topic, group, data, when, key, now), transaction=True)

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`PostgresStore.claim_jobs`."""
        lease = valid.claim_args(component_appid, topic, limit, lease)
        return await self._run(lambda now: self._ops.queue.claim(
            component_appid, topic, limit, lease, now), transaction=True)

    async def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                      available_at: float | None = None) -> bool:
        return await self._run(lambda now: self._ops.queue.settle(
            job_id, claim, state, error, available_at, now), transaction=True)

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`PostgresStore.ack_job`."""
        valid.settle_args(job_id, claim)
        return await self._settle(job_id, claim, "done", None)

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`PostgresStore.retry_job`."""
        valid.settle_args(job_id, claim)
        when = valid.check_time("available_at", available_at)
        return await self._settle(job_id, claim, "pending", valid.check_error(error), when)

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`PostgresStore.bury_job`."""
        valid.settle_args(job_id, claim)
        return await self._settle(job_id, claim, "dead", valid.check_error(error))

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`PostgresStore.get_job`."""
        valid.check_job_id(job_id)
        return await self._run(lambda now: self._ops.queue.get_job(job_id))

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """See :meth:`PostgresStore.list_jobs`."""
        valid.list_jobs_args(component_appid, topic, state, after, limit)
        return await self._run(
            lambda now: self._ops.queue.list_jobs(component_appid, topic, state, after, limit)
        )

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`PostgresStore.requeue_job`."""
        valid.check_job_id(job_id)
        when = valid.check_time("available_at", available_at, optional=True)
        return await self._run(lambda now: self._ops.queue.requeue(job_id, when, now),
                               transaction=True)

    async def count_jobs(
        self, component_appid: str, *, topic: str | None = None
    ) -> dict[str, int]:
        """See :meth:`PostgresStore.count_jobs`."""
        valid.check_appid("component_appid", component_appid)
        valid.check_name("topic", topic, optional=True)
        return await self._run(lambda now: self._ops.queue.count_jobs(component_appid, topic))

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """See :meth:`PostgresStore.purge_jobs`."""
        before = valid.purge_args(component_appid, topic, state, before)
        return await self._run(lambda now: self._ops.queue.purge(
            component_appid, topic, state, before, now), transaction=True)

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`PostgresStore.get_token`."""
        valid.check_key(key)
        if not self._ready:
            await self._setup()
        try:
            pool = await self._get_pool()
            async with pool.connection() as conn:
                row = await (await conn.execute(_GET_TOKEN, (key,))).fetchone()
        except Exception as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`PostgresStore.set_token`."""
        valid.set_token_args(key, token, fence)
        await self._purge_if_due()
        return await self._run(lambda now: self._ops.set_token(key, token, fence, now))

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`PostgresStore.delete_token`."""
        valid.delete_token_args(key, if_value)
        return await self._run(lambda now: self._ops.delete_token(key, if_value, now))

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`PostgresStore.acquire_lease`."""
        ttl = valid.lease_args(key, ttl)
        await self._purge_if_due()
        return await self._run(lambda now: self._ops.acquire_lease(key, ttl, now))

    async def _purge_if_due(self) -> None:
        """See :meth:`PostgresStore._purge_if_due`."""
        if self._purge_due():
            try:
                await self._run(lambda now: self._ops.purge(now, PURGE_BATCH))
            except StoreError as exc:
                self._purge_failed(exc)

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`PostgresStore.release_lease`."""
        valid.release_args(key, fence)
        return await self._run(lambda now: self._ops.release_lease(key, fence, now))

    async def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
