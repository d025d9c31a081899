"""The control methods of mini-program management, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API under ``/__emulator__/``):
settings and inspection, template drafts, planned audit outcomes and their pushes,
registrations completed as the merchant would, and the reviews of nicknames and categories.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ...errors import InvalidArgument
from ..model import Account, Delivery, NotFound, Platform
from .icp_control import FilingControl
from .model import REGISTRATION_TIMED_OUT, AuditPush, Draft, Registration, parse_plan

if TYPE_CHECKING:
    from ..model import Authorization

__all__ = ["MiniProgramControl"]

_DEFAULT_PAGES = ("pages/index/index", "pages/order/list", "pages/order/detail",
                  "pages/me/index")


class MiniProgramControl(FilingControl):
    """The control methods of mini-program management, part of
    :class:`~wxcomponent.emulator.Emulator` (also under ``/__emulator__/``); those of ICP
    filing come from :class:`~.icp_control.FilingControl`."""

    if TYPE_CHECKING:
        def push_message(self, component_appid: str, authorizer_appid: str,
                         fields: Mapping[str, object]) -> Delivery: ...

        def consent(self, platform: Platform, account: Account,
                    func_info: Iterable[int] | None, pre_auth_code: str, *,
                    push: Any = "wait", renew: bool = True) -> Authorization: ...

    # ------------------------------------------------------------------ settings, inspection

    def configure_mini_programs(self, **limits: Any) -> dict[str, Any]:
        """Change the mini-program settings (``privacy_check_delay``, ``audit_duration``,
        ``template_limit``, ``withdrawals_per_day``, ``withdrawals_per_month``,
        ``domain_changes_per_month``, ``audit_quota``, ``speedup_quota``, ``max_testers``,
        ``filing_gate``, ``unfiled_errcode``, ``face_verify_delay``,
        ``filing_cancel_delay``); return them all. A reset restores the defaults."""
        with self.state.lock:
            return dict(self.state.wxa.limits.update(**limits).__dict__)

    def mini_program(self, component_appid: str, authorizer_appid: str) -> dict[str, Any]:
        """A mini program's management state: commits, audits (with their steps), releases,
        domains, testers, privacy guide, categories."""
        state = self.state
        with state.lock:
            self.platform(component_appid).account(authorizer_appid)
            return state.wxa.program(component_appid, authorizer_appid).to_dict(
                self.clock.now())

    # ------------------------------------------------------------------ templates

    def add_template_draft(self, component_appid: str, user_version: str = "1.0.0",
                           user_desc: str = "", pages: list[str] | None = None,
                           source_miniprogram_appid: str | None = None) -> dict[str, Any]:
        """Upload a draft to the platform's draft box, as the developer tools would; return
        it (with its ``draft_id``). ``pages`` are the pages of its code."""
        if not isinstance(user_version, str) or not user_version or len(user_version) > 64:
            raise InvalidArgument("user_version", "must be 1 to 64 characters")
        chosen = tuple(pages) if pages is not None else _DEFAULT_PAGES
        if not chosen or not all(isinstance(p, str) and p for p in chosen):
            raise InvalidArgument("pages", "give page paths")
        state = self.state
        with state.lock:
            self.platform(component_appid)
            home = state.wxa.platform(component_appid)
            draft = Draft(state.wxa.new_id(), user_version, user_desc, int(self.clock.now()),
                          chosen, source_miniprogram_appid or "wx" + secrets.token_hex(8))
            home.drafts[draft.draft_id] = draft
            return draft.to_dict()

    # ------------------------------------------------------------------ audits

    def plan_audits(self, component_appid: str, steps: Any,
                    authorizer_appid: str | None = None) -> None:
        """Plan the outcome of audits: ``steps`` is a list of ``{"outcome": "success" |
        "fail" | "delay", "after": seconds, "reason": …, "screenshot": …}`` in time order
        (delays, then at most one success or fail), counted from the audit's start.

        With ``authorizer_appid`` the plan is that mini program's (its running audit is
        rescheduled from now, and its next audits follow the plan); without, it is the
        platform's default for mini programs without a plan of their own.
        """
        plan = parse_plan(steps)
        state = self.state
        with state.lock:
            self.platform(component_appid)
            if authorizer_appid is None:
                state.wxa.platform(component_appid).plan = plan
                return
            self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            program.plan = plan
            audit = program.latest_audit()
            now = self.clock.now()
            if audit is not None and audit.running(now):
                audit.schedule(plan, now)
        self.wake_scheduler()

    def set_audit_result(self, component_appid: str, authorizer_appid: str | None = None,
                         outcome: str = "success", reason: str = "", after: float = 0.0,
                         screenshot: str = "") -> None:
        """One-step :meth:`plan_audits`: ``outcome`` ``after`` seconds (with a ``reason``
        for a failure or a delay)."""
        self.plan_audits(component_appid, [{"outcome": outcome, "after": after,
                                            "reason": reason, "screenshot": screenshot}],
                         authorizer_appid)

    def wake_scheduler(self) -> None:
        """Have the scheduler look for due audit steps now."""
        self.clock.wake()

    def due_audit_pushes(self) -> list[AuditPush]:
        """Take the audit steps due now (marking them pushed)."""
        state = self.state
        with state.lock:
            return state.wxa.due_pushes(self.clock.now())

    def push_audit(self, push: AuditPush) -> Delivery:
        """Deliver one planned push: an audit step or a compliance event, to the mini
        program's message URL or the platform's authorization-event URL."""
        if push.to == "auth_event":
            platform = self.platform(push.component_appid)
            fields = dict(push.fields)
            return self._push_event(platform, self._event(platform, fields.pop("InfoType"),
                                                          **fields), background=False)
        return self.push_message(push.component_appid, push.authorizer_appid, push.fields)

    def run_due_events(self) -> list[Delivery]:
        """Push every audit and filing step and compliance event due now, and the failure of
        every registration past its end, in this thread (the background scheduler does the
        same on its own when the emulator is served)."""
        deliveries = ([self.push_audit(push) for push in self.due_audit_pushes()]
                      + [self.push_filing(push) for push in self.due_filing_pushes()])
        with self.state.lock:
            expired = self.state.wxa.take_expired(self.clock.now())
        for component_appid, task_id in expired:
            deliveries += self.expire_registration(component_appid, task_id)
        return deliveries

    # ------------------------------------------------------------------ registrations

    def registrations(self, component_appid: str) -> list[dict[str, Any]]:
        """The platform's registration tasks (enterprise, personal, trial, verify)."""
        with self.state.lock:
            self.platform(component_appid)
            home = self.state.wxa.platform(component_appid)
            return [t.to_dict() for t in home.registrations.values()]

    def complete_authorize_url(self, component_appid: str, authorize_url: str, *,
                               success: bool = True, reason: str | None = None,
                               push: bool = True) -> dict[str, Any]:
        """Complete a registration's ``authorize_url`` as the legal person (within 24 hours)
        or the person would: :meth:`complete_registration` of the task the URL names. A URL
        of no pending task, or of one past its end, raises ``NotFound``."""
        found = parse_qs(urlsplit(str(authorize_url)).query).get("taskid", [""])[0]
        if not found:
            raise InvalidArgument("authorize_url", "names no registration task")
        return self.complete_registration(component_appid, found, success=success,
                                          reason=reason, push=push)

    def expire_registration(self, component_appid: str, task_id: str) -> list[Delivery]:
        """Fail a registration past its end, pushing ``notify_third_fasteregister`` with
        status 100003 (the scheduler calls it); nothing when it was finished meanwhile."""
        try:
            _, deliveries = self._complete(component_appid, task_id, False,
                                           REGISTRATION_TIMED_OUT, True)
        except NotFound:
            return []
        return deliveries

    def complete_registration(self, component_appid: str, task_id: str | None = None, *,
                              success: bool = True, reason: str | None = None,
                              push: bool = True) -> dict[str, Any]:
        """Finish a registration task (the oldest pending one when ``task_id`` is None), as
        the merchant confirming (or failing) in WeChat would: a new mini program is created
        and authorized, and the push of its kind goes to the authorization-event URL
        (``notify_third_fasteregister`` with an auth code, ``notify_third_fastregisterbetaapp``
        then ``authorized``, ``notify_third_fastverifybetaapp``)."""
        task, deliveries = self._complete(component_appid, task_id, success, reason, push)
        return {**task.to_dict(), "deliveries": [d.to_dict() for d in deliveries]}

    def _complete(self, component_appid: str, task_id: str | None, success: bool,
                  reason: str | None, push: bool) -> tuple[Registration, list[Delivery]]:
        state = self.state
        with state.lock:
            platform = self.platform(component_appid)
            home = state.wxa.platform(component_appid)
            pending = [t for t in home.registrations.values() if t.status == "pending"]
            task: Registration | None = (home.registrations.get(task_id)
                                         if task_id is not None
                                         else (pending[0] if pending else None))
            if task is None or task.status != "pending" or (
                    success and task.expired(self.clock.now())):
                raise NotFound(f"no pending registration {task_id or ''} on {component_appid}")
            fields, consent_for = self._finish(platform, task, success, reason)
            event = self._event(platform, fields.pop("InfoType"), **fields)
        deliveries = []
        if push:
            deliveries.append(self._push_event(platform, event, background=False))
        if consent_for is not None:
            result = self.consent(platform, consent_for, None, "", push="wait" if push else None)
            if result.delivery is not None:
                deliveries.append(result.delivery)
        return task, deliveries

    def _finish(self, platform: Platform, task: Registration, success: bool,
                reason: str | None) -> tuple[dict[str, Any], Account | None]:
        state = self.state
        info_type = {"enterprise": "notify_third_fasteregister",
                     "personal": "notify_third_fasteregister",
                     "trial": "notify_third_fastregisterbetaapp",
                     "verify": "notify_third_fastverifybetaapp"}[task.kind]
        if not success:
            task.status = "failed"
            return ({"InfoType": info_type, "status": 100003,
                     "msg": reason or REGISTRATION_TIMED_OUT,
                     "info": {k: v for k, v in task.info.items() if k != "openid"}}, None)
        task.status = "done"
        if task.kind == "verify":
            task.appid = task.info["appid"]
            return ({"InfoType": info_type, "appid": task.appid, "status": 0, "msg": "OK",
                     "info": {k: v for k, v in task.info.items() if k != "appid"}}, None)
        name = str(task.info["name"])
        if task.kind == "trial":
            account = state.add_account(platform, "mini_program", nick_name=name)
            state.wxa.mark_unfiled(platform.appid, account.appid)
            task.appid = account.appid
            return ({"InfoType": info_type, "appid": account.appid, "status": 0, "msg": "OK",
                     "info": {"unique_id": task.task_id, "name": task.info["name"]}}, account)
        account, auth_code = state.add_mini_program(platform, name)
        task.appid = account.appid
        code = task.info["auth_code"] = auth_code.value
        return ({"InfoType": info_type, "appid": account.appid, "status": 0, "auth_code": code,
                 "msg": "OK", "info": {k: v for k, v in task.info.items()
                                       if k not in ("auth_code", "wxuser")}}, None)

    def reuse_subject_ticket(self, component_appid: str, official_account_appid: str) -> str:
        """The ticket an official account's administrator gets when agreeing to register a
        mini program with the account's subject (for ``/cgi-bin/account/fastregister``)."""
        state = self.state
        with state.lock:
            account = self.platform(component_appid).account(official_account_appid)
            if account.kind != "official_account":
                raise InvalidArgument("official_account_appid", "is not an official account")
            ticket = secrets.token_urlsafe(24)
            state.wxa.platform(component_appid).reuse_tickets[ticket] = account.appid
            return ticket

    def rebind_admin_taskid(self, component_appid: str, authorizer_appid: str) -> str:
        """The ``taskid`` WeChat appends to the ``redirect_uri`` of the administrator
        rebinding page once the new administrator confirmed (for
        ``/cgi-bin/account/componentrebindadmin``)."""
        state = self.state
        with state.lock:
            account = self.platform(component_appid).account(authorizer_appid)
            taskid = secrets.token_hex(16)
            state.wxa.platform(component_appid).rebind_tasks[taskid] = account.appid
            return taskid

    # ------------------------------------------------------------------ reviews

    def finish_nickname_audit(self, component_appid: str, authorizer_appid: str, *,
                              approve: bool = True, reason: str = "",
                              audit_id: int | None = None) -> Delivery:
        """Finish a nickname audit (the latest one unless ``audit_id``): the name is applied
        when approved; ``wxa_nickname_audit`` is pushed (``ret`` 3 approved, 2 rejected)."""
        state = self.state
        with state.lock:
            account = self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            pending = [i for i, a in program.nickname_audits.items() if a["audit_stat"] == 1]
            chosen = audit_id if audit_id is not None else (pending[-1] if pending else None)
            audit = program.nickname_audits.get(chosen) if chosen is not None else None
            if audit is None or audit["audit_stat"] != 1:
                raise NotFound(f"no nickname audit under way for {authorizer_appid}")
            audit.update(audit_stat=3 if approve else 2, audit_time=int(self.clock.now()),
                         fail_reason="" if approve else (reason or "名称不符合规范"))
            if approve:
                account.nick_name = audit["nickname"]
            fields = {"MsgType": "event", "Event": "wxa_nickname_audit",
                      "ret": 3 if approve else 2, "nickname": audit["nickname"],
                      "reason": audit["fail_reason"]}
        return self.push_message(component_appid, authorizer_appid, fields)

    def review_category(self, component_appid: str, authorizer_appid: str, first: int,
                        second: int, *, approve: bool = True, reason: str = "") -> Delivery:
        """Finish the review of a category that needed certificates; pushes
        ``wxa_category_audit``."""
        state = self.state
        with state.lock:
            self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            found = program.category(first, second)
            if found is None:
                raise NotFound(f"{authorizer_appid} has no category {first}/{second}")
            found.update(audit_status=3 if approve else 2,
                         audit_reason="" if approve else (reason or "资质不符合要求"))
            fields = {"MsgType": "event", "Event": "wxa_category_audit",
                      "ret": 3 if approve else 2, "first": first, "second": second,
                      "reason": found["audit_reason"]}
        return self.push_message(component_appid, authorizer_appid, fields)
