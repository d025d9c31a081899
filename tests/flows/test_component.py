"""The platform's own endpoints (`core/endpoints/component.py`): a code exchanged once
fleet-wide however often it comes, an answer lacking what must be stored refused, the account
list read a page at a time, the endpoints that take the secret instead of a token."""

from __future__ import annotations

import hashlib

import pytest

from wxcomponent.core.effects import Http, StoreCall
from wxcomponent.core.endpoints import component, openapi
from wxcomponent.errors import InvalidArgument, TransportError

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    Harness,
    answer,
    exchanged,
    list_page,
    ready,
)


def code_key(code: str) -> str:
    return f"{COMPONENT_APPID}:auth_code:{hashlib.sha256(code.encode()).hexdigest()[:32]}"


def test_a_code_that_comes_twice_is_exchanged_once_and_read_back_the_second_time() -> None:
    h = ready()
    h.reply(exchanged())
    first = h.run(component.query_auth(h.ctx, "code@@@1"))  # the push
    h.clock.advance(30)
    again = h.run(component.query_auth(h.ctx, "code@@@1"))  # the browser's redirect
    assert len(h.requests("api_query_auth")) == 1
    assert (again.authorizer_appid, again.authorizer_access_token,
            again.authorizer_refresh_token) == (AUTHORIZER, "at", "rt")
    assert again.expires_in == first.expires_in - 30
    marker = h.store.get_token(code_key("code@@@1"))
    assert marker is not None and marker.value == AUTHORIZER  # the code's key: its appid


def test_a_code_read_back_after_its_token_was_dropped_says_so() -> None:
    h = ready()
    h.reply(exchanged())
    h.run(component.query_auth(h.ctx, "code@@@1"))
    h.store.delete_token(AUTHORIZER_KEY)
    again = h.run(component.query_auth(h.ctx, "code@@@1"))
    assert (again.authorizer_access_token, again.expires_in) == ("", 0)
    assert again.authorizer_refresh_token == "rt"


@pytest.mark.parametrize("missing", ["authorizer_appid", "authorizer_refresh_token"])
def test_an_exchange_without_the_appid_or_refresh_token_stores_nothing(missing: str) -> None:
    h = ready()
    info = {"authorizer_appid": AUTHORIZER, "authorizer_access_token": "at",
            "expires_in": 7200, "authorizer_refresh_token": "rt", "func_info": []}
    del info[missing]
    h.reply(answer(body={"authorization_info": info}), exchanged())
    with pytest.raises(TransportError):
        h.run(component.query_auth(h.ctx, "code@@@1"))
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER) is None
    assert h.store.get_token(code_key("code@@@1")) is None
    assert h.run(component.query_auth(h.ctx, "code@@@1")).authorizer_appid == AUTHORIZER
    assert len(h.requests("api_query_auth")) == 2  # nothing remembered: tried again


@pytest.mark.parametrize("code", ["", None, 7])
def test_a_code_that_is_no_string_is_refused_before_anything(code: object) -> None:
    h = ready()
    with pytest.raises(InvalidArgument):
        h.run(component.query_auth(h.ctx, code))  # type: ignore[arg-type]
    assert h.of(Http) == [] and h.of(StoreCall) == []


def test_the_account_list_is_read_a_page_at_a_time() -> None:
    h = ready()
    listed = [(f"wx{n:016x}", f"rt-{n}") for n in range(5)]

    def page(request: Http) -> object:
        offset, count = request.json["offset"], request.json["count"]
        return list_page(listed[offset:offset + count], total=len(listed))

    h.reply(page)
    pages = component.iter_authorizers(h.ctx, page_size=2)
    cursor, seen = None, []
    while True:
        got = h.run(pages.fetch(cursor))
        seen.extend(item.authorizer_appid for item in got.items)
        if got.next is None:
            break
        cursor = got.next
    assert seen == [appid for appid, _ in listed]
    assert [(r.json["offset"], r.json["count"]) for r in h.requests()] == [(0, 2), (2, 2),
                                                                            (4, 2)]


@pytest.mark.parametrize("size", [0, 501, "10", 2.5])
def test_a_page_size_out_of_range_is_refused(size: object) -> None:
    h = ready()
    with pytest.raises(InvalidArgument):
        component.iter_authorizers(h.ctx, page_size=size)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        h.run(component.authorizer_list_page(h.ctx, -1))


def test_ticket_pushes_and_quota_resets_carry_the_secret_not_a_token() -> None:
    h = Harness()  # no ticket: these need none
    h.reply(lambda request: answer(body={"errcode": 0, "errmsg": "ok"}))
    h.run(component.start_push_ticket(h.ctx))
    h.run(openapi.clear_quota(h.ctx))
    h.run(openapi.clear_quota(h.ctx, AUTHORIZER))
    push, platform, account = h.requests()
    assert push.json == {"component_appid": COMPONENT_APPID, "component_secret": "s" * 32}
    assert platform.json == {"component_appid": COMPONENT_APPID, "appsecret": "s" * 32}
    assert account.json == {**platform.json, "appid": AUTHORIZER}
    assert push.params == platform.params == account.params == {}
