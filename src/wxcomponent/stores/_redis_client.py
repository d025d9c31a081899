"""Connecting the Redis stores: a client from a URL (plain Redis or a Redis Cluster, with the
store's timeouts and pool), or what a client made elsewhere tells about itself.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ConfigurationError

__all__ = [
    "CLUSTER_SCHEMES",
    "TIMEOUT",
    "async_twin",
    "client_timeout",
    "describe",
    "is_cluster",
    "new_client",
    "redact_url",
    "timeout_of",
    "url_options",
]

#: Seconds to connect, to get an answer and to wait for a pooled connection, unless the URL
#: says otherwise (``socket_connect_timeout``, ``socket_timeout``, ``timeout``): short enough
#: that a push Redis cannot serve is answered 503 before WeChat gives up (5 s).
TIMEOUT = 2.5
MAX_CONNECTIONS = 64

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def new_client(url: str, *, asyncio: bool) -> Any:
    """A client for ``url``: decoded replies, timeouts, one quick retry on a dropped link.

    Its pool holds at most :data:`MAX_CONNECTIONS` connections; a caller beyond that waits
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
    if scheme.lower() in CLUSTER_SCHEMES:
        node_url = f"{CLUSTER_SCHEMES[scheme.lower()]}{sep}{rest}"
        cluster: dict[str, Any] = {"decode_responses": True, "socket_timeout": TIMEOUT,
                                   "socket_connect_timeout": TIMEOUT}
        if asyncio:
            from redis.asyncio.cluster import RedisCluster as AsyncCluster

            return AsyncCluster.from_url(node_url, **cluster)
        return LazyCluster(node_url, cluster)
    options: dict[str, Any] = {
        "max_connections": MAX_CONNECTIONS,
        "timeout": TIMEOUT,
        "decode_responses": True,
        "socket_timeout": TIMEOUT,
        "socket_connect_timeout": TIMEOUT,
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


class LazyCluster:
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


def url_options(url: str) -> dict[str, float]:
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


def timeout_of(kwargs: dict[str, Any]) -> float | None:
    """The longer of the connect and answer timeouts of connection settings (None: one of
    them is unbounded)."""
    answer = kwargs.get("socket_timeout")
    connect = kwargs.get("socket_connect_timeout", answer)
    if answer is None or connect is None:
        return None
    return float(max(answer, connect))


def client_timeout(client: Any) -> float | None:
    """:func:`timeout_of` a client made elsewhere, as far as it tells."""
    if is_cluster(client):
        kwargs = getattr(client, "connection_kwargs", None) or getattr(
            getattr(client, "nodes_manager", None), "connection_kwargs", None) or {}
    else:
        kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    return timeout_of(kwargs)


def is_cluster(client: Any) -> bool:
    return "Cluster" in type(client).__name__


def async_twin(client: Any) -> Any:
    """An asyncio client with the connection settings of a blocking one."""
    from redis.asyncio import Redis as AsyncRedis

    if is_cluster(client):
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


def describe(client: Any) -> tuple[str, str | None]:
    """Where a client connects (no password), and its password."""
    if is_cluster(client):
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


def redact_url(url: str) -> str:
    """``url`` without its password (in the authority or the query string)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host if parts.port is None else f"{host}:{parts.port}"
    except ValueError:
        return "<unparsable Redis URL>"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query) if "pass" not in k.lower()], safe="/"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
