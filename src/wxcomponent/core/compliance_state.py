"""What blocks a mini program, by the one rule every part of the library uses: the codes, and
how a compliance record's blockers and warnings follow from what it says.

The codes are the ones a shipment's preflight reports where the two meet (a report groups by
them: "312 not_filed"), the board lists and counts, and the metrics label:

* ``not_filed`` — the ICP filing is known and is not 6 (filed): since September 2023 a mini
  program must be filed before it is published;
* ``verification_expired`` — the verification (微信认证) ended: new releases and being
  searched are blocked at once, sharing after 30 days, new users and payment after 60;
* ``privacy_interface_rejected`` — WeChat refused a privacy interface the merchant applied
  for: an audit of code using it fails (61040);
* ``suspended`` — a punishment took the mini program down or banned the account;
* ``violations_open`` — violation records in the last 90 days (``getillegalrecords``);
* ``verification_expiring`` — a warning, not a blocker: the verification ends within
  :data:`EXPIRY_WARNING` (WeChat's annual-review notices start 30 days ahead).

Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from ..stores.base import ComplianceRecord

__all__ = [
    "BLOCKERS", "CODES", "EXPIRY_WARNING", "FILED", "NOT_FILED", "PRIVACY_INTERFACE_REJECTED",
    "SUSPENDED", "VERIFICATION_EXPIRED", "VERIFICATION_EXPIRING", "VIOLATIONS_OPEN",
    "WARNINGS", "assess", "next_check",
]

NOT_FILED = "not_filed"
VERIFICATION_EXPIRED = "verification_expired"
VERIFICATION_EXPIRING = "verification_expiring"
PRIVACY_INTERFACE_REJECTED = "privacy_interface_rejected"
SUSPENDED = "suspended"
VIOLATIONS_OPEN = "violations_open"
#: The codes that block an account, in the order a board shows them.
BLOCKERS: tuple[str, ...] = (
    NOT_FILED, VERIFICATION_EXPIRED, PRIVACY_INTERFACE_REJECTED, SUSPENDED, VIOLATIONS_OPEN,
)
#: The codes that only warn.
WARNINGS: tuple[str, ...] = (VERIFICATION_EXPIRING,)
#: Every code.
CODES: tuple[str, ...] = BLOCKERS + WARNINGS
#: The ICP filing status of a filed mini program (``get_icp_entrance_info``, ``beian_status``).
FILED = 6
#: How long before the verification ends it is reported as expiring (seconds).
EXPIRY_WARNING = 30 * 86400.0


def next_check(record: ComplianceRecord, now: float, max_age: float | None) -> float:
    """When the periodic check should look at ``record`` again: once it is ``max_age`` old
    (at once when it was never read from WeChat), and at the moments its codes change by time
    alone (the verification starts expiring, then ends). Infinity-free: with no such moment
    and no ``max_age``, a year on."""
    moments = []
    if max_age is not None:
        moments.append(now if record.checked_at == 0 else record.checked_at + max_age)
    until = record.verified_until
    if until is not None:
        moments += [m for m in (until - EXPIRY_WARNING, until) if m > now]
    return min(moments, default=now + 365 * 86400.0)


def assess(record: ComplianceRecord, now: float, max_age: float | None = None) -> ComplianceRecord:
    """``record`` with its ``blockers`` and ``warnings`` computed at ``now``, and its
    ``check_at`` (:func:`next_check`)."""
    blockers = []
    if record.filing_status is not None and record.filing_status != FILED:
        blockers.append(NOT_FILED)
    until = record.verified_until
    if until is not None and until <= now:
        blockers.append(VERIFICATION_EXPIRED)
    if record.privacy_rejected:
        blockers.append(PRIVACY_INTERFACE_REJECTED)
    if record.suspended:
        blockers.append(SUSPENDED)
    if record.open_violations:
        blockers.append(VIOLATIONS_OPEN)
    warnings: tuple[str, ...] = ()
    if until is not None and now < until <= now + EXPIRY_WARNING:
        warnings = (VERIFICATION_EXPIRING,)
    return replace(record, blockers=tuple(blockers), warnings=warnings,
                   check_at=next_check(record, now, max_age))
