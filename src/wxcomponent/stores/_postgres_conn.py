"""What the PostgreSQL stores share: their settings and DSN, the arguments and error rules of
:class:`_Base`, and each call's deadline (``_Guard`` cuts a connection off when its call
overruns, fired by one watchdog thread for blocking calls and by the event loop for async ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import logging
import math
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..errors import (
    ConfigurationError,
    InvalidArgument,
    StoreCorrupt,
    StoreError,
    StoreUnavailable,
)
from ._postgres_ops import PgOps
from ._purge import Purge

T = TypeVar("T")
log = logging.getLogger("wxcomponent.stores")

#: Seconds a call may take by default, all included (see :class:`PostgresStore`): short
#: enough that a push the store cannot serve is answered 503 before WeChat gives up (5 s).
TIMEOUT = 2.5
#: Seconds to open a connection by default (libpq's ``connect_timeout``; 2 is its floor).
CONNECT_TIMEOUT = 2
#: Creating or upgrading the schema may wait for another process doing it: its own deadline.
_SETUP_TIMEOUT = 30.0

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


#: Query parameters of a URL DSN that are the store's own, not libpq's.
_OWN_OPTIONS = ("schema", "timeout")


def _split_options(dsn: str) -> tuple[str, dict[str, str]]:
    """A URL DSN without the store's own query parameters (``schema=``, ``timeout=``), and
    those parameters (the last of each)."""
    if "://" not in dsn:
        return dsn, {}
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query, keep_blank_values=True)
    own = {k: v for k, v in query if k in _OWN_OPTIONS}
    rest = urlencode([(k, v) for k, v in query if k not in _OWN_OPTIONS])
    return urlunsplit(parts._replace(query=rest)), own


def _timeout_of(given: object, from_url: str | None) -> float:
    """The call deadline: the argument, else the URL's ``timeout=``, else :data:`TIMEOUT`."""
    if given is None and from_url is not None:
        try:
            given = float(from_url)
        except ValueError:
            raise InvalidArgument("timeout", "must be a positive number of seconds") from None
    seconds = float(_positive("timeout", TIMEOUT if given is None else given))
    if not math.isfinite(seconds):
        raise InvalidArgument("timeout", "must be a positive number of seconds")
    return seconds


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
        schema: str | None = None,
        clock: Callable[[], float] = time.time,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float | None = None,
    ) -> None:
        dsn, own = _split_options(_check_dsn(dsn))
        self._schema = _check_schema(schema or own.get("schema") or "wxcomponent")
        self._dsn = dsn
        self._where = redact_dsn(dsn)
        try:
            from psycopg.conninfo import conninfo_to_dict

            params = conninfo_to_dict(dsn)
        except ImportError as exc:
            raise ImportError(
                "the PostgreSQL stores need psycopg: pip install 'wxcomponent[postgres]'"
            ) from exc
        except Exception as exc:
            raise ConfigurationError("dsn", f"is not a PostgreSQL DSN ({self._where})") from exc
        password = params.get("password")
        self._password = None if password is None else str(password)
        self._clock = clock
        self._min_size = _positive("min_size", min_size, integer=True)
        self._max_size = _positive("max_size", max_size, integer=True)
        if self._max_size < self._min_size:
            raise InvalidArgument("max_size", "must be at least min_size")
        self._timeout = _timeout_of(timeout, own.get("timeout"))
        # libpq's connect_timeout, unless the DSN sets its own
        self._connect: dict[str, Any] = {"autocommit": True}
        if params.get("connect_timeout") in (None, ""):
            self._connect["connect_timeout"] = CONNECT_TIMEOUT
        self._ops = PgOps(self._schema)
        self._purge = Purge()  # counts token and lease writes, toward the next purge
        self._ready = False
        self._closed = False
        self._sql: dict[str, str] = {}
        self._made()

    def _made(self) -> None:
        """Make what one flavour needs of its own (the blocking one's locks)."""

    @property
    def schema(self) -> str:
        """The schema holding the tables."""
        return self._schema

    @property
    def timeout(self) -> float:
        """Seconds a call may take, all included, before it fails with
        :class:`~wxcomponent.errors.StoreUnavailable`."""
        return self._timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._where!r}, schema={self._schema!r})"

    def _text(self, sql: str) -> str:
        """``sql`` with psycopg's placeholders."""
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = _PLACEHOLDER.sub("%s", sql)
        return text

    def _configure_sql(self) -> str:
        # The server gives up on a statement when the client would: no work nobody waits for.
        return (f"SELECT set_config('search_path', '\"{self._schema}\"', false), "
                f"set_config('statement_timeout', '{max(1, round(self._timeout * 1000))}', "
                "false)")

    def _budget(self, setup: bool) -> float:
        return max(self._timeout, _SETUP_TIMEOUT) if setup else self._timeout

    @contextlib.contextmanager
    def _call(self, *, setup: bool = False) -> Iterator[tuple[float, float]]:
        """One call's window, for both stores: its budget and when it ends (``monotonic``),
        published to the pool's check of an idle connection; psycopg's and the pool's errors
        raised inside become the store's."""
        budget = self._budget(setup)
        at = time.monotonic() + budget
        ends = _CALL_ENDS.set(at)
        try:
            yield budget, at
        except StoreError:
            raise
        except Exception as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        finally:
            _CALL_ENDS.reset(ends)

    def _translate(self, exc: BaseException) -> BaseException:
        """Map a psycopg or pool error to the store error tree; others come back unchanged."""
        import psycopg
        from psycopg_pool import PoolTimeout, TooManyRequests

        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._password:
            detail = detail.replace(self._password, "***")
        if isinstance(exc, _Overran):
            return StoreUnavailable(
                f"PostgreSQL at {self._where} is unavailable: no answer within "
                f"{exc.budget:g} s"
            )
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

    def _purge_failed(self, exc: StoreError) -> None:
        # The write that asked for the purge goes on: a purge is never the caller's concern,
        # unless the server did not answer it, when the write would only wait as long again.
        if isinstance(exc, StoreUnavailable):
            raise exc
        log.warning("purging expired tokens and leases from %r failed: %s", self, exc)


