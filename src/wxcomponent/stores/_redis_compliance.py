"""The compliance records of the Redis store, written once, free of I/O (as :mod:`._redis_ops`).

Keys, under the platform's hash tag (``p:{c}:``)::

    compliance                 hash: appid -> the record, as JSON
    compliance:appids          sorted set of every appid with a record (score 0: lexical order)
    compliance:check           sorted set of the appids scored by ``check_at``
    compliance:code:<code>     sorted set of the appids holding a code (score 0); ``any`` for
                               those with a blocker
    compliance:codes           hash: appid -> the codes it is listed under
    compliance:seen            set of every code ever listed (what counting reads)

One script writes a record and moves it between the codes' sets. A listing by a code reads
that code's set in appid order; a listing by expiry reads its set a batch at a time and
skips the records that do not expire by then. With a durable store beside Redis, the records
live there alone and every operation asks it.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import StoreCorrupt
from . import _args
from ._compliance_record import ANY_BLOCKER, RECORDS, ComplianceRecord
from ._redis_keys import RedisKeys, num, text
from ._redis_steps import DurableCall, Op, eval_script, load_script

__all__ = ["RedisCompliance"]

SAVE = load_script("compliance_save")
RANGE = load_script("compliance_range")
#: How many records a listing by expiry reads at a time.
BATCH = 500


def _encode(record: ComplianceRecord) -> str:
    return json.dumps({
        "filing_status": record.filing_status, "verified_until": record.verified_until,
        "privacy_pending": list(record.privacy_pending),
        "privacy_rejected": list(record.privacy_rejected),
        "open_violations": record.open_violations, "suspended": record.suspended,
        "updated_at": record.updated_at, "checked_at": record.checked_at,
        "check_at": record.check_at, "blockers": list(record.blockers),
        "warnings": list(record.warnings),
    }, separators=(",", ":"))  # fmt: skip


def _decode(c: str, a: str, raw: Any) -> ComplianceRecord:
    try:
        data = json.loads(text(raw))
        verified_until = data["verified_until"]
        filing = data["filing_status"]
        return ComplianceRecord(
            component_appid=c, authorizer_appid=a,
            filing_status=None if filing is None else int(filing),
            verified_until=None if verified_until is None else float(verified_until),
            privacy_pending=tuple(map(str, data["privacy_pending"])),
            privacy_rejected=tuple(map(str, data["privacy_rejected"])),
            open_violations=int(data["open_violations"]), suspended=bool(data["suspended"]),
            updated_at=float(data["updated_at"]), checked_at=float(data["checked_at"]),
            check_at=float(data["check_at"]), blockers=tuple(map(str, data["blockers"])),
            warnings=tuple(map(str, data["warnings"])),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreCorrupt(f"unreadable compliance record of {a}") from exc


class RedisCompliance:
    """The compliance operations of the Redis stores under ``keys``; with ``durable``, each
    is a call to the durable store."""

    def __init__(self, keys: RedisKeys, *, durable: bool) -> None:
        self.keys = keys
        self.durable = durable

    def _key(self, c: str, name: str) -> str:
        return f"{self.keys.platform(c)}compliance{name}"

    def save_compliance(self, call: _args.SaveCompliance) -> Op[None]:
        """See :meth:`Store.save_compliance`."""
        record = call.record
        c = record.component_appid
        if self.durable:
            yield DurableCall("save_compliance", (record,))
            return
        codes = record.codes + ((ANY_BLOCKER,) if record.blockers else ())
        keys = tuple(self._key(c, name) for name in ("", ":appids", ":check", ":codes", ":seen"))
        args = (record.authorizer_appid, _encode(record), num(record.check_at),
                self._key(c, ":code:"), " ".join(codes))
        yield from eval_script(SAVE, keys, args)

    def get_compliance(self, call: _args.GetCompliance) -> Op[ComplianceRecord | None]:
        """See :meth:`Store.get_compliance`."""
        c, a = call
        if self.durable:
            found: ComplianceRecord | None = yield DurableCall("get_compliance", (c, a))
            return found
        raw = yield ("HGET", self._key(c, ""), a)
        return None if raw is None else _decode(c, a, raw)

    def _range(self, c: str, index: str, low: str, high: str, by: str,
               limit: int) -> Op[list[ComplianceRecord]]:
        reply = yield from eval_script(RANGE, (index, self._key(c, "")), (low, high, by, limit))
        items = list(reply or ())
        return [
            _decode(c, text(items[i]), items[i + 1])
            for i in range(0, len(items) - 1, 2)
            if items[i + 1] is not None
        ]

    def list_compliance(self, call: _args.ListCompliance) -> Op[list[ComplianceRecord]]:
        """See :meth:`Store.list_compliance`."""
        c, blocked_by, expiring_before, after, limit = call
        if self.durable:
            kwargs = {"blocked_by": blocked_by, "expiring_before": expiring_before,
                      "after": after, "limit": limit}
            listed: list[ComplianceRecord] = yield DurableCall("list_compliance", (c,), kwargs)
            return list(listed)
        index = self._key(c, ":appids" if blocked_by is None else f":code:{blocked_by}")
        page: list[ComplianceRecord] = []
        while len(page) < limit:
            want = limit - len(page) if expiring_before is None else BATCH
            start = "-" if after is None else f"({after}"
            batch = yield from self._range(c, index, start, "+", "BYLEX", want)
            for record in batch:
                after = record.authorizer_appid
                until = record.verified_until
                if expiring_before is None or (until is not None and until <= expiring_before):
                    page.append(record)
                    if len(page) == limit:
                        break
            if len(batch) < want:
                break
        return page

    def count_compliance(self, call: _args.CountCompliance) -> Op[dict[str, int]]:
        """See :meth:`Store.count_compliance`."""
        c = call.component_appid
        if self.durable:
            counted: dict[str, int] = yield DurableCall("count_compliance", (c,))
            return dict(counted)
        total = yield ("ZCARD", self._key(c, ":appids"))
        counts = {RECORDS: int(total), ANY_BLOCKER: 0}
        seen = yield ("SMEMBERS", self._key(c, ":seen"))
        for code in sorted(text(member) for member in seen or ()):
            n = yield ("ZCARD", self._key(c, f":code:{code}"))
            if int(n) or code == ANY_BLOCKER:
                counts[code] = int(n)
        return counts

    def due_compliance(self, call: _args.DueCompliance) -> Op[list[ComplianceRecord]]:
        """See :meth:`Store.due_compliance`."""
        c, before, limit = call
        if self.durable:
            kwargs = {"before": before, "limit": limit}
            due: list[ComplianceRecord] = yield DurableCall("due_compliance", (c,), kwargs)
            return list(due)
        return (yield from self._range(c, self._key(c, ":check"), "-inf", num(before),
                                       "BYSCORE", limit))
