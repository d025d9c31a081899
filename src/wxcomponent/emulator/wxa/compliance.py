"""The emulator's model of a mini program's compliance, on the emulated clock: verification
tasks and the verified period they open (a year, with the annual-review pushes around its
end), combined verification and filing procedures, privacy-interface applications decided
by plan, violation records and their appeals.

Plain data guarded by the state lock of :class:`~wxcomponent.emulator.state.State`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "IDENTITY_TREE",
    "INTERFACES",
    "TASK_STATES",
    "Appeal",
    "Compliance",
    "IllegalRecord",
    "InterfaceApplication",
    "Procedure",
    "ScheduledPush",
    "VerificationTask",
    "declared_interfaces",
]

_DAY = 86400.0

#: The privacy interfaces of the list: (api_name, Chinese name, group).
INTERFACES: tuple[tuple[str, str, str], ...] = (
    ("wx.chooseAddress", "获取用户收货地址", "地理位置"),
    ("wx.choosePoi", "选择位置，支持模糊定位和精确定位", "地理位置"),
    ("wx.chooseLocation", "打开地图选择位置", "地理位置"),
    ("wx.getLocation", "获取当前的地理位置、速度", "地理位置"),
    ("wx.getFuzzyLocation", "获取模糊地理位置", "地理位置"),
    ("wx.onLocationChange", "监听实时地理位置变化事件", "地理位置"),
    ("wx.startLocationUpdate", "开启小程序进入前台时接收位置消息", "地理位置"),
    ("wx.startLocationUpdateBackground", "开启小程序进入前后台时均接收位置消息", "地理位置"),
)

#: The identity tree of personal verification (its leaves' names go into
#: ``auth_identification``).
IDENTITY_TREE: list[dict[str, Any]] = [
    {"name": "个人", "node_id": 1, "node_list": [
        {"name": "自媒体", "node_id": 11, "leaf_info": {"requirement": "提供近期发布的作品截图"}},
        {"name": "个人开发者", "node_id": 12,
         "leaf_info": {"requirement": "提供个人开发作品的说明"}}]},
    {"name": "专业人士", "node_id": 2, "node_list": [
        {"name": "医生", "node_id": 21, "leaf_info": {"requirement": "医师执业证书"}},
        {"name": "律师", "node_id": 22, "leaf_info": {"requirement": "律师执业证书"}}]},
]

#: The verification steps the control API moves a task to: (task_status, apply_status,
#: the push's message).
TASK_STATES: dict[str, tuple[int, int, str]] = {
    "authorized": (3, 0, "管理员已授权"),
    "refused": (2, 0, "管理员拒绝授权"),
    "timed_out": (1, 0, "任务超时"),
    "face_ok": (6, 0, "人脸核验成功"),
    "phone_ok": (9, 0, "手机验证成功"),
    "reviewing": (12, 2, "认证审核单已创建，审核中"),
    "refill": (12, 3, "认证资料需补充，请重新提交"),
    "approved": (12, 4, "认证审核通过"),
    "failed": (12, 5, "认证最终失败"),
}

_PRIVATE_INFOS = re.compile(r"^[A-Za-z]+$")


def declared_interfaces(ext_json: str) -> list[str]:
    """The privacy interfaces committed code declares (``requiredPrivateInfos`` of its
    ext.json, top level or under ``ext``), as ``wx.<name>``."""
    try:
        ext = json.loads(ext_json)
    except (ValueError, RecursionError):
        return []
    if not isinstance(ext, dict):
        return []
    inner = ext.get("ext")
    names = ext.get("requiredPrivateInfos") or (
        inner.get("requiredPrivateInfos") if isinstance(inner, dict) else None) or []
    if not isinstance(names, list):
        return []
    return [f"wx.{n}" for n in names if isinstance(n, str) and _PRIVATE_INFOS.match(n)]


@dataclass
class ScheduledPush:
    """A compliance push due at ``at`` (emulated time), sent once, to the message URL or the
    authorization-event URL."""

    at: float
    component_appid: str
    authorizer_appid: str
    to: Literal["message", "auth_event"]
    fields: dict[str, Any]
    pushed: bool = False


@dataclass
class VerificationTask:
    """A verification task (``wxaauth``), moved through its states by the control API."""

    taskid: str
    auth_data: dict[str, Any]
    created_at: float
    task_status: int = 0
    apply_status: int = 0
    orderid: str = ""
    refill_reason: str = ""
    fail_reason: str = ""
    message: str = "资料检验成功，等待管理员授权"

    @property
    def open(self) -> bool:
        """True while the task may still lead to a verification."""
        return self.task_status not in (1, 2, 5, 8, 11, 14) and self.apply_status not in (4, 5)

    def to_json(self, appid: str, auth_url: str) -> dict[str, Any]:
        """As ``queryauth`` answers it."""
        answer: dict[str, Any] = {"task_status": self.task_status, "auth_url": auth_url,
                                  "apply_status": self.apply_status, "appid": appid}
        if self.task_status >= 12:
            answer["orderid"] = self.orderid
            answer["dispatch_info"] = DISPATCH
        if self.apply_status == 3:
            answer["refill_reason"] = self.refill_reason
        if self.apply_status == 5:
            answer["fail_reason"] = self.fail_reason
        return answer


#: The auditor every emulated verification is dispatched to.
DISPATCH = {"provider": "模拟认证审核机构", "contact": "热线电话：0000-00000000",
            "dispatch_time": 0}


@dataclass
class Procedure:
    """A combined verification and filing procedure (``submit_auth_and_icp``)."""

    procedure_id: str
    submitted: dict[str, Any]
    created_at: float
    procedure_status: int
    orderid: str = ""
    refill_reason: str = ""
    fail_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """As ``query_auth_and_icp`` answers it."""
        answer: dict[str, Any] = {"procedure_status": self.procedure_status,
                                  "orderid": self.orderid}
        if self.procedure_status == 18:
            answer["refill_reason"] = self.refill_reason
        if self.procedure_status == 20:
            answer["fail_reason"] = self.fail_reason
        if self.procedure_status in (23, 25):
            answer["icp_audit"] = {"audit_data": [{"key_name": "备案信息",
                                                   "error": self.fail_reason, "suggest": ""}]}
        if self.procedure_status == 24:
            answer["icp_audit"] = {"sms_verify_status": 1}
        return answer


@dataclass
class InterfaceApplication:
    """An application for a privacy interface: applying until ``decided_at``, then approved
    or rejected as planned."""

    api_name: str
    audit_id: int
    applied_at: float
    decided_at: float
    approve: bool
    reason: str = ""

    def status(self, now: float) -> int:
        """The interface's status at ``now`` (3 applying, 5 approved, 4 rejected)."""
        if now < self.decided_at:
            return 3
        return 5 if self.approve else 4


