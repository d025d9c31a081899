"""The answers of verification (微信认证) and its annual review, and of the combined
verification and ICP filing flow (``core/endpoints/verification.py``).

Internal module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key, member

__all__ = [
    "ApplyStatus",
    "AuthAndIcpStatus",
    "AuthAndIcpSubmission",
    "AuthDispatch",
    "AuthHint",
    "AuthIdentityNode",
    "AuthIdentityTree",
    "AuthMaterial",
    "AuthStatus",
    "AuthTask",
    "ProcedureStatus",
]


class ApplyStatus(enum.IntEnum):
    """A verification's ``apply_status`` (meaningful once ``task_status`` is 12)."""

    NONE = 0
    AWAITING_PAYMENT = 1
    REVIEWING = 2
    REFILL = 3
    APPROVED = 4
    FAILED = 5


class ProcedureStatus(enum.IntEnum):
    """A combined verification and filing procedure's ``procedure_status``. WeChat's table
    lists 15 to 26; 9 comes from a staff answer, 27 to 29 from one port only: treat any
    value not listed here as not final."""

    PHONE_VERIFIED = 9
    AWAITING_PAYMENT = 15
    PAID = 16
    AUTH_REVIEWING = 17
    AUTH_REJECTED = 18
    AUTH_APPROVED = 19
    AUTH_FAILED = 20
    FILING_NOT_CREATED = 21
    FILING_PLATFORM_REVIEW = 22
    FILING_PLATFORM_REJECTED = 23
    FILING_BUREAU_REVIEW = 24
    FILING_BUREAU_REJECTED = 25
    DONE = 26
    EXPIRED = 27
    ENDED = 28
    FILING_WITHDRAWN = 29


@dataclass(frozen=True)
class AuthTask(WxaModel):
    """A verification task (``wxaauth``, ``reauth``): its id and the link the mini program's
    administrator must open to authorize it (valid 24 hours)."""

    taskid: str = ""
    auth_url: str = field(default="", repr=False)  # the administrator's link: not logged
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuthDispatch(WxaModel):
    """The third-party auditor a verification was dispatched to."""

    provider: str = ""
    contact: str = ""
    dispatch_time: int = 0


@dataclass(frozen=True)
class AuthStatus(WxaModel):
    """A verification task's progress (``queryauth``): ``task_status`` (0 created … 9 phone
    verified, 12 review order created, 15 awaiting payment) and, after 12, ``apply_status``
    (:class:`ApplyStatus`) with the reasons of a refill (3) or a final failure (5).
    ``orderid`` is a number in WeChat's doc and a string in some SDKs: it is read as text."""

    task_status: int = 0
    apply_status: int = 0
    auth_url: str = field(default="", repr=False)
    orderid: str = ""
    appid: str = ""
    refill_reason: str = ""
    fail_reason: str = ""
    dispatch_info: AuthDispatch = field(default_factory=AuthDispatch)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def apply_state(self) -> ApplyStatus | None:
        """``apply_status`` as an :class:`ApplyStatus` (None for an undocumented value)."""
        return member(ApplyStatus, self.apply_status)

    @property
    def approved(self) -> bool:
        """True once the verification passed."""
        return self.apply_status == ApplyStatus.APPROVED


@dataclass(frozen=True)
class AuthMaterial(WxaModel):
    """A material uploaded for a verification (``uploadauthmaterial``): its ``mediaid``
    (WeChat writes it without an underscore here)."""

    mediaid: str = field(default="", metadata=key("mediaid", "media_id"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuthIdentityNode(WxaModel):
    """One node of the identity tree of personal verification: a leaf carries the
    ``requirement`` of its identity, an inner node its children."""

    name: str = ""
    node_id: int = 0
    requirement: str = field(default="", metadata=key(("leaf_info", "requirement")))
    children: tuple[AuthIdentityNode, ...] = field(default=(), metadata=key("node_list"))

    @property
    def is_leaf(self) -> bool:
        """True for a leaf: its ``name`` goes into ``auth_data.auth_identification``."""
        return not self.children

    def leaves(self) -> tuple[AuthIdentityNode, ...]:
        """The leaves under this node (itself when it is one), depth first."""
        if self.is_leaf:
            return (self,)
        return tuple(leaf for child in self.children for leaf in child.leaves())


@dataclass(frozen=True)
class AuthIdentityTree(WxaModel):
    """The identities a person may be verified as (``authidentitytree``)."""

    nodes: tuple[AuthIdentityNode, ...] = field(default=(), metadata=key("node_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    def leaves(self) -> tuple[AuthIdentityNode, ...]:
        """Every leaf of the tree, depth first."""
        return tuple(leaf for node in self.nodes for leaf in node.leaves())


@dataclass(frozen=True)
class AuthHint(WxaModel):
    """A field a submission was refused for: its errcode, message and field path (the
    ``hints`` of a combined verification and filing, and of a filing application)."""

    errcode: int = 0
    errmsg: str = ""
    err_field: str = ""


@dataclass(frozen=True)
class AuthAndIcpSubmission(WxaModel):
    """A submitted combined verification and filing (``submit_auth_and_icp``): the
    ``procedure_id``, the payment link when the merchant pays (``pay_type`` 2), and the
    ``hints`` of fields refused."""

    procedure_id: str = ""
    pay_url: str = field(default="", repr=False)
    hints: tuple[AuthHint, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuthAndIcpStatus(WxaModel):
    """A combined procedure's progress (``query_auth_and_icp``): ``procedure_status``
    (:class:`ProcedureStatus`), the reasons of a rejection (18) or failure (20), and the
    filing review's hints (21), audit data (23, 25) and SMS state (24) under ``icp_audit``."""

    procedure_status: int = 0
    orderid: str = ""
    refill_reason: str = ""
    fail_reason: str = ""
    hints: tuple[AuthHint, ...] = field(default=(), metadata=key(("icp_audit", "hints")))
    audit_data: tuple[JSON, ...] = field(default=(), metadata=key(("icp_audit", "audit_data")))
    sms_verify_status: int = field(default=0, metadata=key(("icp_audit", "sms_verify_status")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> ProcedureStatus | None:
        """``procedure_status`` as a :class:`ProcedureStatus` (None for an unknown value,
        which is not final)."""
        return member(ProcedureStatus, self.procedure_status)

    @property
    def finished(self) -> bool:
        """True once the procedure can go no further: done, or verification failed."""
        return self.procedure_status in (ProcedureStatus.DONE, ProcedureStatus.AUTH_FAILED)
