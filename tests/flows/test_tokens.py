"""The token flows (`core/tokens.py`): authorizer tokens rotated durably first, 61023
recovered from the paged list, every kind's token with its expiry."""

from __future__ import annotations

import pytest

from wxcomponent import TokenKind
from wxcomponent.core import tokens
from wxcomponent.core.effects import StoreCall
from wxcomponent.errors import (
    InvalidArgument,
    RefreshTokenInvalid,
)
from wxcomponent.stores import CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    Harness,
    answer,
    authorize,
    authorizer_token_answer,
    component_token_answer,
    list_page,
    with_ticket,
)

# --------------------------------------------------------------------------- authorizer tokens


def test_a_rotated_refresh_token_is_stored_before_the_access_token() -> None:
    h = with_ticket(Harness())
    authorize(h, "rt-1")
    h.reply(component_token_answer(), authorizer_token_answer("at-1", refresh="rt-2"))
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert token.value == "at-1"
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt-2"
    writes = [(e.method, e.args[0]) for e in h.of(StoreCall)
              if e.method in ("replace_refresh_token", "set_token")]
    assert writes.index(("replace_refresh_token", COMPONENT_APPID)) < writes.index(
        ("set_token", AUTHORIZER_KEY))


def test_61023_recovers_the_refresh_token_from_the_paged_authorizer_list() -> None:
    h = with_ticket(Harness())
    authorize(h, "rt-dead")
    others = [(f"wx{n:016d}", f"rt-{n}") for n in range(500)]
    h.reply(
        component_token_answer(),
        answer(body={"errcode": 61023, "errmsg": "invalid refresh token"}),
        list_page(others, total=501),
        list_page([(AUTHORIZER, "rt-live")], total=501),
        authorizer_token_answer("at-live"),
    )
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert token.value == "at-live"
    pages = [r.json for r in h.requests("api_get_authorizer_list")]
    assert [(p["offset"], p["count"]) for p in pages] == [(0, 500), (500, 500)]
    refreshes = [r.json["authorizer_refresh_token"] for r in h.requests("api_authorizer_token")]
    assert refreshes == ["rt-dead", "rt-live"]
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert (record.refresh_token, record.status) == ("rt-live", "authorized")


def test_61023_with_nothing_to_recover_marks_the_authorizer_revoked() -> None:
    h = with_ticket(Harness())
    authorize(h, "rt-dead")
    h.reply(component_token_answer(), answer(body={"errcode": 61023}),
            list_page([(AUTHORIZER, "rt-dead")], total=1))
    with pytest.raises(RefreshTokenInvalid):
        h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).status == "revoked"
    assert h.emitted("authorizer_revoked") == [
        {"appid": AUTHORIZER, "reason": "refresh_token_invalid"}]


def test_token_flows_return_the_token_with_its_expiry_for_every_kind() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.reply(component_token_answer("ct", 7000), authorizer_token_answer("at"),
            answer(body={"errcode": 0, "ticket": "jt", "expires_in": 7200}))
    now = h.clock()
    got = {kind: h.run(tokens.token(h.ctx, kind.value,
                                    AUTHORIZER if kind.per_authorizer else ""))
           for kind in TokenKind}
    assert got[TokenKind.COMPONENT_ACCESS_TOKEN] == CachedToken("ct", now + 7000, now)
    assert got[TokenKind.AUTHORIZER_ACCESS_TOKEN].value == "at"
    assert got[TokenKind.JSAPI_TICKET].value == "jt"
    with pytest.raises(InvalidArgument):
        h.run(tokens.token(h.ctx, "component"))
    with pytest.raises(InvalidArgument):
        h.run(tokens.token(h.ctx, TokenKind.JSAPI_TICKET))  # whose ticket?
