"""The fleet store: Redis 7, from any number of hosts, sync (redis-py) or asyncio.

Tokens live in Redis with a ``PX`` expiry matching ``expires_at``. A lease is
``SET lease fence NX PX ttl``, its fence taken from ``INCR`` of one counter per platform (its
hash tag), both in one Lua script; releasing it and writing a token under it are Lua scripts
that check the fence, so a holder that paused past its lease can neither release nor overwrite
its successor's work. Nothing a token or a lease writes outlives its expiry but that counter.
Leases expire by the Redis server's clock; a token's ``expires_at`` is also checked against the
store's ``clock`` when read.

**Refresh tokens and Redis persistence.** The verify ticket and the authorizers' refresh tokens
must survive anything: losing a refresh token forces that merchant to authorize again. Redis is
a cache unless it runs with AOF, so there are two ways to run this store:

* ``RedisStore(url, durable=SQLiteStore("/persistent/wxcomponent.sqlite3"))`` (or any other
  :class:`~wxcomponent.stores.base.Store`): tickets and authorizer records are written to the
  durable store first and then mirrored into Redis; reads come from Redis and fall back to the
  durable store on a miss, repairing Redis. Listing and counting authorizers ask the durable
  store, which is the reference. A record write drops the mirror, writes the durable store and
  mirrors what it then holds, under an epoch counter that a reader's repair must find
  unchanged, so a slow reader cannot put back a refresh token that was replaced meanwhile.
  Every host that writes credentials must reach the same durable data (a SQLite file on a
  persistent path serves one host; a fleet needs a shared store). A Redis flush then loses
  nothing that cannot be fetched again.
* ``RedisStore(url)`` alone: everything lives in Redis, which must then run with AOF
  (``appendonly yes``). On first use the store reads ``CONFIG GET appendonly`` and logs one
  WARNING when AOF is off or cannot be checked (``CONFIG`` disabled). Simpler and faster, but
  a Redis restart without AOF, a ``FLUSHALL`` or an eviction policy that drops keys loses the
  refresh tokens.

Plain Redis (a primary, with replicas if you like) and Redis Cluster both work: every key of a
platform carries the platform's hash tag, so each script touches one slot. Name any node of a
cluster with ``redis+cluster://host:port`` (``rediss+cluster://`` with TLS), or pass a
``redis.cluster.RedisCluster``. Every key starts with ``prefix`` and then the component appid
(tokens and leases use the token layer's keys, which carry it), so platforms and applications
sharing one Redis never collide; see :mod:`._redis_ops` for the layout. Keys written by
versions before hash tags are moved to the current layout on the first use of their platform
(not on a cluster, where those versions did not run), and records written by versions before
names and the refresh schedule join the indexes that serve ``due_authorizers`` and
``search_authorizers``, and the per-key fence counters of versions before layout 4 are folded
into the platform's one counter (a batch per script, on a cluster too): upgrade every host of a
fleet together, as a record an older host writes afterwards is not indexed and a lease an older
host grants afterwards takes its fence from a per-key counter again.

The rules are written once, in :mod:`._redis_ops`, as generators of Redis commands;
:class:`RedisStore` and :class:`AsyncRedisStore` only execute the commands they yield.
``redis`` is imported when a store is created, so the rest of the package works without it.
"""

from __future__ import annotations

import asyncio as aio
import contextlib
import inspect
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

from ..errors import ConfigurationError, InvalidArgument
from ._aio import as_async_store, is_async_store
from ._redis_ops import DurableCall, Op, RedisOps, Step, redact_url, translate
from ._redis_queue import RedisQueue
from .base import (
    AccountType,
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Store,
    Ticket,
)

if TYPE_CHECKING:
    import redis as redis_sync
    import redis.asyncio as redis_async

__all__ = ["AsyncRedisStore", "RedisStore"]

T = TypeVar("T")

