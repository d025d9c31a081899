"""Tickets and authorizer records (`core/accounts.py`): a ticket never goes back in time, a
record is written before its token, an older authorization change does nothing, and the
release check's test accounts never get a record."""

from __future__ import annotations

from typing import Any

import pytest

from wxcomponent.core import accounts
from wxcomponent.core.effects import StoreCall
from wxcomponent.core.models import AuthorizationInfo
from wxcomponent.core.release_accounts import TEST_ACCOUNTS
from wxcomponent.errors import AuthorizerNotFound
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import AUTHORIZER, AUTHORIZER_KEY, COMPONENT_APPID, Harness, authorize

TEST_ACCOUNT = next(iter(TEST_ACCOUNTS))
JSAPI_KEY = f"{COMPONENT_APPID}:jsapi_ticket:{AUTHORIZER}"


def info(appid: str = AUTHORIZER, token: str = "at-new", refresh: str = "rt-new",
         funcs: tuple[int, ...] = (1, 2)) -> AuthorizationInfo:
    raw: dict[str, Any] = {}
    return AuthorizationInfo(appid, token, 7200, refresh, funcs, raw)


def stored(h: Harness, appid: str = AUTHORIZER) -> AuthorizerRecord | None:
    return h.store.get_authorizer(COMPONENT_APPID, appid)


def store_methods(h: Harness) -> list[str]:
    return [e.method for e in h.of(StoreCall)]


# --------------------------------------------------------------------------- tickets


def test_an_older_ticket_never_replaces_a_newer_one_and_each_push_is_told() -> None:
    h = Harness()
    assert h.run(accounts.save_ticket(h.ctx, "ticket-2", 200)) is True
    assert h.run(accounts.save_ticket(h.ctx, "ticket-1", 100)) is False
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket-2"
    assert [e["kept"] for e in h.emitted("ticket_received")] == [True, False]
    assert h.run(accounts.save_ticket(h.ctx, "ticket-3", 300)) is True
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket-3"


# --------------------------------------------------------------------------- loading


def test_loading_an_unknown_or_revoked_account_says_which() -> None:
    h = Harness()
    with pytest.raises(AuthorizerNotFound) as unknown:
        h.run(accounts.load_authorizer(h.ctx, AUTHORIZER))
    assert unknown.value.revoked is False
    authorize(h)
    assert h.run(accounts.load_authorizer(h.ctx, AUTHORIZER)).refresh_token == "rt-1"
    h.store.mark_revoked(COMPONENT_APPID, AUTHORIZER)
    with pytest.raises(AuthorizerNotFound) as revoked:
        h.run(accounts.load_authorizer(h.ctx, AUTHORIZER))
    assert revoked.value.revoked is True


# --------------------------------------------------------------------------- exchanged codes


def test_an_exchanged_code_stores_the_record_before_its_token_and_schedules_it() -> None:
    h = Harness()
    started = h.clock()
    assert h.run(accounts.persist_authorization(h.ctx, info(), started, event_at=1234)) is True
    assert store_methods(h) == ["get_authorizer", "save_authorizer", "set_token"]
    record = stored(h)
    assert record is not None
    assert (record.refresh_token, record.status, record.func_info) == ("rt-new", "authorized",
                                                                       (1, 2))
    assert (record.authorized_at, record.auth_event_at) == (started, 1234)
    token = h.store.get_token(AUTHORIZER_KEY)
    assert token == CachedToken("at-new", started + 7200, started)
    assert record.refresh_at == h.ctx.policy.refresh_time(token)
    assert h.emitted("authorizer_saved") == [{"appid": AUTHORIZER, "func_info": [1, 2]}]


def test_a_code_exchanged_without_a_push_takes_the_exchange_time_as_its_change() -> None:
    h = Harness()
    h.run(accounts.persist_authorization(h.ctx, info(), h.clock()))
    record = stored(h)
    assert record is not None and record.auth_event_at == int(h.clock())


def test_an_account_authorizing_again_keeps_when_it_first_authorized() -> None:
    h = Harness()
    authorize(h)
    first = stored(h)
    assert first is not None
    h.clock.advance(3600)
    h.run(accounts.persist_authorization(h.ctx, info(refresh="rt-2"), h.clock()))
    again = stored(h)
    assert again is not None
    assert (again.authorized_at, again.updated_at, again.refresh_token) == (
        first.authorized_at, h.clock(), "rt-2")


def test_a_revoked_account_authorizing_again_starts_anew() -> None:
    h = Harness()
    authorize(h)
    h.store.mark_revoked(COMPONENT_APPID, AUTHORIZER)
    h.clock.advance(3600)
    h.run(accounts.persist_authorization(h.ctx, info(), h.clock()))
    record = stored(h)
    assert record is not None
    assert (record.status, record.authorized_at, record.revoked_at) == ("authorized",
                                                                        h.clock(), None)


