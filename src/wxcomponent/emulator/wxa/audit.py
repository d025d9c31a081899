"""A mini program's audits: submission (checked against its code, privacy check, categories
and the platform's monthly quota), status, withdrawal, speed-up, the quota, and the media
the audit's screenshots and videos are uploaded as. Outcomes follow the planned steps of
:mod:`.model`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import home_of, int_param, list_param, program_of, spend_monthly
from .icp import require_filed
from .model import (
    AUDITING,
    WITHDRAWN,
    Audit,
    MiniProgram,
    Step,
    Version,
    day_of,
    month_of,
)

__all__ = ["audit_status", "latest_audit", "query_quota", "speed_up", "submit_audit",
           "unapproved", "upload_audit_media", "withdraw"]


def _check_items(program: MiniProgram, items: list[Any]) -> None:
    if len(items) > 5:
        raise WxError(85023)
    approved = {(c["first"], c["second"]) for c in program.categories if c["audit_status"] == 3}
    for item in items:
        if not isinstance(item, dict):
            raise WxError(47001, "item_list holds objects")
        if "first_id" in item or "second_id" in item:
            key = (item.get("first_id"), item.get("second_id"))
            if key not in approved:
                raise WxError(85008)


def unapproved(program: MiniProgram, version: Version, now: float) -> None:
    """61040, naming them as WeChat does, when ``version`` declares privacy interfaces not
    approved (``privacy_api_not_use`` in the submission waives it)."""
    missing = program.compliance.unapproved(version.ext_json, now)
    if missing:
        error = WxError(61040)
        names = "/".join(name.removeprefix("wx.") for name in missing)
        error.errmsg = f"ext.json配置的隐私接口{names}无权限,请申请权限后再提交审核。"
        raise error


def submit_audit(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    version = program.experience
    if version is None:
        raise WxError(85086)
    require_filed(call, program)
    if call.now < program.privacy_ready_at:
        raise WxError(61039)
    if not call.params.get("privacy_api_not_use"):
        unapproved(program, version, call.now)
    latest = program.latest_audit()
    if latest is not None and latest.running(call.now):
        raise WxError(85009)
    _check_items(program, list_param(call, "item_list"))
    spend_monthly(home_of(call).audit_used, call.now, call.state.wxa.limits.audit_quota, 85085)
    audit = Audit(call.state.wxa.new_id(), replace(version), call.now, [])
    audit.schedule(call.state.wxa.plan_for(call.platform.appid, program), call.now)
    program.audits.append(audit)
    call.hooks.wake_scheduler()
    return {**OK, "auditid": audit.auditid}


def _audit_of(call: Call, program: MiniProgram) -> Audit:
    wanted = int_param(call, "auditid", 85012)
    found = next((a for a in program.audits if a.auditid == wanted), None)
    if found is None:
        raise WxError(85012)
    return found


def _status_answer(audit: Audit, now: float, latest: bool) -> dict[str, Any]:
    step = audit.current(now)
    answer: dict[str, Any] = {**OK, "status": audit.status(now),
                              "reason": step.reason if step else ""}
    if step is not None and step.screenshot:
        answer["ScreenShot" if latest else "screenshot"] = step.screenshot
    if latest:
        answer.update(auditid=audit.auditid, user_version=audit.version.user_version,
                      user_desc=audit.version.user_desc,
                      submit_audit_time=int(audit.submitted_at))
    return answer


def audit_status(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return _status_answer(_audit_of(call, program), call.now, latest=False)


def latest_audit(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    audit = program.latest_audit()
    if audit is None:
        raise WxError(85012, "no audit was submitted")
    return _status_answer(audit, call.now, latest=True)


def withdraw(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    audit = program.latest_audit()
    if audit is None or not audit.running(call.now):
        raise WxError(85019)
    limits = call.state.wxa.limits
    today, month = day_of(call.now), month_of(call.now)
    if (sum(day_of(t) == today for t in program.withdrawals) >= limits.withdrawals_per_day
            or sum(month_of(t) == month for t in program.withdrawals)
            >= limits.withdrawals_per_month):
        raise WxError(87013)
    program.withdrawals.append(call.now)
    audit.steps = [s for s in audit.steps if s.at <= call.now]
    audit.steps.append(Step(call.now, WITHDRAWN, pushed=True))
    return dict(OK)


def speed_up(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    audit = _audit_of(call, program)
    if audit.status(call.now) != AUDITING:
        raise WxError(89402)
    if audit.sped_up:
        raise WxError(89404)
    spend_monthly(home_of(call).speedups_used, call.now, call.state.wxa.limits.speedup_quota,
                  89405)
    audit.sped_up = True
    for step in audit.steps:
        if step.at > call.now:
            step.at = call.now + (step.at - call.now) / 2
    call.hooks.wake_scheduler()
    return dict(OK)


def query_quota(call: Call) -> dict[str, Any]:
    home, limits, month = home_of(call), call.state.wxa.limits, month_of(call.now)
    return {**OK, "rest": max(limits.audit_quota - home.audit_used[month], 0),
            "limit": limits.audit_quota,
            "speedup_rest": max(limits.speedup_quota - home.speedups_used[month], 0),
            "speedup_limit": limits.speedup_quota}


def upload_audit_media(call: Call) -> dict[str, Any]:
    media = call.upload("media")
    if media.content_type.startswith("image/"):
        kind, limit = "image", 2 << 20
    elif media.content_type == "video/mp4":
        kind, limit = "video", 10 << 20
    else:
        raise WxError(40005)
    if len(media.content) > limit:
        raise WxError(40006)
    return {**OK, "type": kind, "mediaid": call.keep(media)}
