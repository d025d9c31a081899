"""What the sync and async Redis stores share: their settings, and running an operation of
:mod:`._redis_ops` or :mod:`._redis_queue` step by step, its errors mapped to the store's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from ..errors import ConfigurationError, InvalidArgument
from ._checked import programs
from ._redis_client import (
    CLUSTER_SCHEMES,
    TIMEOUT,
    client_timeout,
    describe,
    is_cluster,
    new_client,
    redact_url,
    timeout_of,
    url_options,
)
from ._redis_compliance import RedisCompliance
from ._redis_ops import RedisOps
from ._redis_queue import RedisQueue
from ._redis_steps import Op, Step, translate

__all__ = ["Done", "RedisDriver", "check_prefix"]

T = TypeVar("T")

_PREFIX = re.compile(r"[^\s:{}]+(?::[^\s:{}]+)*")


def check_prefix(prefix: object) -> str:
    """``prefix``, once checked to be a valid first part of every key."""
    if not isinstance(prefix, str) or _PREFIX.fullmatch(prefix) is None:
        raise InvalidArgument(
            "prefix",
            "must be a non-empty string without whitespace, braces, empty ':' parts or a "
            "trailing ':'",
        )
    return prefix


class RedisDriver:
    """What the sync and async stores share: the operations, the target, the repr."""

    _durable: Any
    #: Every operation runs its program, from :mod:`._redis_ops`, :mod:`._redis_queue` or
    #: :mod:`._redis_compliance`.
    _operated = frozenset(programs(RedisOps, RedisCompliance, RedisQueue))

    def __init__(
        self,
        url_or_client: Any,
        prefix: str,
        *,
        asyncio: bool,
        clock: Callable[[], float],
    ) -> None:
        self._prefix = check_prefix(prefix)
        self._clock = clock
        if isinstance(url_or_client, str):
            try:
                scheme = urlsplit(url_or_client).scheme
            except ValueError:
                scheme = ""
            if scheme not in ("redis", "rediss", "unix", *CLUSTER_SCHEMES):
                raise ConfigurationError(
                    "url_or_client", "a Redis URL starts with redis://, rediss://, unix:// or "
                    "redis+cluster:// (a node of a Redis Cluster)"
                )
            self._url: str | None = url_or_client
            self._where = redact_url(url_or_client)
            self._password = urlsplit(url_or_client).password
            self._timeout = timeout_of({"socket_timeout": TIMEOUT,
                                         "socket_connect_timeout": TIMEOUT,
                                         **url_options(url_or_client)})
            self._client = new_client(url_or_client, asyncio=asyncio)
            self._owns_client = True
        else:
            if not hasattr(url_or_client, "execute_command"):
                raise InvalidArgument(
                    "url_or_client", "must be a Redis URL or a redis-py client"
                )
            self._url = None
            self._where, self._password = describe(url_or_client)
            self._timeout = client_timeout(url_or_client)
            self._client = url_or_client
            self._owns_client = False
        self._cluster = is_cluster(self._client)
        self._ops = RedisOps(self._prefix, durable=self._durable is not None, clock=clock,
                             cluster=self._cluster)
        self._queue = RedisQueue(self._prefix, durable=self._durable is not None, clock=clock)
        self._programs = programs(self._ops, self._ops.compliance, self._queue)
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
    ) -> Step | Done[T]:
        """Hand ``op`` the reply (or the error) of its last step: its next step, or the end.

        The drivers below only execute steps; everything else happens here and in the op.
        """
        try:
            return op.send(reply) if error is None else op.throw(error)
        except StopIteration as stop:
            return Done(stop.value)
        except Exception as exc:
            mapped = translate(exc, self._where, self._password)
            if mapped is exc:
                raise
            raise mapped from exc

    def __repr__(self) -> str:
        durable = "" if self._durable is None else f", durable={self._durable!r}"
        return f"{type(self).__name__}({self._where!r}, prefix={self._prefix!r}{durable})"


@dataclass(frozen=True)
class Done(Generic[T]):
    """An operation finished with ``value``."""

    value: T