_PREFIX = re.compile(r"[^\s:{}]+(?::[^\s:{}]+)*")
#: Seconds to connect, to get an answer and to wait for a pooled connection, unless the URL
#: says otherwise (``socket_connect_timeout``, ``socket_timeout``, ``timeout``): short enough
#: that a push Redis cannot serve is answered 503 before WeChat gives up (5 s).
_TIMEOUT = 2.5
_MAX_CONNECTIONS = 64


def _check_prefix(prefix: object) -> str:
    if not isinstance(prefix, str) or _PREFIX.fullmatch(prefix) is None:
        raise InvalidArgument(
            "prefix",
            "must be a non-empty string without whitespace, braces, empty ':' parts or a "
            "trailing ':'",
        )
    return prefix


_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def _new_client(url: str, *, asyncio: bool) -> Any:
    """A client for ``url``: decoded replies, timeouts, one quick retry on a dropped link.

    Its pool holds at most :data:`_MAX_CONNECTIONS` connections; a caller beyond that waits
    (up to the timeout) for a free one instead of failing at once. A ``redis+cluster://``
    (``rediss+cluster://``) URL names any node of a Redis Cluster, whose other nodes the
    client discovers.
    """
    try:
        from redis.backoff import ConstantBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
    except ImportError as exc:
        raise ImportError(
            "the Redis stores need redis-py: pip install 'wxcomponent[redis]'"
        ) from exc

    scheme, sep, rest = url.partition("://")
    if scheme.lower() in _CLUSTER_SCHEMES:
        node_url = f"{_CLUSTER_SCHEMES[scheme.lower()]}{sep}{rest}"
        cluster: dict[str, Any] = {"decode_responses": True, "socket_timeout": _TIMEOUT,
                                   "socket_connect_timeout": _TIMEOUT}
        if asyncio:
            from redis.asyncio.cluster import RedisCluster as AsyncCluster

            return AsyncCluster.from_url(node_url, **cluster)
        return _LazyCluster(node_url, cluster)
    options: dict[str, Any] = {
        "max_connections": _MAX_CONNECTIONS,
        "timeout": _TIMEOUT,
        "decode_responses": True,
        "socket_timeout": _TIMEOUT,
        "socket_connect_timeout": _TIMEOUT,
    }
    if asyncio:
        from redis.asyncio import BlockingConnectionPool as AsyncPool
        from redis.asyncio import Redis as AsyncRedis
        from redis.asyncio.retry import Retry as AsyncRetry

        retry: Any = AsyncRetry(ConstantBackoff(0.05), 1, (RedisConnectionError,))
        return _owning(AsyncRedis, AsyncPool.from_url(url, retry=retry, **options))
    from redis import BlockingConnectionPool, Redis
    from redis.retry import Retry

    retry = Retry(ConstantBackoff(0.05), 1, (RedisConnectionError,))
    return _owning(Redis, BlockingConnectionPool.from_url(url, retry=retry, **options))


class _LazyCluster:
    """A blocking Redis Cluster client made on first use (redis-py's connects when made), so
    a store can be configured while the cluster is down."""

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self._url = url
        self._options = options
        self._client: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from redis.cluster import RedisCluster
                    from redis.exceptions import ConnectionError as RedisConnectionError
                    from redis.exceptions import RedisClusterException

                    try:
                        self._client = RedisCluster.from_url(self._url, **self._options)
                    except RedisClusterException as exc:  # no node answered
                        raise RedisConnectionError(str(exc)) from exc
        return self._client

    def execute_command(self, *args: Any) -> Any:
        """Run one command on the cluster."""
        return self._get().execute_command(*args)

    def get_default_node(self) -> Any:
        """The node the client talks to first."""
        return self._get().get_default_node()

    def close(self) -> None:
        """Close the client, if it was made."""
        if self._client is not None:
            self._client.close()


def _owning(cls: Any, pool: Any) -> Any:
    """A client that disconnects ``pool`` when closed (``from_pool`` appeared in redis 5.0.1)."""
    if hasattr(cls, "from_pool"):
        return cls.from_pool(pool)
    client = cls(connection_pool=pool)
    client.auto_close_connection_pool = True
    return client


