"""Adopting an authorizer from a refresh token held elsewhere (`core/adopt.py`): checked with
WeChat first, stored only when WeChat takes it, the record before its token."""

from __future__ import annotations

from typing import Any

import pytest

from wxcomponent.core.adopt import add_authorizer
from wxcomponent.core.effects import Http, StoreCall
from wxcomponent.core.release_accounts import TEST_ACCOUNTS
from wxcomponent.errors import InvalidArgument, RefreshTokenInvalid, TransportError
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    Harness,
    answer,
    authorize,
    authorizer_token_answer,
    ready,
)


def adopt(h: Harness, **kwargs: Any) -> AuthorizerRecord:
    record: AuthorizerRecord = h.run(add_authorizer(h.ctx, AUTHORIZER, "rt-elsewhere",
                                                    **kwargs))
    return record


def test_a_token_wechat_takes_is_stored_with_its_access_token_record_first() -> None:
    h = ready()
    h.reply(authorizer_token_answer("at-1"))
    started = h.clock()
    record = adopt(h, func_info=[1, 15], tenant="shop-7")
    request = h.requests("api_authorizer_token")[0]
    assert request.json == {"component_appid": COMPONENT_APPID, "authorizer_appid": AUTHORIZER,
                            "authorizer_refresh_token": "rt-elsewhere"}
    assert (record.refresh_token, record.status, record.func_info, record.tenant) == (
        "rt-elsewhere", "authorized", (1, 15), "shop-7")
    writes = [e.method for e in h.of(StoreCall) if e.method in ("save_authorizer", "set_token")]
    assert writes == ["save_authorizer", "set_token"]
    assert h.store.get_token(AUTHORIZER_KEY) == CachedToken("at-1", started + 7200, started)
    assert h.emitted("authorizer_saved") == [{"appid": AUTHORIZER, "func_info": [1, 15],
                                              "source": "import"}]


def test_a_refresh_token_wechat_rotates_is_the_one_kept() -> None:
    h = ready()
    h.reply(authorizer_token_answer("at-1", refresh="rt-rotated"))
    assert adopt(h).refresh_token == "rt-rotated"


def test_a_token_wechat_rejects_stores_nothing() -> None:
    h = ready()
    h.reply(answer(body={"errcode": 61023, "errmsg": "invalid refresh token"}))
    with pytest.raises(RefreshTokenInvalid):
        adopt(h)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER) is None
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert h.emitted("authorizer_saved") == []


def test_an_answer_without_an_access_token_stores_nothing() -> None:
    h = ready()
    h.reply(answer(body={"expires_in": 7200}))
    with pytest.raises(TransportError):
        adopt(h)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER) is None


def test_an_unreadable_lifetime_counts_as_two_hours() -> None:
    h = ready()
    h.reply(answer(body={"authorizer_access_token": "at-1", "expires_in": "soon"}))
    started = h.clock()
    adopt(h)
    token = h.store.get_token(AUTHORIZER_KEY)
    assert token is not None and token.expires_at == started + 7200


def test_an_account_already_authorized_keeps_its_start_and_permissions() -> None:
    h = ready()
    authorize(h, "rt-old")  # func_info (1,)
    first = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert first is not None
    h.clock.advance(600)
    h.reply(authorizer_token_answer("at-2"))
    record = adopt(h)
    assert (record.authorized_at, record.func_info, record.refresh_token) == (
        first.authorized_at, (1,), "rt-elsewhere")
    assert record.updated_at == h.clock()


def test_a_revoked_account_adopted_again_starts_anew() -> None:
    h = ready()
    authorize(h, "rt-old")
    h.store.mark_revoked(COMPONENT_APPID, AUTHORIZER)
    h.clock.advance(600)
    h.reply(authorizer_token_answer("at-2"))
    record = adopt(h)
    assert (record.status, record.authorized_at, record.revoked_at) == ("authorized",
                                                                        h.clock(), None)


@pytest.mark.parametrize(("appid", "refresh_token", "kwargs", "argument"), [
    ("wx has spaces", "rt", {}, "authorizer_appid"),
    (next(iter(TEST_ACCOUNTS)), "rt", {}, "authorizer_appid"),
    (AUTHORIZER, "", {}, "refresh_token"),
    (AUTHORIZER, "rt", {"func_info": "1,2"}, "func_info"),
    (AUTHORIZER, "rt", {"func_info": 3}, "func_info"),
    (AUTHORIZER, "rt", {"func_info": [1, -2]}, "func_info"),
    (AUTHORIZER, "rt", {"func_info": [1, True]}, "func_info"),
    (AUTHORIZER, "rt", {"tenant": "a\nb"}, "tenant"),
])
def test_bad_arguments_are_refused_before_anything_is_sent(
        appid: str, refresh_token: str, kwargs: dict[str, Any], argument: str) -> None:
    h = ready()
    with pytest.raises(InvalidArgument) as refused:
        h.run(add_authorizer(h.ctx, appid, refresh_token, **kwargs))
    assert refused.value.argument == argument
    assert h.of(Http) == [] and h.of(StoreCall) == []
