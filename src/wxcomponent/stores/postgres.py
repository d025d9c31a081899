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
from . import _args
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
from ._postgres_ops import COUNTED, IN_TRANSACTION, OPERATED
from ._purge import PURGE_BATCH, PURGE_EVERY
from ._sql_queue import Result, SqlOp
from .base import (
    CachedToken,
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


class PostgresStore(_Base, CheckedStore):
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

    _pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] | None = None

    def _made(self) -> None:
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

    # ------------------------------------------------------------------ the operations

    _operated = OPERATED - {"get_token"}

    def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        """Run the operation's program (:mod:`._postgres_ops`) on a pooled connection, in one
        transaction when it is more than one statement; a token or lease written counts
        toward the purge first."""
        if name in COUNTED:
            self._purge_if_due()
        program = self._ops.programs[name]
        return self._run(lambda now: program(a, now), transaction=name in IN_TRANSACTION)

    def _get_token(self, a: _args.GetToken) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``.

        The hottest call of all (every API call reads its token): one statement on a pooled
        connection, without the machinery of the other operations."""
        if not self._ready:
            self._setup()
        with self._connection() as conn:
            row = conn.execute(_GET_TOKEN, (a.key,)).fetchone()
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    def _purge_if_due(self) -> None:
        """Count a token or lease write, and purge when :mod:`._purge` says (a lease only once
        it has expired; its key's next grant still gets a larger fence, from the schema's
        sequence). It runs before the write, so a failure or a cancellation meanwhile loses no
        grant."""
        try:
            self._purge.run(lambda batch: self._run(lambda now: self._ops.purge(now, batch)))
        except StoreError as exc:
            self._purge_failed(exc)

    def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
