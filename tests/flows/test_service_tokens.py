"""Tokens from a running service (`core/service_tokens.py`): kept while fresh, dropped once
expired."""

from __future__ import annotations

from dataclasses import replace

from wxcomponent import ServiceTokens, TokenKind
from wxcomponent.core.effects import Http, HttpResult

from .harness import (
    Harness,
    answer,
)

# --------------------------------------------------------------------------- service tokens


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
