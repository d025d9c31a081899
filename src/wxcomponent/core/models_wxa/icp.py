"""The answers of ICP filing (小程序备案): the filing's state with its rejection reasons, the
administrator's face-verification task, filing material, the dictionaries an application is
written with, and the filed order (``core/endpoints/icp.py``).

Internal module.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import FilingFieldError
from .reader import JSON, WxaModel, key, member
from .verification import AuthHint

__all__ = [
    "FilingStatus",
    "IcpAuditData",
    "IcpCertificateType",
    "IcpDistrict",
    "IcpEntranceInfo",
    "IcpFilingApplied",
    "IcpMedia",
    "IcpOnlineOrder",
    "IcpPriorApprovalType",
    "IcpServiceContentType",
    "IcpSubjectType",
    "IcpVerifyTask",
    "IcpVerifyTaskStatus",
]

#: Not filed; 1025–1031 add to it 1 (information missing), 2 (category missing) and
#: 4 (not verified). That reading of 1025–1031 as bits is ours: WeChat lists the values only.
_NOT_FILED = 1024


class FilingStatus(enum.IntEnum):
    """A filing's ``status`` (``beian_status`` in the push): under the platform's review,
    rejected by it, under the bureau's review, rejected by it, filed, not filed."""

    PLATFORM_REVIEW = 2
    PLATFORM_REJECTED = 3
    BUREAU_REVIEW = 4
    BUREAU_REJECTED = 5
    FILED = 6
    NOT_FILED = _NOT_FILED


def _not_filed(status: int) -> bool:
    return _NOT_FILED <= status <= _NOT_FILED + 7


@dataclass(frozen=True)
class IcpAuditData(WxaModel):
    """Why a filing was rejected: the field (``key_name``), the error and a suggestion."""

    key_name: str = ""
    error: str = ""
    suggest: str = ""


