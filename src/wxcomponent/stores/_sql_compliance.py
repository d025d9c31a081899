"""The compliance records of the SQL stores (SQLite and PostgreSQL), written once, free of I/O.

Two tables: ``compliance``, one row per mini program, and ``compliance_codes``, one row per
code a record holds (its blockers and warnings) and one under ``"any"`` for a record with a
blocker. Listing by a code reads that code's rows in appid order and counting reads only the
rows of accounts that hold a code, so neither grows with the accounts that hold none. An
index on ``check_at`` serves the periodic check (:meth:`SqlCompliance.due`).

As in :mod:`._sql_queue`, each operation is a generator of :class:`~._sql_queue.Sql`
statements with ``?`` placeholders; the store runs a save in one transaction. On PostgreSQL a
save first takes a transaction's advisory lock on the account, so two saves of one account
never leave the codes of both.
"""

from __future__ import annotations

import zlib
from typing import Any

from . import _args
from ._compliance_record import ANY_BLOCKER, RECORDS, ComplianceRecord
from ._sql_queue import Sql, SqlOp, where

__all__ = ["COLUMNS", "SqlCompliance", "compliance_tables"]

COLUMNS = (
    "component_appid, authorizer_appid, filing_status, verified_until, privacy_pending, "
    "privacy_rejected, open_violations, suspended, updated_at, checked_at, check_at, "
    "blockers, warnings"
)
_ONE = "component_appid = ? AND authorizer_appid = ?"
_UPSERT = (
    f"INSERT INTO compliance ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT (component_appid, authorizer_appid) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in COLUMNS.split(", ")[2:])
)


def compliance_tables(*, name: str, time: str) -> tuple[str, ...]:
    """The tables and indexes, with the column types of a dialect: ``name`` for appids and
    codes (compared byte by byte), ``time`` for epoch seconds."""
    return (
        f"""CREATE TABLE compliance (
            component_appid {name} NOT NULL,
            authorizer_appid {name} NOT NULL,
            filing_status INTEGER,
            verified_until {time},
            privacy_pending TEXT NOT NULL,
            privacy_rejected TEXT NOT NULL,
            open_violations INTEGER NOT NULL,
            suspended INTEGER NOT NULL,
            updated_at {time} NOT NULL,
            checked_at {time} NOT NULL,
            check_at {time} NOT NULL,
            blockers TEXT NOT NULL,
            warnings TEXT NOT NULL,
            PRIMARY KEY (component_appid, authorizer_appid)
        )""",
        """CREATE INDEX compliance_by_check_at
            ON compliance (component_appid, check_at, authorizer_appid)""",
        f"""CREATE TABLE compliance_codes (
            component_appid {name} NOT NULL,
            code {name} NOT NULL,
            authorizer_appid {name} NOT NULL,
            PRIMARY KEY (component_appid, code, authorizer_appid)
        )""",
    )


def _names(text: Any) -> tuple[str, ...]:
    return tuple(str(text).split())


def _record(row: tuple[Any, ...]) -> ComplianceRecord:
    (c, a, filing, verified_until, pending, rejected, violations, suspended, updated_at,
     checked_at, check_at, blockers, warnings) = row
    return ComplianceRecord(
        component_appid=str(c), authorizer_appid=str(a),
        filing_status=None if filing is None else int(filing),
        verified_until=None if verified_until is None else float(verified_until),
        privacy_pending=_names(pending), privacy_rejected=_names(rejected),
        open_violations=int(violations), suspended=bool(suspended),
        updated_at=float(updated_at), checked_at=float(checked_at), check_at=float(check_at),
        blockers=_names(blockers), warnings=_names(warnings),
    )  # fmt: skip


def _index_codes(record: ComplianceRecord) -> tuple[str, ...]:
    return record.codes + ((ANY_BLOCKER,) if record.blockers else ())