def _url_options(url: str) -> dict[str, float]:
    """The timeouts a Redis URL's query sets (``socket_timeout``, ``socket_connect_timeout``),
    which redis-py applies over the store's defaults."""
    found: dict[str, float] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name in ("socket_timeout", "socket_connect_timeout"):
            try:
                found[name] = float(value)
            except ValueError:
                raise ConfigurationError(
                    "url_or_client", f"{name} must be a number of seconds") from None
            if not found[name] > 0 or found[name] == float("inf"):
                raise ConfigurationError(
                    "url_or_client", f"{name} must be a positive number of seconds")
    return found


def _timeout_of(kwargs: dict[str, Any]) -> float | None:
    """The longer of the connect and answer timeouts of connection settings (None: one of
    them is unbounded)."""
    answer = kwargs.get("socket_timeout")
    connect = kwargs.get("socket_connect_timeout", answer)
    if answer is None or connect is None:
        return None
    return float(max(answer, connect))


def _client_timeout(client: Any) -> float | None:
    """:func:`_timeout_of` a client made elsewhere, as far as it tells."""
    if _is_cluster(client):
        kwargs = getattr(client, "connection_kwargs", None) or getattr(
            getattr(client, "nodes_manager", None), "connection_kwargs", None) or {}
    else:
        kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    return _timeout_of(kwargs)


def _is_cluster(client: Any) -> bool:
    return "Cluster" in type(client).__name__


def _async_twin(client: Any) -> Any:
    """An asyncio client with the connection settings of a blocking one."""
    from redis.asyncio import Redis as AsyncRedis

    if _is_cluster(client):
        from redis.asyncio.cluster import RedisCluster as AsyncCluster

        node = client.get_default_node()
        return AsyncCluster(host=node.host, port=node.port, decode_responses=True)

    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs)
    if "path" in kwargs:
        kwargs["unix_socket_path"] = kwargs.pop("path")
    if "SSL" in pool.connection_class.__name__:
        kwargs["ssl"] = True
    accepted = inspect.signature(AsyncRedis.__init__).parameters
    return AsyncRedis(**{k: v for k, v in kwargs.items() if k in accepted and k != "retry"})


def _describe(client: Any) -> tuple[str, str | None]:
    """Where a client connects (no password), and its password."""
    if _is_cluster(client):
        node = client.get_default_node()
        pool_kwargs = getattr(getattr(node.redis_connection, "connection_pool", None),
                              "connection_kwargs", {})
        return f"redis+cluster://{node.host}:{node.port}", pool_kwargs.get("password")
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    password = kwargs.get("password")
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}", password
    host, port, db = kwargs.get("host", "?"), kwargs.get("port", "?"), kwargs.get("db", 0)
    return f"redis://{host}:{port}/{db}", password


