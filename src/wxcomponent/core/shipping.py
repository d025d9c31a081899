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

Internal module: the public names are exported by :mod:`wxcomponent`.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..errors import (
    AlreadyReleased,
    APIError,
    AuthorizerNotFound,
    CodeCheckPending,
    ConfigurationError,
    InvalidArgument,
    LeaseTimeout,
    TicketInvalid,
    TicketNotFound,
    TransportError,
)
from ..stores.base import AuthorizerRecord, Job, Store
from .context import Context
from .effects import Emit, Flow, Gather, Pause, Sleep, store_call
from .endpoints import audit, code
from .endpoints._checks import json_text, number, optional_text, text
from .models_wxa import AuditItem, AuditState, AuditStatus, parts_json
from .release_accounts import is_release_check_account

__all__ = [
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

log = logging.getLogger("wxcomponent")

Stage = Literal["prepare", "audit", "finish"]
Outcome = Literal["released", "rejected", "failed", "in_progress"]

#: The permission set of mini-program code management (``func_info`` id 18).
CODE_PERMISSION = 18
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STAGES: tuple[Stage, ...] = ("prepare", "audit", "finish")
_SUFFIX = {"prepare": "", "audit": ":audit", "finish": ":finish"}
_TRANSIENT = re.compile(r"^transient (\d+): ")
#: The queue topic of the registry of shipments (one entry per shipment, never worked on).
REGISTRY = "shipments"
#: The most shipments :func:`shipments` returns at once.
SHIPMENTS_MAX = 500
_READ = 500
#: What a step records as its outcome instead of stopping the shipment: WeChat's answers,
#: network failures, bad arguments, accounts that are gone, tokens that cannot be had now.
_STEP_ERRORS = (APIError, TransportError, InvalidArgument, AuthorizerNotFound, LeaseTimeout,
                TicketNotFound)


@dataclass(frozen=True)
class ShipOptions:
    """How a shipment runs (seconds unless named otherwise).

    ``concurrency`` bounds the mini programs worked on at once; ``lease`` is how long a step
    may run before another worker (after a crash) may take it over; ``privacy_interval`` and
    ``poll_interval`` space the privacy-check and audit-status reads; ``idle_interval`` is the
    longest wait when nothing is due (a push for a shipped mini program ends it at once);
    transient failures are retried ``max_attempts`` times with backoff from ``retry_base``;
    an audit of the same version submitted up to ``adopt_window`` before the shipment started
    is taken as the shipment's own (clocks differ). ``audit_items`` go with every submission.
    """

    concurrency: int = 16
    lease: float = 300.0
    privacy_interval: float = 30.0
    poll_interval: float = 600.0
    idle_interval: float = 1.0
    retry_base: float = 2.0
    max_attempts: int = 8
    adopt_window: float = 600.0
    audit_items: tuple[AuditItem | Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) \
                or not 1 <= self.concurrency <= 256:
            raise ConfigurationError("concurrency", "must be an integer from 1 to 256")
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise ConfigurationError("max_attempts", "must be an integer of at least 1")
        for name in ("lease", "privacy_interval", "poll_interval", "idle_interval",
                     "retry_base", "adopt_window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise ConfigurationError(name, "must be a finite number of seconds >= 0")
        if self.lease < 1:
            raise ConfigurationError("lease", "must be at least 1 second")
        try:
            items = tuple(self.audit_items)
            parts_json(items, "audit_items")
        except (TypeError, InvalidArgument) as exc:
            raise ConfigurationError("audit_items", str(exc)) from None
        if len(items) > audit.ITEMS_MAX:
            raise ConfigurationError("audit_items", f"at most {audit.ITEMS_MAX} items")
        object.__setattr__(self, "audit_items", items)


@dataclass(frozen=True)
class AppShipment:
    """Where one mini program of a shipment stands.

    ``outcome`` is ``released``, ``rejected`` (``reason`` says why), ``failed`` (``errcode``
    and ``reason``: WeChat's answer, or what was wrong) or ``in_progress``; ``stage`` is the
    step it is at or ended in.
    """

    appid: str
    outcome: Outcome
    stage: Stage
    auditid: int | None = None
    reason: str = ""
    errcode: int | None = None


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
    def in_progress(self) -> tuple[AppShipment, ...]:
        """Those still on their way."""
        return self._of("in_progress")

    @property
    def finished(self) -> bool:
        """True when every mini program has an outcome."""
        return not self.in_progress

    def counts(self) -> dict[str, int]:
        """How many mini programs have each outcome."""
        return {o: len(self._of(o)) for o in ("released", "rejected", "failed",
                                              "in_progress")}


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


class Waker(Protocol):
    """What wakes a shipment early: audit pushes received in this process.

    ``event`` is the shell's event (a ``threading.Event`` or an ``asyncio.Event``) that is set
    when a push arrives; :meth:`take` returns the appids pushed since the last call and clears
    the event.
    """

    event: Any

    def take(self) -> set[str]:
        """The appids whose audit result was pushed since the last call."""
        ...


# --------------------------------------------------------------------------- plumbing


def topic(shipment: str, stage: Stage) -> str:
    """The queue topic of a shipment's ``stage``."""
    return f"ship:{shipment}{_SUFFIX[stage]}"


def _payload(job: Job) -> dict[str, Any]:
    try:
        data = json.loads(job.payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _fence(job: Job) -> int:
    """The fence of the claim under which this worker holds ``job`` (one it claimed)."""
    assert job.claim is not None, "only a claimed job is settled"
    return job.claim


def _outcome(outcome: Outcome, reason: str = "", errcode: int | None = None,
             auditid: int | None = None) -> str:
    return json.dumps({"outcome": outcome, "reason": reason[:500], "errcode": errcode,
                       "auditid": auditid}, ensure_ascii=False)


@dataclass
class _Run:
    """One run of a shipment: its name, options and what it learned on the way."""

    ctx: Context
    name: str
    options: ShipOptions
    #: appid -> auditid of the audits waiting for their result (for pushes)
    auditids: dict[str, int] = field(default_factory=dict)
    #: the mini programs whose audit result this run handed to the finish step
    decided: set[str] = field(default_factory=set)

    def emit(self, appid: str, stage: Stage, state: str, **fields: Any) -> Emit:
        return Emit("ship_app", {"shipment": self.name, "appid": appid, "stage": stage,
                                 "state": state, **fields})


def _enqueue(run: _Run, stage: Stage, appid: str, data: Mapping[str, Any],
             available_at: float | None = None) -> Flow[int]:
    payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
    job_id: int = yield from store_call(
        Store.enqueue, run.ctx.appid, topic(run.name, stage), appid, payload, key=appid,
        available_at=available_at)
    return job_id


def _settle(run: _Run, job: Job, stage: Stage, appid: str, exc: BaseException) -> Flow[str]:
    """A step failed: retry a transient failure with backoff, bury anything else."""
    ctx, options = run.ctx, run.options
    transient = (isinstance(exc, (TransportError, LeaseTimeout, TicketNotFound, TicketInvalid))
                 or (isinstance(exc, APIError) and exc.retryable))
    errcode = exc.errcode if isinstance(exc, APIError) else None
    reason = (exc.errmsg if isinstance(exc, APIError) else str(exc)) or type(exc).__name__
    if transient:
        found = _TRANSIENT.match(job.last_error or "")
        failures = (int(found.group(1)) if found else 0) + 1
        if failures < options.max_attempts:
            delay = min(options.retry_base * 2 ** (failures - 1), options.poll_interval or 60.0)
            yield from store_call(
                Store.retry_job, job.id, _fence(job), ctx.clock() + delay,
                f"transient {failures}: {reason[:200]}")
            yield run.emit(appid, stage, "retrying", reason=reason[:200])
            return "retrying"
    yield from store_call(Store.bury_job, job.id, _fence(job), _outcome("failed", reason, errcode))
    yield run.emit(appid, stage, "failed", errcode=errcode, reason=reason[:200])
    return "failed"


# --------------------------------------------------------------------------- the steps


def _ours(status: AuditStatus | None, data: Mapping[str, Any], started: float,
          window: float) -> bool:
    return (status is not None and status.user_version == data["user_version"]
            and status.submit_audit_time >= started - window)


def _latest(ctx: Context, appid: str) -> Flow[AuditStatus | None]:
    try:
        return (yield from audit.latest(ctx, appid))
    except APIError as exc:
        if exc.errcode == 85012:  # no audit was ever submitted
            return None
        raise


def _submit_audit(run: _Run, job: Job, appid: str, data: dict[str, Any],
                  auditid: int) -> Flow[str]:
    run.auditids[appid] = auditid
    # an audit takes hours: its first read waits for a push or the first poll
    yield from _enqueue(run, "audit", appid, {**data, "auditid": auditid},
                        run.ctx.clock() + run.options.poll_interval)
    yield from store_call(Store.ack_job, job.id, _fence(job))
    yield run.emit(appid, "prepare", "submitted", auditid=auditid)
    return "submitted"


def _prepare(run: _Run, job: Job) -> Flow[str]:
    """Commit, wait for the privacy check, submit — each at most once per version."""
    ctx, options = run.ctx, run.options
    data = _payload(job)
    appid = str(data.get("appid", job.group))
    if "error" in data or "ext_json" not in data:
        reason = str(data.get("error", "the job's payload is unreadable"))
        yield from store_call(Store.bury_job, job.id, _fence(job), _outcome("failed", reason))
        yield run.emit(appid, "prepare", "failed", reason=reason)
        return "failed"
    started = job.created_at
    resumed = job.attempts > 1
    try:
        if resumed:
            latest = yield from _latest(ctx, appid)
            if latest is not None and _ours(latest, data, started, options.adopt_window):
                return (yield from _submit_audit(run, job, appid, data, latest.auditid))
        committed = str(job.last_error or "").startswith("committed")
        if resumed and not committed:
            info = yield from code.version_info(ctx, appid)
            committed = (info.exp_version == data["user_version"]
                         and info.exp_time >= started - options.adopt_window)
        if not committed:
            yield from code.commit(ctx, appid, data["template_id"], data["ext_json"],
                                   data["user_version"], data["user_desc"])
            yield run.emit(appid, "prepare", "committed")
        try:
            yield from code.privacy_check(ctx, appid)
            submitted = yield from audit.submit(ctx, appid, data.get("items", []))
        except CodeCheckPending:
            yield from store_call(
                Store.retry_job, job.id, _fence(job), ctx.clock() + options.privacy_interval,
                "committed; privacy check running")
            return "checking"
        return (yield from _submit_audit(run, job, appid, data, submitted.auditid))
    except _STEP_ERRORS as exc:
        return (yield from _settle(run, job, "prepare", appid, exc))


def _await_audit(run: _Run, job: Job) -> Flow[str]:
    """Read the audit's status; on a result, hand over to the finish step."""
    ctx = run.ctx
    data = _payload(job)
    appid = str(data.get("appid", job.group))
    auditid = int(data.get("auditid", 0))
    if appid in run.decided:  # a push brought the result first
        yield from store_call(Store.ack_job, job.id, _fence(job))
        return "audited"
    run.auditids[appid] = auditid
    try:
        status = yield from audit.status(ctx, appid, auditid)
    except _STEP_ERRORS as exc:
        return (yield from _settle(run, job, "audit", appid, exc))
    if status.finished:
        yield from _finish_later(run, appid, auditid, status)
        yield from store_call(Store.ack_job, job.id, _fence(job))
        return "audited"
    waiting = "delayed: " + status.reason[:150] if status.status == AuditState.DELAYED \
        else "auditing"
    yield from store_call(
        Store.retry_job, job.id, _fence(job), ctx.clock() + run.options.poll_interval, waiting)
    return "auditing"


def _finish_later(run: _Run, appid: str, auditid: int, status: AuditStatus) -> Flow[None]:
    run.auditids.pop(appid, None)
    run.decided.add(appid)
    yield from _enqueue(run, "finish", appid, {"appid": appid, "auditid": auditid,
                                               "status": status.status,
                                               "reason": status.reason,
                                               "screenshot": list(status.screenshot)})
    yield run.emit(appid, "audit", "audited", auditid=auditid, status=status.status)


def _check_pushed(run: _Run, appid: str) -> Flow[None]:
    """A push said the audit of ``appid`` has news: read it now (the parked audit job, when
    it comes due, finds the finish job there already)."""
    auditid = run.auditids.get(appid)
    if auditid is None:
        return
    try:
        status = yield from audit.status(run.ctx, appid, auditid)
    except _STEP_ERRORS as exc:
        log.info("audit of %s after its push: %s (the next poll tries again)", appid, exc)
        return
    if status.finished:
        yield from _finish_later(run, appid, auditid, status)


def _finish(run: _Run, job: Job) -> Flow[str]:
    """Release an approved audit, or record why it was not."""
    data = _payload(job)
    appid = str(data.get("appid", job.group))
    auditid = int(data.get("auditid", 0))
    status = int(data.get("status", -1))
    if status != AuditState.APPROVED:
        rejected = status == AuditState.REJECTED
        reason = str(data.get("reason", "")) or ("rejected" if rejected else "withdrawn")
        outcome: Outcome = "rejected" if rejected else "failed"
        yield from store_call(
            Store.bury_job, job.id, _fence(job), _outcome(outcome, reason, None,
                                                       auditid))
        yield run.emit(appid, "finish", outcome, auditid=auditid, reason=reason[:200])
        return outcome
    try:
        yield from code.release(run.ctx, appid)
    except AlreadyReleased:
        pass  # released by an earlier try whose answer was lost
    except _STEP_ERRORS as exc:
        return (yield from _settle(run, job, "finish", appid, exc))
    yield from store_call(Store.ack_job, job.id, _fence(job))
    yield run.emit(appid, "finish", "released", auditid=auditid)
    return "released"


_STEPS: dict[Stage, Callable[[_Run, Job], Flow[str]]] = {
    "prepare": _prepare, "audit": _await_audit, "finish": _finish}


# --------------------------------------------------------------------------- the shipment


def mini_program_appids(ctx: Context) -> Flow[list[str]]:
    """The stored authorizers that granted code management (``func_info`` 18): the mini
    programs a platform can ship to (never the release check's test mini program, should an
    older version have stored it)."""
    found: list[str] = []
    after: str | None = None
    while True:
        page: list[AuthorizerRecord] = yield from store_call(
            Store.list_authorizers, ctx.appid, status="authorized", after=after, limit=500)
        found.extend(r.authorizer_appid for r in page if CODE_PERMISSION in r.func_info
                     and not is_release_check_account(r.authorizer_appid))
        if len(page) < 500:
            return found
        after = page[-1].authorizer_appid


def _ext_json_for(appid: str, ext_json: str, overrides: Mapping[str, Any]) -> str:
    given = overrides.get(appid, ext_json)
    value = json_text(given, f"ext_json of {appid}")
    return value.replace("$APPID$", appid)


def _targets(appids: Iterable[str]) -> list[str]:
    from ..config import validate_appid

    chosen: list[str] = []
    for appid in appids:
        try:
            validate_appid(appid, "appids")
        except ValueError as exc:
            raise InvalidArgument("appids", str(exc).split(": ", 1)[-1]) from None
        if is_release_check_account(appid):
            raise InvalidArgument("appids", f"{appid} is a test account of WeChat's release "
                                            "check, not a merchant's mini program")
        if appid not in chosen:
            chosen.append(appid)
    return chosen


def _claim(run: _Run, stage: Stage, limit: int) -> Flow[list[Job]]:
    if limit <= 0:
        return []
    jobs: list[Job] = yield from store_call(
        Store.claim_jobs, run.ctx.appid, topic(run.name, stage), limit=limit,
        lease=run.options.lease)
    return jobs


def _pending(run: _Run) -> Flow[dict[Stage, int]]:
    pending: dict[Stage, int] = {}
    for stage in _STAGES:
        counts: dict[str, int] = yield from store_call(
            Store.count_jobs, run.ctx.appid, topic=topic(run.name, stage))
        pending[stage] = counts.get("pending", 0)
    return pending


def _finished(run: _Run) -> Flow[ShipReport | None]:
    """The report when every mini program has an outcome, else None.

    An audit job still parked for its next poll does not hold a finished shipment: once its
    mini program's result came with a push, the finish job decided; the parked job is dropped.
    """
    pending = yield from _pending(run)
    if pending["prepare"] or pending["finish"]:
        return None
    result = yield from report(run.ctx, run.name)
    if not result.finished:
        return None
    if pending["audit"]:
        yield from store_call(
            Store.purge_jobs, run.ctx.appid, topic=topic(run.name, "audit"), state="pending",
            before=run.ctx.clock() + 365 * 86400)
    return result


def _waiting_audits(run: _Run) -> Flow[None]:
    """Learn the audits a previous run left waiting (so their pushes are recognized)."""
    after: int | None = None
    while True:
        jobs: list[Job] = yield from store_call(
            Store.list_jobs, run.ctx.appid, topic=topic(run.name, "audit"), state="pending",
            after=after, limit=500)
        for job in jobs:
            data = _payload(job)
            if "appid" in data and "auditid" in data:
                run.auditids[str(data["appid"])] = int(data["auditid"])
        if len(jobs) < 500:
            return
        after = jobs[-1].id


def ship(
    ctx: Context,
    template_id: int,
    ext_json: str | Mapping[str, Any],
    user_version: str,
    user_desc: str = "",
    *,
    appids: Sequence[str] | None = None,
    shipment: str | None = None,
    ext_json_for: Mapping[str, str | Mapping[str, Any]] | None = None,
    options: ShipOptions | None = None,
    waker: Waker | None = None,
) -> Flow[ShipReport]:
    """Ship a template to many mini programs: for each, commit (``ext_json`` with
    ``$APPID$`` replaced by its appid, or its own entry of ``ext_json_for``), wait for the
    privacy check, submit the audit, wait for the result and release. Returns when every
    mini program has an outcome.

    ``appids`` defaults to every stored authorizer that granted code management. The
    shipment's name (default ``<template_id>-<user_version>``) names its jobs in the store:
    running it again resumes it, and never commits after an audit started nor submits an
    audit twice. ``waker`` lets audit pushes received in this process end waits early.
    """
    number(template_id, "template_id")
    text(user_version, "user_version", max_len=code.USER_VERSION_MAX)
    optional_text(user_desc, "user_desc")
    shared = json_text(ext_json, "ext_json")
    overrides = dict(ext_json_for or {})
    options = options or ShipOptions()
    if not isinstance(options, ShipOptions):
        raise InvalidArgument("options", "give a ShipOptions")
    name = shipment if shipment is not None else f"{template_id}-{user_version}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgument("shipment", "1 to 64 letters, digits, '.', '_' or '-'")
    targets = None if appids is None else _targets(appids)
    if targets is not None and not targets:
        raise InvalidArgument("appids", "name at least one mini program")
    return _ship(_Run(ctx, name, options), targets, template_id, shared, overrides,
                 user_version, user_desc, waker)


def _ship(run: _Run, targets: list[str] | None, template_id: int, shared: str,
          overrides: dict[str, Any], user_version: str, user_desc: str,
          waker: Waker | None) -> Flow[ShipReport]:
    ctx, options = run.ctx, run.options
    if targets is None:
        targets = yield from mini_program_appids(ctx)
    yield from _register(run, template_id, user_version, user_desc, len(targets))
    items = parts_json(options.audit_items, "audit_items")
    for appid in targets:
        data: dict[str, Any] = {"appid": appid, "template_id": template_id,
                                "user_version": user_version, "user_desc": user_desc,
                                "items": items}
        try:
            data["ext_json"] = _ext_json_for(appid, shared, overrides)
        except InvalidArgument as exc:
            data["error"] = str(exc)
        yield from _enqueue(run, "prepare", appid, data)
    yield Emit("ship_started", {"shipment": run.name, "apps": len(targets)})
    yield from _waiting_audits(run)
    while True:
        claimed: list[tuple[Stage, Job]] = []
        for stage in ("finish", "audit", "prepare"):
            jobs = yield from _claim(run, stage, options.concurrency - len(claimed))
            claimed.extend((stage, job) for job in jobs)
        if claimed:
            yield Gather(tuple(functools.partial(_STEPS[stage], run, job)
                               for stage, job in claimed), options.concurrency)
        pushed = waker.take() if waker is not None else set()
        for appid in sorted(pushed):
            yield from _check_pushed(run, appid)
        if claimed or pushed:
            continue
        result = yield from _finished(run)
        if result is not None:
            break
        if waker is not None:
            yield Pause(options.idle_interval, waker.event)
        else:
            yield Sleep(options.idle_interval)
    yield Emit("ship_finished", {"shipment": run.name, **result.counts()})
    return result


# --------------------------------------------------------------------------- the report


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


# --------------------------------------------------------------------------- the registry


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
