"""Shipping one template to many mini programs: commit, the privacy check, the audit, its
result (pushed, or polled), and the release — for each mini program, with bounded concurrency,
every step durable in the store's job queue.

A shipment has a name and three queue topics, each with one job per mini program (grouped by
its appid, keyed by it, so enqueueing again changes nothing):

* ``ship:<name>`` — **prepare**: commit the template, wait for the privacy check, submit the
  audit; then enqueue the audit job and acknowledge this one;
* ``ship:<name>:audit`` — **audit**: read the audit's status; when final, enqueue the finish
  job; else come back after ``poll_interval`` (a push for the mini program checks at once);
* ``ship:<name>:finish`` — **finish**: release an approved audit (acknowledged: *released*),
  or record the rejection (buried with the reason: *rejected*).

The platform's shipments are listed in a registry, the queue topic :data:`REGISTRY`: starting
a shipment enqueues one entry for it (grouped and keyed by its name, so a resumed shipment
adds nothing; its payload names the template, the version, when it started and how many mini
programs it ships to) and acknowledges it at once: nothing works on these jobs, they are only
read. :func:`shipments` lists them newest first.

A step that fails for good is buried with the errcode (*failed*); a transient failure is
retried with backoff. The next job is always enqueued before the current one is acknowledged,
so a crash repeats at most the step it interrupted, and every step is safe to repeat: before
committing or submitting again, the prepare step asks WeChat whether this version was already
committed or its audit already started (``getversioninfo``, ``get_latest_auditstatus``), and
adopts that audit instead of submitting a second one. Running :func:`ship` again with the
same name resumes a shipment; :func:`report` reads where each mini program stands.

The rules live by concept: :mod:`.options`, the queue's :mod:`.jobs`, the :mod:`.steps`, the
:mod:`.run` of a shipment, the :mod:`.reports` and the :mod:`.registry`.

Internal package: the public names are exported by :mod:`wxcomponent`.
"""

from __future__ import annotations

from .options import ShipOptions
from .registry import REGISTRY, SHIPMENTS_MAX, Shipment, ShipmentPage, shipments
from .reports import AppShipment, ShipReport, report
from .run import Waker, mini_program_appids, ship

__all__ = [
    "REGISTRY",
    "SHIPMENTS_MAX",
    "AppShipment",
    "ShipOptions",
    "ShipReport",
    "Shipment",
    "ShipmentPage",
    "Waker",
    "mini_program_appids",
    "report",
    "ship",
    "shipments",
]
