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
from . import _args
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
from ._postgres_ops import COUNTED, IN_TRANSACTION, OPERATED
from ._sql_queue import Result, SqlOp
from .base import (
    CachedToken,
)

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool


class AsyncPostgresStore(_Base, CheckedAsyncStore):
    """The :class:`~wxcomponent.stores.base.AsyncStore` protocol over PostgreSQL (asyncio).

    The same arguments, rules and tables as :class:`PostgresStore`, with psycopg's asyncio
    pool. The pool belongs to the event loop of the first call.
    """

    _pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None
    _lock: asyncio.Lock | None = None

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

    # ------------------------------------------------------------------ the operations

    _operated = OPERATED - {"get_token"}

    async def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        """See :meth:`PostgresStore._operation`."""
        if name in COUNTED:
            await self._purge_if_due()
        program = self._ops.programs[name]
        return await self._run(lambda now: program(a, now), transaction=name in IN_TRANSACTION)

    async def _get_token(self, a: _args.GetToken) -> CachedToken | None:
        """See :meth:`PostgresStore.get_token`."""
        if not self._ready:
            await self._setup()
        async with self._connection() as conn:
            row = await (await conn.execute(_GET_TOKEN, (a.key,))).fetchone()
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    async def _purge_if_due(self) -> None:
        """See :meth:`PostgresStore._purge_if_due`."""
        try:
            await self._purge.run_async(
                lambda batch: self._run(lambda now: self._ops.purge(now, batch)))
        except StoreError as exc:
            self._purge_failed(exc)

    async def close(self) -> None:
        """Close the pool; later calls raise :class:`~wxcomponent.errors.StoreError`."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
