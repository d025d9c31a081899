"""Where each mini program of a shipment stands, read from the store: :func:`report`.

Internal module: the public names are exported by :mod:`wxcomponent`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ...errors import InvalidArgument
from ...stores.base import Job, Store
from ..context import Context
from ..effects import Flow, store_call
from .jobs import _NAME, _STAGES, _TRANSIENT, Outcome, Stage, _payload, topic

__all__ = ["AppShipment", "ShipReport", "report"]

@dataclass(frozen=True)
class AppShipment:
    """Where one mini program of a shipment stands.

    ``outcome`` is ``released``, ``rejected`` (``reason`` says why), ``failed`` (``errcode``
    and ``reason``: WeChat's answer, or what was wrong), ``blocked`` (``blocker`` names what
    stopped it before anything was committed, ``reason`` tells more) or ``in_progress``;
    ``stage`` is the step it is at or ended in.
    """

    appid: str
    outcome: Outcome
    stage: Stage
    auditid: int | None = None
    reason: str = ""
    errcode: int | None = None
    blocker: str = ""


@dataclass(frozen=True)
class ShipReport:
    """Every mini program of a shipment, and the counts by outcome."""

    shipment: str
    apps: tuple[AppShipment, ...] = field(default=())

    def _of(self, outcome: Outcome) -> tuple[AppShipment, ...]:
        return tuple(a for a in self.apps if a.outcome == outcome)

    @property
    def released(self) -> tuple[AppShipment, ...]:
        """The mini programs now serving the shipped version."""
        return self._of("released")

    @property
    def rejected(self) -> tuple[AppShipment, ...]:
        """Those whose audit was rejected (with the reason)."""
        return self._of("rejected")

    @property
    def failed(self) -> tuple[AppShipment, ...]:
        """Those that failed (with the errcode)."""
        return self._of("failed")

    @property
    def blocked(self) -> tuple[AppShipment, ...]:
        """Those stopped before their commit (``blocker`` says by what)."""
        return self._of("blocked")

    def blockers(self) -> dict[str, int]:
        """How many mini programs each blocker stopped, the largest group first."""
        groups: dict[str, int] = {}
        for app in self.blocked:
            groups[app.blocker] = groups.get(app.blocker, 0) + 1
        return dict(sorted(groups.items(), key=lambda item: (-item[1], item[0])))

    @property
    def in_progress(self) -> tuple[AppShipment, ...]:
        """Those still on their way."""
        return self._of("in_progress")

    @property
    def finished(self) -> bool:
        """True when every mini program has an outcome."""
        return not self.in_progress

    def counts(self) -> dict[str, int]:
        """How many mini programs have each outcome."""
        return {o: len(self._of(o)) for o in ("released", "rejected", "failed", "blocked",
                                              "in_progress")}


def _all_jobs(ctx: Context, name: str, stage: Stage) -> Flow[list[Job]]:
    found: list[Job] = []
    after: int | None = None
    while True:
        jobs: list[Job] = yield from store_call(
            Store.list_jobs, ctx.appid, topic=topic(name, stage), after=after, limit=500)
        found.extend(jobs)
        if len(jobs) < 500:
            return found
        after = jobs[-1].id


def _standing(job: Job, stage: Stage) -> AppShipment:
    data = _payload(job)
    auditid = data.get("auditid")
    auditid = int(auditid) if isinstance(auditid, int) else None
    if job.state == "pending":
        waiting = "" if _TRANSIENT.match(job.last_error or "") else job.last_error or ""
        return AppShipment(job.group, "in_progress", stage, auditid, waiting)
    if job.state == "done":
        outcome: Outcome = "released" if stage == "finish" else "in_progress"
        return AppShipment(job.group, outcome, stage, auditid)
    try:
        recorded = json.loads(job.last_error or "{}")
    except ValueError:
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    kind = recorded.get("outcome")
    errcode = recorded.get("errcode")
    if kind == "blocked":
        return AppShipment(job.group, "blocked", stage, None,
                           str(recorded.get("reason") or ""),
                           blocker=str(recorded.get("blocker") or "blocked"))
    return AppShipment(job.group, "rejected" if kind == "rejected" else "failed", stage,
                       recorded.get("auditid") if isinstance(recorded.get("auditid"), int)
                       else auditid,
                       str(recorded.get("reason") or job.last_error or ""),
                       errcode if isinstance(errcode, int) else None)


def report(ctx: Context, shipment: str) -> Flow[ShipReport]:
    """Where each mini program of the shipment ``shipment`` stands (read from the store)."""
    if not isinstance(shipment, str) or not _NAME.fullmatch(shipment):
        raise InvalidArgument("shipment", "1 to 64 letters, digits, '.', '_' or '-'")
    return _report(ctx, shipment)


def _report(ctx: Context, shipment: str) -> Flow[ShipReport]:
    latest: dict[str, AppShipment] = {}
    order: list[str] = []
    for stage in _STAGES:
        for job in (yield from _all_jobs(ctx, shipment, stage)):
            if job.group not in latest:
                order.append(job.group)
            latest[job.group] = _standing(job, stage)
    return ShipReport(shipment, tuple(latest[appid] for appid in order))
