"""One refresh per expiry (`core/singleflight.py`), through the token flows: the lock and
the lease, waiters, a holder that outlives its lease, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from wxcomponent.core import tokens
from wxcomponent.core.effects import Http, HttpResult, Lock, Sleep, StoreCall, Unlock
from wxcomponent.core.policy import Policy
from wxcomponent.errors import (
    LeaseTimeout,
    TransportError,
)
from wxcomponent.stores import CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    COMPONENT_KEY,
    Harness,
    answer,
    authorize,
    component_token_answer,
    fresh_component_token,
    list_page,
    with_ticket,
)

# --------------------------------------------------------------------------- single flight


def test_a_fresh_token_costs_one_store_read_and_nothing_else() -> None:
    h = with_ticket(Harness())
    h.store.set_token(COMPONENT_KEY, CachedToken("cached", h.clock() + 7200, h.clock()))
    token = h.run(tokens.component_token(h.ctx))
    assert token.value == "cached"
    assert [type(e) for e in h.effects] == [StoreCall]


def test_a_missing_token_is_fetched_under_the_lock_and_the_lease_then_both_are_released() -> None:
    h = with_ticket(Harness())
    h.reply(component_token_answer("ct-new", 7200))
    token = h.run(tokens.component_token(h.ctx))
    assert (token.value, token.expires_at) == ("ct-new", h.clock() + 7200)
    assert h.store.get_token(COMPONENT_KEY) == token
    calls = [e.method for e in h.of(StoreCall)]
    assert calls.index("acquire_lease") < calls.index("set_token") < calls.index("release_lease")
    assert len(h.of(Lock)) == len(h.of(Unlock)) == 1 and h.locks_free()
    assert h.store.acquire_lease(COMPONENT_KEY, 30) is not None  # the lease was given back
    body = h.requests("api_component_token")[0].json
    assert body["component_verify_ticket"] == "ticket-1"


def test_the_lease_lost_during_a_refresh_keeps_the_newer_token_of_another_worker() -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30)))

    def slow_fetch(request: Http):
        # While our fetch is on the wire, our lease expires and another worker refreshes.
        h.clock.advance(31)
        fence = h.store.acquire_lease(COMPONENT_KEY, 30)
        assert fence is not None, "our lease should have expired"
        newer = CachedToken("ct-other", h.clock() + 7200, h.clock())
        assert h.store.set_token(COMPONENT_KEY, newer, fence=fence)
        h.store.release_lease(COMPONENT_KEY, fence)
        return component_token_answer("ct-ours")

    h.reply(slow_fetch)
    token = h.run(tokens.component_token(h.ctx))
    assert token.value == "ct-other"  # our late write was refused by its fence
    assert h.store.get_token(COMPONENT_KEY).value == "ct-other"
    assert h.locks_free()


def another_host_refreshes(h: Harness, key: str, value: str, refresh: str | None = None) -> None:
    """What a second host does once our lease has run out: it takes the lease, rotates the
    refresh token (when given) and writes its token under its fence."""
    fence = h.store.acquire_lease(key, h.policy.lease_ttl)
    assert fence is not None, "our lease should have run out"
    if refresh is not None:
        record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
        assert h.store.replace_refresh_token(COMPONENT_APPID, AUTHORIZER,
                                             record.refresh_token, refresh)
    now = h.clock()
    assert h.store.set_token(key, CachedToken(value, now + 7200, now), fence=fence)
    h.store.release_lease(key, fence)


def paused_past_the_lease(h: Harness, outcome: HttpResult | BaseException,
                          key: str = AUTHORIZER_KEY, refresh: str | None = "rt-2"):
    """An answer that comes after our process was stopped for longer than its lease, while
    another host took over and refreshed; every later request fails the test."""

    def respond(request: Http) -> HttpResult | BaseException:
        h.clock.advance(h.policy.lease_ttl + 1)
        another_host_refreshes(h, key, "token-of-the-next-holder", refresh)
        h.reply()  # nothing more may be sent
        return outcome

    return respond


@pytest.mark.parametrize("outcome", [
    TransportError("timeout calling /cgi-bin/component/api_authorizer_token"),
    answer(503, content=b"<html>busy</html>", content_type="text/html"),
    answer(body={"errcode": -1, "errmsg": "system error"}),
], ids=["timeout", "http-503", "errcode-1"])
def test_a_holder_paused_past_its_lease_retries_nothing_and_returns_the_next_holders_token(
    outcome: HttpResult | BaseException,
) -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30, attempts=3)))
    fresh_component_token(h)
    authorize(h, "rt-1")
    h.reply(paused_past_the_lease(h, outcome))
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert token.value == "token-of-the-next-holder"
    assert len(h.requests("api_authorizer_token")) == 1  # the retry was never sent
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt-2"
    assert h.emitted("lease_lost") == [{"kind": "authorizer_access_token",
                                        "appid": AUTHORIZER}]
    assert h.emitted("refresh_failed") == []  # not a failure: the next holder refreshed
    assert h.locks_free()


def test_a_holder_paused_past_its_lease_leaves_the_61023_recovery_to_the_next_holder() -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30)))
    fresh_component_token(h)
    authorize(h, "rt-1")
    # By the time our call lands, the next holder rotated rt-1 away and WeChat refuses it.
    h.reply(paused_past_the_lease(h, answer(body={"errcode": 61023})))
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert token.value == "token-of-the-next-holder"
    assert [r.path for r in h.requests()] == ["/cgi-bin/component/api_authorizer_token"]
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert (record.refresh_token, record.status) == ("rt-2", "authorized")  # not given up
    assert h.emitted("authorizer_revoked") == []


def test_a_recovery_that_outlives_its_lease_neither_refreshes_nor_gives_the_account_up() -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30)))
    fresh_component_token(h)
    authorize(h, "rt-dead")
    # The stored token fails; the list page (which names no other token) comes back after
    # our lease ended and the next holder rotated.
    h.reply(answer(body={"errcode": 61023}),
            paused_past_the_lease(h, list_page([(AUTHORIZER, "rt-dead")], total=1)))
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))
    assert token.value == "token-of-the-next-holder"
    assert len(h.requests("api_authorizer_token")) == 1
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert (record.refresh_token, record.status) == ("rt-2", "authorized")


def test_a_lease_lost_with_no_newer_token_is_taken_again_before_the_next_call() -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30, wait_timeout=60)))

    def slow(request: Http) -> HttpResult | BaseException:
        h.clock.advance(31)  # stopped past the lease; nobody else refreshed
        h.reply(component_token_answer("ct-2"))
        return TransportError("timeout calling /cgi-bin/component/api_component_token")

    h.reply(slow)
    token = h.run(tokens.component_token(h.ctx))
    assert token.value == "ct-2"
    # the second call went out under a second lease, the first one given back first
    steps = [e.method if isinstance(e, StoreCall) else "http" for e in h.effects
             if isinstance(e, (StoreCall, Http))]
    first, second = (i for i, step in enumerate(steps) if step == "http")
    assert "acquire_lease" in steps[first:second] and "release_lease" in steps[first:second]
    assert h.store.get_token(COMPONENT_KEY).value == "ct-2"
    assert h.locks_free()


def test_a_lease_lost_past_the_callers_wait_ends_in_lease_timeout() -> None:
    h = with_ticket(Harness(policy=Policy(lease_ttl=30, wait_timeout=35)))

    def slow(request: Http) -> HttpResult | BaseException:
        h.clock.advance(60)  # stopped longer than the caller would wait
        h.reply()
        return TransportError("timeout calling /cgi-bin/component/api_component_token")

    h.reply(slow)
    with pytest.raises(LeaseTimeout, match="another worker"):
        h.run(tokens.component_token(h.ctx))
    assert len(h.requests()) == 1
    assert h.locks_free()


def test_a_waiter_polls_with_growing_pauses_until_the_holder_writes() -> None:
    h = with_ticket(Harness())
    holder = h.store.acquire_lease(COMPONENT_KEY, 30)
    polls = 0

    def on(effect):
        nonlocal polls
        if isinstance(effect, Sleep):
            polls += 1
            if polls == 3:  # the holder lands its token while we wait
                h.store.set_token(COMPONENT_KEY,
                                  CachedToken("ct-holder", h.clock() + 7200, h.clock()),
                                  fence=holder)
        return None

    token = h.run(tokens.component_token(h.ctx), on=on)
    assert token.value == "ct-holder"
    assert h.requests() == []  # the waiter never called WeChat
    pauses = [s.seconds for s in h.of(Sleep)]
    assert len(pauses) == 3 and pauses[2] > pauses[0]


def test_cancellation_during_the_fetch_releases_the_lock_and_the_lease() -> None:
    h = with_ticket(Harness())
    h.reply(component_token_answer())

    def on(effect):
        return asyncio.CancelledError() if isinstance(effect, Http) else None

    with pytest.raises(asyncio.CancelledError):
        h.run(tokens.component_token(h.ctx), on=on)
    assert h.locks_free()
    assert [e.method for e in h.of(StoreCall)][-1] == "release_lease"
    assert h.store.acquire_lease(COMPONENT_KEY, 30) is not None
    assert h.store.get_token(COMPONENT_KEY) is None
