"""A mini program's privacy interfaces (隐私接口): the list with each one's state, and
applications reviewed on the emulated clock as planned through the control API, their
result pushed as ``wxa_privacy_apply``.
"""

from __future__ import annotations

from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import list_param, program_of
from .compliance import INTERFACES, InterfaceApplication, ScheduledPush
from .model import MiniProgram

__all__ = ["apply", "interface_list", "review_push"]

_NAMES = frozenset(name for name, _, _ in INTERFACES)


def interface_list(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    listed = []
    for name, ch_name, group in INTERFACES:
        item: dict[str, Any] = {"api_name": name, "api_ch_name": ch_name,
                                "api_desc": f"{ch_name}（{name}）", "group_name": group,
                                "api_link": "https://developers.weixin.qq.com/miniprogram/dev/"
                                            f"api/location/{name}.html",
                                "status": program.compliance.interface_status(name, call.now)}
        found = program.compliance.applications.get(name)
        if found is not None:
            item.update(apply_time=int(found.applied_at), audit_id=found.audit_id)
            if item["status"] == 4:
                item["fail_reason"] = found.reason
        listed.append(item)
    return {**OK, "interface_list": listed}


def _material(call: Call, values: list[Any], video: bool) -> None:
    for value in values:
        if not isinstance(value, str) or not value:
            raise WxError(61034)
        if value.startswith(("https://", "http://")):
            if video and not value.lower().endswith(".mp4"):
                raise WxError(61032)
            continue
        media = call.state.media.get(value)
        if media is None:
            raise WxError(61033)
        if video and media[2] != "video/mp4":
            raise WxError(61032)


def review_push(appid: str, application: InterfaceApplication) -> dict[str, Any]:
    """The ``wxa_privacy_apply`` push of a decided application. WeChat does not document
    this push's ``status`` values; the emulator sends the list's (5 approved, 4 rejected)."""
    return {"MsgType": "event", "Event": "wxa_privacy_apply", "result_info": {
        "api_name": application.api_name, "apply_time": int(application.applied_at),
        "audit_id": application.audit_id, "audit_time": int(application.decided_at),
        "reason": application.reason, "status": 5 if application.approve else 4}}


def _plan(call: Call, program: MiniProgram, api_name: str) -> tuple[bool, float, str]:
    plan = program.compliance.interface_plan
    return plan.get(api_name) or plan.get("*") or (
        True, call.state.wxa.limits.privacy_interface_review, "")


def apply(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    api_name = call.text("api_name")
    if api_name not in _NAMES:
        raise WxError(61035)
    status = program.compliance.interface_status(api_name, call.now)
    if status == 3:
        raise WxError(61031)
    if status == 5:
        raise WxError(61035, "the interface is open already")
    content = call.params.get("content", "")
    if not isinstance(content, str) or len(content) > 300:
        raise WxError(61034)
    urls, pics, videos = (list_param(call, n) for n in ("url_list", "pic_list", "video_list"))
    if len(pics) > 10 or len(videos) > 1 or not all(isinstance(u, str) and u for u in urls):
        raise WxError(61034)
    _material(call, pics, video=False)
    _material(call, videos, video=True)
    approve, after, reason = _plan(call, program, api_name)
    application = InterfaceApplication(api_name, call.state.wxa.new_id(), call.now,
                                       call.now + after, approve,
                                       "" if approve else (reason or "小程序内未含有相应使用场景"))
    program.compliance.applications[api_name] = application
    call.state.wxa.schedule(ScheduledPush(application.decided_at, call.platform.appid,
                                          account.appid, "message",
                                          review_push(account.appid, application)))
    call.hooks.wake_scheduler()
    return {**OK, "audit_id": application.audit_id}