class _Overran(Exception):
    """A call's connection was cut off at its deadline."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"no answer within {budget:g} s")
        self.budget = budget


#: When the call under way must end (``time.monotonic()``), for the pool's check of an idle
#: connection, which runs inside the call.
_CALL_ENDS: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "wxcomponent_pg_call_ends", default=None)


class _Guard:
    """One connection in use until a deadline: :meth:`fire` at the deadline shuts its socket
    down, so whatever waits on the server gets an error at once instead of waiting for an
    answer that may never come (a server stopped or cut off keeps the connection open). The
    client's own deadline: the server's ``statement_timeout`` cannot help a server that does
    not run."""

    __slots__ = ("_done", "_fd", "_lock", "at", "fired")

    def __init__(self, conn: Any, at: float) -> None:
        self.at = at
        self._fd: int = conn.pgconn.socket
        self._lock = threading.Lock()
        self._done = False
        self.fired = False

    def fire(self) -> None:
        """The deadline came: cut the connection off unless its call already ended."""
        with self._lock:
            if self._done:
                return
            self._done = self.fired = True
            with contextlib.suppress(OSError):
                cut = socket.socket(fileno=os.dup(self._fd))
                try:
                    cut.shutdown(socket.SHUT_RDWR)
                finally:
                    cut.close()

    def end(self) -> bool:
        """The call ended: no cut-off from now on. True if it was cut off (the connection is
        then useless)."""
        with self._lock:
            self._done = True
            return self.fired


class _Watchdog:
    """One thread firing the guards of blocking calls at their deadlines (a timer thread per
    call would cost a thread per call)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Guard]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, guard: _Guard) -> None:
        """Fire ``guard`` at its deadline unless it ends first."""
        with self._cond:
            heapq.heappush(self._heap, (guard.at, next(self._order), guard))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="wxcomponent-pg-deadlines")
                self._thread.start()
            elif self._heap[0][2] is guard:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2]._done:
                        heapq.heappop(self._heap)  # ended in time
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    if wait is not None and wait <= 0:
                        due = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(wait)
            due.fire()

    def _forked(self) -> None:
        self._cond = threading.Condition()
        self._heap = []
        self._thread = None


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG._forked)


@contextlib.contextmanager
def _until(conn: Any, budget: float, at: float,
           schedule: Callable[[_Guard], Callable[[], object]]) -> Iterator[None]:
    """Use ``conn`` until ``at`` (``time.monotonic()``); ``schedule`` arranges the guard's
    firing and returns how to call it off. A connection cut off is closed, so the pool drops
    it, and the call fails with :class:`_Overran` (whatever error the cut-off caused)."""
    guard = _Guard(conn, at)
    call_off = schedule(guard)
    try:
        yield
    except Exception as exc:
        if guard.end():
            raise _Overran(budget) from exc
        raise
    finally:
        call_off()
        if guard.end():
            conn.pgconn.finish()


def _watched(guard: _Guard) -> Callable[[], object]:
    _WATCHDOG.watch(guard)
    return lambda: None  # the guard's end is enough


def _on_loop(guard: _Guard) -> Callable[[], object]:
    loop = asyncio.get_running_loop()
    return loop.call_later(max(0.0, guard.at - time.monotonic()), guard.fire).cancel


#: A pooled connection not taken from the pool for longer than this is checked (one empty round
#: trip) before use, so a connection the server dropped meanwhile (a restart, a failover) is
#: replaced, not failed on.
_CHECK_AFTER_IDLE = 1.0
_USED = "_wxcomponent_used"


def _idle_for(conn: Any) -> float:
    return time.monotonic() - float(getattr(conn, _USED, 0.0))


def _used(conn: Any) -> None:
    setattr(conn, _USED, time.monotonic())
