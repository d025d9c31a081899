"""Old jobs of the store's queue deleted in bounded batches, so a purge never stalls a push.

:meth:`~wxcomponent.stores.Store.purge_jobs` deletes at most ``limit`` jobs a call, the least
recently updated first, each call its own transaction. :func:`purge_old_jobs` calls it until a
call deletes fewer than the limit, and between two calls lets others run (a :class:`Sleep` of
no time: the event loop, or another thread, takes its turn), so the pushes that write the
queue meanwhile wait for one batch at most, never for the whole backlog. The forwarder's
delivered and dead pushes, the refresher's finished code exchanges, the service's spent
authorization links and a shipment's parked audits all go through it.

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..stores.base import JobState, Store
from .effects import Flow, Sleep, store_call

__all__ = ["PURGE_LIMIT", "PurgeRun", "purge_old_jobs"]

#: Jobs one call of ``purge_jobs`` deletes at most (a batch: one short transaction).
PURGE_LIMIT = 500


@dataclass(frozen=True)
class PurgeRun:
    """A purge that ran: when (epoch seconds) and how many jobs it deleted."""

    at: float
    deleted: int


def purge_old_jobs(component_appid: str, *, topic: str, state: JobState, before: float,
                   limit: int = PURGE_LIMIT) -> Flow[int]:
    """Delete every job of ``topic`` in ``state`` last updated before ``before``, at most
    ``limit`` a store call, others running between two calls; how many were deleted."""
    total = 0
    while True:
        deleted: int = yield from store_call(Store.purge_jobs, component_appid, topic=topic,
                                             state=state, before=before, limit=limit)
        total += deleted
        if deleted < limit:
            return total
        yield Sleep(0)
