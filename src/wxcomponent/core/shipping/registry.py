"""The registry of the platform's shipments: the queue topic :data:`REGISTRY`, one entry per
shipment (never worked on, only read), entered when a shipment starts and listed newest
first by :func:`shipments`.

Internal module: the public names are exported by :mod:`wxcomponent`.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass

from ...errors import InvalidArgument
from ...stores.base import Job, Store
from ..context import Context
from ..effects import Flow, store_call
from .jobs import _fence, _payload, _Run

__all__ = ["REGISTRY", "SHIPMENTS_MAX", "Shipment", "ShipmentPage", "shipments"]

#: The queue topic of the registry of shipments (one entry per shipment, never worked on).
REGISTRY = "shipments"
#: The most shipments :func:`shipments` returns at once.
SHIPMENTS_MAX = 500
_READ = 500


@dataclass(frozen=True)
class Shipment:
    """A shipment of the platform's registry: its name, the template and version it ships,
    when it started and to how many mini programs. ``id`` orders shipments (a later one has a
    larger id) and is the cursor of :func:`shipments`; :func:`report` tells where its mini
    programs stand."""

    id: int
    name: str
    template_id: int | None
    user_version: str
    user_desc: str
    started_at: float
    apps: int


@dataclass(frozen=True)
class ShipmentPage:
    """A page of the registry of shipments, newest first; ``next`` is the ``before`` of the
    following (older) page, or None when there is none."""

    shipments: tuple[Shipment, ...]
    next: int | None = None


def _register(run: _Run, template_id: int, user_version: str, user_desc: str,
              apps: int) -> Flow[None]:
    """Enter the shipment in the registry (once: a resumed shipment keeps its first entry)
    and acknowledge the registry's due entries, so no claim of any worker ever sees them."""
    ctx = run.ctx
    payload = json.dumps({"name": run.name, "template_id": template_id,
                          "user_version": user_version, "user_desc": user_desc,
                          "started_at": ctx.clock(), "apps": apps},
                         ensure_ascii=False).encode("utf-8")
    yield from store_call(Store.enqueue, ctx.appid, REGISTRY, run.name, payload, key=run.name)
    # this entry, and any that a run interrupted right here left pending
    entries: list[Job] = yield from store_call(
        Store.claim_jobs, ctx.appid, REGISTRY, limit=100, lease=60.0)
    for entry in entries:
        yield from store_call(Store.ack_job, entry.id, _fence(entry))


def _entry(job: Job) -> Shipment:
    data = _payload(job)
    template_id = data.get("template_id")
    started = data.get("started_at")
    apps = data.get("apps")
    return Shipment(
        job.id, job.group,
        template_id if type(template_id) is int else None,
        str(data.get("user_version") or ""), str(data.get("user_desc") or ""),
        float(started) if isinstance(started, (int, float)) and not isinstance(started, bool)
        and math.isfinite(started) else job.created_at,
        apps if type(apps) is int else 0)


def shipments(ctx: Context, *, before: int | None = None,
              limit: int = 20) -> Flow[ShipmentPage]:
    """The platform's shipments, newest first: up to ``limit`` of those that started before
    the shipment whose :attr:`~Shipment.id` is ``before`` (None: the newest). The page's
    ``next`` is the ``before`` of the following, older page, or None at the end::

        page = component.fleet.shipments(limit=20)
        older = component.fleet.shipments(before=page.next) if page.next else None

    Shipments started before this registry existed are not listed; :func:`report` still
    reads them by name. The registry holds one small entry per shipment and is read in
    id order from its start, so a page costs one store read per 500 shipments started before
    it.
    """
    if before is not None and (isinstance(before, bool) or not isinstance(before, int)
                               or before < 1):
        raise InvalidArgument("before", "must be a shipment's id (a positive integer)")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= SHIPMENTS_MAX:
        raise InvalidArgument("limit", f"must be an integer from 1 to {SHIPMENTS_MAX}")
    return _shipments(ctx, before, limit)


def _shipments(ctx: Context, before: int | None, limit: int) -> Flow[ShipmentPage]:
    newest: deque[Job] = deque(maxlen=limit + 1)
    after: int | None = None
    while True:
        jobs: list[Job] = yield from store_call(
            Store.list_jobs, ctx.appid, topic=REGISTRY, after=after, limit=_READ)
        older = [job for job in jobs if before is None or job.id < before]
        newest.extend(older)
        if len(jobs) < _READ or len(older) < len(jobs):
            break
        after = jobs[-1].id
    shown = list(reversed(newest))
    more = len(shown) > limit
    shown = shown[:limit]
    return ShipmentPage(tuple(_entry(job) for job in shown), shown[-1].id if more else None)
