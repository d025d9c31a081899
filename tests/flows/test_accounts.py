"""Tickets and authorizer records (`core/accounts.py`)."""

from __future__ import annotations

from wxcomponent.core import accounts
from wxcomponent.stores import CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    Harness,
    authorize,
)


def test_forget_authorizer_revokes_a_known_account_and_ignores_an_unknown_one() -> None:
    h = Harness()
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    assert h.run(accounts.forget_authorizer(h.ctx, AUTHORIZER)) is True
    assert h.run(accounts.forget_authorizer(h.ctx, "wxbbbbbbbbbbbbbbbb")) is False
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).status == "revoked"
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER, "reason": "unauthorized"}]