def test_a_code_older_than_the_latest_change_stores_and_caches_nothing() -> None:
    h = Harness()
    h.run(accounts.persist_authorization(h.ctx, info(refresh="rt-late"), h.clock(),
                                         event_at=2000))
    h.store.delete_token(AUTHORIZER_KEY)
    h.effects.clear()
    assert h.run(accounts.persist_authorization(h.ctx, info(refresh="rt-early"), h.clock(),
                                                event_at=1000)) is False
    record = stored(h)
    assert record is not None and record.refresh_token == "rt-late"
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert "set_token" not in store_methods(h)
    assert h.emitted("authorization_change_ignored") == [
        {"appid": AUTHORIZER, "change": "authorization", "create_time": 1000}]
    assert h.emitted("authorizer_saved") == []


def test_a_release_check_account_gets_a_cached_token_and_no_record() -> None:
    h = Harness()
    started = h.clock()
    assert h.run(accounts.persist_authorization(h.ctx, info(TEST_ACCOUNT), started)) is True
    assert stored(h, TEST_ACCOUNT) is None
    assert store_methods(h) == ["set_token"]
    key = f"{COMPONENT_APPID}:authorizer_access_token:{TEST_ACCOUNT}"
    assert h.store.get_token(key) == CachedToken("at-new", started + 7200, started)
    assert h.emitted("release_check_authorized") == [{"authorizer_appid": TEST_ACCOUNT}]
    assert h.emitted("authorizer_saved") == []


def test_records_an_older_version_kept_of_the_test_accounts_are_removed() -> None:
    h = Harness()
    now = h.clock()
    for appid in (TEST_ACCOUNT, AUTHORIZER):
        h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, appid, "rt", "authorized",
                                                 (), now, now, None))
    assert h.run(accounts.clear_release_check_records(h.ctx)) == 1
    assert stored(h, TEST_ACCOUNT) is None
    assert stored(h) is not None  # a merchant stays
    assert h.emitted("authorizer_removed") == [{"appid": TEST_ACCOUNT,
                                                "reason": "release_check_account"}]
    assert h.run(accounts.clear_release_check_records(h.ctx)) == 0


# --------------------------------------------------------------------------- revocations


@pytest.mark.parametrize(("create_time", "kept"), [
    (0, 0), (-5, 0), (1, 1), (1_700_000_000, 1_700_000_000), (2**53 - 1, 2**53 - 1),
    (2**53, 0), (2**63, 0)])
def test_a_push_time_out_of_range_orders_nothing(create_time: int, kept: int) -> None:
    assert accounts.event_time(create_time) == kept


def test_an_unauthorized_push_revokes_and_drops_every_token_of_the_account() -> None:
    h = Harness()
    authorize(h)
    now = h.clock()
    for key in (AUTHORIZER_KEY, JSAPI_KEY):
        h.store.set_token(key, CachedToken("t", now + 7200, now))
    assert h.run(accounts.revoke_on_push(h.ctx, AUTHORIZER, 5000)) is True
    record = stored(h)
    assert record is not None and (record.status, record.auth_event_at) == ("revoked", 5000)
    assert h.store.get_token(AUTHORIZER_KEY) is None and h.store.get_token(JSAPI_KEY) is None
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER, "reason": "unauthorized"}]


def test_an_unauthorized_push_older_than_the_latest_authorization_does_nothing() -> None:
    h = Harness()
    h.run(accounts.persist_authorization(h.ctx, info(), h.clock(), event_at=5000))
    h.effects.clear()
    assert h.run(accounts.is_stale(h.ctx, AUTHORIZER, 4999)) is True
    assert h.run(accounts.is_stale(h.ctx, AUTHORIZER, 5000)) is False
    assert h.run(accounts.revoke_on_push(h.ctx, AUTHORIZER, 4999)) is False
    record = stored(h)
    assert record is not None and record.status == "authorized"
    assert h.store.get_token(AUTHORIZER_KEY) is not None
    assert h.emitted("authorizer_revoked") == []
    assert h.emitted("authorization_change_ignored") == [
        {"appid": AUTHORIZER, "change": "unauthorized", "create_time": 4999}]


def test_an_unauthorized_push_of_an_unknown_account_drops_its_tokens_quietly() -> None:
    h = Harness()
    now = h.clock()
    h.store.set_token(AUTHORIZER_KEY, CachedToken("t", now + 7200, now))
    assert h.run(accounts.is_stale(h.ctx, AUTHORIZER, 1)) is False
    assert h.run(accounts.revoke_on_push(h.ctx, AUTHORIZER, 1000)) is True
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert stored(h) is None
    assert h.emitted("authorizer_revoked") == []


def test_forget_authorizer_revokes_a_known_account_and_ignores_an_unknown_one() -> None:
    h = Harness()
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    assert h.run(accounts.forget_authorizer(h.ctx, AUTHORIZER)) is True
    assert h.run(accounts.forget_authorizer(h.ctx, "wxbbbbbbbbbbbbbbbb")) is False
    record = stored(h)
    assert record is not None and record.status == "revoked"
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER, "reason": "unauthorized"}]


def test_a_dead_refresh_token_revokes_the_account_and_says_why() -> None:
    h = Harness()
    authorize(h)
    h.run(accounts.give_up_refresh_token(h.ctx, AUTHORIZER))
    record = stored(h)
    assert record is not None and record.status == "revoked"
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER,
                                                "reason": "refresh_token_invalid"}]
