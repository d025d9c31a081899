"""The answers of violations (违规) and appeals (申诉) of a mini program
(``core/endpoints/violations.py``).

Internal module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key, member

__all__ = ["AppealMaterial", "AppealRecord", "AppealRecords", "AppealState", "IllegalRecord",
           "IllegalRecords"]


class AppealState(enum.IntEnum):
    """An appeal's ``appeal_status``."""

    PROCESSING = 1
    APPROVED = 2
    REJECTED = 3
    WITHDRAWN = 4


@dataclass(frozen=True)
class IllegalRecord(WxaModel):
    """One violation record (``illegal_record_id`` such as ``"2_11100"``). Real answers
    sometimes lack ``illegal_content``."""

    illegal_record_id: str = ""
    create_time: int = 0
    illegal_reason: str = ""
    illegal_content: str = ""
    rule_url: str = ""
    rule_name: str = ""


@dataclass(frozen=True)
class IllegalRecords(WxaModel):
    """The violation records of a period (``getillegalrecords``)."""

    records: tuple[IllegalRecord, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AppealMaterial(WxaModel):
    """One material of an appeal: the violating content and the appeal's reason and proofs
    (media ids of temporary material)."""

    content: str = field(default="", metadata=key(("illegal_material", "content")))
    content_url: str = field(default="", metadata=key(("illegal_material", "content_url")))
    reason: str = field(default="", metadata=key(("appeal_material", "reason")))
    proof_material_ids: tuple[str, ...] = field(
        default=(), metadata=key(("appeal_material", "proof_material_ids")))


@dataclass(frozen=True)
class AppealRecord(WxaModel):
    """One appeal of a violation: ``appeal_from`` 0 the user, 1 the platform;
    ``appeal_status`` (:class:`AppealState`); ``audit_time`` and ``audit_reason`` once
    decided."""

    appeal_record_id: int = 0
    appeal_time: int = 0
    appeal_count: int = 0
    appeal_from: int = 0
    appeal_status: int = 0
    audit_time: int = 0
    audit_reason: str = ""
    punish_description: str = ""
    materials: tuple[AppealMaterial, ...] = ()

    @property
    def state(self) -> AppealState | None:
        """``appeal_status`` as an :class:`AppealState` (None for an unknown value)."""
        return member(AppealState, self.appeal_status)


@dataclass(frozen=True)
class AppealRecords(WxaModel):
    """The appeals of one violation (``getappealrecords``)."""

    records: tuple[AppealRecord, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