@dataclass(frozen=True)
class IcpEntranceInfo(WxaModel):
    """The state of a mini program's filing (``get_icp_entrance_info``): ``status``
    (:class:`FilingStatus`, or 1025–1031 for "not filed" with more missing), whether a
    deregistration is under way, the rejection reasons (``audit_data``, only when rejected),
    whether the filing entrance is open (``available``: closed for example while the nickname
    holds certain words or the bureau's system is down) and, while the bureau reviews, the SMS
    check (``sms_verify_status`` 1 waiting, 2 done, 3 timed out)."""

    status: int = field(default=0, metadata=key(("info", "status")))
    is_canceling: bool = field(default=False, metadata=key(("info", "is_canceling")))
    audit_data: tuple[IcpAuditData, ...] = field(default=(),
                                                 metadata=key(("info", "audit_data")))
    available: bool = field(default=False, metadata=key(("info", "available")))
    sms_verify_status: int = field(default=0, metadata=key(("info", "sms_verify_status")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> FilingStatus | None:
        """``status`` as a :class:`FilingStatus` (1025–1031 read as not filed; None for a
        value WeChat has not documented)."""
        if _not_filed(self.status):
            return FilingStatus.NOT_FILED
        return member(FilingStatus, self.status)

    @property
    def filed(self) -> bool:
        """True once the mini program is filed."""
        return self.status == FilingStatus.FILED

    @property
    def rejected(self) -> bool:
        """True when the platform or the bureau rejected the application (see
        ``audit_data``)."""
        return self.status in (FilingStatus.PLATFORM_REJECTED, FilingStatus.BUREAU_REJECTED)

    @property
    def under_review(self) -> bool:
        """True while the platform or the bureau reviews the application."""
        return self.status in (FilingStatus.PLATFORM_REVIEW, FilingStatus.BUREAU_REVIEW)

    def _lacks(self, bit: int) -> bool:
        return _not_filed(self.status) and bool(self.status & bit)

    @property
    def lacks_information(self) -> bool:
        """Not filed, and the mini program's basic information is not filled in."""
        return self._lacks(1)

    @property
    def lacks_category(self) -> bool:
        """Not filed, and the mini program has no category."""
        return self._lacks(2)

    @property
    def lacks_verification(self) -> bool:
        """Not filed, and the mini program is not verified (微信认证)."""
        return self._lacks(4)


@dataclass(frozen=True)
class IcpVerifyTask(WxaModel):
    """A face-verification task of the administrator (valid three days for a filing, one in
    the combined verification and filing flow, which also gives ``verify_url``)."""

    task_id: str = ""
    verify_url: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class IcpVerifyTaskStatus(WxaModel):
    """Where a face verification stands: ``face_status`` 0 not started, 1 waiting, 2 failed,
    3 succeeded (final only once ``is_finish``); ``along_with_auth_result`` 9 when the SMS
    check of the combined flow passed."""

    is_finish: bool = False
    face_status: int = 0
    along_with_auth_result: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def succeeded(self) -> bool:
        """True when the verification finished and passed."""
        return self.is_finish and self.face_status == 3


@dataclass(frozen=True)
class IcpMedia(WxaModel):
    """Filing material uploaded with ``upload_icp_media``: its kind (``image`` or ``video``),
    ``media_id`` for the application, and when it was uploaded."""

    type: str = ""
    media_id: str = ""
    created_at: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


def field_errors(answer: Mapping[str, Any]) -> tuple[FilingFieldError, ...]:
    """The field ``hints`` of an answer to ``apply_icp_filing`` (never raises)."""
    hints = answer.get("hints")
    if not isinstance(hints, list):
        return ()
    found = []
    for hint in hints:
        if isinstance(hint, Mapping):
            read = AuthHint.from_json(hint)
            found.append(FilingFieldError(read.err_field, read.errcode, read.errmsg))
    return tuple(found)


@dataclass(frozen=True)
class IcpFilingApplied(WxaModel):
    """The answer of an accepted application: any field :attr:`hints` WeChat still gave,
    usually none."""

    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def hints(self) -> tuple[FilingFieldError, ...]:
        """The fields WeChat remarked on, each with its errcode and message."""
        return field_errors(self.raw)


@dataclass(frozen=True)
class IcpSubjectType(WxaModel):
    """A subject type (单位性质), such as 5 for an enterprise: ``icp_subject.base_info.type``."""

    type: int = 0
    name: str = ""
    remark: str = ""


@dataclass(frozen=True)
class IcpCertificateType(WxaModel):
    """A certificate type and the subject type it belongs to."""

    type: int = 0
    subject_type: int = 0
    name: str = ""
    remark: str = ""


@dataclass(frozen=True)
class IcpDistrict(WxaModel):
    """A province (``type`` 1), city (2) or district (3) with its code and its parts. WeChat
    sends the code as a number; applications take it as text (:attr:`code_text`)."""

    type: int = 0
    code: int = 0
    name: str = ""
    sub_list: tuple[IcpDistrict, ...] = ()

    @property
    def code_text(self) -> str:
        """The code as an application takes it (``"110000"``)."""
        return str(self.code)


@dataclass(frozen=True)
class IcpServiceContentType(WxaModel):
    """A type of service content; applications name second-level types (with a
    ``parent_type``)."""

    type: int = 0
    parent_type: int = 0
    name: str = ""
    remark: str = ""


@dataclass(frozen=True)
class IcpPriorApprovalType(WxaModel):
    """A type of prior approval (前置审批, such as 1 news, 4 health care): ``nrlx_details``."""

    type: int = 0
    name: str = ""


@dataclass(frozen=True)
class IcpOnlineOrder(WxaModel):
    """The filed order (``get_online_icp_order``): the subject and the mini program as they
    were filed (media left out) with their filing numbers. WeChat's document gives
    ``icp_applets`` as a list and its example as one object: both are read."""

    icp_subject: Mapping[str, Any] = field(default_factory=dict)
    subject_record_number: str = field(
        default="", metadata=key(("icp_subject", "base_info", "record_number")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def icp_applets(self) -> Mapping[str, Any]:
        """The mini program's part (the first one when WeChat sends a list)."""
        value = self.raw.get("icp_applets")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, Mapping)), None)
        return value if isinstance(value, Mapping) else {}

    @property
    def applets_record_number(self) -> str:
        """The mini program's filing number."""
        base = self.icp_applets.get("base_info")
        number = base.get("record_number") if isinstance(base, Mapping) else None
        return number if isinstance(number, str) else ""
