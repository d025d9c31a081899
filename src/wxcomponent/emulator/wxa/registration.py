"""Registering mini programs: fast registration of an enterprise's or a person's, trial mini
programs and their verification, and reusing an official account's subject. Tasks wait for
the control methods to complete them (:meth:`.control.MiniProgramControl.complete_registration`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import home_of, program_of
from .model import Registration

__all__ = ["fast_register", "fast_register_personal", "fast_register_trial", "reuse_subject",
           "verify_trial"]


def _published(call: Call) -> None:
    """61028 while the platform has not gone live (全网发布): WeChat registers mini programs
    only for published platforms."""
    if not call.platform.live:
        raise WxError(61028)


def _registration(call: Call, kind: Any, info: dict[str, Any],
                  task_id: str | None = None) -> Registration:
    home = home_of(call)
    task = Registration(task_id or secrets.token_hex(16), kind, info, call.now)
    home.registrations[task.task_id] = task
    return task


def _enterprise_info(params: Mapping[str, Any], name_field: str = "name") -> dict[str, Any]:
    def text(name: str) -> str:
        value = params.get(name)
        return value if isinstance(value, str) else ""

    info = {name_field: text(name_field), "code": text("code"),
            "code_type": params.get("code_type"),
            "legal_persona_wechat": text("legal_persona_wechat"),
            "legal_persona_name": text("legal_persona_name"),
            "component_phone": text("component_phone")}
    if not all(info[k] for k in (name_field, "code", "legal_persona_wechat",
                                 "legal_persona_name")):
        raise WxError(47001, "name, code and the legal person are required")
    if info["code_type"] not in (1, 2, 3):
        raise WxError(89255)
    return info


def fast_register(call: Call) -> dict[str, Any]:
    _published(call)
    action = call.query.get("action", "")
    home = home_of(call)
    if action == "create":
        info = _enterprise_info(call.params)
        if any(t.kind == "enterprise" and t.status == "pending" and t.info["name"] == info["name"]
               for t in home.registrations.values()):
            raise WxError(89249)
        _registration(call, "enterprise", info)
        return dict(OK)
    if action == "search":
        wanted = (call.text("name"), call.text("legal_persona_wechat"),
                  call.text("legal_persona_name"))
        tasks = [t for t in home.registrations.values() if t.kind == "enterprise" and (
            t.info["name"], t.info["legal_persona_wechat"], t.info["legal_persona_name"])
            == wanted]
        if not tasks:
            raise WxError(89250)
        if tasks[-1].status == "pending":
            raise WxError(89251)
        if tasks[-1].status == "failed":
            raise WxError(89250, "the task failed; start a new one")
        return dict(OK)
    raise WxError(40097, "action must be create or search")


def fast_register_personal(call: Call) -> dict[str, Any]:
    _published(call)
    action = call.query.get("action", "")
    home = home_of(call)
    if action == "create":
        if not call.text("idname") or not call.text("wxuser"):
            raise WxError(47001, "idname and wxuser are required")
        task = _registration(call, "personal", {"name": call.text("idname"),
                                                "wxuser": call.text("wxuser")})
        url = f"https://mp.weixin.qq.com/wxopen/fastregisterpersonal?taskid={task.task_id}"
        return {**OK, "taskid": task.task_id, "authorize_url": url, "status": 0}
    if action == "query":
        found = home.registrations.get(call.text("taskid"))
        if found is None or found.kind != "personal":
            raise WxError(89250)
        status = {"pending": 1000, "failed": 1001, "done": 0}[found.status]
        answer: dict[str, Any] = {**OK, "status": status}
        if found.appid:
            answer["appid"] = found.appid
            answer["authorization_code"] = found.info.get("auth_code", "")
        return answer
    raise WxError(40097, "action must be create or query")


def fast_register_trial(call: Call) -> dict[str, Any]:
    _published(call)
    name = call.text("name")
    if not 4 <= len(name) <= 30 or not call.text("openid"):
        raise WxError(47001, "name is 4 to 30 characters; openid is required")
    task = _registration(call, "trial", {"name": name, "openid": call.text("openid")})
    url = f"https://mp.weixin.qq.com/wxawap/fastregistertpbeta?action=show&create_token={task.task_id}"
    return {**OK, "unique_id": task.task_id, "authorize_url": url}


def verify_trial(call: Call) -> dict[str, Any]:
    _, account = program_of(call)
    info = call.params.get("verify_info")
    if not isinstance(info, dict):
        raise WxError(47001, "verify_info is required")
    details = _enterprise_info(info, "enterprise_name")
    details["appid"] = account.appid
    _registration(call, "verify", details)
    return dict(OK)


def reuse_subject(call: Call) -> dict[str, Any]:
    _published(call)
    _, _, account = call.owned()
    home = home_of(call)
    if home.reuse_tickets.get(call.text("ticket")) != account.appid:
        raise WxError(40097, "invalid ticket")
    del home.reuse_tickets[call.text("ticket")]
    created, code = call.state.add_mini_program(call.platform, f"{account.nick_name}的小程序")
    return {**OK, "appid": created.appid, "authorization_code": code.value,
            "is_wx_verify_succ": "true", "is_link_succ": "true"}
