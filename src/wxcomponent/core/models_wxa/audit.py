"""The answers of audits: a submitted audit, its status and state, audit material and the
audit quota (``core/endpoints/audit.py``).

Internal module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key, member

__all__ = ["AuditMedia", "AuditQuota", "AuditState", "AuditStatus", "SubmittedAudit"]


class AuditState(enum.IntEnum):
    """An audit's ``status``: 0 approved, 1 rejected, 2 under audit, 3 withdrawn, 4 delayed."""

    APPROVED = 0
    REJECTED = 1
    AUDITING = 2
    WITHDRAWN = 3
    DELAYED = 4


@dataclass(frozen=True)
class SubmittedAudit(WxaModel):
    """A submitted audit: its id, for :meth:`status` calls and the audit pushes."""

    auditid: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditMedia(WxaModel):
    """Audit material uploaded with ``/wxa/uploadmedia`` (valid three days)."""

    type: str = ""
    mediaid: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditStatus(WxaModel):
    """An audit's state (``get_auditstatus``, or ``get_latest_auditstatus`` with the id,
    version and submit time too). ``reason`` is the rejection or delay reason; ``screenshot``
    the media ids of the rejection's example screenshots."""

    status: int = -1
    reason: str = ""
    screenshot: tuple[str, ...] = field(default=(), metadata=key("screenshot", "ScreenShot",
                                                                  sep="|"))
    auditid: int = 0
    user_version: str = ""
    user_desc: str = ""
    submit_audit_time: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> AuditState | None:
        """``status`` as an :class:`AuditState` (None for a value WeChat has not documented)."""
        return member(AuditState, self.status)

    @property
    def finished(self) -> bool:
        """True once the audit has an outcome (approved, rejected or withdrawn)."""
        return self.status in (AuditState.APPROVED, AuditState.REJECTED, AuditState.WITHDRAWN)


@dataclass(frozen=True)
class AuditQuota(WxaModel):
    """The platform's monthly audit quota and speed-up quota, shared by its mini programs."""

    rest: int = 0
    limit: int = 0
    speedup_rest: int = 0
    speedup_limit: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
