"""Reconciliation (`core/reconcile.py`): the store compared with WeChat's authorizer list."""

from __future__ import annotations

from wxcomponent.stores import AuthorizerRecord

from .harness import (
    AUTHORIZER,
    COMPONENT_APPID,
    Harness,
    authorize,
    fresh_component_token,
    list_page,
    with_ticket,
)


def test_reconciliation_adds_only_what_is_missing_and_never_removes() -> None:
    from wxcomponent.core.reconcile import reconcile_authorizers

    h = with_ticket(Harness())
    fresh_component_token(h)
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
