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
and as many leases past their end, read through indexes on those times (schema version 5).
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

import contextlib
import itertools
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from ..errors import InvalidArgument, StoreCorrupt, StoreError, StoreUnavailable
from . import _validate as valid
from ._aio import ThreadedAsyncStore
from ._sql_queue import SQLITE, Result, SqlOp, SqlQueue
from .base import (
    ACCOUNT_TYPES,
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Ticket,
    name_key,
)

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "SCHEMA_VERSION", "AsyncSQLiteStore", "SQLiteStore"]

T = TypeVar("T")
P = ParamSpec("P")

#: Migrations, in order: (version, statements). Append; never edit a released one.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE tickets (
                component_appid TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                received_at REAL NOT NULL
            )""",
            """CREATE TABLE authorizers (
                component_appid TEXT NOT NULL,
                authorizer_appid TEXT NOT NULL,
                refresh_token TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('authorized', 'revoked')),
                func_info TEXT NOT NULL,
                authorized_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                revoked_at REAL,
                PRIMARY KEY (component_appid, authorizer_appid)
            )""",
            """CREATE INDEX authorizers_by_status
                ON authorizers (component_appid, status, authorizer_appid)""",
            """CREATE TABLE tokens (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                expires_at REAL NOT NULL,
                obtained_at REAL NOT NULL
            )""",
            """CREATE TABLE leases (
                key TEXT PRIMARY KEY,
                fence INTEGER NOT NULL,
                held_until REAL NOT NULL
            )""",
        ),
    ),
    (
        2,
        (
            # The customer of the platform whose authorization link brought the account.
            "ALTER TABLE authorizers ADD COLUMN tenant TEXT",
        ),
    ),
    (
        3,
        (
            # The job queue (see _sql_queue for the model).
            """CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                component_appid TEXT NOT NULL,
                topic TEXT NOT NULL,
                grp TEXT NOT NULL,
                payload BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
                attempts INTEGER NOT NULL,
                available_at REAL NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                last_error TEXT NOT NULL,
                job_key TEXT,
                claim INTEGER,
                claimed_until REAL
            )""",
            """CREATE UNIQUE INDEX jobs_by_key ON jobs (component_appid, topic, job_key)
                WHERE job_key IS NOT NULL""",
            """CREATE INDEX jobs_pending_by_group ON jobs (component_appid, topic, grp, id)
                WHERE state = 'pending'""",
            "CREATE INDEX jobs_by_platform ON jobs (component_appid, id)",
            "CREATE INDEX jobs_by_topic ON jobs (component_appid, topic, id)",
            "CREATE INDEX jobs_by_state ON jobs (component_appid, state, id)",
            "CREATE INDEX jobs_by_topic_state ON jobs (component_appid, topic, state, id)",
            "CREATE INDEX jobs_by_age ON jobs (component_appid, topic, state, updated_at)",
            """CREATE TABLE job_groups (
                component_appid TEXT NOT NULL,
                topic TEXT NOT NULL,
                grp TEXT NOT NULL,
                head INTEGER NOT NULL,
                flight INTEGER,
                ready_at REAL NOT NULL,
                PRIMARY KEY (component_appid, topic, grp)
            )""",
            "CREATE INDEX job_groups_by_ready ON job_groups (component_appid, topic, ready_at)",
            """CREATE TABLE job_fences (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value INTEGER NOT NULL
            )""",
            "INSERT INTO job_fences (id, value) VALUES (1, 0)",
        ),
    ),
    (
        4,
        (
            # The account's name, and its key for searching (base.name_key).
            "ALTER TABLE authorizers ADD COLUMN name TEXT",
            "ALTER TABLE authorizers ADD COLUMN name_key TEXT",
            """CREATE INDEX authorizers_by_name
                ON authorizers (component_appid, name_key, authorizer_appid)
                WHERE name_key IS NOT NULL""",
            # The refresh schedule: the refresher reads only what is due.
            "ALTER TABLE authorizers ADD COLUMN refresh_at REAL NOT NULL DEFAULT 0",
            """CREATE INDEX authorizers_by_refresh_at
                ON authorizers (component_appid, status, refresh_at, authorizer_appid)""",
        ),
    ),
    (
        5,
        (
            # One counter of lease fences for the whole store, started above every fence
            # granted so far: an expired lease row can then be deleted, and its key granted
            # again later, without a fence ever coming back.
            """CREATE TABLE lease_fences (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value INTEGER NOT NULL
            )""",
            "INSERT INTO lease_fences (id, value) SELECT 1, COALESCE(MAX(fence), 0) FROM leases",
            # The purge of expired tokens and leases reads only the rows it deletes.
            "CREATE INDEX tokens_by_expiry ON tokens (expires_at)",
            "CREATE INDEX leases_by_expiry ON leases (held_until)",
        ),
    ),
    (
        6,
        (
            # What kind of account it is, kept with its name.
            "ALTER TABLE authorizers ADD COLUMN account_type TEXT",
            # The CreateTime of the latest authorization change applied to the record.
            "ALTER TABLE authorizers ADD COLUMN auth_event_at INTEGER NOT NULL DEFAULT 0",
        ),
    ),
)

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1][0]

_RECORD_COLUMNS = (
    "component_appid, authorizer_appid, refresh_token, status, func_info, "
    "authorized_at, updated_at, revoked_at, tenant, name, refresh_at, account_type, "
    "auth_event_at"
)
#: The end of every name key that starts with a prefix (no name holds U+10FFFF).
_LAST_CHAR = "\U0010ffff"
_GET_TOKEN = "SELECT value, expires_at, obtained_at FROM tokens WHERE key = ?"
_HOLDS = "SELECT 1 FROM leases WHERE key = ? AND fence = ? AND held_until > ?"
_LEASE_AND_COUNTER = (
    "SELECT f.value, l.fence, l.held_until FROM lease_fences AS f "
    "LEFT JOIN leases AS l ON l.key = ?"
)
#: Every this many token or lease writes of a store, the write also deletes...
PURGE_EVERY = 100
#: ...at most this many expired tokens and as many expired leases (through the expiry indexes).
PURGE_BATCH = 200
_PURGE_TOKENS = (
    "DELETE FROM tokens WHERE rowid IN (SELECT rowid FROM tokens WHERE expires_at < ? LIMIT ?)"
)
_EXPIRED_LEASES = "SELECT rowid, fence FROM leases WHERE held_until < ? LIMIT ?"

# Words in sqlite3.OperationalError messages that mean "cannot get at the file right now".
_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "read-only", "full")


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (for :meth:`SQLiteStore.close`), and that
    remembers its ``synchronous`` level and busy timeout."""

    synchronous = "FULL"
    busy_ms = -1


