"""The compliance records of the memory store: a dict per platform and its appids in order
(listings scan them: memory is small)."""

from __future__ import annotations

import bisect
import threading

from . import _args
from ._compliance_record import ANY_BLOCKER, RECORDS
from ._memory_pages import earliest, page_after
from .base import ComplianceRecord


class _MemoryCompliance:
    """The compliance operations of :class:`~.memory.MemoryStore`, over the dicts its
    constructor makes."""

    _lock: threading.Lock
    _compliance: dict[str, dict[str, ComplianceRecord]]
    _compliance_order: dict[str, list[str]]

    # ------------------------------------------------------------------ compliance

    def _save_compliance(self, a: _args.SaveCompliance) -> None:
        record = a.record
        with self._lock:
            records = self._compliance.setdefault(record.component_appid, {})
            if record.authorizer_appid not in records:
                order = self._compliance_order.setdefault(record.component_appid, [])
                bisect.insort(order, record.authorizer_appid)
            records[record.authorizer_appid] = record

    def _get_compliance(self, a: _args.GetCompliance) -> ComplianceRecord | None:
        component_appid, authorizer_appid = a
        with self._lock:
            return self._compliance.get(component_appid, {}).get(authorizer_appid)

    def _list_compliance(self, a: _args.ListCompliance) -> list[ComplianceRecord]:
        """Records in appid order after ``after``, by code and expiry when given."""
        component_appid, blocked_by, expiring_before, after, limit = a

        def wanted(record: ComplianceRecord) -> bool:
            if blocked_by == ANY_BLOCKER and not record.blockers:
                return False
            if blocked_by not in (None, ANY_BLOCKER) and blocked_by not in record.codes:
                return False
            return expiring_before is None or (
                record.verified_until is not None and record.verified_until <= expiring_before)

        with self._lock:
            records = self._compliance.get(component_appid, {})
            return page_after(self._compliance_order.get(component_appid, []), after, limit,
                              records.__getitem__, wanted)

    def _count_compliance(self, a: _args.CountCompliance) -> dict[str, int]:
        """How many records hold each code, with ``"any"`` and ``"records"``."""
        component_appid = a.component_appid
        with self._lock:
            records = list(self._compliance.get(component_appid, {}).values())
        counts = {RECORDS: len(records), ANY_BLOCKER: sum(1 for r in records if r.blockers)}
        for record in records:
            for code in record.codes:
                counts[code] = counts.get(code, 0) + 1
        return counts

    def _due_compliance(self, a: _args.DueCompliance) -> list[ComplianceRecord]:
        component_appid, before, limit = a
        with self._lock:
            records = list(self._compliance.get(component_appid, {}).values())
        return earliest(records, lambda r: r.check_at, before, limit)
