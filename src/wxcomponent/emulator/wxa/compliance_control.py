"""The control methods of a mini program's compliance, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API under ``/__emulator__/``):
moving verifications and combined procedures through their states, planning and deciding
privacy-interface reviews, injecting violation records and punishments, deciding appeals.
Each change is pushed as WeChat pushes it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from ...errors import InvalidArgument
from ..model import Delivery, NotFound
from .compliance import TASK_STATES, IllegalRecord, ScheduledPush
from .control import MiniProgramControl
from .model import MiniProgram
from .privacy_interfaces import review_push
from .verification import procedure_push, task_push

__all__ = ["ComplianceControl"]

_DAY = 86400.0
#: The punishment kinds of ``wxa_punish_event``.
PUNISH_TYPES = (1, 2, 3, 4, 10)


def _renewal_message(until: float) -> str:
    return ("详情: 账号已进入年审期，到期未完成年审将影响新版本发布和“被搜索”能力。逾期 30 天将影响"
            "“被分享”能力，逾期 60 天将影响新用户访问及支付功能。"
            f"\n到期时间: {int(until)}")


class ComplianceControl(MiniProgramControl):
    """The control methods of compliance, part of :class:`~wxcomponent.emulator.Emulator`
    (also under ``/__emulator__/``), beside those of mini-program management it extends."""

    def _push_auth_event(self, component_appid: str, fields: dict[str, Any]) -> Delivery:
        platform = self.platform(component_appid)
        rest = dict(fields)
        return self._push_event(platform, self._event(platform, rest.pop("InfoType"), **rest),
                                background=False)

    def _verified(self, component_appid: str, authorizer_appid: str,
                  program: MiniProgram) -> None:
        """Open (or extend) the verified period and plan its annual-review pushes: before
        the end (``verification_review_lead``), at it, and 30 and 60 days after."""
        now, limits = self.clock.now(), self.state.wxa.limits
        found = program.compliance
        until = found.verified_until = max(now, found.verified_until) + \
            limits.verification_validity
        world = self.state.wxa
        world.scheduled = [p for p in world.scheduled
                           if not (p.authorizer_appid == authorizer_appid
                                   and p.fields.get("InfoType") == "notify_3rd_wxa_wxverify")]
        offsets = [0.0, 30 * _DAY, 60 * _DAY]
        if limits.verification_review_lead > 0:
            offsets.insert(0, -limits.verification_review_lead)
        for offset in offsets:
            world.schedule(ScheduledPush(
                until + offset, component_appid, authorizer_appid, "auth_event",
                {"InfoType": "notify_3rd_wxa_wxverify", "appid": authorizer_appid,
                 "expired": int(until), "message": _renewal_message(until)}))
        self.wake_scheduler()

    # ------------------------------------------------------------------ verification

    def verification_step(self, component_appid: str, authorizer_appid: str, step: str,
                          taskid: str | None = None, reason: str = "") -> Delivery:
        """Move a verification task (the latest unless ``taskid``) to ``step``:
        ``authorized``, ``refused``, ``timed_out``, ``face_ok``, ``phone_ok``, ``reviewing``,
        ``refill`` (the reviewer asks for changes: ``reauth``), ``approved`` (the account is
        verified for ``verification_validity``; the annual-review pushes are planned) or
        ``failed``. Pushes ``notify_3rd_wxa_auth``."""
        if step not in TASK_STATES:
            raise InvalidArgument("step", "must be one of " + ", ".join(TASK_STATES))
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            tasks = program.compliance.tasks
            chosen = taskid if taskid is not None else (list(tasks)[-1] if tasks else None)
            task = tasks.get(chosen) if chosen is not None else None
            if task is None:
                raise NotFound(f"no verification task {taskid or ''} of {authorizer_appid}")
            task.task_status, task.apply_status, task.message = TASK_STATES[step]
            if task.task_status >= 12 and not task.orderid:
                task.orderid = str(self.state.wxa.new_id())
            if step == "refill":
                task.refill_reason = reason or "请补充主体资质材料"
            if step == "failed":
                task.fail_reason = reason or "主体资质不符合认证要求"
            if step == "approved":
                self._verified(component_appid, authorizer_appid, program)
            fields = task_push(authorizer_appid, task)
        return self._push_auth_event(component_appid, fields)

    def auth_and_icp_step(self, component_appid: str, authorizer_appid: str,
                          procedure_status: int, procedure_id: str | None = None,
                          reason: str = "") -> Delivery:
        """Move a combined verification and filing procedure (the latest unless
        ``procedure_id``) to ``procedure_status`` (16 paid … 19 verified … 26 done); from
        19 the account is verified. Pushes ``notify_3rd_wxa_auth_and_icp``."""
        if isinstance(procedure_status, bool) or not isinstance(procedure_status, int) \
                or not 9 <= procedure_status <= 29:
            raise InvalidArgument("procedure_status", "must be a procedure status (9 to 29)")
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            procedures = program.compliance.procedures
            chosen = procedure_id if procedure_id is not None else (
                list(procedures)[-1] if procedures else None)
            procedure = procedures.get(chosen) if chosen is not None else None
            if procedure is None:
                raise NotFound(f"no procedure {procedure_id or ''} of {authorizer_appid}")
            was_verified = procedure.procedure_status in (19, 22, 23, 24, 25, 26)
            procedure.procedure_status = procedure_status
            if procedure_status == 18:
                procedure.refill_reason = reason or "请补充主体资质材料"
            if procedure_status in (20, 23, 25):
                procedure.fail_reason = reason or "资料不符合要求"
            if procedure_status in (19, 22, 24, 26) and not was_verified:
                self._verified(component_appid, authorizer_appid, program)
            fields = procedure_push(procedure)
        return self._push_auth_event(component_appid, fields)

    # ------------------------------------------------------------------ privacy interfaces

    def plan_privacy_interface(self, component_appid: str, authorizer_appid: str,
                               api_name: str = "*", approve: bool = True, after: float = 0.0,
                               reason: str = "") -> None:
        """Plan how the next reviews of ``api_name`` (``*``: any) end: approved or rejected
        (with ``reason``) ``after`` seconds from the application."""
        if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
            raise InvalidArgument("after", "must be a non-negative number of seconds")
        if not isinstance(api_name, str) or not api_name:
            raise InvalidArgument("api_name", "name an interface, or * for any")
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            program.compliance.interface_plan[api_name] = (bool(approve), float(after),
                                                           str(reason or ""))

    def review_privacy_interface(self, component_appid: str, authorizer_appid: str,
                                 api_name: str, approve: bool = True,
                                 reason: str = "") -> Delivery:
        """Decide an application under review now; pushes ``wxa_privacy_apply``."""
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            now = self.clock.now()
            found = program.compliance.applications.get(api_name)
            if found is None or found.status(now) != 3:
                raise NotFound(f"{authorizer_appid} has no application for {api_name} "
                               "under review")
            found.decided_at, found.approve = now, bool(approve)
            found.reason = "" if approve else (reason or "小程序内未含有相应使用场景")
            world = self.state.wxa
            world.scheduled = [p for p in world.scheduled if not (
                p.fields.get("Event") == "wxa_privacy_apply"
                and p.fields["result_info"]["audit_id"] == found.audit_id)]
            fields = review_push(authorizer_appid, found)
        return self.push_message(component_appid, authorizer_appid, fields)

    # ------------------------------------------------------------------ violations

    def add_illegal_record(self, component_appid: str, authorizer_appid: str,
                           illegal_reason: str = "内容涉嫌欺诈", illegal_content: str = "违规内容",
                           rule_name: str = "《微信小程序平台运营规范》",
                           rule_url: str = "https://developers.weixin.qq.com/miniprogram/"
                                           "product/",
                           punish_type: int | None = None,
                           detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Record a violation of the mini program: pushes ``wxa_illegal_record`` and, with
        ``punish_type`` (1 warning, 2 function ban, 3 taken down, 4 account ban, 10 page
        ban), ``wxa_punish_event`` with ``detail`` as its JSON text. Returns the record
        and its deliveries."""
        if punish_type is not None and punish_type not in PUNISH_TYPES:
            raise InvalidArgument("punish_type", "must be 1, 2, 3, 4 or 10")
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            now = int(self.clock.now())
            record = IllegalRecord(f"{len(program.compliance.records) + 1}_"
                                   f"{self.state.wxa.new_id()}", now, illegal_reason,
                                   illegal_content, rule_url, rule_name)
            program.compliance.records.append(record)
        fields: dict[str, Any] = {"MsgType": "event", "Event": "wxa_illegal_record",
                                  "appid": authorizer_appid, **record.to_json()}
        deliveries = [self.push_message(component_appid, authorizer_appid, fields)]
        if punish_type is not None:
            punish = {"MsgType": "event", "Event": "wxa_punish_event", "appid": authorizer_appid,
                      "event_type": punish_type, "punish_id": secrets.token_hex(8),
                      "punish_time": now, "illegal_reason": illegal_reason,
                      "illegal_content": illegal_content, "rule_name": rule_name,
                      "rule_url": rule_url, "adjust_guide_url": rule_url,
                      "detail": json.dumps(dict(detail or {}), ensure_ascii=False)}
            deliveries.append(self.push_message(component_appid, authorizer_appid, punish))
        return {**record.to_json(), "deliveries": [d.to_dict() for d in deliveries]}

    def decide_appeal(self, component_appid: str, authorizer_appid: str,
                      illegal_record_id: str | None = None, approve: bool = True,
                      reason: str = "", withdraw: bool = False) -> Delivery:
        """Decide the appeal under way (of ``illegal_record_id``, or the latest): approved,
        rejected (with ``reason``) or withdrawn. Pushes ``wxa_appeal_record``."""
        with self.state.lock:
            program = self._program(component_appid, authorizer_appid)
            pending = [a for a in program.compliance.appeals if a.appeal_status == 1
                       and illegal_record_id in (None, a.illegal_record_id)]
            if not pending:
                raise NotFound(f"no appeal processing for {authorizer_appid}")
            appeal = pending[-1]
            appeal.appeal_status = 4 if withdraw else 2 if approve else 3
            if not withdraw:
                appeal.audit_time = int(self.clock.now())
                appeal.audit_reason = reason or ("申诉通过" if approve else "申诉理由不成立")
            fields = appeal.push_fields(authorizer_appid)
        return self.push_message(component_appid, authorizer_appid, fields)
