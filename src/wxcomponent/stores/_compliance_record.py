"""The compliance record a store keeps per mini program (:class:`ComplianceRecord`), and the
checks of the compliance operations' arguments.

The store keeps what the record says and indexes it; it does not decide what blocks an
account: :mod:`wxcomponent.core.compliance_state` computes ``blockers`` and ``warnings`` from
the other fields, and the store indexes the codes it is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import InvalidArgument
from . import _validate as valid

__all__ = [
    "ANY_BLOCKER",
    "RECORDS",
    "ComplianceRecord",
    "check_compliance",
    "check_compliance_code",
    "compliance_due_args",
    "compliance_list_args",
]

#: The key of :meth:`Store.count_compliance`'s answer counting the records with at least one
#: blocker, and the value of ``blocked_by`` listing them. No code may take this name.
ANY_BLOCKER = "any"
#: The key of :meth:`Store.count_compliance`'s answer counting every record.
RECORDS = "records"
#: Most privacy interfaces named in one list of a record.
MAX_INTERFACES = 200
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_INTERFACE = re.compile(r"[A-Za-z0-9_.]{1,64}")


@dataclass(frozen=True)
class ComplianceRecord:
    """Where one mini program stands with WeChat's compliance rules, as last known.

    ``filing_status`` is the ICP filing status (``get_icp_entrance_info``'s ``status``, or a
    push's ``beian_status``; 6 is filed), None while unknown. ``verified_until`` is when the
    verification (微信认证) ends, epoch seconds, None while unknown or never verified.
    ``privacy_pending`` and ``privacy_rejected`` name the privacy interfaces under review and
    refused. ``open_violations`` counts the violation records not yet settled; ``suspended``
    says a punishment banned the account or took it down. ``updated_at`` is the last change,
    ``checked_at`` the last time everything was read from WeChat (0: never), ``check_at`` when
    the periodic check should look again (:meth:`Store.due_compliance`).

    ``blockers`` (what stops the account) and ``warnings`` (what will, such as a verification
    about to end) are codes computed from the rest when the record is saved; the store
    indexes both, so a board lists and counts accounts by code without reading them all.
    """

    component_appid: str
    authorizer_appid: str
    filing_status: int | None = None
    verified_until: float | None = None
    privacy_pending: tuple[str, ...] = ()
    privacy_rejected: tuple[str, ...] = ()
    open_violations: int = 0
    suspended: bool = False
    updated_at: float = 0.0
    checked_at: float = 0.0
    check_at: float = 0.0
    blockers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """The blockers, then the warnings: every code the store indexes the record under."""
        return self.blockers + self.warnings


def check_compliance_code(value: object, name: str = "code") -> str:
    """A blocker or warning code: lower-case letters, digits and ``_``, at most 40."""
    if type(value) is not str or not _CODE.fullmatch(value) or value in (ANY_BLOCKER, RECORDS):
        raise InvalidArgument(name, "must be a code of lower-case letters, digits and _")
    return value


def _codes(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise InvalidArgument(name, "must be a tuple of codes")
    codes = tuple(check_compliance_code(code, name) for code in value)
    if len(set(codes)) != len(codes):
        raise InvalidArgument(name, "must not repeat a code")
    return codes


def _interfaces(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise InvalidArgument(name, "must be a tuple of interface names")
    if len(value) > MAX_INTERFACES:
        raise InvalidArgument(name, f"must name at most {MAX_INTERFACES} interfaces")
    for item in value:
        if type(item) is not str or not _INTERFACE.fullmatch(item):
            raise InvalidArgument(name, "must hold interface names such as wx.choosePoi")
    return tuple(value)


def _count(name: str, value: object) -> int:
    if type(value) is not int or not 0 <= value < 2**31:
        raise InvalidArgument(name, "must be an int from 0")
    return value


def check_compliance(record: object) -> ComplianceRecord:
    """A well-formed :class:`ComplianceRecord`, its sequences as tuples."""
    if not isinstance(record, ComplianceRecord):
        raise InvalidArgument("record", "must be a ComplianceRecord")
    valid.check_appid("component_appid", record.component_appid)
    valid.check_appid("authorizer_appid", record.authorizer_appid)
    if record.filing_status is not None:
        _count("filing_status", record.filing_status)
    valid.check_time("verified_until", record.verified_until, optional=True)
    if type(record.suspended) is not bool:
        raise InvalidArgument("suspended", "must be a bool")
    _count("open_violations", record.open_violations)
    for name in ("updated_at", "checked_at", "check_at"):
        valid.check_time(name, getattr(record, name))
    blockers = _codes("blockers", record.blockers)
    warnings = _codes("warnings", record.warnings)
    if set(blockers) & set(warnings):
        raise InvalidArgument("warnings", "must not repeat a blocker")
    return replace(
        record,
        privacy_pending=_interfaces("privacy_pending", record.privacy_pending),
        privacy_rejected=_interfaces("privacy_rejected", record.privacy_rejected),
        blockers=blockers,
        warnings=warnings,
    )


def compliance_list_args(
    component_appid: object, blocked_by: object, expiring_before: object, after: object,
    limit: object,
) -> float | None:
    """Arguments of ``list_compliance``: ``expiring_before`` as a float."""
    valid.check_appid("component_appid", component_appid)
    if blocked_by is not None and blocked_by != ANY_BLOCKER:
        check_compliance_code(blocked_by, "blocked_by")
    if after is not None:
        valid.check_appid("after", after)
    valid.check_limit(limit)
    return valid.check_time("expiring_before", expiring_before, optional=True)


def compliance_due_args(component_appid: object, before: object, limit: object) -> float:
    """Arguments of ``due_compliance``: ``before`` as a float."""
    valid.check_appid("component_appid", component_appid)
    valid.check_limit(limit)
    return valid.check_time("before", before)  # type: ignore[return-value]
