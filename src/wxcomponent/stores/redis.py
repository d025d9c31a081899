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
sharing one Redis never collide; see :mod:`._redis_keys` for the layout. Keys written by
versions before hash tags are moved to the current layout on the first use of their platform
(not on a cluster, where those versions did not run), and records written by versions before
names and the refresh schedule join the indexes that serve ``due_authorizers`` and
``search_authorizers``, and the per-key fence counters of versions before layout 4 are folded
into the platform's one counter (a batch per script, on a cluster too): upgrade every host of a
fleet together, as a record an older host writes afterwards is not indexed and a lease an older
host grants afterwards takes its fence from a per-key counter again.

The rules are written once, in :mod:`._redis_ops` (and :mod:`._redis_queue` for the job
queue), as generators of Redis commands; :class:`RedisStore` (here) and
:class:`AsyncRedisStore` (:mod:`._redis_async`) only execute the commands they yield, through
what they share in :mod:`._redis_driver`; :mod:`._redis_client` makes their clients.
``redis`` is imported when a store is created, so the rest of the package works without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InvalidArgument
from ._aio import is_async_store
from ._checked import CheckedStore
from ._redis_async import AsyncRedisStore
from ._redis_client import async_twin
from ._redis_driver import Done, RedisDriver
from ._redis_steps import DurableCall, Op, Step
from .base import (
    Store,
)

if TYPE_CHECKING:
    import redis as redis_sync

__all__ = ["AsyncRedisStore", "RedisStore"]

T = TypeVar("T")


class RedisStore(RedisDriver, CheckedStore):
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
                async_twin(self._client), self._prefix, durable=self._durable, clock=self._clock
            )
            view._owns_client = True
        view._unchecked = self._unchecked
        return view

    def _run(self, op: Op[T]) -> T:
        return self._drive(self._first_use(op) if self._unchecked else op)

    def _drive(self, op: Op[T]) -> T:
        step = self._resume(op)
        while not isinstance(step, Done):
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

    def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        """Run the operation's program (:mod:`._redis_ops`, :mod:`._redis_queue`,
        :mod:`._redis_compliance`) step by step."""
        return self._run(self._programs[name](a))

    def close(self) -> None:
        """Close the client if this store created it (the durable store stays open)."""
        if self._owns_client:
            self._client.close()