class _WouldWait(Exception):
    """A call made with :meth:`SQLiteStore._no_wait` would wait (for a lock, or for an fsync);
    nothing was written."""


# Stores whose connections must not be used by a forked child.
_LIVE_STORES: weakref.WeakSet[SQLiteStore] = weakref.WeakSet()


def _after_fork() -> None:
    for store in list(_LIVE_STORES):
        store._forget_connections()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


_QUEUE = SqlQueue(SQLITE)


def _perform(conn: sqlite3.Connection, op: SqlOp[T]) -> T:
    """Run every statement of ``op`` on ``conn``, handing each result back."""
    reply: Result | None = None
    while True:
        try:
            step = op.send(reply)  # type: ignore[arg-type]  # None starts the generator
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        cursor = conn.execute(step.text, step.params)
        rows = cursor.fetchall() if cursor.description else []
        reply = Result(rows, cursor.rowcount, cursor.lastrowid)


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


class SQLiteStore:
    """The :class:`~wxcomponent.stores.base.Store` protocol over one SQLite file.

    ``path`` is the database file (created on first use; its directory must exist).
    ``clock`` (epoch seconds) decides expiry of tokens and leases: every process sharing the
    file must use the same clock. ``busy_timeout`` is how long a call waits for another
    process's write before giving up with :class:`~wxcomponent.errors.StoreUnavailable`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 10.0,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidArgument("path", f"must be a str or a path, not {type(path).__name__}")
        text = os.fspath(path)
        if not isinstance(text, str) or not text or text == ":memory:" or "\x00" in text:
            raise InvalidArgument("path", "must name a database file (use MemoryStore for memory)")
        if not (isinstance(busy_timeout, (int, float)) and busy_timeout >= 0):
            raise InvalidArgument("busy_timeout", "must be a non-negative number")
        self._path = Path(text)
        self._clock = clock
        self._busy_timeout = float(busy_timeout)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._write_turn = threading.Lock()
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._schema_ready = False
        self._closed = False
        self._writes = itertools.count(1)  # token and lease writes, toward the next purge
        self._behind = False  # the last purge left expired rows: the next write purges too
        _LIVE_STORES.add(self)

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

    # ------------------------------------------------------------------ connections

    def _forget_connections(self) -> None:
        # After fork: never touch the parent's connections; open new ones on demand.
        self._local = threading.local()
        self._connections = weakref.WeakSet()

    def _conn(self) -> sqlite3.Connection:
        try:
            conn: sqlite3.Connection = self._local.conn
            return conn
        except AttributeError:
            return self._open()

    def _open(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"{self} is closed")
        if not self._schema_ready and getattr(self._local, "no_wait", False):
            raise _WouldWait()  # creating or upgrading the schema commits with FULL
        try:
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                factory=_Connection,
            )
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            conn.execute("PRAGMA synchronous = FULL")
            with self._lock:
                if not self._schema_ready:
                    self._migrate(conn)
                    self._schema_ready = True
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._translate(exc) from exc
            raise
        assert isinstance(conn, _Connection)
        with self._lock:
            self._connections.add(conn)
        self._local.conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreUnavailable(f"{self._path}: cannot switch the database to WAL mode")
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {
                str(row[0])
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not str(row[0]).startswith("sqlite_")
            }
            if "schema_version" in tables:
                found = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
                version = int(found[0]) if found and found[0] is not None else 0
                if version > SCHEMA_VERSION:
                    raise StoreCorrupt(
                        f"{self._path} was written by schema version {version}; this version "
                        f"of wxcomponent reads schema version {SCHEMA_VERSION} at most: "
                        "upgrade wxcomponent"
                    )
            elif tables:
                raise StoreCorrupt(
                    f"{self._path} is a SQLite database of something else (tables: "
                    f"{', '.join(sorted(tables)[:5])}); give wxcomponent its own file"
                )
            else:
                conn.execute(
                    "CREATE TABLE schema_version "
                    "(version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
                )
                version = 0
            for number, statements in MIGRATIONS:
                if number > version:
                    for statement in statements:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                        (number, time.time()),
                    )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        if isinstance(exc, sqlite3.ProgrammingError):  # e.g. a connection closed meanwhile
            return StoreError(f"{self._path}: {exc}")
        message = str(exc).lower()
        if isinstance(exc, sqlite3.OperationalError) and any(w in message for w in _UNAVAILABLE):
            return StoreUnavailable(f"{self._path}: {exc}")
        return StoreCorrupt(f"{self._path} is not a usable wxcomponent store: {exc}")

    @contextlib.contextmanager
    def _no_wait(self) -> Iterator[None]:
        """Within this block, this thread's calls raise :class:`_WouldWait` instead of waiting:
        for a lock (another thread's or process's write), or for the disk (a ``FULL`` commit,
        the first call that creates the schema, :meth:`close`). The async store runs calls
        inline this way and sends those that would wait to its worker threads."""
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = False

    def _waiting(self, conn: sqlite3.Connection) -> bool:
        """Set the connection's busy timeout for this call; True if it may wait."""
        may_wait = not getattr(self._local, "no_wait", False)
        wanted = int(self._busy_timeout * 1000) if may_wait else 0
        if isinstance(conn, _Connection) and conn.busy_ms != wanted:
            conn.execute(f"PRAGMA busy_timeout = {wanted}")
            conn.busy_ms = wanted
        return may_wait

    def _failed(self, exc: sqlite3.Error, may_wait: bool) -> Exception:
        if not may_wait and isinstance(exc, sqlite3.OperationalError) and any(
            word in str(exc).lower() for word in ("locked", "busy")
        ):
            return _WouldWait()
        return self._translate(exc)

    def _read(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        conn = self._conn()
        may_wait = True
        try:
            may_wait = self._waiting(conn)
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failed(exc, may_wait) from exc

    def _write(self, body: Callable[[sqlite3.Connection, float], T], *,
               durable: bool = True) -> T:
        """Run ``body(conn, now)`` in a ``BEGIN IMMEDIATE`` transaction.

        Authorizer records (refresh tokens) commit with ``synchronous=FULL``: on disk before
        the call returns. Tokens, leases and verify tickets commit with ``NORMAL``, which in
        WAL mode skips the fsync: they survive a crash of the process, and at worst a power cut
        loses the last cached token or lease (fetched or expired again) or the last ticket
        (the one before stays valid for 12 hours, and WeChat pushes a new one every 10
        minutes). The next ``FULL`` commit syncs the log with everything before it. This
        keeps an fsync off every push.

        Under :meth:`_no_wait`, a ``FULL`` commit raises :class:`_WouldWait` before touching
        the file, so that the async store makes it on a worker thread.
        """
        no_wait = getattr(self._local, "no_wait", False)
        if durable and no_wait:
            raise _WouldWait()
        conn = self._conn()
        level = "FULL" if durable else "NORMAL"
        # Threads of this process take turns here: a Python lock hands over at once, where
        # SQLite's busy handler would make the others sleep and poll for the write lock.
        if no_wait:
            if not self._write_turn.acquire(blocking=False):
                raise _WouldWait()
        else:
            self._write_turn.acquire()
        try:
            return self._write_locked(conn, body, level)
        finally:
            self._write_turn.release()

    def _write_locked(self, conn: sqlite3.Connection,
                      body: Callable[[sqlite3.Connection, float], T], level: str) -> T:
        may_wait = True
        try:
            may_wait = self._waiting(conn)
            if isinstance(conn, _Connection) and conn.synchronous != level:
                conn.execute(f"PRAGMA synchronous = {level}")
                conn.synchronous = level
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn, self._clock())
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._failed(exc, may_wait) from exc
        return result

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        valid.ticket_args(component_appid, ticket, created_at)

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

        return self._write(body, durable=False)

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        valid.check_appid("component_appid", component_appid)
        rows = self._read(
            "SELECT value, created_at, received_at FROM tickets WHERE component_appid = ?",
            (component_appid,),
        )
        if not rows:
            return None
        value, created_at, received_at = rows[0]
        return Ticket(component_appid, str(value), int(created_at), float(received_at))  # type: ignore[call-overload, arg-type]

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid``; True when written.

        A record whose ``tenant``, ``name`` or ``account_type`` is None keeps the one already
        stored, one whose ``refresh_at`` is 0 keeps the stored schedule, and one whose
        ``auth_event_at`` is 0 the stored time; one whose ``auth_event_at`` is older than the
        stored one is not written.
        """
        record = valid.check_record(record)
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
            cursor = conn.execute(
                f"INSERT INTO authorizers ({_RECORD_COLUMNS}, name_key) "  # noqa: S608 (constant)
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (component_appid, authorizer_appid) DO UPDATE SET "
                "refresh_token = excluded.refresh_token, status = excluded.status, "
                "func_info = excluded.func_info, authorized_at = excluded.authorized_at, "
                "updated_at = excluded.updated_at, revoked_at = excluded.revoked_at, "
                "tenant = COALESCE(excluded.tenant, authorizers.tenant), "
                "name = COALESCE(excluded.name, authorizers.name), "
                "name_key = COALESCE(excluded.name_key, authorizers.name_key), "
                "account_type = COALESCE(excluded.account_type, authorizers.account_type), "
                "refresh_at = CASE WHEN excluded.refresh_at = 0 THEN authorizers.refresh_at "
                "ELSE excluded.refresh_at END, "
                "auth_event_at = MAX(excluded.auth_event_at, authorizers.auth_event_at) "
                "WHERE excluded.auth_event_at = 0 "
                "OR excluded.auth_event_at >= authorizers.auth_event_at",
                values,
            )
            return cursor.rowcount == 1

        return self._write(body)

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        valid.authorizer_args(component_appid, authorizer_appid)
        rows = self._read(
            f"SELECT {_RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND authorizer_appid = ?",
            (component_appid, authorizer_appid),
        )
        return self._decode(rows[0]) if rows else None

    def _decode(self, row: tuple[object, ...]) -> AuthorizerRecord:
        try:
            return _record(row)
        except (TypeError, ValueError) as exc:
            raise StoreCorrupt(f"{self._path}: unreadable authorizer record") from exc

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
        sql = f"SELECT {_RECORD_COLUMNS} FROM authorizers WHERE component_appid = ?"  # noqa: S608
        params: list[object] = [component_appid]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        if after is not None:
            sql += " AND authorizer_appid > ?"
            params.append(after)
        sql += " ORDER BY authorizer_appid LIMIT ?"
        params.append(limit)
        return [self._decode(row) for row in self._read(sql, tuple(params))]

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        valid.count_args(component_appid, status)
        if status is None:
            rows = self._read(
                "SELECT COUNT(*) FROM authorizers WHERE component_appid = ?", (component_appid,)
            )
        else:
            rows = self._read(
                "SELECT COUNT(*) FROM authorizers WHERE component_appid = ? AND status = ?",
                (component_appid, status),
            )
        count = rows[0][0]
        assert isinstance(count, int)
        return count

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        valid.replace_args(component_appid, authorizer_appid, expected, new)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE authorizers SET refresh_token = ?, updated_at = ? "
                "WHERE component_appid = ? AND authorizer_appid = ? "
                "AND (? IS NULL OR refresh_token = ?)",
                (new, now, component_appid, authorizer_appid, expected, expected),
            )
            return cursor.rowcount == 1

        return self._write(body)

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        valid.revoke_args(component_appid, authorizer_appid, event_at)

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

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        valid.authorizer_args(component_appid, authorizer_appid)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "DELETE FROM authorizers WHERE component_appid = ? AND authorizer_appid = ?",
                (component_appid, authorizer_appid),
            )
            return cursor.rowcount == 1

        return self._write(body)

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        valid.tenant_args(component_appid, authorizer_appid, tenant)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE authorizers SET tenant = ?, updated_at = ? "
                "WHERE component_appid = ? AND authorizer_appid = ?",
                (tenant, now, component_appid, authorizer_appid),
            )
            return cursor.rowcount == 1

        return self._write(body)

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its account type when
        given; False if there is no record."""
        valid.name_args(component_appid, authorizer_appid, name, account_type)
        key = None if name is None else name_key(name)
        return self._update(
            "UPDATE authorizers SET name = ?, name_key = ?, "
            "account_type = COALESCE(?, account_type) "
            "WHERE component_appid = ? AND authorizer_appid = ?",
            (name, key, account_type, component_appid, authorizer_appid),
        )

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
        start = name_key(prefix)
        sql = (
            f"SELECT {_RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND name_key >= ? AND name_key < ?"
        )
        params: list[object] = [component_appid, start, start + _LAST_CHAR]
        if after is not None:
            sql += " AND (name_key, authorizer_appid) > (?, ?)"
            params += list(after)
        sql += " ORDER BY name_key, authorizer_appid LIMIT ?"
        params.append(limit)
        return [self._decode(row) for row in self._read(sql, tuple(params))]

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record."""
        at = valid.schedule_args(component_appid, authorizer_appid, at)
        return self._update(
            "UPDATE authorizers SET refresh_at = ? "
            "WHERE component_appid = ? AND authorizer_appid = ?",
            (at, component_appid, authorizer_appid),
        )

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the schedule's index."""
        before = valid.due_args(component_appid, before, limit)
        rows = self._read(
            f"SELECT {_RECORD_COLUMNS} FROM authorizers "  # noqa: S608 (constant)
            "WHERE component_appid = ? AND status = 'authorized' AND refresh_at <= ? "
            "ORDER BY refresh_at, authorizer_appid LIMIT ?",
            (component_appid, before, limit),
        )
        return [self._decode(row) for row in rows]

    def _update(self, sql: str, params: tuple[object, ...]) -> bool:
        """One UPDATE of a record's name or schedule: neither holds a credential, so it commits
        with ``synchronous=NORMAL`` (a crash of the machine may lose it; the record stays)."""

        def body(conn: sqlite3.Connection, now: float) -> bool:
            return conn.execute(sql, params).rowcount == 1

        return self._write(body, durable=False)

    # ------------------------------------------------------------------ jobs

    def _queue_read(self, op: SqlOp[T]) -> T:
        conn = self._conn()
        may_wait = True
        try:
            may_wait = self._waiting(conn)
            return _perform(conn, op)
        except sqlite3.Error as exc:
            raise self._failed(exc, may_wait) from exc
        except (TypeError, ValueError) as exc:
            raise StoreCorrupt(f"{self._path}: unreadable job") from exc

    def _queue_write(self, make: Callable[[float], SqlOp[T]], *, durable: bool) -> T:
        """Run the operation ``make(now)`` in one write transaction."""
        return self._write(lambda conn, now: _perform(conn, make(now)), durable=durable)

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
        """Add a pending job, committed with ``synchronous=FULL``; returns its id."""
        data = valid.enqueue_args(component_appid, topic, group, payload, available_at, key)
        when = None if available_at is None else float(available_at)
        return self._queue_write(
            lambda now: _QUEUE.enqueue(component_appid, topic, group, data, when, key, now),
            durable=True,
        )

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        lease = valid.claim_args(component_appid, topic, limit, lease)
        return self._queue_write(
            lambda now: _QUEUE.claim(component_appid, topic, limit, lease, now), durable=False
        )

    def _settle(self, job_id: int, claim: int, state: JobState, error: str | None,
                available_at: float | None = None) -> bool:
        return self._queue_write(
            lambda now: _QUEUE.settle(job_id, claim, state, error, available_at, now),
            durable=False,
        )

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
        return self._queue_read(_QUEUE.get_job(job_id))

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
        return self._queue_read(_QUEUE.list_jobs(component_appid, topic, state, after, limit))

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job (committed with ``synchronous=FULL``)."""
        valid.check_job_id(job_id)
        when = valid.check_time("available_at", available_at, optional=True)
        return self._queue_write(lambda now: _QUEUE.requeue(job_id, when, now), durable=True)

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        valid.check_appid("component_appid", component_appid)
        valid.check_name("topic", topic, optional=True)
        return self._queue_read(_QUEUE.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """Delete the jobs of ``topic`` in ``state`` last updated before ``before``."""
        before = valid.purge_args(component_appid, topic, state, before)
        return self._queue_write(
            lambda now: _QUEUE.purge(component_appid, topic, state, before, now), durable=False
        )

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        valid.find_job_args(component_appid, topic, key)
        return self._queue_read(_QUEUE.find_job(component_appid, topic, key))

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands (committed with
        ``synchronous=FULL``); see :meth:`Store.restore_job`."""
        checked = valid.restore_args(job, renumber)
        return self._queue_write(lambda now: _QUEUE.restore(checked, renumber, now),
                                 durable=True)

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        through = valid.check_through(through)
        if through == 0:
            return self._queue_read(_QUEUE.reserve_ids(0))
        return self._queue_write(lambda now: _QUEUE.reserve_ids(through), durable=True)

    # ------------------------------------------------------------------ tokens

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        valid.check_key(key)
        try:
            try:
                conn: sqlite3.Connection = self._local.conn
            except AttributeError:
                conn = self._open()
            row = conn.execute(_GET_TOKEN, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        valid.set_token_args(key, token, fence)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            if fence is not None and conn.execute(_HOLDS, (key, fence, now)).fetchone() is None:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO tokens (key, value, expires_at, obtained_at) "
                "VALUES (?, ?, ?, ?)",
                (key, token.value, float(token.expires_at), float(token.obtained_at)),
            )
            self._purge_if_due(conn, now)
            return True

        return self._write(body, durable=False)

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        valid.delete_token_args(key, if_value)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            found = conn.execute(
                "SELECT value, expires_at FROM tokens WHERE key = ?", (key,)
            ).fetchone()
            if found is None or (if_value is not None and found[0] != if_value):
                return False
            conn.execute("DELETE FROM tokens WHERE key = ?", (key,))
            return bool(now < found[1])

        return self._write(body, durable=False)

    # ------------------------------------------------------------------ leases

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        ttl = valid.lease_args(key, ttl)
        # A plain read first: while the lease is held, waiters never queue for the write lock.
        held = self._read("SELECT held_until FROM leases WHERE key = ?", (key,))
        if held and self._clock() < held[0][0]:  # type: ignore[operator]
            return None

        def body(conn: sqlite3.Connection, now: float) -> int | None:
            # The floor of fences (above every fence of a deleted row), and the key's row if
            # any (one statement). A key with a row goes on from its fence; a key without one
            # starts above the floor: either way above every fence it was ever granted.
            floor, previous, until = conn.execute(_LEASE_AND_COUNTER, (key,)).fetchone()
            if until is not None and now < until:
                return None
            fence = max(int(floor), 0 if previous is None else int(previous)) + 1
            conn.execute(
                "INSERT OR REPLACE INTO leases (key, fence, held_until) VALUES (?, ?, ?)",
                (key, fence, now + ttl),
            )
            self._purge_if_due(conn, now)
            return fence

        return self._write(body, durable=False)

    def _purge_if_due(self, conn: sqlite3.Connection, now: float) -> None:
        """Count a token or lease write; every :data:`PURGE_EVERY` of them, delete (in the
        write's transaction) up to :data:`PURGE_BATCH` tokens past ``expires_at`` and as many
        leases past ``held_until``: a lease is deleted only once it has expired, and its key's
        next grant still gets a larger fence (from the store's counter).

        The batch is small (about a millisecond), so the purge runs where the write runs, the
        event loop included: sending it to a worker thread made the writes that met its lock
        follow it there, and cost the async service two thirds of its pushes. A purge that
        found a full batch leaves a backlog (rows of a version before purges, a burst): the
        next writes purge too, until one finds less than a batch."""
        due = next(self._writes) % PURGE_EVERY == 0
        if due or self._behind:
            gone = conn.execute(_PURGE_TOKENS, (now, PURGE_BATCH)).rowcount
            expired = conn.execute(_EXPIRED_LEASES, (now, PURGE_BATCH)).fetchall()
            if expired:
                # The floor rises to the highest fence deleted, so no fence comes back.
                conn.execute("UPDATE lease_fences SET value = MAX(value, ?)",
                             (max(int(fence) for _, fence in expired),))
                conn.executemany("DELETE FROM leases WHERE rowid = ?",
                                 ((rowid,) for rowid, _ in expired))
            self._behind = gone >= PURGE_BATCH or len(expired) >= PURGE_BATCH

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        valid.release_args(key, fence)

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE leases SET held_until = 0 WHERE key = ? AND fence = ? AND held_until > ?",
                (key, fence, now),
            )
            return cursor.rowcount == 1

        return self._write(body, durable=False)

    def close(self) -> None:
        """Close every connection this store opened; later calls raise :class:`StoreError`."""
        if getattr(self._local, "no_wait", False):
            raise _WouldWait()  # the last connection to close checkpoints the log (fsync)
        with self._lock:
            self._closed = True
            connections = list(self._connections)
            self._connections = weakref.WeakSet()
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


class AsyncSQLiteStore(ThreadedAsyncStore):
    """The asyncio flavour of :class:`SQLiteStore`.

    It drives a :class:`SQLiteStore` (the same code, the same file format), so sync and async
    processes can share one file. Reads and the ticket, token and lease writes run inline on
    the event loop when they meet no lock; the writes that commit with ``synchronous=FULL``
    (authorizer records and refresh tokens), the first call (schema creation), ``close()`` and
    any call that meets a lock run on one of ``max_workers`` worker threads (see the module
    docs).
    """

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
        thread). A call that would commit with ``FULL``, create the schema, close the store
        or wait for a lock stops before writing anything and runs again on a worker thread,
        where it may wait up to the busy timeout."""
        store = self.sync
        try:
            with store._no_wait():
                return fn(*args, **kwargs)
        except _WouldWait:
            return await super()._call(fn, *args, **kwargs)

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
