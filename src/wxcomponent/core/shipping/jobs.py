"""A shipment's jobs in the store's queue: the topics of its stages, their payloads, the
outcome a job records, the state of one run, and how a failed step is settled (retried
with backoff, or buried).

Internal module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import APIError, LeaseTimeout, TicketInvalid, TicketNotFound, TransportError
from ...stores.base import Job, Store
from ..context import Context
from ..effects import Emit, Flow, store_call
from ..json_object import json_object
from ..listener_events import ListenerEvent
from .options import ShipOptions

__all__ = ["Outcome", "Stage", "topic"]

Stage = Literal["prepare", "audit", "finish"]
Outcome = Literal["released", "rejected", "failed", "blocked", "in_progress"]


_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STAGES: tuple[Stage, ...] = ("prepare", "audit", "finish")
_SUFFIX = {"prepare": "", "audit": ":audit", "finish": ":finish"}
_TRANSIENT = re.compile(r"^transient (\d+): ")


def topic(shipment: str, stage: Stage) -> str:
    """The queue topic of a shipment's ``stage``."""
    return f"ship:{shipment}{_SUFFIX[stage]}"


def _fence(job: Job) -> int:
    """The fence of the claim under which this worker holds ``job`` (one it claimed)."""
    assert job.claim is not None, "only a claimed job is settled"
    return job.claim


def _payload(job: Job) -> dict[str, Any]:
    return json_object(job.payload)


def _outcome(outcome: Outcome, reason: str = "", errcode: int | None = None,
             auditid: int | None = None, blocker: str = "") -> str:
    recorded = {"outcome": outcome, "reason": reason[:500], "errcode": errcode,
                "auditid": auditid}
    if blocker:
        recorded["blocker"] = blocker
    return json.dumps(recorded, ensure_ascii=False)


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
        return Emit(ListenerEvent.SHIP_APP, {"shipment": self.name, "appid": appid, "stage": stage,
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
