"""The default store: one SQLite file, shared by every process and thread of a host.

:class:`SQLiteStore` uses the standard library's :mod:`sqlite3` in WAL mode with a busy
timeout, so many processes can share one file. Authorizer records commit with
``synchronous=FULL`` (a committed refresh token survives a crash of the process or the
machine); tickets, cached tokens and leases survive a crash of the process and skip the fsync
(see :meth:`SQLiteStore._write`). Each thread gets its own connection. Reads are single
statements; every read-modify-write (ticket ordering, compare-and-set, lease acquisition,
fenced token writes) runs in a ``BEGIN IMMEDIATE``
transaction, so it is atomic across processes.

Cached tokens and leases do not pile up: every :data:`PURGE_EVERY` token or lease writes of a
store, the write's transaction also deletes up to :data:`PURGE_BATCH` tokens past their expiry
and as many leases past their end (the rule of :mod:`._purge`), read through indexes on those
times (schema version 5).
A lease's next fence follows its row's fence; a key without a row starts above the file's
floor of fences (``lease_fences``), which the purge raises to the highest fence it deletes, so
a key whose expired row was deleted is granted again with a fence above every earlier one —
and granting a lease writes only its own row.

The schema is versioned: the ``schema_version`` table lists the migrations applied. On first
use the store creates or upgrades the schema; it refuses (:class:`~wxcomponent.errors.StoreCorrupt`)
a file written by a newer version, a file that is not SQLite, and a SQLite file holding other
tables than ours.

:class:`AsyncSQLiteStore` runs the same code. A call that needs no fsync and meets no lock
(a read, or a ticket, token or lease write nobody else is making) runs inline on the event
loop: tens of microseconds, less than a hop to a thread. Every call that commits with
``synchronous=FULL`` (:meth:`~SQLiteStore.save_authorizer`,
:meth:`~SQLiteStore.replace_refresh_token`, :meth:`~SQLiteStore.mark_revoked`,
:meth:`~SQLiteStore.set_authorizer_tenant`), the first call (which creates or upgrades the
schema), a token or lease write that purges (about a millisecond for a full batch),
:meth:`~SQLiteStore.close`, and any call that would wait for another thread's or process's
lock run on a worker thread instead, so the event loop waits neither for a lock nor for the
fsync of a ``FULL`` commit. One sync can
still happen on the loop: an inline ``NORMAL`` commit that takes the write-ahead log past
SQLite's automatic checkpoint threshold (about every 1000 pages written) runs that
checkpoint, which syncs the log and the database file.

Keep the file on a local disk: SQLite's locking is not reliable over network file systems.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from . import _args
from ._aio import ThreadedAsyncStore
from ._checked import CheckedStore
from ._purge import PURGE_BATCH, PURGE_EVERY
from ._sql_records import SAVE_TICKET
from ._sqlite_conn import _WouldWait
from ._sqlite_group import CommitGroup
from ._sqlite_programs import _SQLitePrograms

# Read here as well: the migrations, and the purge's statements (the purge tests run them).
from ._sqlite_schema import (  # noqa: F401
    _EXPIRED_LEASES,
    _PURGE_TOKENS,
    MIGRATIONS,
    SCHEMA_VERSION,
)
from ._sqlite_tokens import _SQLiteTokens

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "SCHEMA_VERSION", "AsyncSQLiteStore", "SQLiteStore"]

T = TypeVar("T")
P = ParamSpec("P")


class SQLiteStore(_SQLiteTokens, _SQLitePrograms, CheckedStore):
    """The :class:`~wxcomponent.stores.base.Store` protocol over one SQLite file.

    ``path`` is the database file (created on first use; its directory must exist).
    ``clock`` (epoch seconds) decides expiry of tokens and leases: every process sharing the
    file must use the same clock. ``busy_timeout`` is how long a call waits for another
    process's write before giving up with :class:`~wxcomponent.errors.StoreUnavailable`.
    """

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self._path)!r})"

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def aio(self) -> AsyncSQLiteStore:
        """An :class:`AsyncSQLiteStore` over this store (closing it leaves this one open)."""
        return AsyncSQLiteStore.over(self)

    # ------------------------------------------------------------------ tickets

    def _save_ticket(self, a: _args.SaveTicket) -> bool:
        component_appid, ticket, created_at = a

        # The push path's hottest write: one statement of its own, the program's statement
        # run without the program's machinery.
        def body(conn: sqlite3.Connection, now: float) -> bool:
            values = (component_appid, ticket, created_at, now)
            return conn.execute(SAVE_TICKET, values).rowcount == 1

        return self._write(body, durable=False, single=True)


class AsyncSQLiteStore(ThreadedAsyncStore):
    """The asyncio flavour of :class:`SQLiteStore`.

    It drives a :class:`SQLiteStore` (the same code, the same file format), so sync and async
    processes can share one file. Reads and the ticket, token and lease writes run inline on
    the event loop when they meet no lock; the writes that commit with ``synchronous=FULL``
    (authorizer records, refresh tokens, queued jobs), the first call (schema creation),
    ``close()`` and any call that meets a lock run on one of ``max_workers`` worker threads
    (see the module docs); those that come while one runs are committed together, in one
    transaction and one ``fsync`` (:mod:`._sqlite_group`).
    """

    _group: CommitGroup | None = None  # made at the first call that waits

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 10.0,
        max_workers: int = 4,
    ) -> None:
        super().__init__(
            SQLiteStore(path, clock=clock, busy_timeout=busy_timeout),
            owns=True,
            max_workers=max_workers,
        )

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run the call inline when it can finish without an fsync or a lock wait (a read, or
        a ``NORMAL`` write nobody else is making: tens of microseconds, less than a hop to a
        thread). A call that would commit with ``FULL``, create the schema or wait for a lock
        stops before writing anything and runs again on a worker thread, where it may wait
        up to the busy timeout, with the calls that came meanwhile in one transaction
        (:mod:`._sqlite_group`); ``close`` runs there alone."""
        try:
            return self.sync._try_now(fn, *args, **kwargs)
        except _WouldWait:
            if fn == self.sync.close:
                return await super()._call(fn, *args, **kwargs)
            group = self._group
            if group is None:
                group = self._group = CommitGroup(self.sync, self._executor)
            return await group.run(fn, *args, **kwargs)

    @classmethod
    def over(cls, store: SQLiteStore, *, max_workers: int = 4) -> AsyncSQLiteStore:
        """An async view of ``store``; closing the view leaves ``store`` open."""
        view = cls.__new__(cls)
        ThreadedAsyncStore.__init__(view, store, owns=False, max_workers=max_workers)
        return view

    @property
    def sync(self) -> SQLiteStore:
        """The :class:`SQLiteStore` doing the work."""
        assert isinstance(self._store, SQLiteStore)
        return self._store

    @property
    def path(self) -> Path:
        """The database file."""
        return self.sync.path

    def __repr__(self) -> str:
        return f"AsyncSQLiteStore({str(self.sync.path)!r})"
