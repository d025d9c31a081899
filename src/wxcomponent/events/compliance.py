"""The compliance pushes of a mini program: verification and its annual review, the combined
verification and filing (on the authorization-event URL), and on the message URL the
privacy-interface and category reviews, violations, punishments, appeals, media checks and
order-shipping reminders.

Their fields are read leniently, as WeChat's documents are thin on them: numbers are ints
(0 when missing or malformed), a value wrapped in double quotes (as an old doc page shows
them) is unwrapped, nested elements are read into mappings and repeated ones into tuples,
and every field, known or not, stays in ``raw``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.xml import XMLValue
from .base import AuthorizerMessage, Builder, ComponentEvent

__all__ = [
    "AppealMaterialPush",
    "AppealRecordEvent",
    "AuthAndIcpProgress",
    "CategoryAuditResult",
    "IllegalRecordEvent",
    "MediaCheckDetail",
    "MediaCheckResult",
    "OrderSettlement",
    "PrivacyInterfaceResult",
    "PunishEvent",
    "ShippingAccessReminder",
    "ShippingReminder",
    "VerificationExpiry",
    "VerificationProgress",
]

Fields = Mapping[str, XMLValue]


def text(value: object) -> str:
    """A leaf's text, without the double quotes an old doc page wraps values in."""
    if not isinstance(value, str):
        return ""
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        return stripped[1:-1]
    return value


def number(value: object) -> int:
    """A leaf as an int (0 when missing or not a number)."""
    try:
        return int(text(value).strip())
    except ValueError:
        return 0


def nested(value: object) -> Fields:
    """A nested element as a mapping (empty when it is not one)."""
    return value if isinstance(value, Mapping) else {}


def items(value: object) -> tuple[Any, ...]:
    """A repeated element as a tuple (one element is a tuple of one)."""
    if value is None or value == "":
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


# ------------------------------------------------------------ the authorization-event URL


@dataclass(frozen=True)
class _AboutMiniProgram(ComponentEvent):
    appid: str = ""

    @property
    def authorizer_appid(self) -> str | None:
        """The mini program the push is about (what webhooks and the console show)."""
        return self.appid or None


@dataclass(frozen=True)
class VerificationProgress(_AboutMiniProgram):
    """``notify_3rd_wxa_auth``: a verification task moved (``task_status``, and after 12
    ``apply_status``: 4 verified, 3 refill, 5 failed), with the auditor it went to."""

    taskid: str = ""
    task_status: int = 0
    apply_status: int = 0
    message: str = ""
    provider: str = ""
    contact: str = ""
    dispatch_time: int = 0

    @property
    def approved(self) -> bool:
        """True when the verification passed."""
        return self.apply_status == 4


@dataclass(frozen=True)
class VerificationExpiry(_AboutMiniProgram):
    """``notify_3rd_wxa_wxverify``: the verification ends (or ended) at ``expired``; renew it
    (verify again) before releases, search, sharing and payments are blocked."""

    expired: int = 0
    message: str = ""


@dataclass(frozen=True)
class AuthAndIcpProgress(_AboutMiniProgram):
    """``notify_3rd_wxa_auth_and_icp``: a combined verification and filing procedure moved
    (``procedure_status``, 15 to 26). The push may not name the mini program: key the
    procedure by ``procedure_id``."""

    procedure_id: str = ""
    procedure_status: int = 0


# --------------------------------------------------------------------------- the message URL


@dataclass(frozen=True)
class PrivacyInterfaceResult(AuthorizerMessage):
    """``wxa_privacy_apply``: an application for a privacy interface was reviewed. WeChat
    does not document this push's ``status`` values, which differ from the list's: re-read
    the list of privacy interfaces when it comes."""

    api_name: str = ""
    apply_time: int = 0
    audit_id: int = 0
    audit_time: int = 0
    reason: str = ""
    status: int = 0


@dataclass(frozen=True)
class CategoryAuditResult(AuthorizerMessage):
    """``wxa_category_audit``: a category's review ended (``ret`` 2 rejected with
    ``reason``; other values are not documented)."""

    ret: int = 0
    first: int = 0
    second: int = 0
    reason: str = ""


