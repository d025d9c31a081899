"""The emulator's model of a mini program's ICP filing, on the emulated clock: the
administrator's face verifications, the material, and the application going through the
platform's review, the SMS check and the bureau's review to filed or rejected (with reasons by
field), and a deregistration.

What happens and when is a plan (:class:`FilingPlan`) the control API sets per mini program or
per platform; without one the settings of :class:`~.model.WxaLimits` apply. An application's
steps are laid out when it is submitted, each due a delay after the one before; the filing's
state at any time follows from the clock, and the scheduler pushes each step WeChat pushes
once (:meth:`Filing.due_pushes`).

Plain data guarded by the state lock of :class:`~wxcomponent.emulator.state.State`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import InvalidArgument

__all__ = [
    "BUREAU_REJECTED",
    "BUREAU_REVIEW",
    "FILED",
    "NOT_FILED",
    "PLATFORM_REJECTED",
    "PLATFORM_REVIEW",
    "Application",
    "Filing",
    "FilingPlan",
    "FilingPush",
    "FilingStep",
    "VerifyTask",
]

PLATFORM_REVIEW, PLATFORM_REJECTED, BUREAU_REVIEW, BUREAU_REJECTED, FILED = 2, 3, 4, 5, 6
NOT_FILED = 1024
#: ``sms_verify_status``: waiting, done, timed out.
SMS_WAITING, SMS_DONE, SMS_TIMED_OUT = 1, 2, 3
#: ``face_status``: waiting, failed, succeeded.
FACE_WAITING, FACE_FAILED, FACE_PASSED = 1, 2, 3

_DEFAULT_PLATFORM_REASON = {"key_name": "icp_applets.base_info.comment",
                            "error": "服务内容描述不清晰", "suggest": "请如实描述小程序提供的服务"}
_DEFAULT_BUREAU_REASON = {"key_name": "icp_subject.principal_info.certificate_photo_front",
                          "error": "证件照片不清晰", "suggest": "请重新上传清晰的证件照片"}
_SMS_TIMEOUT_REASON = {"key_name": "icp_applets.principal_info.mobile",
                       "error": "短信核验超时", "suggest": "请在收到短信后24小时内完成核验"}

Stage = Literal["platform", "sms", "bureau"]


def _delay(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidArgument(name, "must be a non-negative number of seconds")
    return float(value)


def _reasons(value: Any) -> tuple[dict[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise InvalidArgument("reasons", "give a list of {key_name, error, suggest}")
    found = []
    for reason in value:
        if not isinstance(reason, Mapping) or not isinstance(reason.get("key_name"), str):
            raise InvalidArgument("reasons", "each reason names its field (key_name)")
        found.append({"key_name": reason["key_name"], "error": str(reason.get("error", "")),
                      "suggest": str(reason.get("suggest", ""))})
    return tuple(found)


def _plan_value(name: str, value: Any) -> Any:
    """One part of a filing plan, checked."""
    if name in ("platform", "bureau"):
        if value not in ("approve", "reject"):
            raise InvalidArgument(name, "must be 'approve' or 'reject'")
        return value
    if name == "sms":
        if value not in ("confirm", "timeout"):
            raise InvalidArgument(name, "must be 'confirm' or 'timeout'")
        return value
    if name in ("platform_after", "sms_after", "bureau_after"):
        return _delay(value, name)
    if name in ("platform_reasons", "bureau_reasons"):
        return _reasons(value)
    raise InvalidArgument(name, "is not part of a filing plan")


@dataclass(frozen=True)
class FilingPlan:
    """The outcome and delay of each stage of the next applications: the platform's review
    (``approve`` or ``reject``), the SMS check (``confirm`` or ``timeout``, which the bureau
    rejects), the bureau's review (``approve`` or ``reject``), each ``*_after`` seconds after
    the stage before; rejections carry ``*_reasons`` by field (defaults when empty)."""

    platform: Literal["approve", "reject"] = "approve"
    platform_after: float = 86400.0
    platform_reasons: tuple[dict[str, str], ...] = ()
    sms: Literal["confirm", "timeout"] = "confirm"
    sms_after: float = 3600.0
    bureau: Literal["approve", "reject"] = "approve"
    bureau_after: float = 2 * 86400.0
    bureau_reasons: tuple[dict[str, str], ...] = ()

    @classmethod
    def parse(cls, base: FilingPlan, changes: Mapping[str, Any]) -> FilingPlan:
        """``base`` with ``changes`` (the control API's arguments), checked."""
        values = {name: _plan_value(name, value) for name, value in changes.items()
                  if value is not None}
        return cls(**{**base.__dict__, **values})

    def steps(self, start: float) -> list[FilingStep]:
        """The steps of an application submitted at ``start``."""
        steps = [FilingStep(start, PLATFORM_REVIEW)]
        at = start + self.platform_after
        if self.platform == "reject":
            reasons = self.platform_reasons or (_DEFAULT_PLATFORM_REASON,)
            steps.append(FilingStep(at, PLATFORM_REJECTED, reasons=reasons, pushes=True))
            return steps
        steps.append(FilingStep(at, BUREAU_REVIEW, sms=SMS_WAITING))
        at += self.sms_after
        if self.sms == "timeout":
            steps.append(FilingStep(at, BUREAU_REJECTED, sms=SMS_TIMED_OUT,
                                    reasons=(_SMS_TIMEOUT_REASON,), pushes=True))
            return steps
        steps.append(FilingStep(at, BUREAU_REVIEW, sms=SMS_DONE))
        at += self.bureau_after
        if self.bureau == "reject":
            reasons = self.bureau_reasons or (_DEFAULT_BUREAU_REASON,)
            steps.append(FilingStep(at, BUREAU_REJECTED, sms=SMS_DONE, reasons=reasons,
                                    pushes=True))
        else:
            steps.append(FilingStep(at, FILED, sms=SMS_DONE, pushes=True))
        return steps


@dataclass
class FilingStep:
    """A step of an application: from ``at`` the filing has ``status`` (and the SMS check
    ``sms``); a rejection has its ``reasons``; ``pushes`` steps are pushed once."""

    at: float
    status: int
    sms: int = 0
    reasons: tuple[dict[str, str], ...] = ()
    pushes: bool = False
    pushed: bool = False


@dataclass
class Application:
    """One submitted application and its steps."""

    body: dict[str, Any]
    submitted_at: float
    steps: list[FilingStep]

    def current(self, now: float) -> FilingStep:
        """The last step due at ``now`` (the first is due at submission)."""
        due = [s for s in self.steps if s.at <= now]
        return due[-1] if due else self.steps[0]

    def under_review(self, now: float) -> bool:
        """True while no final outcome is due."""
        return self.current(now).status in (PLATFORM_REVIEW, BUREAU_REVIEW)


@dataclass
class VerifyTask:
    """A face verification of the administrator: passes or fails at ``finish_at``."""

    task_id: str
    created_at: float
    along_with_auth: bool
    finish_at: float
    passes: bool
    pushed: bool = False

    @property
    def expires_at(self) -> float:
        """Three days for a filing, one in the combined flow."""
        return self.created_at + (86400.0 if self.along_with_auth else 3 * 86400.0)

    def face_status(self, now: float) -> int:
        """``face_status`` at ``now``."""
        if now < self.finish_at:
            return FACE_WAITING
        return FACE_PASSED if self.passes else FACE_FAILED

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form."""
        return {"task_id": self.task_id, "along_with_auth": self.along_with_auth,
                "created_at": self.created_at, "finish_at": self.finish_at,
                "face_status": self.face_status(now), "pushed": self.pushed}


@dataclass(frozen=True)
class FilingPush:
    """A filing push due to the platform's authorization-event URL (``InfoType`` and its
    fields)."""

    component_appid: str
    fields: dict[str, Any]


@dataclass
class Filing:
    """Everything the emulator keeps of one mini program's filing. ``base`` is the status
    without an application under way (filed, or 1024 not filed)."""

    appid: str
    base: int = FILED
    available: bool = True
    plan: FilingPlan | None = None
    face: tuple[bool, float] | None = None
    tasks: dict[str, VerifyTask] = field(default_factory=dict)
    #: media id → (kind, upload time, icp_order_field)
    media: dict[str, tuple[str, float, str]] = field(default_factory=dict)
    application: Application | None = None
    order: dict[str, Any] | None = None
    cancel_at: float | None = None
    #: Field hints the next application is refused with (set through the control API).
    refusal: tuple[dict[str, Any], ...] = ()

    def settle(self, now: float) -> None:
        """Apply what is due at ``now``: a filing approved, a deregistration finished."""
        app = self.application
        if app is not None and app.current(now).status == FILED and self.base != FILED:
            self.base = FILED
            self.order = _order(app.body, self.appid)
        if self.cancel_at is not None and self.cancel_at <= now:
            self.cancel_at = None
            self.base, self.order, self.application = NOT_FILED, None, None

    def status(self, now: float) -> int:
        """``status`` at ``now``."""
        self.settle(now)
        app = self.application
        if app is not None and app.current(now).status != FILED:
            return app.current(now).status
        return self.base

    def filed(self, now: float) -> bool:
        """True when the mini program is filed at ``now``."""
        return self.status(now) == FILED

    def entrance(self, now: float, has_category: bool) -> dict[str, Any]:
        """The ``info`` of ``get_icp_entrance_info``."""
        status = self.status(now)
        if status == NOT_FILED and not has_category:
            status += 2
        info: dict[str, Any] = {"status": status, "is_canceling": self.cancel_at is not None,
                                "available": 1 if self.available else 0}
        app = self.application
        if app is not None:
            step = app.current(now)
            if step.reasons and status in (PLATFORM_REJECTED, BUREAU_REJECTED):
                info["audit_data"] = [dict(r) for r in step.reasons]
            if step.sms:
                info["sms_verify_status"] = step.sms
        return info

    def next_due(self) -> float | None:
        """When the next unpushed step or verification is due."""
        times = [t.finish_at for t in self.tasks.values() if not t.pushed]
        if self.application is not None:
            times += [s.at for s in self.application.steps if s.pushes and not s.pushed]
        return min(times) if times else None

    def due_pushes(self, component_appid: str, now: float) -> list[FilingPush]:
        """Mark every verification and step due at ``now`` pushed; the pushes to send."""
        pushes = []
        for task in self.tasks.values():
            if task.pushed or task.finish_at > now:
                continue
            task.pushed = True
            fields: dict[str, Any] = {"InfoType": "notify_icpfiling_verify_result",
                                      "task_id": task.task_id, "verify_appid": self.appid,
                                      "result": task.face_status(now)}
            if task.along_with_auth and task.passes:
                fields["along_with_auth_result"] = 9
            pushes.append(FilingPush(component_appid, fields))
        if self.application is not None:
            for step in self.application.steps:
                if step.pushes and not step.pushed and step.at <= now:
                    step.pushed = True
                    pushes.append(FilingPush(component_appid, {
                        "InfoType": "notify_apply_icpfiling_result",
                        "authorizer_appid": self.appid, "beian_status": step.status}))
        self.settle(now)
        return pushes

    def new_task(self, now: float, along_with_auth: bool, default_delay: float) -> VerifyTask:
        """A face verification started at ``now``, following the planned outcome."""
        passes, after = self.face if self.face is not None else (True, default_delay)
        task = VerifyTask(secrets.token_urlsafe(16), now, along_with_auth, now + after, passes)
        self.tasks[task.task_id] = task
        return task

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form (what tests inspect)."""
        app = self.application
        return {"status": self.status(now), "available": self.available,
                "is_canceling": self.cancel_at is not None,
                "tasks": [t.to_dict(now) for t in self.tasks.values()],
                "application": None if app is None else {
                    "submitted_at": app.submitted_at, "body": app.body,
                    "steps": [{"at": s.at, "status": s.status, "sms": s.sms,
                               "pushed": s.pushed} for s in app.steps]},
                "order": self.order}


def _order(body: Mapping[str, Any], appid: str) -> dict[str, Any]:
    """The filed order of an approved application: its parts with filing numbers."""
    number = f"京ICP备{secrets.randbelow(9 * 10**7) + 10**7}号"
    subject = dict(body.get("icp_subject") or {})
    subject["base_info"] = {**dict(subject.get("base_info") or {}), "record_number": number}
    applets = dict(body.get("icp_applets") or {})
    applets["base_info"] = {**dict(applets.get("base_info") or {}), "appid": appid,
                            "record_number": f"{number[:-1]}-1X"}
    return {"icp_subject": subject, "icp_applets": applets}
