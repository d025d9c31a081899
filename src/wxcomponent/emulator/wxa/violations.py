"""A mini program's violations (违规) and appeals (申诉): records injected through the control
API, listed by period; appeals created with their materials and decided through the control
API, each change pushed as ``wxa_appeal_record``.
"""

from __future__ import annotations

from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import list_param, program_of
from .compliance import Appeal, ScheduledPush

__all__ = ["appeal_records", "create_appeal", "illegal_records"]

_WINDOW = 90 * 86400


def _bound(call: Call, name: str) -> int | None:
    if call.params.get(name) is None:
        return None
    return call.number(name, 0)


def illegal_records(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    start, end = _bound(call, "start_time"), _bound(call, "end_time")
    if start is None and end is None:
        end = int(call.now)
    if start is None:
        start = (end or 0) - _WINDOW
    if end is None:
        end = start + _WINDOW
    found = [r.to_json() for r in program.compliance.records if start <= r.create_time <= end]
    return {**OK, "records": found}


def appeal_records(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    wanted = call.text("illegal_record_id")
    return {**OK, "records": [a.to_json() for a in program.compliance.appeals
                              if a.illegal_record_id == wanted]}


def create_appeal(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    found = program.compliance
    record = next((r for r in found.records
                   if r.illegal_record_id == call.text("illegal_record_id")), None)
    if record is None:
        raise WxError(47001, "no such illegal_record_id")
    reasons = list_param(call, "appeal_materials")
    if not reasons:
        raise WxError(47001, "appeal_materials is required")
    materials = []
    for entry in reasons:
        proofs = entry.get("proof_material_ids", []) if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not entry.get("reason") or not isinstance(proofs, list):
            raise WxError(47001, "each appeal material has a reason and proof_material_ids")
        if any(p not in call.state.media for p in proofs):
            raise WxError(40007)
        materials.append({"illegal_material": {"content": record.illegal_content,
                                               "content_url": record.rule_url},
                          "appeal_material": {"reason": entry["reason"],
                                              "proof_material_ids": list(proofs)}})
    earlier = [a for a in found.appeals if a.illegal_record_id == record.illegal_record_id]
    if any(a.appeal_status == 1 for a in earlier):
        raise WxError(call.state.wxa.limits.appeal_running_errcode, "an appeal is processing")
    appeal = Appeal(call.state.wxa.new_id(), record.illegal_record_id, int(call.now),
                    len(earlier) + 1, 1, record.illegal_reason, materials)
    found.appeals.append(appeal)
    call.state.wxa.schedule(ScheduledPush(call.now, call.platform.appid, account.appid,
                                          "message", appeal.push_fields(account.appid)))
    call.hooks.wake_scheduler()
    return dict(OK)
