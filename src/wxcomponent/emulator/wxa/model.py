"""The emulator's model of mini-program management, on the emulated clock: per platform a
template library, its own domains, audit quotas and registration tasks; per mini program its
committed code and privacy check, audits with their planned outcomes, releases, domains,
testers, privacy guide, categories and account details.

An audit's outcome is a plan of steps (``delay``, then ``success`` or ``fail``), each due a
number of seconds after the audit starts; its status at any time follows from the clock, so
``get_auditstatus`` is right even before the push of a step has gone out. The scheduler
pushes each due step once (:meth:`WxaWorld.due_pushes`).

Plain data guarded by the state lock of :class:`~wxcomponent.emulator.state.State`.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import InvalidArgument
from .compliance import Compliance, ScheduledPush
from .icp_model import NOT_FILED, Filing, FilingPlan, FilingPush
from .limits import WxaLimits
from .trade import OrderBook

__all__ = [
    "AUDIT_OUTCOMES",
    "REGISTRATION_TIMED_OUT",
    "REGISTRATION_WINDOW",
    "Audit",
    "AuditPush",
    "Draft",
    "JumpRule",
    "Link",
    "MiniProgram",
    "Registration",
    "Step",
    "StepPlan",
    "TemplateRecord",
    "Version",
    "WxaLimits",
    "WxaPlatform",
    "WxaWorld",
]

Outcome = Literal["success", "fail", "delay"]
#: Audit status per outcome (0 approved, 1 rejected, 4 delayed); 2 is "auditing".
AUDIT_OUTCOMES: dict[str, int] = {"success": 0, "fail": 1, "delay": 4}
AUDITING, WITHDRAWN = 2, 3
#: The push event of each status.
AUDIT_EVENTS = {0: "weapp_audit_success", 1: "weapp_audit_fail", 4: "weapp_audit_delay"}

_BEIJING = 8 * 3600
_DEFAULT_FAIL_REASON = "1:小程序功能不完整，请补充后再提交审核"
_DEFAULT_DELAY_REASON = "审核排队中，预计延后完成"
#: The ``msg`` of a registration the legal person did not confirm in time.
REGISTRATION_TIMED_OUT = "已下发的模板消息法人并未确认且已超时(24h)"
#: How long the legal person (or the person) has to complete a registration's
#: ``authorize_url``, in seconds.
REGISTRATION_WINDOW = 24 * 3600


def month_of(now: float) -> str:
    """The China-time month of ``now`` (WeChat's monthly limits reset on it)."""
    return time.strftime("%Y-%m", time.gmtime(now + _BEIJING))


def day_of(now: float) -> str:
    """The China-time day of ``now``."""
    return time.strftime("%Y-%m-%d", time.gmtime(now + _BEIJING))


@dataclass(frozen=True)
class StepPlan:
    """One planned step of an audit: ``outcome`` ``after`` seconds from the audit's start."""

    outcome: Outcome
    after: float = 0.0
    reason: str = ""
    screenshot: str = ""

    @classmethod
    def parse(cls, spec: Any) -> StepPlan:
        """A step from a :class:`StepPlan`, or a mapping with ``outcome`` (or ``status``),
        ``after``, ``reason`` and ``screenshot`` (what the HTTP control API sends)."""
        if isinstance(spec, StepPlan):
            return spec
        if not isinstance(spec, dict):
            raise InvalidArgument("steps", "each step is a mapping with an outcome")
        outcome = spec.get("outcome", spec.get("status"))
        if outcome not in AUDIT_OUTCOMES:
            raise InvalidArgument("outcome", "must be 'success', 'fail' or 'delay'")
        after = spec.get("after", 0.0)
        if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
            raise InvalidArgument("after", "must be a non-negative number of seconds")
        reason = spec.get("reason") or ""
        screenshot = spec.get("screenshot") or ""
        if not isinstance(reason, str) or not isinstance(screenshot, str):
            raise InvalidArgument("reason", "reason and screenshot must be strings")
        return cls(outcome, float(after), reason, screenshot)


def parse_plan(steps: Any) -> tuple[StepPlan, ...]:
    """A plan from a list of steps: any number of delays, then at most one final outcome."""
    if isinstance(steps, (dict, StepPlan)):
        steps = [steps]
    if not isinstance(steps, (list, tuple)) or not steps:
        raise InvalidArgument("steps", "give at least one step")
    plan = tuple(StepPlan.parse(s) for s in steps)
    finals = [s for s in plan if s.outcome != "delay"]
    if len(finals) > 1 or (finals and plan[-1] is not finals[0]):
        raise InvalidArgument("steps", "a plan ends with at most one success or fail")
    if any(b.after < a.after for a, b in itertools.pairwise(plan)):
        raise InvalidArgument("steps", "steps must be in time order")
    return plan


@dataclass
class Step:
    """A step of an audit, due at ``at`` (emulated time), pushed once."""

    at: float
    status: int
    reason: str = ""
    screenshot: str = ""
    pushed: bool = False


@dataclass
class Version:
    """Committed code: what a template and its ext.json became."""

    template_id: int
    ext_json: str
    user_version: str
    user_desc: str
    committed_at: float
    pages: tuple[str, ...]
    app_version: int = 0
    released_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"template_id": self.template_id, "user_version": self.user_version,
                "user_desc": self.user_desc, "committed_at": self.committed_at,
                "app_version": self.app_version, "released_at": self.released_at}


