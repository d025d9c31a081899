"""A mini program's verification (微信认证) and its renewal: tasks created by ``wxaauth`` and
moved through their states by the control API, materials, a refill's ``reauth``, the
identity tree, and the combined verification and filing procedure.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._auth_data import checked_auth_data
from ._handlers import program_of
from .compliance import DISPATCH, IDENTITY_TREE, Procedure, ScheduledPush, VerificationTask
from .model import MiniProgram

__all__ = ["apply", "identity_tree", "query", "query_procedure", "reapply", "submit_procedure",
           "upload_material"]


def auth_url(taskid: str) -> str:
    """The administrator's authorization link of a task."""
    return f"https://mp.weixin.qq.com/wxopen/wxaauth?action=authorize&taskid={taskid}"


def _running(call: Call, program: MiniProgram) -> None:
    found = program.compliance
    if any(t.open for t in found.tasks.values()) or any(
            p.procedure_status not in (20, 26) for p in found.procedures.values()):
        raise WxError(call.state.wxa.limits.verification_running_errcode,
                      "a verification is under way")


def _push(call: Call, fields: dict[str, Any]) -> None:
    account = call.account
    assert account is not None
    call.state.wxa.schedule(ScheduledPush(call.now, call.platform.appid, account.appid,
                                          "auth_event", fields))
    call.hooks.wake_scheduler()


def task_push(appid: str, task: VerificationTask) -> dict[str, Any]:
    """The ``notify_3rd_wxa_auth`` push of a task as it stands."""
    fields: dict[str, Any] = {"InfoType": "notify_3rd_wxa_auth", "appid": appid,
                              "taskid": task.taskid, "task_status": task.task_status,
                              "apply_status": task.apply_status, "message": task.message}
    if task.task_status >= 12:
        fields["dispatch_info"] = DISPATCH
    return fields


def apply(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    data = checked_auth_data(call)
    _running(call, program)
    task = VerificationTask(secrets.token_hex(16), data, call.now)
    program.compliance.tasks[task.taskid] = task
    _push(call, task_push(account.appid, task))
    return {**OK, "taskid": task.taskid, "auth_url": auth_url(task.taskid)}


def _task(call: Call, program: MiniProgram, taskid: object) -> VerificationTask:
    found = program.compliance.tasks.get(str(taskid or ""))
    if found is None:
        raise WxError(89250)
    return found


def query(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    task = _task(call, program, call.params.get("taskid"))
    return {**OK, **task.to_json(account.appid, auth_url(task.taskid))}


def upload_material(call: Call) -> dict[str, Any]:
    media = call.upload("media")
    if media.content_type not in ("image/png", "image/jpeg", "image/jpg", "image/gif"):
        raise WxError(40005)
    if len(media.content) > 10 << 20:
        raise WxError(40006)
    return {**OK, "mediaid": call.keep(media)}


def reapply(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    data = checked_auth_data(call)
    task = _task(call, program, data.get("taskid"))
    if task.apply_status != 3:
        raise WxError(85020, "the task is not waiting for a refill")
    task.auth_data = data
    task.apply_status, task.refill_reason, task.message = 2, "", "认证资料已重新提交，审核中"
    _push(call, task_push(account.appid, task))
    return {**OK, "taskid": task.taskid, "auth_url": auth_url(task.taskid)}


def identity_tree(call: Call) -> dict[str, Any]:
    return {**OK, "node_list": IDENTITY_TREE}


def procedure_push(procedure: Procedure) -> dict[str, Any]:
    """The ``notify_3rd_wxa_auth_and_icp`` push of a procedure as it stands."""
    return {"InfoType": "notify_3rd_wxa_auth_and_icp", "procedure_id": procedure.procedure_id,
            "procedure_status": procedure.procedure_status}


def submit_procedure(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    data = checked_auth_data(call)
    parts = {name: call.params.get(name) for name in ("icp_subject", "icp_applets",
                                                       "icp_materials")}
    missing = [name for name, value in parts.items() if not isinstance(value, dict) or not value]
    if missing:
        raise WxError(47001, f"{missing[0]} must be an object")
    if not any(c["audit_status"] == 3 for c in program.categories):
        return {**OK, "hints": [{"errcode": 86202, "errmsg": "需要至少一个已审核通过的类目",
                                 "err_field": "categories"}]}
    if program.compliance.verified(call.now):
        raise WxError(call.state.wxa.limits.verification_running_errcode,
                      "the mini program is verified already")
    _running(call, program)
    merchant_pays = data.get("pay_type") == 2
    procedure = Procedure(secrets.token_hex(16), {"auth_data": data, **parts}, call.now,
                          15 if merchant_pays else 17, orderid=str(call.state.wxa.new_id()))
    program.compliance.procedures[procedure.procedure_id] = procedure
    _push(call, procedure_push(procedure))
    answer: dict[str, Any] = {**OK, "procedure_id": procedure.procedure_id}
    if merchant_pays:
        answer["pay_url"] = ("https://mp.weixin.qq.com/wxopen/authpay?procedure_id="
                             + procedure.procedure_id)
    return answer


def query_procedure(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    found = program.compliance.procedures.get(call.text("procedure_id"))
    if found is None:
        raise WxError(89250)
    return {**OK, **found.to_json()}
