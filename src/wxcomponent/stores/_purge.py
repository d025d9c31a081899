"""The purge of expired tokens and leases, one rule for every store that keeps them itself (the
memory store, SQLite and PostgreSQL; Redis expires its keys on its own).

Every :data:`PURGE_EVERY` token or lease writes, the write also deletes up to
:data:`PURGE_BATCH` tokens past their expiry and as many leases past their end. A purge that
found a full batch leaves a backlog (rows of a version before purges, a burst): the writes
after it purge too, until one finds less than a batch. A lease is deleted only once it has
expired, and each store takes fences from one counter, so a key whose row went is granted
again with a larger fence.

A backend writes only the statement that deletes one batch (a function of the batch size that
returns the most rows it deleted from either table); :class:`Purge` decides when it runs and
how large the batch is.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "Purge"]

#: Every this many token or lease writes of a store, the write also deletes...
PURGE_EVERY = 100
#: ...at most this many expired tokens and as many expired leases. Small enough that a purge
#: run where the write runs (the event loop included) costs about a millisecond; a backlog
#: goes a batch per write.
PURGE_BATCH = 200


class Purge:
    """When one store purges: it counts the token and lease writes and remembers whether the
    last purge left a backlog. Not locked: each store calls it where its writes are serialised
    (or where a purge more or less does no harm)."""

    def __init__(self) -> None:
        self._writes = itertools.count(1)
        self._behind = False

    def due(self) -> bool:
        """Count a token or lease write: whether it purges (every :data:`PURGE_EVERY`-th, and
        every one while a backlog is left)."""
        return next(self._writes) % PURGE_EVERY == 0 or self._behind

    def run(self, delete: Callable[[int], int]) -> None:
        """Count a write and, when it purges, delete a batch with ``delete``."""
        if self.due():
            self._behind = False  # a failed purge leaves the backlog to the next round
            self._behind = delete(PURGE_BATCH) >= PURGE_BATCH

    async def run_async(self, delete: Callable[[int], Awaitable[int]]) -> None:
        """:meth:`run`, for a ``delete`` that is awaited."""
        if self.due():
            self._behind = False
            self._behind = await delete(PURGE_BATCH) >= PURGE_BATCH
