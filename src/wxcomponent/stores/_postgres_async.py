"""The asyncio PostgreSQL store, :class:`AsyncPostgresStore` (see :mod:`.postgres` for the
rules both flavours follow).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ._checked import CheckedAsyncStore
from ._postgres_conn import (
    _CALL_ENDS,
    _CHECK_AFTER_IDLE,
    _GET_TOKEN,
    T,
    _Base,
    _idle_for,
    _on_loop,
    _until,
    _used,
)
from ._settle import SettlesJobsAsync
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


class AsyncPostgresStore(_Base, SettlesJobsAsync, CheckedAsyncStore):
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
        timeout: float | None = None,
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
        import psycopg
        from psycopg_pool import AsyncConnectionPool

        # See PostgresStore._get_pool: a refused login fails this call at once.
        await (await psycopg.AsyncConnection.connect(self._dsn, **self._connect)).close()
        if self._pool is not None:  # another task made it meanwhile
            return self._pool
        configure_sql = self._configure_sql()
        budget = self._timeout

        async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
            with _until(conn, budget, time.monotonic() + budget, _on_loop):
                await conn.execute(configure_sql)
            _used(conn)

        async def check(conn: psycopg.AsyncConnection[Any]) -> None:
            if _idle_for(conn) > _CHECK_AFTER_IDLE:
                at = _CALL_ENDS.get() or time.monotonic() + budget
                with _until(conn, budget, at, _on_loop):
                    await AsyncConnectionPool.check_connection(conn)
            _used(conn)

        pool = AsyncConnectionPool(
            self._dsn, min_size=self._min_size, max_size=self._max_size, timeout=self._timeout,
            kwargs=self._connect, configure=configure, check=check, open=False,
            name="wxcomponent", reconnect_timeout=max(self._timeout, 30.0),
        )  # fmt: skip
        if self._pool is None:
            self._pool = pool
            await pool.open()
        return self._pool

    @contextlib.asynccontextmanager
    async def _connection(self, *, setup: bool = False
                          ) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """See :meth:`PostgresStore._connection`."""
        with self._call(setup=setup) as (budget, at):
            pool = await self._get_pool()
            async with pool.connection(timeout=max(0.0, at - time.monotonic())) as conn:
                with _until(conn, budget, at, _on_loop):
                    yield conn

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

    async def _execute(self, make: Callable[[float], SqlOp[T]], *, transaction: bool,
                       setup: bool = False) -> T:
        async with self._connection(setup=setup) as conn:
            op = make(self._clock())
            if transaction:
                async with conn.transaction():
                    return await self._perform(conn, op)
            return await self._perform(conn, op)

    async def _setup(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._ready:
                await self._execute(lambda now: self._ops.migrate(), transaction=True,
                                    setup=True)
                self._ready = True

    # ------------------------------------------------------------------ tickets

    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`PostgresStore.save_ticket`."""
        return await self._run(lambda now: self._ops.save_ticket(component_appid, ticket,
                                                                  created_at, now))

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`PostgresStore.load_ticket`."""
        return await self._run(lambda now: self._ops.load_ticket(component_appid))

    # ------------------------------------------------------------------ authorizers

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`PostgresStore.save_authorizer`."""
        return await self._run(lambda now: self._ops.save_authorizer(record))

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`PostgresStore.get_authorizer`."""
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
        return await self._run(
            lambda now: self._ops.list_authorizers(component_appid, status, after, limit)
        )

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`PostgresStore.count_authorizers`."""
        return await self._run(lambda now: self._ops.count_authorizers(component_appid, status))

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`PostgresStore.replace_refresh_token`."""
        return await self._run(lambda now: self._ops.replace_refresh_token(
            component_appid, authorizer_appid, expected, new, now))

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`PostgresStore.mark_revoked`."""
        return await self._run(lambda now: self._ops.mark_revoked(
            component_appid, authorizer_appid, now, event_at))

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`PostgresStore.delete_authorizer`."""
        return await self._run(
            lambda now: self._ops.delete_authorizer(component_appid, authorizer_appid))

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`PostgresStore.set_authorizer_tenant`."""
        return await self._run(lambda now: self._ops.set_authorizer_tenant(
            component_appid, authorizer_appid, tenant, now))

    async def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """See :meth:`PostgresStore.set_authorizer_name`."""
        return await self._run(lambda now: self._ops.set_authorizer_name(
            component_appid, authorizer_appid, name, account_type))

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`PostgresStore.search_authorizers`."""
        return await self._run(
            lambda now: self._ops.search_authorizers(component_appid, prefix, after, limit)
        )

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`PostgresStore.schedule_refresh`."""
        return await self._run(
            lambda now: self._ops.schedule_refresh(component_appid, authorizer_appid, at)
        )

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`PostgresStore.due_authorizers`."""
        return await self._run(
            lambda now: self._ops.due_authorizers(component_appid, before, limit)
        )

    # ------------------------------------------------------------------ compliance

    async def save_compliance(self, record: ComplianceRecord) -> None:
        """See :meth:`PostgresStore.save_compliance`."""
        await self._run(lambda now: self._ops.compliance.save(record), transaction=True)

    async def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """See :meth:`PostgresStore.get_compliance`."""
        return await self._run(
            lambda now: self._ops.compliance.get(component_appid, authorizer_appid)
        )

    async def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ComplianceRecord]:
        """See :meth:`PostgresStore.list_compliance`."""
        return await self._run(lambda now: self._ops.compliance.listing(
            component_appid, blocked_by, expiring_before, after, limit))

    async def count_compliance(self, component_appid: str) -> dict[str, int]:
        """See :meth:`PostgresStore.count_compliance`."""
        return await self._run(lambda now: self._ops.compliance.count(component_appid))

    async def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """See :meth:`PostgresStore.due_compliance`."""
        return await self._run(
            lambda now: self._ops.compliance.due(component_appid, before, limit)
        )

    # ------------------------------------------------------------------ the job queue

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
        when = None if available_at is None else float(available_at)
        return await self._run(lambda now: self._ops.queue.enqueue(
            component_appid, topic, group, payload, when, key, now), transaction=True)

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`PostgresStore.claim_jobs`."""
        return await self._run(lambda now: self._ops.queue.claim(
            component_appid, topic, limit, lease, now), transaction=True)

    async def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                      available_at: float | None = None) -> bool:
        return await self._run(lambda now: self._ops.queue.settle(
            job_id, claim, state, error, available_at, now), transaction=True)

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`PostgresStore.get_job`."""
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
        return await self._run(
            lambda now: self._ops.queue.list_jobs(component_appid, topic, state, after, limit)
        )

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`PostgresStore.requeue_job`."""
        return await self._run(lambda now: self._ops.queue.requeue(job_id, available_at, now),
                               transaction=True)

    async def count_jobs(
        self, component_appid: str, *, topic: str | None = None
    ) -> dict[str, int]:
        """See :meth:`PostgresStore.count_jobs`."""
        return await self._run(lambda now: self._ops.queue.count_jobs(component_appid, topic))

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float,
        limit: int = 500,
    ) -> int:
        """See :meth:`PostgresStore.purge_jobs`."""
        return await self._run(lambda now: self._ops.queue.purge(
            component_appid, topic, state, before, limit, now), transaction=True)

    async def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """See :meth:`PostgresStore.find_job`."""
        return await self._run(
            lambda now: self._ops.queue.find_job(component_appid, topic, key))

    async def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """See :meth:`PostgresStore.restore_job`."""
        return await self._run(lambda now: self._ops.queue.restore(job, renumber, now),
                               transaction=True)

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`PostgresStore.reserve_job_ids`."""
        return await self._run(lambda now: self._ops.queue.reserve_ids(through),
                               transaction=True)

    # ------------------------------------------------------------------ tokens

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`PostgresStore.get_token`."""
        if not self._ready:
            await self._setup()
        async with self._connection() as conn:
            row = await (await conn.execute(_GET_TOKEN, (key,))).fetchone()
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`PostgresStore.set_token`."""
        await self._purge_if_due()
        return await self._run(lambda now: self._ops.set_token(key, token, fence, now))

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`PostgresStore.delete_token`."""
        return await self._run(lambda now: self._ops.delete_token(key, if_value, now))

    # ------------------------------------------------------------------ leases

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`PostgresStore.acquire_lease`."""
        await self._purge_if_due()
        return await self._run(lambda now: self._ops.acquire_lease(key, ttl, now))

    async def _purge_if_due(self) -> None:
        """See :meth:`PostgresStore._purge_if_due`."""
        try:
            await self._purge.run_async(
                lambda batch: self._run(lambda now: self._ops.purge(now, batch)))
        except StoreError as exc:
            self._purge_failed(exc)

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`PostgresStore.release_lease`."""
        return await self._run(lambda now: self._ops.release_lease(key, fence, now))

    async def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
