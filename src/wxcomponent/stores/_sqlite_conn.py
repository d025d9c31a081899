"""The connections of a SQLite store and its write path: one connection per thread, the
schema created or upgraded on first use, errors translated, and every write one transaction
(``BEGIN IMMEDIATE``) that commits with ``synchronous`` ``FULL`` or ``NORMAL`` as asked,
or stops before writing when the caller must not wait (:class:`_WouldWait`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from ..errors import InvalidArgument, StoreCorrupt, StoreError, StoreUnavailable
from ._purge import Purge
from ._sql_queue import Result, SqlOp
from ._sqlite_schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
)

T = TypeVar("T")
P = ParamSpec("P")

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
_LIVE_STORES: weakref.WeakSet[_SQLiteFile] = weakref.WeakSet()


def _after_fork() -> None:
    for store in list(_LIVE_STORES):
        store._forget_connections()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


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


class _SQLiteFile:
    """One SQLite file: its connections and its write path, what the store's operations
    run on."""

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
        self._purge = Purge()  # counts token and lease writes, toward the next purge
        _LIVE_STORES.add(self)


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

    def _try_now(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on this thread without waiting: its calls raise :class:`_WouldWait`
        instead of waiting for a lock (another thread's or process's write) or for the disk
        (a ``FULL`` commit, the first call that creates the schema, :meth:`close`). The async
        store runs calls inline this way and sends those that would wait to its worker
        threads. (Plain code rather than a context manager: it runs on every inline call.)"""
        local = self._local
        local.no_wait = True
        try:
            return fn(*args, **kwargs)
        finally:
            local.no_wait = False

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

    def _read_op(self, op: SqlOp[T], what: str) -> T:
        """Run the statements of a reading ``op`` (see :mod:`._sql_queue`); a row that does
        not decode is a :class:`StoreCorrupt` naming ``what`` it held."""
        conn = self._conn()
        may_wait = True
        try:
            may_wait = self._waiting(conn)
            return _perform(conn, op)
        except sqlite3.Error as exc:
            raise self._failed(exc, may_wait) from exc
        except (TypeError, ValueError) as exc:
            raise StoreCorrupt(f"{self._path}: unreadable {what}") from exc

    def _write(self, body: Callable[[sqlite3.Connection, float], T], *,
               durable: bool = True, single: bool = False) -> T:
        """Run ``body(conn, now)`` in a ``BEGIN IMMEDIATE`` transaction.

        Authorizer records (refresh tokens) commit with ``synchronous=FULL``: on disk before
        the call returns. Tokens, leases and verify tickets commit with ``NORMAL``, which in
        WAL mode skips the fsync: they survive a crash of the process, and at worst a power cut
        loses the last cached token or lease (fetched or expired again) or the last ticket
        (the one before stays valid for 12 hours, and WeChat pushes a new one every 10
        minutes). The next ``FULL`` commit syncs the log with everything before it. This
        keeps an fsync off every push.

        With ``single``, ``body`` runs one statement and nothing else: SQLite makes it a
        transaction of its own (taking the write lock as ``BEGIN IMMEDIATE`` would), which
        spares the two statements that open and commit one.

        Under :meth:`_no_wait`, a ``FULL`` commit raises :class:`_WouldWait` before touching
        the file, so that the async store makes it on a worker thread.
        """
        no_wait = getattr(self._local, "no_wait", False)
        if durable and no_wait:
            raise _WouldWait()
        grouped = getattr(self._local, "group", None)
        if grouped is not None:  # within a group's transaction (see _run_group)
            return body(grouped, self._clock())
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
            return self._write_locked(conn, body, level, single)
        finally:
            self._write_turn.release()

    def _write_locked(self, conn: sqlite3.Connection,
                      body: Callable[[sqlite3.Connection, float], T], level: str,
                      single: bool = False) -> T:
        may_wait = True
        try:
            may_wait = self._waiting(conn)
            if isinstance(conn, _Connection) and conn.synchronous != level:
                conn.execute(f"PRAGMA synchronous = {level}")
                conn.synchronous = level
            if single:
                return body(conn, self._clock())
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

    def _run_group(self, calls: list[Callable[[], object]]) -> list[tuple[bool, object]]:
        """Run ``calls`` (store operations, each with its arguments) in one write
        transaction committed once with ``synchronous=FULL``: (True, result) or (False,
        exception) for each, in order. Each call runs in a savepoint of its own, so one that
        fails leaves no trace and the others go on; when the commit fails, every call fails
        with its error and nothing is written. This is the group commit of
        :class:`~.sqlite.AsyncSQLiteStore`: the writes that wait for the disk share one."""

        def body(conn: sqlite3.Connection, _now: float) -> list[tuple[bool, object]]:
            outcomes: list[tuple[bool, object]] = []
            self._local.group = conn  # each call's writes join this transaction
            try:
                for call in calls:
                    conn.execute("SAVEPOINT wx_call")
                    try:
                        outcomes.append((True, call()))
                    except Exception as exc:  # this call only: the others go on
                        conn.execute("ROLLBACK TO wx_call")
                        outcomes.append((False, exc))
                    conn.execute("RELEASE wx_call")
            finally:
                self._local.group = None
            return outcomes

        return self._write(body, durable=True)

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

