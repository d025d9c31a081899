"""Registering mini programs: fast registration of an enterprise's or a person's (WeChat's new
version: a task whose ``authorize_url`` the legal person completes within 24 hours, or the
person; WeChat states no window for a person, so theirs does not expire here), trial mini
programs and their verification, renaming a trial, reusing an official account's subject and
rebinding an administrator. Tasks wait for the control methods to complete them
(:meth:`.control.MiniProgramControl.complete_authorize_url`, ``complete_registration``) or
expire.

The old versions WeChat retired on 2026-04-30 answer as WeChat does now: ``-1`` (``system
error``) — the old enterprise create and search, a personal create without ``new_version``,
and a trial verification without it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, Literal

from ...core.credit_code import is_credit_code
from ..calls import OK, Call
from ..model import Account, WxError
from ._handlers import home_of, program_of
from .model import REGISTRATION_WINDOW, Registration

__all__ = ["fast_register_enterprise", "fast_register_personal", "fast_register_trial",
           "rebind_admin", "retired", "reuse_subject", "set_trial_name", "verify_trial"]

#: The pages the new version's ``authorize_url`` opens, by task kind.
_AUTHORIZE_PAGES = {"enterprise": "https://mp.weixin.qq.com/wxopen/fastregisterenterprise",
                    "personal": "https://mp.weixin.qq.com/wxopen/fastregisterpersonal"}
#: What a registration task's query answers as ``status``, by the task's state.
_QUERY_STATUS = {"pending": 1000, "failed": 1001, "done": 0}


def _published(call: Call) -> None:
    """61028 while the platform has not gone live (全网发布): WeChat registers mini programs
    only for published platforms."""
    if not call.platform.live:
        raise WxError(61028)


def _registration(call: Call, kind: Any, info: dict[str, Any], *,
                  expires: bool = False) -> Registration:
    home = home_of(call)
    task = Registration(secrets.token_hex(16), kind, info, call.now,
                        expires_at=call.now + REGISTRATION_WINDOW if expires else None)
    home.registrations[task.task_id] = task
    return task


def _new_version(params: Mapping[str, Any]) -> None:
    """The retired versions are refused as WeChat refuses them now."""
    if params.get("new_version") is not True:
        raise WxError(-1)


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise WxError(47001, f"{name} is required")
    return value


def _enterprise_info(params: Mapping[str, Any], name_field: str) -> dict[str, Any]:
    info = {name_field: _text(params, name_field), "code": _text(params, "code"),
            "component_phone": _text(params, "component_phone")}
    if not is_credit_code(info["code"]):
        raise WxError(47001, "code must be an 18-character unified social credit code")
    return info


def retired(call: Call) -> dict[str, Any]:
    """An endpoint WeChat retired: ``-1`` whatever is asked."""
    raise WxError(-1)


def _query_task(call: Call, kind: str) -> dict[str, Any]:
    found = home_of(call).registrations.get(call.text("taskid"))
    if found is None or found.kind != kind:
        raise WxError(89250)
    answer: dict[str, Any] = {**OK, "status": _QUERY_STATUS[found.status]}
    if found.appid:
        answer["appid"] = found.appid
        answer["authorization_code"] = found.info.get("auth_code", "")
    return answer


def _created(task: Registration) -> dict[str, Any]:
    url = f"{_AUTHORIZE_PAGES[task.kind]}?taskid={task.task_id}"
    return {**OK, "taskid": task.task_id, "authorize_url": url, "status": 0}


def _task_handler(kind: Literal["enterprise", "personal"], default_action: str,
                  read: Callable[[Call], dict[str, Any]]) -> Callable[[Call], dict[str, Any]]:
    """A registration of WeChat's new version: ``action=create`` (``new_version`` required,
    the task's ``info`` from ``read``) or ``action=query``."""

    def handler(call: Call) -> dict[str, Any]:
        action = call.query.get("action", default_action)
        if action == "query":
            return _query_task(call, kind)
        if action != "create":
            raise WxError(40097, "action must be create or query")
        _published(call)
        _new_version(call.params)
        return _created(_registration(call, kind, read(call), expires=kind == "enterprise"))

    return handler


def _enterprise(call: Call) -> dict[str, Any]:
    info = _enterprise_info(call.params, "name")
    if any(t.kind == "enterprise" and t.status == "pending" and t.info["name"] == info["name"]
           for t in home_of(call).registrations.values()):
        raise WxError(89249)
    return info


def _personal(call: Call) -> dict[str, Any]:
    info = {"name": _text(call.params, "idname"), "wxuser": _text(call.params, "wxuser")}
    if call.text("component_phone"):
        info["component_phone"] = call.text("component_phone")
    return info


#: The ``action`` is the personal registration's; the enterprise one creates without it.
fast_register_enterprise = _task_handler("enterprise", "create", _enterprise)
fast_register_personal = _task_handler("personal", "", _personal)


def _trial_name(call: Call) -> str:
    name = call.text("name")
    if not 4 <= len(name) <= 30:
        raise WxError(47001, "name is 4 to 30 characters")
    return name


def fast_register_trial(call: Call) -> dict[str, Any]:
    _published(call)
    name = _trial_name(call)
    if not call.text("openid"):
        raise WxError(47001, "openid is required")
    task = _registration(call, "trial", {"name": name, "openid": call.text("openid")})
    url = f"https://mp.weixin.qq.com/wxawap/fastregistertpbeta?action=show&create_token={task.task_id}"
    return {**OK, "unique_id": task.task_id, "authorize_url": url}


def set_trial_name(call: Call) -> dict[str, Any]:
    """Only a trial mini program (one a trial registration created) may be renamed here."""
    _, account = program_of(call)
    if not any(t.kind == "trial" and t.appid == account.appid
               for t in home_of(call).registrations.values()):
        raise WxError(47001, "not a trial mini program")
    account.nick_name = _trial_name(call)
    return dict(OK)


def _spend(call: Call, held: dict[str, str], name: str) -> Account:
    """The calling account, once the one-use value of parameter ``name`` (a ticket, a task
    id a page gave) was the account's and is spent; 40097 otherwise."""
    _, _, account = call.owned()
    if held.get(call.text(name)) != account.appid:
        raise WxError(40097, f"invalid {name}")
    del held[call.text(name)]
    return account


def rebind_admin(call: Call) -> dict[str, Any]:
    home = home_of(call)
    home.rebound.append(_spend(call, home.rebind_tasks, "taskid").appid)
    return dict(OK)


def verify_trial(call: Call) -> dict[str, Any]:
    """``new_version`` is taken inside ``verify_info`` or beside it: WeChat's page does not
    say where it goes."""
    _, account = program_of(call)
    info = call.params.get("verify_info")
    if not isinstance(info, dict):
        raise WxError(47001, "verify_info is required")
    if info.get("new_version") is not True:
        _new_version(call.params)
    details = _enterprise_info(info, "enterprise_name")
    details["appid"] = account.appid
    _registration(call, "verify", details)
    return dict(OK)


def reuse_subject(call: Call) -> dict[str, Any]:
    _published(call)
    account = _spend(call, home_of(call).reuse_tickets, "ticket")
    created, code = call.state.add_mini_program(call.platform, f"{account.nick_name}的小程序")
    return {**OK, "appid": created.appid, "authorization_code": code.value,
            "is_wx_verify_succ": "true", "is_link_succ": "true"}
