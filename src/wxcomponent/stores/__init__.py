"""Where wxcomponent keeps verify tickets, authorizer records (with their refresh tokens),
cached tokens, leases and the durable job queue.

One protocol (:class:`Store`, and :class:`AsyncStore` for asyncio), four backends, each in a
sync and an async flavour that pass one contract:

* :class:`SQLiteStore` / :class:`AsyncSQLiteStore` — the service's default: one file,
  durable, shared by every process of a host;
* :class:`PostgresStore` / :class:`AsyncPostgresStore` — for fleets: one database every host
  shares, alone or as the durable store beside Redis;
* :class:`RedisStore` / :class:`AsyncRedisStore` — for fleets; give it a ``durable=`` store
  (or run Redis with AOF) so refresh tokens never live only in a cache;
* :class:`MemoryStore` / :class:`AsyncMemoryStore` — for tests and one-process scripts.

Every sync store has an ``aio`` property giving its async flavour over the same data;
:func:`as_async_store` turns any store into an async one (its ``aio`` flavour, or worker
threads for a foreign sync store). :func:`open_store` builds a store from a URL (for
configuration files and the command line).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ..errors import ConfigurationError, InvalidArgument
from ._aio import as_async_store
from .base import (
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    ComplianceRecord,
    Job,
    JobState,
    Store,
    Ticket,
)
from .memory import AsyncMemoryStore, MemoryStore
from .postgres import AsyncPostgresStore, PostgresStore  # imports psycopg only when made
from .redis import AsyncRedisStore, RedisStore  # imports redis-py only when a store is made
from .sqlite import AsyncSQLiteStore, SQLiteStore

__all__ = [
    "AsyncMemoryStore",
    "AsyncPostgresStore",
    "AsyncRedisStore",
    "AsyncSQLiteStore",
    "AsyncStore",
    "AuthorizerRecord",
    "AuthorizerStatus",
    "CachedToken",
    "ComplianceRecord",
    "Job",
    "JobState",
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "Store",
    "Ticket",
    "as_async_store",
    "open_store",
]


def open_store(url: str) -> Store:
    """Build a sync store from a URL.

    * ``memory://`` — a new :class:`MemoryStore`;
    * ``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path.sqlite3`` (the path
      is what follows ``sqlite:///``, as in SQLAlchemy) — a :class:`SQLiteStore`;
    * ``redis://[user:password@]host[:port][/db]`` or ``rediss://…`` — a :class:`RedisStore`
      with the default prefix and no durable store (Redis must then run with AOF);
      ``redis+cluster://host:port`` (``rediss+cluster://``) names a node of a Redis Cluster;
    * ``postgresql://user:password@host[:port]/dbname[?schema=name&sslmode=…]`` (or
      ``postgres://``) — a :class:`PostgresStore` (tables in schema ``wxcomponent`` unless
      ``schema=`` names another).

    Calls of the networked stores have deadlines, set in the query: ``timeout=`` (seconds a
    PostgreSQL call may take, all included) and libpq's ``connect_timeout=``; Redis's
    ``socket_timeout=``, ``socket_connect_timeout=`` and ``timeout=`` (the wait for a pooled
    connection). Each is 2.5 s by default (2 s to connect to PostgreSQL).

    Any other URL raises :class:`~wxcomponent.errors.ConfigurationError` with ``field`` set to
    ``"url"`` (whose message never repeats a password); a ``url`` that is not a string raises
    :class:`~wxcomponent.errors.InvalidArgument`. Both are :class:`ValueError`.
    """
    if not isinstance(url, str):
        raise InvalidArgument("url", f"a store URL must be a string, not {type(url).__name__}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise ConfigurationError(
            "url",
            "a store URL looks like memory://, sqlite:///path/to/file.sqlite3, "
            "redis://host:6379/0 or postgresql://user:password@host/db",
        )
    if scheme == "memory":
        if rest:
            raise ConfigurationError("url", "memory:// takes nothing after the scheme")
        return MemoryStore()
    if scheme == "sqlite":
        if not rest.startswith("/"):
            raise ConfigurationError(
                "url",
                "a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path "
                "(no host between the slashes)",
            )
        split = urlsplit(url)
        if split.query or split.fragment:
            raise ConfigurationError("url", "a SQLite URL takes no query string or fragment")
        path = unquote(rest[1:])
        if not path:
            raise ConfigurationError(
                "url", "a SQLite URL must name a file: sqlite:///path/to/file.sqlite3"
            )
        return SQLiteStore(path)
    if scheme in ("redis", "rediss", "redis+cluster", "rediss+cluster"):
        return RedisStore(url)
    if scheme in ("postgresql", "postgres"):
        try:
            return PostgresStore(url)
        except (InvalidArgument, ConfigurationError) as exc:
            raise ConfigurationError("url", str(exc)) from None
    raise ConfigurationError(
        "url",
        f"unsupported store URL scheme {scheme!r}: use memory://, sqlite:///path, "
        "redis:// (rediss://, redis+cluster://) or postgresql://",
    )
