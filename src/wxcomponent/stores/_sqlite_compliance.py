"""The compliance records of a SQLite store: the statements of :mod:`._sql_compliance` run on
its read and write paths. A record is no credential: it commits with ``synchronous=NORMAL``."""

from __future__ import annotations

from typing import TypeVar

from . import _args
from ._sql_compliance import SqlCompliance
from ._sql_queue import SqlOp
from ._sqlite_conn import _perform, _SQLiteFile
from .base import ComplianceRecord

T = TypeVar("T")

_COMPLIANCE = SqlCompliance(lock_accounts=False)


class _SQLiteCompliance(_SQLiteFile):
    """The compliance operations of :class:`~.sqlite.SQLiteStore`."""

    def _compliance_read(self, op: SqlOp[T]) -> T:
        return self._read_op(op, "compliance record")

    # ------------------------------------------------------------------ compliance

    def _save_compliance(self, a: _args.SaveCompliance) -> None:
        """Insert or replace the record and its codes, in one transaction."""
        record = a.record
        self._write(lambda conn, now: _perform(conn, _COMPLIANCE.save(record)), durable=False)

    def _get_compliance(self, a: _args.GetCompliance) -> ComplianceRecord | None:
        """One mini program's compliance record, or None."""
        component_appid, authorizer_appid = a
        return self._compliance_read(_COMPLIANCE.get(component_appid, authorizer_appid))

    def _list_compliance(self, a: _args.ListCompliance) -> list[ComplianceRecord]:
        """Records in appid order after ``after``, by code and expiry when given."""
        component_appid, blocked_by, expiring_before, after, limit = a
        return self._compliance_read(
            _COMPLIANCE.listing(component_appid, blocked_by, expiring_before, after, limit)
        )

    def _count_compliance(self, a: _args.CountCompliance) -> dict[str, int]:
        """How many records hold each code, with ``"any"`` and ``"records"``."""
        component_appid = a.component_appid
        return self._compliance_read(_COMPLIANCE.count(component_appid))

    def _due_compliance(self, a: _args.DueCompliance) -> list[ComplianceRecord]:
        """Records whose ``check_at`` is at or before ``before``, earliest first."""
        component_appid, before, limit = a
        return self._compliance_read(_COMPLIANCE.due(component_appid, before, limit))