class SqlCompliance:
    """The compliance operations; ``lock_accounts`` on a database of concurrent writers."""

    def __init__(self, *, lock_accounts: bool) -> None:
        self.lock_accounts = lock_accounts

    def save_compliance(self, call: _args.SaveCompliance, now: float) -> SqlOp[None]:
        """See :meth:`Store.save_compliance` (``record`` checked)."""
        record = call.record
        c, a = record.component_appid, record.authorizer_appid
        if self.lock_accounts:
            # no credential: the commit does not wait for the disk
            yield Sql("SET LOCAL synchronous_commit = off")
            key = zlib.crc32(f"wxcomponent:compliance:{c}:{a}".encode())
            yield Sql("SELECT pg_advisory_xact_lock(?)", (key,))
        found = yield Sql(f"SELECT blockers, warnings FROM compliance WHERE {_ONE}", (c, a))  # noqa: S608
        old: set[str] = set()
        if found.rows:
            blockers, warnings = found.rows[0]
            old = set(_names(blockers) + _names(warnings))
            if blockers.split():
                old.add(ANY_BLOCKER)
        new = set(_index_codes(record))
        for code in sorted(old - new):
            yield Sql(
                "DELETE FROM compliance_codes WHERE component_appid = ? AND code = ? "
                "AND authorizer_appid = ?", (c, code, a),
            )
        yield Sql(_UPSERT, (
            c, a, record.filing_status, record.verified_until,
            " ".join(record.privacy_pending), " ".join(record.privacy_rejected),
            record.open_violations, int(record.suspended), float(record.updated_at),
            float(record.checked_at), float(record.check_at), " ".join(record.blockers),
            " ".join(record.warnings),
        ))  # fmt: skip
        for code in sorted(new - old):
            yield Sql(
                "INSERT INTO compliance_codes (component_appid, code, authorizer_appid) "
                "VALUES (?, ?, ?)", (c, code, a),
            )

    def get_compliance(self, call: _args.GetCompliance,
                       now: float) -> SqlOp[ComplianceRecord | None]:
        """See :meth:`Store.get_compliance`."""
        c, a = call
        found = yield Sql(f"SELECT {COLUMNS} FROM compliance WHERE {_ONE}", (c, a))  # noqa: S608
        return _record(found.rows[0]) if found.rows else None

    def list_compliance(self, call: _args.ListCompliance,
                        now: float) -> SqlOp[list[ComplianceRecord]]:
        """See :meth:`Store.list_compliance`: by a code, through its rows in appid order."""
        c, blocked_by, expiring_before, after, limit = call
        columns = ", ".join(f"r.{name}" for name in COLUMNS.split(", "))
        if blocked_by is None:
            base = f"SELECT {columns} FROM compliance AS r WHERE r.component_appid = ?"  # noqa: S608
        else:
            base = (
                f"SELECT {columns} FROM compliance_codes AS k JOIN compliance AS r "  # noqa: S608
                "ON r.component_appid = k.component_appid "
                "AND r.authorizer_appid = k.authorizer_appid "
                "WHERE k.component_appid = ?"
            )
        # the cursor and the order on the table read in order, so its index serves both
        order = "r.authorizer_appid" if blocked_by is None else "k.authorizer_appid"
        sql, params = where(base, c, (" AND k.code = ?", blocked_by),
                            (" AND r.verified_until <= ?", expiring_before),
                            (f" AND {order} > ?", after))
        found = yield Sql(f"{sql} ORDER BY {order} LIMIT ?", (*params, limit))
        return [_record(row) for row in found.rows]

    def count_compliance(self, call: _args.CountCompliance, now: float) -> SqlOp[dict[str, int]]:
        """See :meth:`Store.count_compliance`."""
        c = call.component_appid
        total = yield Sql("SELECT COUNT(*) FROM compliance WHERE component_appid = ?", (c,))
        found = yield Sql(
            "SELECT code, COUNT(*) FROM compliance_codes WHERE component_appid = ? "
            "GROUP BY code", (c,),
        )
        counts = {RECORDS: int(total.rows[0][0]), ANY_BLOCKER: 0}
        counts.update({str(code): int(n) for code, n in found.rows})
        return counts

    def due_compliance(self, call: _args.DueCompliance,
                       now: float) -> SqlOp[list[ComplianceRecord]]:
        """See :meth:`Store.due_compliance`: through the index on ``check_at``."""
        c, before, limit = call
        found = yield Sql(
            f"SELECT {COLUMNS} FROM compliance WHERE component_appid = ? AND check_at <= ? "  # noqa: S608
            "ORDER BY check_at, authorizer_appid LIMIT ?", (c, before, limit),
        )
        return [_record(row) for row in found.rows]