class _RedisBase:
    """What the sync and async stores share: the operations, the target, the repr."""

    _durable: Any

    def __init__(
        self,
        url_or_client: Any,
        prefix: str,
        *,
        asyncio: bool,
        clock: Callable[[], float],
    ) -> None:
        self._prefix = _check_prefix(prefix)
        self._clock = clock
        if isinstance(url_or_client, str):
            try:
                scheme = urlsplit(url_or_client).scheme
            except ValueError:
                scheme = ""
            if scheme not in ("redis", "rediss", "unix", *_CLUSTER_SCHEMES):
                raise ConfigurationError(
                    "url_or_client", "a Redis URL starts with redis://, rediss://, unix:// or "
                    "redis+cluster:// (a node of a Redis Cluster)"
                )
            self._url: str | None = url_or_client
            self._where = redact_url(url_or_client)
            self._password = urlsplit(url_or_client).password
            self._timeout = _timeout_of({"socket_timeout": _TIMEOUT,
                                         "socket_connect_timeout": _TIMEOUT,
                                         **_url_options(url_or_client)})
            self._client = _new_client(url_or_client, asyncio=asyncio)
            self._owns_client = True
        else:
            if not hasattr(url_or_client, "execute_command"):
                raise InvalidArgument(
                    "url_or_client", "must be a Redis URL or a redis-py client"
                )
            self._url = None
            self._where, self._password = _describe(url_or_client)
            self._timeout = _client_timeout(url_or_client)
            self._client = url_or_client
            self._owns_client = False
        self._cluster = _is_cluster(self._client)
        self._ops = RedisOps(self._prefix, durable=self._durable is not None, clock=clock,
                             cluster=self._cluster)
        self._queue = RedisQueue(self._prefix, durable=self._durable is not None, clock=clock)
        # The AOF check runs on first use, only when Redis holds the refresh tokens alone.
        self._unchecked = self._durable is None

    @property
    def prefix(self) -> str:
        """The first part of every key."""
        return self._prefix

    @property
    def client(self) -> Any:
        """The redis-py client in use."""
        return self._client

    @property
    def timeout(self) -> float | None:
        """Seconds a command waits for Redis (to connect, or to answer) before the call fails
        with :class:`~wxcomponent.errors.StoreUnavailable`; None when the client passed in
        waits without end."""
        return self._timeout

    def _first_use(self, op: Op[T]) -> Op[T]:
        """``op``, preceded by the persistence check (done again if it fails)."""
        self._unchecked = False
        try:
            yield from self._ops.check_persistence(self._where)
        except BaseException:
            self._unchecked = True
            raise
        return (yield from op)

    def _resume(
        self, op: Op[T], reply: Any = None, error: BaseException | None = None
    ) -> Step | _Done[T]:
        """Hand ``op`` the reply (or the error) of its last step: its next step, or the end.

        The drivers below only execute steps; everything else happens here and in the op.
        """
        try:
            return op.send(reply) if error is None else op.throw(error)
        except StopIteration as stop:
            return _Done(stop.value)
        except Exception as exc:
            mapped = translate(exc, self._where, self._password)
            if mapped is exc:
                raise
            raise mapped from exc

    def __repr__(self) -> str:
        durable = "" if self._durable is None else f", durable={self._durable!r}"
        return f"{type(self).__name__}({self._where!r}, prefix={self._prefix!r}{durable})"


@dataclass(frozen=True)
class _Done(Generic[T]):
    """An operation finished with ``value``."""

    value: T


