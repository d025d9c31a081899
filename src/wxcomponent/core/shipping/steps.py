"""The steps of each mini program of a shipment: **prepare** (commit, the privacy check, the
audit), **audit** (its result, pushed or polled) and **finish** (release, or record the
rejection). Each step is safe to repeat.

Internal module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ...errors import (
    AlreadyReleased,
    APIError,
    AuthorizerNotFound,
    CodeCheckPending,
    InvalidArgument,
    LeaseTimeout,
    TicketNotFound,
    TransportError,
)
from ...stores.base import Job, Store
from ..context import Context
from ..effects import Flow, store_call
from ..endpoints import audit, code
from ..models_wxa import AuditState, AuditStatus
from .jobs import Outcome, Stage, _enqueue, _fence, _outcome, _payload, _Run, _settle
from .preflight import Blocker, blocker_of

log = logging.getLogger("wxcomponent")

#: What a step records as its outcome instead of stopping the shipment: WeChat's answers,
#: network failures, bad arguments, accounts that are gone, tokens that cannot be had now.
_STEP_ERRORS = (APIError, TransportError, InvalidArgument, AuthorizerNotFound, LeaseTimeout,
                TicketNotFound)


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


def _block(run: _Run, job: Job, appid: str, blocker: Blocker) -> Flow[str]:
    """End ``appid``'s shipment before its commit: nothing was spent on it."""
    yield from store_call(Store.bury_job, job.id, _fence(job),
                          _outcome("blocked", blocker.detail, blocker=blocker.code))
    yield run.emit(appid, "prepare", "blocked", blocker=blocker.code,
                   reason=blocker.detail[:200])
    return "blocked"


def _prepare(run: _Run, job: Job) -> Flow[str]:
    """Commit, wait for the privacy check, submit — each at most once per version."""
    ctx, options = run.ctx, run.options
    data = _payload(job)
    appid = str(data.get("appid", job.group))
    planned = data.get("blocked")
    if isinstance(planned, dict):  # beyond the month's audit quota
        return (yield from _block(run, job, appid, Blocker(str(planned.get("code")),
                                                           str(planned.get("detail")))))
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
            if options.preflight:
                blocker = yield from blocker_of(ctx, appid, options)
                if blocker is not None:
                    return (yield from _block(run, job, appid, blocker))
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