@dataclass
class IllegalRecord:
    """A violation record injected through the control API."""

    illegal_record_id: str
    create_time: int
    illegal_reason: str
    illegal_content: str
    rule_url: str
    rule_name: str

    def to_json(self) -> dict[str, Any]:
        """As ``getillegalrecords`` lists it."""
        return asdict(self)


@dataclass
class Appeal:
    """An appeal of a violation record."""

    appeal_record_id: int
    illegal_record_id: str
    appeal_time: int
    appeal_count: int
    appeal_from: int
    punish_description: str
    materials: list[dict[str, Any]]
    appeal_status: int = 1
    audit_time: int = 0
    audit_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """As ``getappealrecords`` lists it."""
        answer: dict[str, Any] = {
            "appeal_record_id": self.appeal_record_id, "appeal_time": self.appeal_time,
            "appeal_count": self.appeal_count, "appeal_from": self.appeal_from,
            "appeal_status": self.appeal_status, "punish_description": self.punish_description,
            "materials": self.materials}
        if self.appeal_status in (2, 3):
            answer.update(audit_time=self.audit_time, audit_reason=self.audit_reason)
        return answer

    def push_fields(self, appid: str) -> dict[str, Any]:
        """The ``wxa_appeal_record`` push of the appeal as it stands (singular, repeated
        ``material`` and ``proof_material_id`` elements, as WeChat writes them)."""
        fields = {k: v for k, v in self.to_json().items() if k != "materials"}
        fields.update(MsgType="event", Event="wxa_appeal_record", appid=appid,
                      material=[{"illegal_material": m["illegal_material"],
                                 "appeal_material": {
                                     "reason": m["appeal_material"]["reason"],
                                     "proof_material_id":
                                         m["appeal_material"]["proof_material_ids"]}}
                                for m in self.materials])
        return fields


@dataclass
class Compliance:
    """A mini program's verification, privacy interfaces, violations and appeals."""

    tasks: dict[str, VerificationTask] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    #: The end of the verified period (0: never verified).
    verified_until: float = 0.0
    applications: dict[str, InterfaceApplication] = field(default_factory=dict)
    #: Planned review outcome per interface (approve, after, reason); "*" for any.
    interface_plan: dict[str, tuple[bool, float, str]] = field(default_factory=dict)
    records: list[IllegalRecord] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)

    def verified(self, now: float) -> bool:
        """True while the verified period runs."""
        return now < self.verified_until

    def interface_status(self, api_name: str, now: float) -> int:
        """An interface's status at ``now`` (1 not applied when never applied for)."""
        found = self.applications.get(api_name)
        return 1 if found is None else found.status(now)

    def unapproved(self, ext_json: str, now: float) -> list[str]:
        """The privacy interfaces code with ``ext_json`` declares and may not use."""
        return [name for name in declared_interfaces(ext_json)
                if self.interface_status(name, now) != 5]

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form (what tests inspect)."""
        return {
            "verified_until": self.verified_until,
            "tasks": {k: {"task_status": t.task_status, "apply_status": t.apply_status}
                      for k, t in self.tasks.items()},
            "procedures": {k: p.procedure_status for k, p in self.procedures.items()},
            "interfaces": {k: a.status(now) for k, a in self.applications.items()},
            "records": [r.to_json() for r in self.records],
            "appeals": [a.to_json() for a in self.appeals],
        }
