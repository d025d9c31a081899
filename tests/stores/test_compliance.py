"""Compliance records, on every backend and flavour.

A record is saved whole and read back as it was; listings run in appid order a page at a
time, by a code (through its index), by any blocker and by the end of verification; a save
that drops a code takes the record out of that code's listing and count; ``due_compliance``
returns the records to check, earliest ``check_at`` first. Bad arguments change nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import ComplianceRecord

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"


def compliance(appid: str = "wxa1", component: str = C1, **changes: Any) -> ComplianceRecord:
    record = ComplianceRecord(
        component_appid=component, authorizer_appid=appid, filing_status=6,
        verified_until=2_000_000.0, privacy_pending=("wx.getLocation",),
        privacy_rejected=(), open_violations=0, suspended=False, updated_at=1000.0,
        checked_at=900.0, check_at=5000.0,
    )
    return dataclasses.replace(record, **changes)


async def test_a_record_round_trips_and_a_save_replaces_it(store: Any) -> None:
    assert await store.get_compliance(C1, "wxa1") is None
    first = compliance(blockers=("not_filed", "suspended"), warnings=("verification_expiring",),
                       filing_status=None, verified_until=None, suspended=True,
                       privacy_rejected=("wx.choosePoi", "wx.chooseAddress"), open_violations=2)
    await store.save_compliance(first)
    assert await store.get_compliance(C1, "wxa1") == first
    assert await store.get_compliance(C2, "wxa1") is None
    second = compliance()
    await store.save_compliance(second)
    assert await store.get_compliance(C1, "wxa1") == second


async def test_listings_by_code_any_blocker_and_expiry_page_in_appid_order(store: Any) -> None:
    for i in range(7):
        await store.save_compliance(compliance(
            f"wxa{i}", blockers=("not_filed",) if i % 2 else (),
            warnings=("verification_expiring",) if i % 3 == 0 else (),
            verified_until=1000.0 * i,
        ))
    await store.save_compliance(compliance("wxa9", component=C2, blockers=("not_filed",)))

    async def appids(**kwargs: Any) -> list[str]:
        return [r.authorizer_appid for r in await store.list_compliance(C1, **kwargs)]

    assert await appids() == [f"wxa{i}" for i in range(7)]
    assert await appids(blocked_by="not_filed") == ["wxa1", "wxa3", "wxa5"]
    assert await appids(blocked_by="any") == ["wxa1", "wxa3", "wxa5"]
    assert await appids(blocked_by="verification_expiring") == ["wxa0", "wxa3", "wxa6"]
    assert await appids(blocked_by="suspended") == []
    assert await appids(expiring_before=2500.0) == ["wxa0", "wxa1", "wxa2"]
    assert await appids(blocked_by="not_filed", expiring_before=3000.0) == ["wxa1", "wxa3"]
    assert await appids(blocked_by="not_filed", after="wxa1", limit=1) == ["wxa3"]
    assert await appids(after="wxa2", limit=2) == ["wxa3", "wxa4"]
    assert await appids(expiring_before=5000.0, after="wxa1", limit=2) == ["wxa2", "wxa3"]


async def test_a_save_moves_the_record_between_codes_and_counts_follow(store: Any) -> None:
    assert await store.count_compliance(C1) == {"records": 0, "any": 0}
    await store.save_compliance(compliance("wxa1", blockers=("not_filed", "suspended")))
    await store.save_compliance(compliance("wxa2", blockers=("not_filed",)))
    await store.save_compliance(compliance("wxa3", warnings=("verification_expiring",)))
    assert await store.count_compliance(C1) == {
        "records": 3, "any": 2, "not_filed": 2, "suspended": 1, "verification_expiring": 1,
    }
    await store.save_compliance(compliance("wxa1", blockers=("violations_open",)))
    await store.save_compliance(compliance("wxa2"))
    assert await store.count_compliance(C1) == {
        "records": 3, "any": 1, "violations_open": 1, "verification_expiring": 1,
    }
    assert [r.authorizer_appid for r in await store.list_compliance(C1, blocked_by="any")] == [
        "wxa1"]
    assert await store.list_compliance(C1, blocked_by="not_filed") == []
    assert await store.count_compliance(C2) == {"records": 0, "any": 0}


async def test_due_records_come_earliest_check_first(store: Any) -> None:
    await store.save_compliance(compliance("wxa1", check_at=300.0))
    await store.save_compliance(compliance("wxa2", check_at=100.0))
    await store.save_compliance(compliance("wxa3", check_at=100.0))
    await store.save_compliance(compliance("wxa4", check_at=900.0))
    due = await store.due_compliance(C1, before=300.0)
    assert [r.authorizer_appid for r in due] == ["wxa2", "wxa3", "wxa1"]
    assert [r.authorizer_appid for r in await store.due_compliance(C1, before=300, limit=1)] == [
        "wxa2"]
    await store.save_compliance(compliance("wxa2", check_at=1000.0))
    due = await store.due_compliance(C1, before=300.0)
    assert [r.authorizer_appid for r in due] == ["wxa3", "wxa1"]
    assert await store.due_compliance(C2, before=10_000.0) == []


@pytest.mark.parametrize("changes", [
    {"blockers": ("Not Filed",)},
    {"blockers": ("any",)},
    {"blockers": ("not_filed", "not_filed")},
    {"blockers": "not_filed"},
    {"warnings": ("not_filed",), "blockers": ("not_filed",)},
    {"privacy_pending": ("wx.get Location",)},
    {"open_violations": -1},
    {"suspended": 1},
    {"filing_status": "6"},
    {"verified_until": float("nan")},
    {"authorizer_appid": "wx:a1"},
    {"check_at": None},
])
async def test_a_bad_record_is_refused_and_nothing_changes(store: Any, changes: Any) -> None:
    await store.save_compliance(compliance())
    with pytest.raises(InvalidArgument):
        await store.save_compliance(compliance(**{"open_violations": 5, **changes}))
    assert await store.get_compliance(C1, "wxa1") == compliance()


async def test_bad_listing_arguments_are_refused(store: Any) -> None:
    for kwargs in ({"blocked_by": "DROP TABLE"}, {"expiring_before": "soon"},
                   {"after": "wx a"}, {"limit": 0}):
        with pytest.raises(InvalidArgument):
            await store.list_compliance(C1, **kwargs)
    with pytest.raises(InvalidArgument):
        await store.due_compliance(C1, before=float("inf"))
    with pytest.raises(InvalidArgument):
        await store.save_compliance("not a record")
