"""Names and the refresh schedule of authorizers, on every backend and flavour.

``name`` is kept across saves that do not name one and changed by ``set_authorizer_name``;
``search_authorizers`` finds records by the beginning of their name, case-folded, in name
order, a page at a time. ``refresh_at`` is kept across saves that give 0 and moved by
``schedule_refresh``; ``due_authorizers`` returns the authorized records due by a time,
earliest first. Neither ``set_authorizer_name`` nor ``schedule_refresh`` moves ``updated_at``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import AuthorizerRecord
from wxcomponent.stores.base import name_key

from ..support.stores import StoreTime
from .records import record as tenant_record

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"


def record(appid: str = "wxa1", component: str = C1, **changes: Any) -> AuthorizerRecord:
    return tenant_record(appid, component_appid=component, **changes)


# ---------------------------------------------------------------------- names


async def test_a_name_round_trips_and_a_save_without_one_keeps_it(store: Any) -> None:
    await store.save_authorizer(record(name="星巴克 Coffee"))
    assert (await store.get_authorizer(C1, "wxa1")).name == "星巴克 Coffee"
    await store.save_authorizer(record(refresh_token="rt-after-exchange"))  # no name given
    again = await store.get_authorizer(C1, "wxa1")
    assert (again.name, again.refresh_token) == ("星巴克 Coffee", "rt-after-exchange")
    assert await store.replace_refresh_token(C1, "wxa1", "rt-after-exchange", "rt-rotated")
    assert await store.mark_revoked(C1, "wxa1")
    assert (await store.get_authorizer(C1, "wxa1")).name == "星巴克 Coffee"
    await store.save_authorizer(record(name="Renamed"))
    assert (await store.get_authorizer(C1, "wxa1")).name == "Renamed"
    listed = await store.list_authorizers(C1)
    assert [r.name for r in listed] == ["Renamed"]


async def test_set_authorizer_name(store: Any, store_time: StoreTime) -> None:
    assert await store.set_authorizer_name(C1, "wxa1", "Shop") is False
    assert await store.get_authorizer(C1, "wxa1") is None  # nothing was created
    await store.save_authorizer(record(tenant="customer-1"))
    store_time.advance(5)
    assert await store.set_authorizer_name(C1, "wxa1", "Shop") is True
    changed = await store.get_authorizer(C1, "wxa1")
    assert dataclasses.replace(changed, name=None) == record(tenant="customer-1")  # only the name
    assert changed.name == "Shop"
    assert await store.set_authorizer_name(C1, "wxa1", None) is True
    assert (await store.get_authorizer(C1, "wxa1")).name is None
    assert await store.search_authorizers(C1, "sh") == []
    assert await store.set_authorizer_name(C2, "wxa1", "Other") is False


async def test_the_account_type_is_kept_with_the_name(store: Any, store_time: StoreTime) -> None:
    await store.save_authorizer(record(name="Shop"))
    assert (await store.get_authorizer(C1, "wxa1")).account_type is None
    store_time.advance(5)
    assert await store.set_authorizer_name(C1, "wxa1", "Shop", account_type="mini_program")
    changed = await store.get_authorizer(C1, "wxa1")
    assert changed.account_type == "mini_program"
    assert dataclasses.replace(changed, account_type=None) == record(name="Shop")  # only it
    await store.save_authorizer(record(refresh_token="rt-2"))  # an exchange says nothing of it
    assert (await store.get_authorizer(C1, "wxa1")).account_type == "mini_program"
    assert await store.set_authorizer_name(C1, "wxa1", "Shop 2")  # a name alone keeps it
    kept = await store.get_authorizer(C1, "wxa1")
    assert (kept.name, kept.account_type) == ("Shop 2", "mini_program")
    assert [r.account_type for r in await store.search_authorizers(C1, "shop")] == [
        "mini_program"]
    assert [r.account_type for r in await store.list_authorizers(C1)] == ["mini_program"]
    assert [r.account_type for r in await store.due_authorizers(C1, before=1e12)] == [
        "mini_program"]
    await store.save_authorizer(record("wxa2", account_type="official_account"))
    assert (await store.get_authorizer(C1, "wxa2")).account_type == "official_account"
    assert await store.set_authorizer_name(C2, "wxa1", "x", account_type="mini_program") is False


async def test_an_unknown_account_type_is_refused_and_nothing_changes(store: Any) -> None:
    await store.save_authorizer(record())
    with pytest.raises(InvalidArgument, match="account_type"):
        await store.set_authorizer_name(C1, "wxa1", "Shop", account_type="robot")
    with pytest.raises(InvalidArgument, match="account_type"):
        await store.save_authorizer(record(account_type="robot"))
    kept = await store.get_authorizer(C1, "wxa1")
    assert (kept.name, kept.account_type) == (None, None)


async def test_search_finds_by_the_beginning_of_the_name_case_folded(store: Any) -> None:
    names = {"wxa1": "Coffee Bean", "wxa2": "coffee house", "wxa3": "COFFEE", "wxa4": "Tea",
             "wxa5": "咖啡店", "wxa6": "咖啡馆", "wxa7": "ＣＯＦＦＥＥ ｆｕｌｌ", "wxa8": None}
    for appid, name in names.items():
        await store.save_authorizer(record(appid, name=name))
    await store.save_authorizer(record("wxa9", component=C2, name="Coffee elsewhere"))
    await store.mark_revoked(C1, "wxa2")  # revoked accounts are found too

    found = await store.search_authorizers(C1, "coffee")
    assert [r.authorizer_appid for r in found] == ["wxa3", "wxa1", "wxa7", "wxa2"]
    assert [r.authorizer_appid for r in await store.search_authorizers(C1, "COFFEE H")] == [
        "wxa2"]
    assert [r.authorizer_appid for r in await store.search_authorizers(C1, "咖啡")] == [
        "wxa5", "wxa6"]
    assert [r.authorizer_appid for r in await store.search_authorizers(C1, "咖啡馆")] == ["wxa6"]
    assert await store.search_authorizers(C1, "milk") == []
    everything = await store.search_authorizers(C1, "")
    assert len(everything) == 7  # every named record; wxa8 has no name
    assert [name_key(r.name) for r in everything] == sorted(name_key(r.name) for r in everything)


async def test_search_pages_by_name_then_appid(store: Any) -> None:
    for i in range(7):
        await store.save_authorizer(record(f"wxb{i}", name="Same Name"))
    await store.save_authorizer(record("wxa0", name="Same Name 2"))
    seen: list[str] = []
    after = None
    while True:
        page = await store.search_authorizers(C1, "same", after=after, limit=3)
        seen += [r.authorizer_appid for r in page]
        if len(page) < 3:
            break
        after = (name_key(page[-1].name), page[-1].authorizer_appid)
    assert seen == [f"wxb{i}" for i in range(7)] + ["wxa0"]


async def test_a_renamed_account_is_found_by_its_new_name_only(store: Any) -> None:
    await store.save_authorizer(record(name="Old Name"))
    await store.set_authorizer_name(C1, "wxa1", "New Name")
    assert await store.search_authorizers(C1, "old") == []
    assert [r.name for r in await store.search_authorizers(C1, "new")] == ["New Name"]
    await store.save_authorizer(record(name="Third"))
    assert await store.search_authorizers(C1, "new") == []
    assert [r.name for r in await store.search_authorizers(C1, "th")] == ["Third"]


BAD_NAMES = ["", "x" * 257, "line\nbreak", "nul\x00", 42, b"bytes"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
async def test_bad_names_are_refused_and_nothing_changes(store: Any, name: Any) -> None:
    await store.save_authorizer(record(name="kept"))
    with pytest.raises(InvalidArgument) as caught:
        await store.save_authorizer(record(refresh_token="rt-new-xxxx", name=name))
    assert caught.value.argument == "name"
    with pytest.raises(InvalidArgument) as caught:
        await store.set_authorizer_name(C1, "wxa1", name)
    assert caught.value.argument == "name"
    stored = await store.get_authorizer(C1, "wxa1")
    assert (stored.name, stored.refresh_token) == ("kept", "rt-wxa1-secret-value")


@pytest.mark.parametrize("call", [
    {"prefix": 1}, {"prefix": "a\nb"}, {"prefix": "x" * 257}, {"after": "wxa1"},
    {"after": ("a",)}, {"after": ("a", 1)}, {"limit": 0}, {"limit": "5"},
    # no name key holds a 0 byte or a lone surrogate, and no appid a ':'
    {"after": ("a\x00", "wxa1")}, {"after": ("\ud800", "wxa1")}, {"after": ("a", "wx:a1")},
    {"after": ("a", "")},
], ids=repr)
async def test_bad_searches_are_refused(store: Any, call: dict[str, Any]) -> None:
    args = {"prefix": "a", **call}
    with pytest.raises(InvalidArgument):
        await store.search_authorizers(C1, args.pop("prefix"), **args)


# ---------------------------------------------------------------------- the refresh schedule


async def test_a_new_record_is_due_at_once_and_a_save_of_0_keeps_the_schedule(
    store: Any, store_time: StoreTime
) -> None:
    await store.save_authorizer(record())
    assert (await store.get_authorizer(C1, "wxa1")).refresh_at == 0.0
    assert [r.authorizer_appid for r in await store.due_authorizers(C1, before=0.0)] == ["wxa1"]
    assert await store.schedule_refresh(C1, "wxa1", store_time.now + 7000) is True
    await store.save_authorizer(record(refresh_token="rt-after-exchange"))  # refresh_at 0
    assert (await store.get_authorizer(C1, "wxa1")).refresh_at == store_time.now + 7000
    await store.save_authorizer(record(refresh_at=store_time.now + 100))
    assert (await store.get_authorizer(C1, "wxa1")).refresh_at == store_time.now + 100
    assert await store.replace_refresh_token(C1, "wxa1", "rt-wxa1-secret-value", "rt-rotated")
    assert (await store.get_authorizer(C1, "wxa1")).refresh_at == store_time.now + 100


async def test_schedule_refresh_moves_only_refresh_at(store: Any) -> None:
    assert await store.schedule_refresh(C1, "wxa1", 5.0) is False
    assert await store.get_authorizer(C1, "wxa1") is None
    await store.save_authorizer(record(name="Shop", tenant="t-1"))
    assert await store.schedule_refresh(C1, "wxa1", 1700007000.5) is True
    changed = await store.get_authorizer(C1, "wxa1")
    assert changed == record(name="Shop", tenant="t-1", refresh_at=1700007000.5)


async def test_due_authorizers_earliest_first_only_authorized_and_bounded(
    store: Any
) -> None:
    at = {"wxa1": 500.0, "wxa2": 100.0, "wxa3": 300.0, "wxa4": 300.0, "wxa5": 900.0,
          "wxa6": 200.0}
    for appid, when in at.items():
        await store.save_authorizer(record(appid, refresh_at=when))
    await store.save_authorizer(record("wxa1", component=C2, refresh_at=50.0))
    await store.mark_revoked(C1, "wxa6")

    due = await store.due_authorizers(C1, before=500.0)
    assert [(r.authorizer_appid, r.refresh_at) for r in due] == [
        ("wxa2", 100.0), ("wxa3", 300.0), ("wxa4", 300.0), ("wxa1", 500.0)]
    assert [r.authorizer_appid for r in await store.due_authorizers(C1, before=500.0, limit=2)
            ] == ["wxa2", "wxa3"]
    assert await store.due_authorizers(C1, before=99.0) == []
    assert [r.authorizer_appid for r in await store.due_authorizers(C2, before=60.0)] == ["wxa1"]
    # a revoked account is never due; authorized again, it is
    await store.save_authorizer(record("wxa6", refresh_at=200.0))
    assert "wxa6" in [r.authorizer_appid for r in await store.due_authorizers(C1, before=250.0)]
    # rescheduled past the bound, a record is no longer due
    await store.schedule_refresh(C1, "wxa2", 10_000.0)
    assert [r.authorizer_appid for r in await store.due_authorizers(C1, before=300.0)] == [
        "wxa6", "wxa3", "wxa4"]


async def test_draining_the_due_records_by_rescheduling_them(store: Any) -> None:
    for i in range(25):
        await store.save_authorizer(record(f"wxc{i:02d}", refresh_at=float(i)))
    drained: list[str] = []
    while page := await store.due_authorizers(C1, before=1000.0, limit=10):
        for r in page:
            drained.append(r.authorizer_appid)
            await store.schedule_refresh(C1, r.authorizer_appid, 5000.0)
    assert drained == [f"wxc{i:02d}" for i in range(25)]


@pytest.mark.parametrize("call", [
    ("schedule_refresh", (C1, "wxa1", "soon"), {}),
    ("schedule_refresh", (C1, "wxa1", float("nan")), {}),
    ("schedule_refresh", (C1, "", 1.0), {}),
    ("due_authorizers", (C1,), {"before": None}),
    ("due_authorizers", (C1,), {"before": float("inf")}),
    ("due_authorizers", (C1,), {"before": 1.0, "limit": 0}),
    ("due_authorizers", ("a:b",), {"before": 1.0}),
], ids=repr)
async def test_bad_schedule_calls_are_refused_and_nothing_changes(
    store: Any, call: tuple[str, tuple[Any, ...], dict[str, Any]]
) -> None:
    await store.save_authorizer(record(refresh_at=42.0))
    method, args, kwargs = call
    with pytest.raises(InvalidArgument):
        await getattr(store, method)(*args, **kwargs)
    assert (await store.get_authorizer(C1, "wxa1")).refresh_at == 42.0


async def test_a_bad_refresh_at_in_a_record_is_refused(store: Any) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await store.save_authorizer(record(refresh_at=float("nan")))
    assert caught.value.argument == "refresh_at"
    assert await store.get_authorizer(C1, "wxa1") is None


def test_the_name_and_schedule_show_in_the_repr() -> None:
    shown = repr(record(name="Shop", refresh_at=12.5))
    assert "name='Shop'" in shown and "refresh_at=12.5" in shown
    assert "rt-wxa1-secret-value" not in shown
