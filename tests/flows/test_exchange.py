"""Exchanging pushed authorization codes (`core/exchange.py`): retries of what a retry may
fix and only that, a used code that was exchanged already, the lookup of the account after."""

from __future__ import annotations

import pytest

from wxcomponent.core.effects import Sleep
from wxcomponent.core.exchange import (
    READ_ATTEMPTS,
    ExchangeError,
    exchange_code,
    exchange_once,
    read_account,
)
from wxcomponent.core.policy import Policy
from wxcomponent.core.release_accounts import TEST_ACCOUNTS
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import (
    AUTHORIZER,
    COMPONENT_APPID,
    COMPONENT_KEY,
    Harness,
    account_info,
    answer,
    authorize,
    exchanged,
    fresh_component_token,
    ready,
    with_ticket,
)

BUSY = answer(body={"errcode": -1, "errmsg": "busy"})
USED = answer(body={"errcode": 61010, "errmsg": "code used"})


def ready_once() -> Harness:
    """A platform with a ticket and a component token, whose calls try once."""
    return ready(Policy(attempts=1))


# --------------------------------------------------------------------------- in this process


def test_transient_failures_are_retried_with_doubling_pauses_then_reported() -> None:
    h = ready_once()
    h.reply(lambda request: BUSY)
    assert h.run(exchange_code(h.ctx, "code@@@1", attempts=4, backoff=1.5,
                               authorizer_appid=AUTHORIZER)) is None
    assert len(h.requests("api_query_auth")) == 4
    assert [s.seconds for s in h.of(Sleep)] == [1.5, 3.0, 6.0]
    assert h.emitted("authorization_exchange_failed") == [{
        "appid": AUTHORIZER, "source": "authorized", "attempts": 4, "error": "SystemBusy"}]
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER) is None


def test_a_used_code_is_not_tried_again() -> None:
    h = ready_once()
    h.reply(USED)
    assert h.run(exchange_code(h.ctx, "code@@@1", attempts=5, source="redirect")) is None
    assert len(h.requests("api_query_auth")) == 1 and h.of(Sleep) == []
    assert h.emitted("authorization_exchange_failed") == [{
        "appid": "", "source": "redirect", "attempts": 1, "error": "AuthCodeInvalid"}]


def test_a_ticket_not_pushed_yet_is_waited_for() -> None:
    h = Harness(policy=Policy(attempts=1))  # no ticket and no component token yet
    pauses = 0

    def ticket_arrives(effect: object) -> None:
        nonlocal pauses
        if isinstance(effect, Sleep):  # WeChat pushes the ticket during the pause
            pauses += 1
            with_ticket(h)
            fresh_component_token(h)
            h.reply(exchanged(), account_info())

    info = h.run(exchange_code(h.ctx, "code@@@1", attempts=3), on=ticket_arrives)
    assert info is not None and info.authorizer_appid == AUTHORIZER
    assert pauses == 1 and len(h.requests("api_query_auth")) == 1


def test_an_exchange_stores_the_account_then_reads_its_details() -> None:
    h = ready_once()
    h.reply(exchanged(), account_info("小程序 Shop", mini=True))
    info = h.run(exchange_code(h.ctx, "code@@@1", authorizer_appid=AUTHORIZER))
    assert info is not None and info.authorizer_appid == AUTHORIZER
    assert [r.path.rsplit("/", 1)[1] for r in h.requests()] == ["api_query_auth",
                                                                "api_get_authorizer_info"]
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert record is not None
    assert (record.refresh_token, record.name, record.account_type) == (
        "rt", "小程序 Shop", "mini_program")


# --------------------------------------------------------------------------- reading the account


def test_a_lookup_after_the_exchange_is_retried_a_few_times_with_backoff() -> None:
    h = Harness()
    h.store.set_token(COMPONENT_KEY, CachedToken("ct", h.clock() + 7200, h.clock()))
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt"))
    h.reply(lambda request: BUSY)
    assert h.run(read_account(h.ctx, AUTHORIZER, backoff=2.0)) is False  # never raises
    looked_up = h.requests("api_get_authorizer_info")
    assert len(looked_up) == READ_ATTEMPTS * h.policy.attempts  # bounded
    pauses = [s.seconds for s in h.of(Sleep) if s.seconds >= 2.0]
    assert pauses == [2.0, 4.0]  # between its own tries, doubling
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert record is not None and record.name is None

    h = Harness()
    h.store.set_token(COMPONENT_KEY, CachedToken("ct", h.clock() + 7200, h.clock()))
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt"))
    h.reply(answer(body={"errcode": 61004, "errmsg": "not allowed"}))
    assert h.run(read_account(h.ctx, AUTHORIZER)) is False
    assert len(h.requests("api_get_authorizer_info")) == 1  # a retry cannot help


@pytest.mark.parametrize("appid", ["", *TEST_ACCOUNTS])
def test_no_account_or_a_release_check_account_is_not_looked_up(appid: str) -> None:
    h = ready_once()
    assert h.run(read_account(h.ctx, appid)) is False
    assert h.requests() == []


# --------------------------------------------------------------------------- one try, queued


def test_one_try_names_the_account_it_stored() -> None:
    h = ready_once()
    h.reply(exchanged())
    assert h.run(exchange_once(h.ctx, "code@@@1")) == AUTHORIZER
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER) is not None
    assert h.requests("api_get_authorizer_info") == []  # the worker reads it once settled


@pytest.mark.parametrize(("written", "counted"), [
    (-59.0, True),  # written since the push came (clocks of two hosts may differ a minute)
    (-61.0, False),  # written before: an older authorization, not this code's
])
def test_a_used_code_counts_as_exchanged_only_when_the_account_was_stored_since_the_push(
        written: float, counted: bool) -> None:
    h = ready_once()
    pushed = h.clock()
    h.clock.advance(written)
    authorize(h)
    h.clock.advance(-written + 5)
    h.reply(USED)
    result = h.run(exchange_once(h.ctx, "code@@@1", authorizer_appid=AUTHORIZER,
                                 since=pushed))
    assert result == (AUTHORIZER if counted else ExchangeError("AuthCodeInvalid", False))


def test_a_used_code_of_a_revoked_account_is_a_failure() -> None:
    h = ready_once()
    pushed = h.clock()
    authorize(h)
    h.store.mark_revoked(COMPONENT_APPID, AUTHORIZER)
    h.reply(USED)
    assert h.run(exchange_once(h.ctx, "code@@@1", authorizer_appid=AUTHORIZER,
                               since=pushed)) == ExchangeError("AuthCodeInvalid", False)


def test_a_failed_try_says_whether_another_may_help() -> None:
    h = ready_once()
    h.reply(BUSY)
    assert h.run(exchange_once(h.ctx, "code@@@1")) == ExchangeError("SystemBusy", True)
    h.reply(answer(body={"errcode": 61004, "errmsg": "not allowed"}))
    failed = h.run(exchange_once(h.ctx, "code@@@2"))
    assert isinstance(failed, ExchangeError) and failed.retryable is False


def test_a_code_older_than_the_latest_change_leaves_the_record_as_it_is() -> None:
    h = ready_once()
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-newer",
                                             "revoked", (), now, now, now, auth_event_at=2000))
    h.reply(exchanged())
    assert h.run(exchange_once(h.ctx, "code@@@1", authorizer_appid=AUTHORIZER,
                               event_at=1000)) == AUTHORIZER
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert record is not None and (record.status, record.refresh_token) == ("revoked",
                                                                           "rt-newer")