class RedisStore(_RedisBase):
    """The :class:`~wxcomponent.stores.base.Store` protocol over Redis (redis-py, blocking).

    ``url_or_client`` is a ``redis://`` / ``rediss://`` / ``unix://`` URL (the store then owns
    its client and closes it) or a ``redis.Redis`` you manage. ``durable`` is the store that
    keeps tickets and authorizer records durably beside Redis (see the module docs); it is
    not closed by :meth:`close`. ``clock`` decides token expiry and the times recorded.
    """

    def __init__(
        self,
        url_or_client: str | redis_sync.Redis,
        prefix: str = "wxcomponent",
        *,
        durable: Store | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if durable is not None and (not isinstance(durable, Store) or is_async_store(durable)):
            raise InvalidArgument("durable", "must be a synchronous Store (e.g. SQLiteStore)")
        self._durable = durable
        super().__init__(url_or_client, prefix, asyncio=False, clock=clock)

    @property
    def durable(self) -> Store | None:
        """The store keeping tickets and authorizer records beside Redis, if any."""
        durable: Store | None = self._durable
        return durable

    @property
    def aio(self) -> AsyncRedisStore:
        """An :class:`AsyncRedisStore` on the same server, prefix and durable store.

        It opens its own asyncio connections, which its ``close()`` releases.
        """
        if self._url is not None:
            view = AsyncRedisStore(
                self._url, self._prefix, durable=self._durable, clock=self._clock
            )
        else:
            view = AsyncRedisStore(
                _async_twin(self._client), self._prefix, durable=self._durable, clock=self._clock
            )
            view._owns_client = True
        view._unchecked = self._unchecked
        return view

    def _run(self, op: Op[T]) -> T:
        return self._drive(self._first_use(op) if self._unchecked else op)

    def _drive(self, op: Op[T]) -> T:
        step = self._resume(op)
        while not isinstance(step, _Done):
            try:
                reply = self._execute(step)
            except Exception as exc:
                step = self._resume(op, error=exc)
            else:
                step = self._resume(op, reply)
        return step.value

    def _execute(self, step: Step) -> Any:
        if isinstance(step, DurableCall):
            return getattr(self._durable, step.method)(*step.args, **step.kwargs)
        return self._client.execute_command(*step)

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        return self._run(self._ops.save_ticket(component_appid, ticket, created_at))

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        return self._run(self._ops.load_ticket(component_appid))

    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid`` (a ``tenant`` or
        ``name`` of None keeps the stored one, a ``refresh_at`` of 0 the stored schedule, an
        ``auth_event_at`` of 0 the stored time); False, and nothing written, when its
        ``auth_event_at`` is older than the stored one."""
        return self._run(self._ops.save_authorizer(record))

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        return self._run(self._ops.get_authorizer(component_appid, authorizer_appid))

    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        op = self._ops.list_authorizers(component_appid, status=status, after=after, limit=limit)
        return self._run(op)

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        return self._run(self._ops.count_authorizers(component_appid, status=status))

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        op = self._ops.replace_refresh_token(component_appid, authorizer_appid, expected, new)
        return self._run(op)

    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none, or if
        ``event_at`` is older than its ``auth_event_at``."""
        return self._run(self._ops.mark_revoked(component_appid, authorizer_appid, event_at))

    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove the record; False if there is none."""
        return self._run(self._ops.delete_authorizer(component_appid, authorizer_appid))

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        op = self._ops.set_authorizer_tenant(component_appid, authorizer_appid, tenant)
        return self._run(op)

    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its account type when
        given; False if there is no record."""
        op = self._ops.set_authorizer_name(component_appid, authorizer_appid, name,
                                           account_type)
        return self._run(op)

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
        op = self._ops.search_authorizers(component_appid, prefix, after=after, limit=limit)
        return self._run(op)

    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record."""
        return self._run(self._ops.schedule_refresh(component_appid, authorizer_appid, at))

    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first, from the due index."""
        return self._run(self._ops.due_authorizers(component_appid, before=before, limit=limit))

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
        """Add a pending job; returns its id (see :meth:`Store.enqueue`)."""
        op = self._queue.enqueue(component_appid, topic, group, payload, available_at, key)
        return self._run(op)

    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group."""
        return self._run(self._queue.claim_jobs(component_appid, topic, limit, lease))

    def ack_job(self, job_id: int, claim: int) -> bool:
        """Mark the job done; False if ``claim`` is not its claim."""
        return self._run(self._queue.ack_job(job_id, claim))

    def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """Put the claimed job back, claimable from ``available_at``; False if stale."""
        return self._run(self._queue.retry_job(job_id, claim, available_at, error))

    def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """Give the claimed job up (dead); False if ``claim`` is not its claim."""
        return self._run(self._queue.bury_job(job_id, claim, error))

    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        return self._run(self._queue.get_job(job_id))

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
        return self._run(self._queue.list_jobs(component_appid, topic, state, after, limit))

    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again, attempts 0; False otherwise."""
        return self._run(self._queue.requeue_job(job_id, available_at))

    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state."""
        return self._run(self._queue.count_jobs(component_appid, topic))

    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """Delete the jobs of ``topic`` in ``state`` last updated before ``before``."""
        return self._run(self._queue.purge_jobs(component_appid, topic, state, before))

    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued with ``key`` in (``component_appid``, ``topic``), or None."""
        return self._run(self._queue.find_job(component_appid, topic, key))

    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write a job read from another store, as it stands; see :meth:`Store.restore_job`."""
        return self._run(self._queue.restore_job(job, renumber))

    def reserve_job_ids(self, through: int) -> int:
        """Make every later job id greater than ``through``; the greatest id so far."""
        return self._run(self._queue.reserve_job_ids(through))

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        return self._run(self._ops.get_token(key))

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        return self._run(self._ops.set_token(key, token, fence=fence))

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        return self._run(self._ops.delete_token(key, if_value=if_value))

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        return self._run(self._ops.acquire_lease(key, ttl))

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        return self._run(self._ops.release_lease(key, fence))

    def close(self) -> None:
        """Close the client if this store created it (the durable store stays open)."""
        if self._owns_client:
            self._client.close()


def _async_durable(durable: Store | AsyncStore | None) -> tuple[AsyncStore | None, bool]:
    """The durable store as an :class:`AsyncStore`, and whether we built that view."""
    if durable is None:
        return None, False
    try:
        view = as_async_store(durable)
    except TypeError:
        raise InvalidArgument(
            "durable", f"must be a Store or an AsyncStore, not {type(durable).__name__}"
        ) from None
    return view, view is not durable


class AsyncRedisStore(_RedisBase):
    """The :class:`~wxcomponent.stores.base.AsyncStore` protocol over ``redis.asyncio``.

    The same rules as :class:`RedisStore` (the very same code drives both). ``durable`` may be
    an :class:`AsyncStore`, or a sync :class:`Store` (used through its ``aio`` flavour, or on
    worker threads) so that the event loop never blocks.
    """

    def __init__(
        self,
        url_or_client: str | redis_async.Redis,
        prefix: str = "wxcomponent",
        *,
        durable: Store | AsyncStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._durable, self._owns_durable = _async_durable(durable)
        super().__init__(url_or_client, prefix, asyncio=True, clock=clock)
        # redis.asyncio connections belong to the loop that opened them. A store built from
        # a URL keeps one client per event loop, so one store can serve, say, a server's loop
        # and a test's loop; a client passed in is used as given.
        self._loop_clients: weakref.WeakKeyDictionary[aio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._first_loop: aio.AbstractEventLoop | None = None

    @property
    def durable(self) -> AsyncStore | None:
        """The store keeping tickets and authorizer records beside Redis, if any (an async
        view of the one given)."""
        durable: AsyncStore | None = self._durable
        return durable

    def _loop_client(self) -> Any:
        if not self._owns_client or self._url is None:
            return self._client
        loop = aio.get_running_loop()
        if self._first_loop is None:
            self._first_loop = loop
        if loop is self._first_loop:
            return self._client
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = _new_client(self._url, asyncio=True)
        return client

    async def _run(self, op: Op[T]) -> T:
        return await self._drive(self._first_use(op) if self._unchecked else op)

    async def _drive(self, op: Op[T]) -> T:
        step = self._resume(op)
        while not isinstance(step, _Done):
            try:
                reply = await self._execute(step)
            except Exception as exc:
                step = self._resume(op, error=exc)
            else:
                step = self._resume(op, reply)
        return step.value

    async def _execute(self, step: Step) -> Any:
        if isinstance(step, DurableCall):
            return await getattr(self._durable, step.method)(*step.args, **step.kwargs)
        return await self._loop_client().execute_command(*step)

    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`RedisStore.save_ticket`."""
        return await self._run(self._ops.save_ticket(component_appid, ticket, created_at))

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`RedisStore.load_ticket`."""
        return await self._run(self._ops.load_ticket(component_appid))

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`RedisStore.save_authorizer`."""
        return await self._run(self._ops.save_authorizer(record))

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`RedisStore.get_authorizer`."""
        return await self._run(self._ops.get_authorizer(component_appid, authorizer_appid))

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`RedisStore.list_authorizers`."""
        op = self._ops.list_authorizers(component_appid, status=status, after=after, limit=limit)
        return await self._run(op)

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`RedisStore.count_authorizers`."""
        return await self._run(self._ops.count_authorizers(component_appid, status=status))

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`RedisStore.replace_refresh_token`."""
        op = self._ops.replace_refresh_token(component_appid, authorizer_appid, expected, new)
        return await self._run(op)

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`RedisStore.mark_revoked`."""
        return await self._run(
            self._ops.mark_revoked(component_appid, authorizer_appid, event_at)
        )

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`RedisStore.delete_authorizer`."""
        return await self._run(self._ops.delete_authorizer(component_appid, authorizer_appid))

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`RedisStore.set_authorizer_tenant`."""
        op = self._ops.set_authorizer_tenant(component_appid, authorizer_appid, tenant)
        return await self._run(op)

    async def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """See :meth:`RedisStore.set_authorizer_name`."""
        op = self._ops.set_authorizer_name(component_appid, authorizer_appid, name,
                                           account_type)
        return await self._run(op)

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`RedisStore.search_authorizers`."""
        op = self._ops.search_authorizers(component_appid, prefix, after=after, limit=limit)
        return await self._run(op)

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`RedisStore.schedule_refresh`."""
        return await self._run(self._ops.schedule_refresh(component_appid, authorizer_appid, at))

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`RedisStore.due_authorizers`."""
        op = self._ops.due_authorizers(component_appid, before=before, limit=limit)
        return await self._run(op)

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
        """See :meth:`RedisStore.enqueue`."""
        op = self._queue.enqueue(component_appid, topic, group, payload, available_at, key)
        return await self._run(op)

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`RedisStore.claim_jobs`."""
        return await self._run(self._queue.claim_jobs(component_appid, topic, limit, lease))

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`RedisStore.ack_job`."""
        return await self._run(self._queue.ack_job(job_id, claim))

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`RedisStore.retry_job`."""
        return await self._run(self._queue.retry_job(job_id, claim, available_at, error))

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`RedisStore.bury_job`."""
        return await self._run(self._queue.bury_job(job_id, claim, error))

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`RedisStore.get_job`."""
        return await self._run(self._queue.get_job(job_id))

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """See :meth:`RedisStore.list_jobs`."""
        return await self._run(self._queue.list_jobs(component_appid, topic, state, after, limit))

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`RedisStore.requeue_job`."""
        return await self._run(self._queue.requeue_job(job_id, available_at))

    async def count_jobs(
        self, component_appid: str, *, topic: str | None = None
    ) -> dict[str, int]:
        """See :meth:`RedisStore.count_jobs`."""
        return await self._run(self._queue.count_jobs(component_appid, topic))

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float
    ) -> int:
        """See :meth:`RedisStore.purge_jobs`."""
        return await self._run(self._queue.purge_jobs(component_appid, topic, state, before))

    async def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """See :meth:`RedisStore.find_job`."""
        return await self._run(self._queue.find_job(component_appid, topic, key))

    async def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """See :meth:`RedisStore.restore_job`."""
        return await self._run(self._queue.restore_job(job, renumber))

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`RedisStore.reserve_job_ids`."""
        return await self._run(self._queue.reserve_job_ids(through))

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`RedisStore.get_token`."""
        return await self._run(self._ops.get_token(key))

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`RedisStore.set_token`."""
        return await self._run(self._ops.set_token(key, token, fence=fence))

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`RedisStore.delete_token`."""
        return await self._run(self._ops.delete_token(key, if_value=if_value))

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`RedisStore.acquire_lease`."""
        return await self._run(self._ops.acquire_lease(key, ttl))

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`RedisStore.release_lease`."""
        return await self._run(self._ops.release_lease(key, fence))

    async def close(self) -> None:
        """Close the client if this store created it, and any wrapper it put on ``durable``."""
        try:
            if self._owns_client:
                closing = getattr(self._client, "aclose", None) or self._client.close
                await closing()
                for client in list(self._loop_clients.values()):
                    with contextlib.suppress(Exception):  # their loops may be gone
                        await (getattr(client, "aclose", None) or client.close)()
        finally:
            if self._owns_durable and self._durable is not None:
                await self._durable.close()
