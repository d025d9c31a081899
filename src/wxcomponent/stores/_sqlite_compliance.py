"""The compliance records of a SQLite store: the statements of :mod:`._sql_compliance` run on
its read and write paths. A record is no credential: it commits with ``synchronous=NORMAL``."""

from __future__ import annotations

from typing import TypeVar

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

    def save_compliance(self, record: ComplianceRecord) -> None:
        """Insert or replace the record and its codes, in one transaction."""
        self._write(lambda conn, now: _perform(conn, _COMPLIANCE.save(record)), durable=False)

    def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """One mini program's compliance record, or None."""
        return self._compliance_read(_COMPLIANCE.get(component_appid, authorizer_appid))

    def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ComplianceRecord]:
        """Records in appid order after ``after``, by code and expiry when given."""
        return self._compliance_read(
            _COMPLIANCE.listing(component_appid, blocked_by, expiring_before, after, limit)
        )

    def count_compliance(self, component_appid: str) -> dict[str, int]:
        """How many records hold each code, with ``"any"`` and ``"records"``."""
        return self._compliance_read(_COMPLIANCE.count(component_appid))

    def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """Records whose ``check_at`` is at or before ``before``, earliest first."""
        return self._compliance_read(_COMPLIANCE.due(component_appid, before, limit))
