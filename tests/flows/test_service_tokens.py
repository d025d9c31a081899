"""Tokens from a running service (`core/service_tokens.py`): asked of the service's token
API, kept while fresh (less the lead), dropped once expired; a refused token renewed at the
service by compare-and-refresh; the service's refusals typed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wxcomponent import ServiceTokens, TokenKind
from wxcomponent.core.effects import Http, HttpResult
from wxcomponent.errors import (
    AuthorizerNotFound,
    ConfigurationError,
    InvalidCredential,
    TransportError,
)

from .harness import AUTHORIZER, COMPONENT_APPID, Harness, answer

SERVICE = "http://10.0.0.7:8001"
AT = TokenKind.AUTHORIZER_ACCESS_TOKEN


def served(lead: float = 60.0) -> tuple[Harness, ServiceTokens]:
    source = ServiceTokens(SERVICE + "/", "an-api-key-0123456789", lead=lead)
    h = Harness()
    h.ctx = replace(h.ctx, tokens=source)
    return h, source


def token_answer(h: Harness, value: str, lifetime: float = 600,
                 field: str = "access_token") -> HttpResult:
    return answer(body={field: value, "expires_at": h.clock() + lifetime})


def test_each_kind_is_asked_at_its_path_with_the_key() -> None:
    h, source = served()
    h.reply(token_answer(h, "ct"), token_answer(h, "at"),
            token_answer(h, "tk", field="ticket"))
    assert h.run(source.current(h.ctx, TokenKind.COMPONENT_ACCESS_TOKEN, "")).value == "ct"
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at"
    assert h.run(source.current(h.ctx, TokenKind.JSAPI_TICKET, AUTHORIZER)).value == "tk"
    base = f"{SERVICE}/api/{COMPONENT_APPID}"
    assert [(r.method, r.path) for r in h.requests()] == [
        ("GET", f"{base}/component_token"), ("GET", f"{base}/authorizers/{AUTHORIZER}/token"),
        ("GET", f"{base}/authorizers/{AUTHORIZER}/jsapi_ticket")]
    assert all(r.headers == {"Authorization": "Bearer an-api-key-0123456789"}
               for r in h.requests())


def test_a_kept_token_is_asked_for_again_lead_seconds_before_it_expires() -> None:
    h, source = served(lead=60)
    h.reply(token_answer(h, "at-1", lifetime=600), token_answer(h, "at-2", lifetime=1200))
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at-1"
    h.clock.advance(539)
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at-1"
    h.clock.advance(1)
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at-2"
    assert len(h.requests()) == 2


def test_a_refused_token_is_renewed_at_the_service_only_if_still_kept() -> None:
    h, source = served()
    h.reply(token_answer(h, "at-1"), token_answer(h, "at-2"), token_answer(h, "at-3"))
    h.run(source.current(h.ctx, AT, AUTHORIZER))
    assert h.run(source.refresh(h.ctx, AT, AUTHORIZER, "at-1")).value == "at-2"
    refresh = h.requests()[-1]
    assert (refresh.method, refresh.json) == ("POST", {"stale": "at-1"})
    assert refresh.path.endswith(f"/authorizers/{AUTHORIZER}/token/refresh")
    assert h.run(source.refresh(h.ctx, AT, AUTHORIZER, "at-0")).value == "at-3"
    assert h.requests()[-1].json == {"stale": "at-0"}  # the service decides; at-3 now kept
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at-3"
    assert len(h.requests()) == 3


def test_a_refusal_of_another_token_keeps_the_one_kept() -> None:
    h, source = served()
    h.reply(token_answer(h, "at-1"), answer(503, {"error": "unavailable"}))
    h.run(source.current(h.ctx, AT, AUTHORIZER))
    with pytest.raises(TransportError):
        h.run(source.refresh(h.ctx, AT, AUTHORIZER, "at-0"))  # not the token kept here
    assert h.run(source.current(h.ctx, AT, AUTHORIZER)).value == "at-1"
    assert len(h.requests()) == 2  # at-1 still kept: no request


def test_a_ticket_is_never_refreshed_by_request_only_read_again() -> None:
    h, source = served()
    h.reply(token_answer(h, "tk-1", field="ticket"), token_answer(h, "tk-2", field="ticket"))
    h.run(source.current(h.ctx, TokenKind.JSAPI_TICKET, AUTHORIZER))
    assert h.run(source.refresh(h.ctx, TokenKind.JSAPI_TICKET, AUTHORIZER, "tk-1")).value \
        == "tk-2"
    assert [r.method for r in h.requests()] == ["GET", "GET"]


@pytest.mark.parametrize(("status", "body", "error"), [
    (401, {"error": "unauthorized"}, ConfigurationError),
    (403, {}, ConfigurationError),
    (404, {"error": "not found"}, AuthorizerNotFound),
    (409, {"error": "revoked"}, AuthorizerNotFound),
    (502, {"errcode": 40001, "message": "invalid credential"}, InvalidCredential),
    (500, {}, TransportError),
    (200, {"access_token": ""}, TransportError),
    (200, {"access_token": "at", "expires_at": True}, TransportError),
])
def test_the_services_refusals_are_typed(status: int, body: dict[str, object],
                                         error: type[Exception]) -> None:
    h, source = served()
    h.reply(answer(status, body))
    with pytest.raises(error) as raised:
        h.run(source.current(h.ctx, AT, AUTHORIZER))
    if isinstance(raised.value, AuthorizerNotFound):
        assert raised.value.revoked is (status == 409)
    assert source._kept == {}


def test_a_component_token_refused_by_the_service_is_no_missing_account() -> None:
    h, source = served()
    h.reply(answer(404, {"error": "unknown platform"}))
    with pytest.raises(TransportError):
        h.run(source.current(h.ctx, TokenKind.COMPONENT_ACCESS_TOKEN, ""))


def test_tokens_from_a_service_are_kept_while_fresh_and_dropped_once_expired() -> None:
    source = ServiceTokens("http://10.0.0.7:8001", "an-api-key-0123456789")
    h = Harness()
    h.ctx = replace(h.ctx, tokens=source)

    def answer_token(request: Http) -> HttpResult:
        appid = request.path.split("/authorizers/")[1].split("/")[0]
        return answer(body={"access_token": f"at-{appid}", "expires_at": h.clock() + 600})

    h.reply(answer_token)
    kind = TokenKind.AUTHORIZER_ACCESS_TOKEN
    appids = [f"wx{n:016x}" for n in range(3000)]
    for appid in appids[:1500]:
        assert h.run(source.current(h.ctx, kind, appid)).value == f"at-{appid}"
    asked = len(h.requests())
    assert h.run(source.current(h.ctx, kind, appids[0])).value == f"at-{appids[0]}"
    assert len(h.requests()) == asked  # kept while fresh: no request
    h.clock.advance(601)  # every token kept has expired; nobody asks for those accounts again
    for appid in appids[1500:]:
        h.run(source.current(h.ctx, kind, appid))
    assert len(source._kept) <= 1500  # the expired ones were dropped on the way
    assert all(appid not in {key[2] for key in source._kept} for appid in appids[:1500])