@dataclass(frozen=True)
class IllegalRecordEvent(AuthorizerMessage):
    """``wxa_illegal_record``: a violation was recorded. ``violation_time`` is the push's
    ``create_time`` field (``create_time`` is its ``CreateTime``, as on every event)."""

    illegal_record_id: str = ""
    appid: str = ""
    violation_time: int = 0
    illegal_reason: str = ""
    illegal_content: str = ""
    rule_url: str = ""
    rule_name: str = ""


@dataclass(frozen=True)
class PunishEvent(AuthorizerMessage):
    """``wxa_punish_event``: the mini program was punished (``event_type`` 1 warning,
    2 function ban, 3 taken down, 4 account ban, 10 page ban). ``detail`` is the push's
    JSON text read into a mapping (empty when it is not a JSON object)."""

    event_type: int = 0
    punish_id: str = ""
    appid: str = ""
    punish_time: int = 0
    illegal_reason: str = ""
    illegal_content: str = ""
    rule_name: str = ""
    rule_url: str = ""
    adjust_guide_url: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AppealMaterialPush:
    """One material of an appeal push: the violating content, the appeal's reason and its
    proofs."""

    content: str = ""
    content_url: str = ""
    reason: str = ""
    proof_material_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppealRecordEvent(AuthorizerMessage):
    """``wxa_appeal_record``: an appeal was made or its state changed (``appeal_status``
    1 processing, 2 approved, 3 rejected, 4 withdrawn)."""

    appeal_record_id: int = 0
    appid: str = ""
    appeal_time: int = 0
    appeal_count: int = 0
    appeal_from: int = 0
    appeal_status: int = 0
    audit_time: int = 0
    audit_reason: str = ""
    punish_description: str = ""
    materials: tuple[AppealMaterialPush, ...] = ()


@dataclass(frozen=True)
class MediaCheckDetail:
    """One strategy's verdict in a media check."""

    strategy: str = ""
    errcode: int = 0
    suggest: str = ""
    label: int = 0
    prob: int = 0


@dataclass(frozen=True)
class MediaCheckResult(AuthorizerMessage):
    """``wxa_media_check``: the result of an asynchronous media check (``suggest`` pass,
    review or risky)."""

    appid: str = ""
    trace_id: str = ""
    version: int = 0
    suggest: str = ""
    label: int = 0
    details: tuple[MediaCheckDetail, ...] = ()


@dataclass(frozen=True)
class ShippingAccessReminder(AuthorizerMessage):
    """``trade_manage_remind_access_api``: a reminder to integrate the shipping API."""

    msg: str = ""


@dataclass(frozen=True)
class _OrderEvent(AuthorizerMessage):
    transaction_id: str = ""
    merchant_id: str = ""
    sub_merchant_id: str = ""
    merchant_trade_no: str = ""
    pay_time: int = 0


@dataclass(frozen=True)
class ShippingReminder(_OrderEvent):
    """``trade_manage_remind_shipping``: an order waits for its shipping information."""

    msg: str = ""


@dataclass(frozen=True)
class OrderSettlement(_OrderEvent):
    """``trade_manage_order_settlement``: an order's funds were (or will be) settled."""

    shipped_time: int = 0
    estimated_settlement_time: int = 0
    confirm_receive_method: int = 0
    confirm_receive_time: int = 0
    settlement_time: int = 0


# --------------------------------------------------------------------------- the readers


