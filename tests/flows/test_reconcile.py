"""Reconciliation (`core/reconcile.py`): the store compared with WeChat's authorizer list,
page by page; what is missing added, nothing removed, the release check's accounts left out."""

from __future__ import annotations

from wxcomponent.core.effects import Http
from wxcomponent.core.reconcile import reconcile_authorizers
from wxcomponent.core.release_accounts import TEST_ACCOUNTS
from wxcomponent.stores import AuthorizerRecord

from .harness import (
    AUTHORIZER,
    COMPONENT_APPID,
    authorize,
    list_page,
    ready,
)


def appid(n: int) -> str:
    return f"wx{n:016x}"


def test_reconciliation_adds_only_what_is_missing_and_never_removes() -> None:
    h = ready()
    authorize(h, "rt-kept")
    gone = "wxbbbbbbbbbbbbbbbb"
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, gone, "rt-gone", "revoked", (),
                                             now, now, now))
    back = "wxcccccccccccccccc"
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, back, "rt-old", "revoked", (),
                                             now, now, now))
    h.reply(list_page([(AUTHORIZER, "rt-list"), (gone, "rt-gone"), (back, "rt-new"),
                       ("wxdddddddddddddddd", ""), ("wxeeeeeeeeeeeeeeee", "rt-e")], total=5))
    report = h.run(reconcile_authorizers(h.ctx))
    assert report.listed == 5
    assert set(report.added) == {back, "wxeeeeeeeeeeeeeeee"}
    assert report.without_refresh_token == ("wxdddddddddddddddd",)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt-kept"
    assert h.store.get_authorizer(COMPONENT_APPID, gone).status == "revoked"
    assert h.store.get_authorizer(COMPONENT_APPID, back).status == "authorized"
    assert h.emitted("authorizer_reconciled") == [{"appid": back},
                                                  {"appid": "wxeeeeeeeeeeeeeeee"}]


def test_the_list_is_read_page_by_page_to_its_end() -> None:
    h = ready()
    listed = [(appid(n), f"rt-{n}") for n in range(5)]

    def page(request: Http) -> object:
        offset = request.json["offset"]
        return list_page(listed[offset:offset + 2], total=len(listed))  # WeChat's page size

    h.reply(page)
    report = h.run(reconcile_authorizers(h.ctx))
    assert [r.json["offset"] for r in h.requests("api_get_authorizer_list")] == [0, 2, 4]
    assert all(r.json["count"] == 500 for r in h.requests("api_get_authorizer_list"))
    assert (report.listed, report.added) == (5, tuple(a for a, _ in listed))
    assert [r.authorizer_appid for r in h.store.list_authorizers(COMPONENT_APPID)] == [
        a for a, _ in listed]


def test_an_empty_page_ends_the_listing_whatever_the_total_says() -> None:
    h = ready()
    h.reply(list_page([(AUTHORIZER, "rt")], total=10), list_page([], total=10))
    report = h.run(reconcile_authorizers(h.ctx))
    assert report.listed == 1 and len(h.requests("api_get_authorizer_list")) == 2


def test_the_release_check_accounts_are_neither_counted_nor_stored() -> None:
    h = ready()
    h.reply(list_page([(test, "rt-test") for test in TEST_ACCOUNTS] + [(AUTHORIZER, "rt")],
                      total=3))
    report = h.run(reconcile_authorizers(h.ctx))
    assert (report.listed, report.added) == (1, (AUTHORIZER,))
    assert all(h.store.get_authorizer(COMPONENT_APPID, test) is None for test in TEST_ACCOUNTS)


def test_an_added_account_is_stored_as_wechat_lists_it() -> None:
    h = ready()
    h.reply(list_page([(AUTHORIZER, "rt-listed")], total=1))
    h.run(reconcile_authorizers(h.ctx))
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert record is not None
    assert (record.refresh_token, record.status, record.authorized_at, record.updated_at) == (
        "rt-listed", "authorized", 1.0, h.clock())  # its auth_time from the list


def test_a_revoked_account_listed_with_a_new_token_keeps_its_permissions() -> None:
    h = ready()
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-old", "revoked",
                                             (1, 15), now, now, now))
    h.reply(list_page([(AUTHORIZER, "rt-new")], total=1))
    assert h.run(reconcile_authorizers(h.ctx)).added == (AUTHORIZER,)
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert record is not None
    assert (record.status, record.refresh_token, record.func_info, record.revoked_at) == (
        "authorized", "rt-new", (1, 15), None)