@dataclass
class Audit:
    """One submission of committed code for audit."""

    auditid: int
    version: Version
    submitted_at: float
    steps: list[Step]
    sped_up: bool = False
    released: bool = False

    def current(self, now: float) -> Step | None:
        """The last step due at ``now`` (None: still auditing)."""
        due = [s for s in self.steps if s.at <= now]
        return due[-1] if due else None

    def status(self, now: float) -> int:
        """The audit's status at ``now``."""
        step = self.current(now)
        return AUDITING if step is None else step.status

    def running(self, now: float) -> bool:
        """True while the audit has no final outcome (auditing or delayed)."""
        return self.status(now) in (AUDITING, AUDIT_OUTCOMES["delay"])

    def schedule(self, plan: tuple[StepPlan, ...], start: float) -> None:
        """Replace the steps not yet due with ``plan``, counted from ``start``."""
        self.steps = [s for s in self.steps if s.at <= start]
        for spec in plan:
            status = AUDIT_OUTCOMES[spec.outcome]
            reason = spec.reason or (_DEFAULT_FAIL_REASON if status == 1
                                     else _DEFAULT_DELAY_REASON if status == 4 else "")
            self.steps.append(Step(start + spec.after, status, reason, spec.screenshot))

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form."""
        step = self.current(now)
        return {"auditid": self.auditid, "status": self.status(now),
                "reason": step.reason if step else "", "submitted_at": self.submitted_at,
                "user_version": self.version.user_version, "released": self.released,
                "sped_up": self.sped_up,
                "steps": [{"at": s.at, "status": s.status, "pushed": s.pushed}
                          for s in self.steps]}


@dataclass
class Link:
    """A URL Scheme, URL Link or Short Link: what it opens, and until when (0: always)."""

    kind: Literal["scheme", "url_link", "short_link"]
    component_appid: str
    appid: str
    path: str
    query: str
    env_version: str
    created_at: int
    expires_at: int
    extra: dict[str, Any] = field(default_factory=dict)

    def opens(self) -> dict[str, Any]:
        """What opening the link opens."""
        return {"kind": self.kind, "appid": self.appid, "path": self.path,
                "query": self.query, "env_version": self.env_version,
                "expire_time": self.expires_at}


@dataclass
class JumpRule:
    """A rule opening the mini program from ordinary links that start with ``prefix``."""

    prefix: str
    path: str
    open_version: int
    permit_sub_rule: int
    debug_url: list[str]
    published: bool = False

    def to_json(self) -> dict[str, Any]:
        """The rule as ``qrcodejumpget`` lists it."""
        return {"prefix": self.prefix, "path": self.path, "open_version": self.open_version,
                "permit_sub_rule": self.permit_sub_rule, "debug_url": list(self.debug_url),
                "state": 2 if self.published else 1}


def _domain_kinds() -> dict[str, list[str]]:
    return {k: [] for k in ("requestdomain", "wsrequestdomain", "uploaddomain",
                            "downloaddomain", "udpdomain", "tcpdomain")}


@dataclass
class MiniProgram:
    """Everything the emulator keeps of one mini program's management."""

    appid: str
    experience: Version | None = None
    privacy_ready_at: float = 0.0
    commits: int = 0
    #: When each commit was made (emulated time), oldest first.
    commit_times: list[float] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    released: Version | None = None
    history: list[Version] = field(default_factory=list)
    reverted: bool = False
    gray: dict[str, Any] | None = None
    visible: bool = True
    support_version: str = "2.21.0"
    domains: dict[str, list[str]] = field(default_factory=_domain_kinds)
    direct_domains: dict[str, list[str]] = field(default_factory=_domain_kinds)
    webview: list[str] = field(default_factory=list)
    direct_webview: list[str] = field(default_factory=list)
    prefetch: list[str] = field(default_factory=list)
    domain_changes: Counter[str] = field(default_factory=Counter)
    testers: dict[str, str] = field(default_factory=dict)
    privacy: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=lambda: [
        {"first": 287, "first_name": "工具", "second": 612, "second_name": "备忘录",
         "audit_status": 3, "audit_reason": ""}])
    nickname: str = ""
    signature: str = "wxcomponent 模拟账号"
    head_image: str = ""
    nickname_audits: dict[int, dict[str, Any]] = field(default_factory=dict)
    searchable: bool = True
    withdrawals: list[float] = field(default_factory=list)
    plan: tuple[StepPlan, ...] | None = None
    open_appid: str | None = None
    orders: OrderBook = field(default_factory=OrderBook)
    codes_made: int = 0
    permanent_links: int = 0
    jump_rules: dict[str, JumpRule] = field(default_factory=dict)
    jump_publications: Counter[str] = field(default_factory=Counter)
    filing: Filing = field(init=False)

    compliance: Compliance = field(default_factory=Compliance)

    def __post_init__(self) -> None:
        self.filing = Filing(self.appid)

    def has_category(self) -> bool:
        """True when the mini program has an approved category."""
        return any(c["audit_status"] == 3 for c in self.categories)

    def latest_audit(self) -> Audit | None:
        """The last submitted audit."""
        return self.audits[-1] if self.audits else None

    def category(self, first: object, second: object) -> dict[str, Any] | None:
        """The mini program's category ``first``/``second``, if it has it."""
        return next((c for c in self.categories
                     if c["first"] == first and c["second"] == second), None)

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form (what tests inspect)."""
        return {
            "appid": self.appid,
            "commits": self.commits,
            "commit_times": list(self.commit_times),
            "experience": self.experience.to_dict() if self.experience else None,
            "privacy_ready_at": self.privacy_ready_at,
            "audits": [a.to_dict(now) for a in self.audits],
            "released": self.released.to_dict() if self.released else None,
            "history": [v.to_dict() for v in self.history],
            "gray": self.gray,
            "visible": self.visible,
            "domains": self.domains,
            "direct_domains": self.direct_domains,
            "webview": self.webview,
            "direct_webview": self.direct_webview,
            "testers": sorted(self.testers),
            "privacy": self.privacy,
            "categories": self.categories,
            "nickname": self.nickname,
            "searchable": self.searchable,
            "open_appid": self.open_appid,
            "filing": self.filing.to_dict(now),
            "compliance": self.compliance.to_dict(now),
        }


@dataclass
class Draft:
    """A draft uploaded from the developer tools (added through the control API)."""

    draft_id: int
    user_version: str
    user_desc: str
    create_time: int
    pages: tuple[str, ...]
    source_miniprogram_appid: str
    source_miniprogram: str = "模拟开发小程序"
    developer: str = "模拟开发者"

    def to_dict(self) -> dict[str, Any]:
        """As ``gettemplatedraftlist`` lists it."""
        return {"draft_id": self.draft_id, "user_version": self.user_version,
                "user_desc": self.user_desc, "create_time": self.create_time,
                "source_miniprogram_appid": self.source_miniprogram_appid,
                "source_miniprogram": self.source_miniprogram, "developer": self.developer,
                "category_list": []}


@dataclass
class TemplateRecord:
    """A template of the library, made from a draft."""

    template_id: int
    draft: Draft
    template_type: int
    create_time: int

    def to_dict(self) -> dict[str, Any]:
        """As ``gettemplatelist`` lists it."""
        data = self.draft.to_dict()
        data.update(template_id=self.template_id, template_type=self.template_type,
                    create_time=self.create_time)
        if self.template_type == 1:
            data.update(audit_scene=0, audit_status=0, reason="")
        return data


@dataclass
class Registration:
    """A registration task of the platform (enterprise, personal, trial, trial
    verification), finished through the control API."""

    task_id: str
    kind: Literal["enterprise", "personal", "trial", "verify"]
    info: dict[str, Any]
    created_at: float
    status: Literal["pending", "done", "failed"] = "pending"
    appid: str | None = None
    #: When an unfinished task fails (None: never); ``expiring`` once the scheduler took it.
    expires_at: float | None = None
    expiring: bool = False

    def expired(self, now: float) -> bool:
        """Whether the task is pending past its end."""
        return self.status == "pending" and self.expires_at is not None \
            and self.expires_at <= now

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"task_id": self.task_id, "kind": self.kind, "info": self.info,
                "created_at": self.created_at, "expires_at": self.expires_at,
                "status": self.status, "appid": self.appid}


@dataclass
class WxaPlatform:
    """What the emulator keeps of one platform's mini-program management."""

    drafts: dict[int, Draft] = field(default_factory=dict)
    templates: dict[int, TemplateRecord] = field(default_factory=dict)
    server_domains: list[str] = field(default_factory=list)
    jump_domains: list[str] = field(default_factory=list)
    audit_used: Counter[str] = field(default_factory=Counter)
    speedups_used: Counter[str] = field(default_factory=Counter)
    plan: tuple[StepPlan, ...] | None = None
    filing_plan: FilingPlan | None = None
    registrations: dict[str, Registration] = field(default_factory=dict)
    reuse_tickets: dict[str, str] = field(default_factory=dict)
    #: taskid -> the account whose administrator is being rebound, and the accounts rebound.
    rebind_tasks: dict[str, str] = field(default_factory=dict)
    rebound: list[str] = field(default_factory=list)
    open_accounts: dict[str, set[str]] = field(default_factory=dict)
    confirm_file: tuple[str, str] = field(default_factory=lambda: (
        secrets.token_hex(8) + ".txt", secrets.token_hex(16)))