def _detail(value: object) -> Mapping[str, Any]:
    try:
        parsed = json.loads(text(value))
    except (ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _material(value: object) -> AppealMaterialPush:
    illegal, appeal = nested(nested(value).get("illegal_material")), nested(
        nested(value).get("appeal_material"))
    return AppealMaterialPush(text(illegal.get("content")), text(illegal.get("content_url")),
                              text(appeal.get("reason")),
                              tuple(text(p) for p in items(appeal.get("proof_material_id"))
                                    if isinstance(p, str)))


def _media_detail(value: object) -> MediaCheckDetail:
    found = nested(value)
    return MediaCheckDetail(text(found.get("strategy")), number(found.get("errcode")),
                            text(found.get("suggest")), number(found.get("label")),
                            number(found.get("prob")))


def _read(raw: Fields, names: tuple[str, ...], numbers: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {n: text(raw.get(n)) for n in names}
    values.update({n: number(raw.get(n)) for n in numbers})
    return values


def _verification(base: dict[str, Any], raw: Fields) -> ComponentEvent:
    dispatch = nested(raw.get("dispatch_info"))
    return VerificationProgress(
        **base, appid=text(raw.get("appid")), **_read(raw, ("taskid", "message"),
                                                      ("task_status", "apply_status")),
        provider=text(dispatch.get("provider")), contact=text(dispatch.get("contact")),
        dispatch_time=number(dispatch.get("dispatch_time")))


def _expiry(base: dict[str, Any], raw: Fields) -> ComponentEvent:
    return VerificationExpiry(**base, appid=text(raw.get("appid")),
                              **_read(raw, ("message",), ("expired",)))


def _auth_and_icp(base: dict[str, Any], raw: Fields) -> ComponentEvent:
    return AuthAndIcpProgress(**base, appid=text(raw.get("appid")),
                              **_read(raw, ("procedure_id",), ("procedure_status",)))


#: The typed compliance events of the authorization-event URL, by ``InfoType``.
COMPONENT_EVENTS: dict[str, Builder[ComponentEvent]] = {
    "notify_3rd_wxa_auth": _verification,
    "notify_3rd_wxa_wxverify": _expiry,
    "notify_3rd_wxa_auth_and_icp": _auth_and_icp,
}


def _privacy(base: dict[str, Any], raw: Fields) -> AuthorizerMessage:
    result = nested(raw.get("result_info"))
    return PrivacyInterfaceResult(**base, **_read(result, ("api_name", "reason"), (
        "apply_time", "audit_id", "audit_time", "status")))


def _illegal(base: dict[str, Any], raw: Fields) -> AuthorizerMessage:
    return IllegalRecordEvent(**base, violation_time=number(raw.get("create_time")), **_read(
        raw, ("illegal_record_id", "appid", "illegal_reason", "illegal_content", "rule_url",
              "rule_name"), ()))


def _punish(base: dict[str, Any], raw: Fields) -> AuthorizerMessage:
    return PunishEvent(**base, detail=_detail(raw.get("detail")), **_read(
        raw, ("punish_id", "appid", "illegal_reason", "illegal_content", "rule_name",
              "rule_url", "adjust_guide_url"), ("event_type", "punish_time")))


def _appeal(base: dict[str, Any], raw: Fields) -> AuthorizerMessage:
    return AppealRecordEvent(
        **base, materials=tuple(_material(m) for m in items(raw.get("material"))),
        **_read(raw, ("appid", "audit_reason", "punish_description"), (
            "appeal_record_id", "appeal_time", "appeal_count", "appeal_from", "appeal_status",
            "audit_time")))


def _media(base: dict[str, Any], raw: Fields) -> AuthorizerMessage:
    result = nested(raw.get("result"))
    return MediaCheckResult(
        **base, **_read(raw, ("appid", "trace_id"), ("version",)),
        suggest=text(result.get("suggest")), label=number(result.get("label")),
        details=tuple(_media_detail(d) for d in items(raw.get("detail"))))


_ORDER = ("transaction_id", "merchant_id", "sub_merchant_id", "merchant_trade_no")

#: The builders of the message URL's compliance events, by lower-cased ``Event``.
MESSAGE_EVENTS: dict[str, Builder[AuthorizerMessage]] = {
    "wxa_privacy_apply": _privacy,
    "wxa_category_audit": lambda b, r: CategoryAuditResult(
        **b, **_read(r, ("reason",), ("ret", "first", "second"))),
    "wxa_illegal_record": _illegal,
    "wxa_punish_event": _punish,
    "wxa_appeal_record": _appeal,
    "wxa_media_check": _media,
    "trade_manage_remind_access_api": lambda b, r: ShippingAccessReminder(
        **b, msg=text(r.get("msg"))),
    "trade_manage_remind_shipping": lambda b, r: ShippingReminder(
        **b, **_read(r, (*_ORDER, "msg"), ("pay_time",))),
    "trade_manage_order_settlement": lambda b, r: OrderSettlement(
        **b, **_read(r, _ORDER, ("pay_time", "shipped_time", "estimated_settlement_time",
                                 "confirm_receive_method", "confirm_receive_time",
                                 "settlement_time"))),
}
