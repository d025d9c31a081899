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

import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from ..errors import StoreCorrupt
from . import _args
from ._aio import ThreadedAsyncStore
from ._checked import CheckedStore
from ._purge import PURGE_BATCH, PURGE_EVERY
from ._sql_queue import where
from ._sql_records import LAST_CHAR, RECORD_COLUMNS, listed, upsert_authorizer
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
from .base import (
    ACCOUNT_TYPES,
    AccountType,
    AuthorizerRecord,
    Ticket,
    name_key,
)

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "SCHEMA_VERSION", "AsyncSQLiteStore", "SQLiteStore"]

#: Saves a record (SQLite's larger of two values is ``MAX``).
_SAVE_AUTHORIZER = upsert_authorizer("MAX")

T = TypeVar("T")
P = ParamSpec("P")

_ACCOUNT_TYPES: dict[str, AccountType] = {kind: kind for kind in ACCOUNT_TYPES}


def _record(row: tuple[object, ...]) -> AuthorizerRecord:
    (c, a, refresh_token, status, func_info, authorized_at, updated_at, revoked_at, tenant,
     name, refresh_at, account_type, auth_event_at) = row
    return AuthorizerRecord(
        component_appid=str(c),
        authorizer_appid=str(a),
        refresh_token=str(refresh_token),
        status="revoked" if status == "revoked" else "authorized",
        func_info=tuple(int(i) for i in json.loads(str(func_info))),
        authorized_at=float(authorized_at),  # type: ignore[arg-type]
        updated_at=float(updated_at),  # type: ignore[arg-type]
        revoked_at=None if revoked_at is None else float(revoked_at),  # type: ignore[arg-type]
        tenant=None if tenant is None else str(tenant),
        name=None if name is None else str(name),
        refresh_at=float(refresh_at),  # type: ignore[arg-type]
        account_type=_ACCOUNT_TYPES.get(str(account_type)),
        auth_event_at=int(auth_event_at),  # type: ignore[call-overload]
    )


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

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "INSERT INTO tickets (component_appid, value, created_at, received_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (component_appid) DO UPDATE SET "
                "value = excluded.value, created_at = excluded.created_at, "
                "received_at = excluded.received_at "
                "WHERE excluded.created_at >= tickets.created_at",
                (component_appid, ticket, created_at, now),
            )
            return cursor.rowcount == 1

        return self._write(body, durable=False, single=True)

    def _load_ticket(self, a: _args.LoadTicket) -> Ticket | None:
        component_appid = a.component_appid
        rows = self._read(
            "SELECT value, created_at, received_at FROM tickets WHERE component_appid = ?",
            (component_appid,),
        )
        if not rows:
            return None
        value, created_at, received_at = rows[0]
        return Ticket(component_appid, str(value), int(created_at), float(received_at))  # type: ignore[call-overload, arg-type]

    # ------------------------------------------------------------------ authorizers

    def _save_authorizer(self, a: _args.SaveAuthorizer) -> bool:
        record = a.record
        values = (
            record.component_appid,
            record.authorizer_appid,
            record.refresh_token,
            record.status,
            json.dumps(list(record.func_info)),
            float(record.authorized_at),
            float(record.updated_at),
            None if record.revoked_at is None else float(record.revoked_at),
            record.tenant,
            record.name,
            float(record.refresh_at),
            record.account_type,
            record.auth_event_at,
            None if record.name is None else name_key(record.name),
        )

        def body(conn: sqlite3.Connection, now: float) -> bool:
            return conn.execute(_SAVE_AUTHORIZER, values).rowcount == 1

        return self._write(body)

    def _get_authorizer(self, a: _args.GetAuthorizer) -> AuthorizerRecord | None:
        component_appid, authorizer_appid = a
        rows = self._read(
            f"SELECT {RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND authorizer_appid = ?",
            (component_appid, authorizer_appid),
        )
        return self._decode(rows[0]) if rows else None

    def _decode(self, row: tuple[object, ...]) -> AuthorizerRecord:
        try:
            return _record(row)
        except (TypeError, ValueError) as exc:
            raise StoreCorrupt(f"{self._path}: unreadable authorizer record") from exc

    def _list_authorizers(self, a: _args.ListAuthorizers) -> list[AuthorizerRecord]:
        component_appid, status, after, limit = a
        sql, params = where(f"SELECT {RECORD_COLUMNS} FROM authorizers WHERE component_appid = ?",  # noqa: S608
                            component_appid, *listed(status, after))
        rows = self._read(sql + " ORDER BY authorizer_appid LIMIT ?", (*params, limit))
        return [self._decode(row) for row in rows]

    def _count_authorizers(self, a: _args.CountAuthorizers) -> int:
        component_appid, status = a
        sql, params = where("SELECT COUNT(*) FROM authorizers WHERE component_appid = ?",
                            component_appid, (" AND status = ?", status))
        count = self._read(sql, tuple(params))[0][0]
        assert isinstance(count, int)
        return count

    def _replace_refresh_token(self, a: _args.ReplaceRefreshToken) -> bool:
        component_appid, authorizer_appid, expected, new = a

        return self._update(
            "UPDATE authorizers SET refresh_token = ?, updated_at = ? "
            "WHERE component_appid = ? AND authorizer_appid = ? "
            "AND (? IS NULL OR refresh_token = ?)",
            lambda now: (new, now, component_appid, authorizer_appid, expected, expected),
            durable=True,
        )

    def _mark_revoked(self, a: _args.MarkRevoked) -> bool:
        component_appid, authorizer_appid, event_at = a

        def body(conn: sqlite3.Connection, now: float) -> bool:
            found = conn.execute(
                "SELECT status, auth_event_at FROM authorizers "
                "WHERE component_appid = ? AND authorizer_appid = ?",
                (component_appid, authorizer_appid),
            ).fetchone()
            if found is None or (event_at and event_at < found[1]):
                return False
            if found[0] != "revoked":
                conn.execute(
                    "UPDATE authorizers SET status = 'revoked', revoked_at = ?, updated_at = ? "
                    "WHERE component_appid = ? AND authorizer_appid = ?",
                    (now, now, component_appid, authorizer_appid),
                )
            if event_at:
                conn.execute(
                    "UPDATE authorizers SET auth_event_at = ? "
                    "WHERE component_appid = ? AND authorizer_appid = ?",
                    (event_at, component_appid, authorizer_appid),
                )
            return True

        return self._write(body)

    def _delete_authorizer(self, a: _args.DeleteAuthorizer) -> bool:
        """Remove the record; False if there is none."""
        component_appid, authorizer_appid = a

        return self._update(
            "DELETE FROM authorizers WHERE component_appid = ? AND authorizer_appid = ?",
            lambda now: (component_appid, authorizer_appid), durable=True,
        )

    def _set_authorizer_tenant(self, a: _args.SetAuthorizerTenant) -> bool:
        component_appid, authorizer_appid, tenant = a

        return self._update(
            "UPDATE authorizers SET tenant = ?, updated_at = ? "
            "WHERE component_appid = ? AND authorizer_appid = ?",
            lambda now: (tenant, now, component_appid, authorizer_appid), durable=True,
        )

    def _set_authorizer_name(self, a: _args.SetAuthorizerName) -> bool:
        component_appid, authorizer_appid, name, account_type = a
        key = None if name is None else name_key(name)
        return self._update(
            "UPDATE authorizers SET name = ?, name_key = ?, "
            "account_type = COALESCE(?, account_type) "
            "WHERE component_appid = ? AND authorizer_appid = ?",
            lambda now: (name, key, account_type, component_appid, authorizer_appid),
            durable=False,
        )

    def _search_authorizers(self, a: _args.SearchAuthorizers) -> list[AuthorizerRecord]:
        """Records whose name starts with ``prefix`` (by :func:`name_key`), in name order."""
        component_appid, prefix, after, limit = a
        start = name_key(prefix)
        sql = (
            f"SELECT {RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND name_key >= ? AND name_key < ?"
        )
        params: list[object] = [component_appid, start, start + LAST_CHAR]
        if after is not None:
            sql += " AND (name_key, authorizer_appid) > (?, ?)"
            params += list(after)
        sql += " ORDER BY name_key, authorizer_appid LIMIT ?"
        params.append(limit)
        return [self._decode(row) for row in self._read(sql, tuple(params))]

    def _schedule_refresh(self, a: _args.ScheduleRefresh) -> bool:
        component_appid, authorizer_appid, at = a
        return self._update(
            "UPDATE authorizers SET refresh_at = ? "
            "WHERE component_appid = ? AND authorizer_appid = ?",
            lambda now: (at, component_appid, authorizer_appid), durable=False,
        )

    def _due_authorizers(self, a: _args.DueAuthorizers) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the schedule's index."""
        component_appid, before, limit = a
        rows = self._read(
            f"SELECT {RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND status = 'authorized' AND refresh_at <= ? "
            "ORDER BY refresh_at, authorizer_appid LIMIT ?",
            (component_appid, before, limit),
        )
        return [self._decode(row) for row in rows]

    def _update(self, sql: str, params: Callable[[float], tuple[object, ...]], *,
                durable: bool) -> bool:
        """One statement that changes a record (``params(now)`` its parameters); True if it
        did. A name or a schedule holds no credential: it commits with ``synchronous=NORMAL``
        (``durable=False``: a crash of the machine may lose it; the record stays)."""

        def body(conn: sqlite3.Connection, now: float) -> bool:
            return conn.execute(sql, params(now)).rowcount == 1

        return self._write(body, durable=durable)


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