@dataclass(frozen=True)
class AuditPush:
    """A push of a mini program due on the emulated clock (an audit step, an order's
    reminder or settlement, a compliance event), to its message URL or to the platform's
    authorization-event URL."""

    component_appid: str
    authorizer_appid: str
    fields: dict[str, Any]
    to: Literal["message", "auth_event"] = "message"


class WxaWorld:
    """All platforms' and mini programs' management state of one emulator."""

    def __init__(self) -> None:
        self.limits = WxaLimits()
        self.platforms: dict[str, WxaPlatform] = {}
        self.programs: dict[tuple[str, str], MiniProgram] = {}
        #: Every link made, by the link itself.
        self.links: dict[str, Link] = {}
        #: Compliance pushes planned on the clock (reviews, annual review, appeals).
        self.scheduled: list[ScheduledPush] = []
        # ids look like WeChat's: nine digits, different per emulator
        self._next_id = itertools.count(secrets.randbelow(8 * 10**8) + 10**8)

    def platform(self, component_appid: str) -> WxaPlatform:
        """The platform's management state (created on first use)."""
        found = self.platforms.get(component_appid)
        if found is None:
            found = self.platforms[component_appid] = WxaPlatform()
        return found

    def program(self, component_appid: str, appid: str) -> MiniProgram:
        """A mini program's management state (created on first use)."""
        found = self.programs.get((component_appid, appid))
        if found is None:
            found = self.programs[(component_appid, appid)] = MiniProgram(appid)
        return found

    def new_id(self) -> int:
        """A fresh number (draft, template, audit ids)."""
        return next(self._next_id)

    def plan_for(self, component_appid: str, program: MiniProgram) -> tuple[StepPlan, ...]:
        """The outcome plan of the next audit of ``program``."""
        if program.plan is not None:
            return program.plan
        platform = self.platform(component_appid)
        if platform.plan is not None:
            return platform.plan
        return (StepPlan("success", self.limits.audit_duration),)

    def filing_plan_for(self, component_appid: str, program: MiniProgram) -> FilingPlan:
        """The plan of the next filing application of ``program``."""
        return program.filing.plan or self.platform(component_appid).filing_plan or FilingPlan()

    def mark_unfiled(self, component_appid: str, appid: str) -> None:
        """Make a new mini program (a fresh registration) start without a filing."""
        self.program(component_appid, appid).filing.base = NOT_FILED

    def next_due(self) -> float | None:
        """When the next unpushed audit or filing step, order push or registration expiry is
        due (None: none)."""
        times = [s.at for p in self.programs.values() for a in p.audits for s in a.steps
                 if not s.pushed]
        times += [t for p in self.programs.values() if (t := p.orders.next_due()) is not None]
        times += [t for p in self.programs.values() if (t := p.filing.next_due()) is not None]
        times += [t.expires_at for p in self.platforms.values()
                  for t in p.registrations.values()
                  if t.status == "pending" and not t.expiring and t.expires_at is not None]
        times.extend(s.at for s in self.scheduled if not s.pushed)
        return min(times) if times else None

    def schedule(self, push: ScheduledPush) -> None:
        """Plan a compliance push."""
        self.scheduled.append(push)

    def take_expired(self, now: float) -> list[tuple[str, str]]:
        """The (platform, task id) of every pending registration past its end not taken
        before, marked taken: their failure is pushed once."""
        taken = []
        for component_appid, platform in self.platforms.items():
            for task in platform.registrations.values():
                if task.expired(now) and not task.expiring:
                    task.expiring = True
                    taken.append((component_appid, task.task_id))
        return taken

    def due_filing_pushes(self, now: float) -> list[FilingPush]:
        """The filing pushes due at ``now`` (marked pushed)."""
        return [push for (component_appid, _), program in self.programs.items()
                for push in program.filing.due_pushes(component_appid, now)]

    def due_pushes(self, now: float) -> list[AuditPush]:
        """Mark every audit step due at ``now`` pushed, and apply the orders' due reminders and
        settlements; the pushes to send."""
        pushes: list[AuditPush] = []
        for (component_appid, appid), program in self.programs.items():
            for audit in program.audits:
                for step in audit.steps:
                    if step.pushed or step.at > now:
                        continue
                    step.pushed = True
                    event = AUDIT_EVENTS.get(step.status)
                    if event is None:
                        continue
                    fields: dict[str, Any] = {"MsgType": "event", "Event": event,
                                              "CreateTime": int(step.at)}
                    if step.status == 0:
                        fields["SuccTime"] = int(step.at)
                    elif step.status == 1:
                        fields.update(Reason=step.reason, FailTime=int(step.at),
                                      ScreenShot=step.screenshot)
                    else:
                        fields.update(Reason=step.reason, DelayTime=int(step.at))
                    pushes.append(AuditPush(component_appid, appid, fields))
            pushes.extend(AuditPush(component_appid, appid, fields)
                          for fields in program.orders.due_pushes(now))
        for planned in sorted(self.scheduled, key=lambda p: p.at):
            if not planned.pushed and planned.at <= now:
                planned.pushed = True
                pushes.append(AuditPush(planned.component_appid, planned.authorizer_appid,
                                        planned.fields, planned.to))
        self.scheduled = [p for p in self.scheduled if not p.pushed]
        return pushes
