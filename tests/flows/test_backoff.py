"""Backing off an account that keeps failing: after a 45009 on a path, or a 40001 that the
compare-and-refresh did not cure, calls for that account are refused at home for a window
that doubles while the failures go on, so a loop does not burn the day's quota. Driven on
the fake clock, without HTTP."""

from __future__ import annotations

import pytest

from wxcomponent.core.context import TokenKind
from wxcomponent.core.endpoints import generic, openapi
from wxcomponent.errors import InvalidCredential, QuotaExceeded
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import AUTHORIZER, COMPONENT_APPID, Harness, answer

OTHER = "wxbbbbbbbbbbbbbbbb"
PATH = "/cgi-bin/message/custom/send"
SPENT = answer(body={"errcode": 45009, "errmsg": "reach max api daily quota limit rid: a-b-c"})
REFUSED = answer(body={"errcode": 40001, "errmsg": "invalid credential rid: d-e-f"})
OK = answer(body={"errcode": 0})


def ready() -> Harness:
    """A platform with a ticket, a component token and two authorizers with tokens."""
    h = Harness()
    now = h.clock()
    h.store.save_ticket(COMPONENT_APPID, "ticket-1", int(now))
    h.store.set_token(h.ctx.token_key(TokenKind.COMPONENT_ACCESS_TOKEN),
                      CachedToken("ct", now + 7200, now))
    for appid in (AUTHORIZER, OTHER):
        h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, appid, "rt-" + appid,
                                                 "authorized", (1,), now, now, None))
        h.store.set_token(h.ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, appid),
                          CachedToken("at-" + appid, now + 7200, now))
    return h


def send(h: Harness, appid: str = AUTHORIZER, path: str = PATH) -> object:
    return h.run(generic.authorizer_post_json(h.ctx, appid, path, {"touser": "u"}))


def test_a_spent_quota_is_not_asked_again_until_the_window_ends() -> None:
    h = ready()
    h.reply(lambda request: SPENT)
    with pytest.raises(QuotaExceeded) as first:
        send(h)
    assert first.value.rid == "a-b-c"
    with pytest.raises(QuotaExceeded):
        send(h)  # one 45009 is not a loop (the quota may have been cleared elsewhere)
    assert len(h.requests(PATH)) == 2
    with pytest.raises(QuotaExceeded) as local:
        send(h)  # two in a row: refused at home for a minute
    assert "not sent" in str(local.value) and local.value.rid == ""
    assert len(h.requests(PATH)) == 2
    h.clock.advance(60)
    with pytest.raises(QuotaExceeded):
        send(h)  # asked again, still spent: the window doubles
    assert len(h.requests(PATH)) == 3
    h.clock.advance(119)
    with pytest.raises(QuotaExceeded):
        send(h)
    assert len(h.requests(PATH)) == 3
    h.clock.advance(1)
    h.reply(lambda request: OK)
    send(h)  # the quota came back: the backoff is forgotten
    send(h)
    assert len(h.requests(PATH)) == 5


def test_the_backoff_is_per_account_and_path() -> None:
    h = ready()
    h.reply(SPENT, SPENT)
    for _ in range(3):
        with pytest.raises(QuotaExceeded):
            send(h)
    h.reply(lambda request: OK)
    send(h, OTHER)
    send(h, AUTHORIZER, "/cgi-bin/user/info")
    assert len(h.requests(PATH)) == 3 and len(h.requests("/cgi-bin/user/info")) == 1


def test_clearing_the_quota_ends_the_backoff() -> None:
    h = ready()
    h.reply(SPENT, SPENT)
    for _ in range(3):
        with pytest.raises(QuotaExceeded):
            send(h)
    assert len(h.requests(PATH)) == 2
    h.reply(lambda request: OK)
    h.run(openapi.authorizer_clear_quota(h.ctx, AUTHORIZER))
    send(h)
    assert len(h.requests(PATH)) == 3


def test_a_token_refused_after_its_refresh_backs_the_account_off() -> None:
    h = ready()
    renewed = answer(body={"authorizer_access_token": "at-new", "expires_in": 7200})
    again = answer(body={"authorizer_access_token": "at-newer", "expires_in": 7200})
    h.reply(REFUSED, renewed, REFUSED, REFUSED, again, REFUSED)
    for _ in range(2):
        with pytest.raises(InvalidCredential):
            send(h)
    assert len(h.requests("api_authorizer_token")) == 2
    with pytest.raises(InvalidCredential) as local:
        send(h, path="/cgi-bin/user/info")  # every path of the account: its token is the trouble
    assert "not sent" in str(local.value)
    assert len(h.requests("api_authorizer_token")) == 2 and len(h.requests()) == 6
    h.reply(lambda request: OK)
    send(h, OTHER)  # other accounts go on
    h.clock.advance(60)
    send(h)  # the window over, the account is asked again
    assert len(h.requests(PATH)) == 6
