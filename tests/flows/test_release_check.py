"""WeChat's release check answered through the API (`core/release_check.py`, case 3): the
code exchanged, ``<code>_from_api`` sent with the token it gave, and no record kept of
WeChat's test account; a failure reported, never raised."""

from __future__ import annotations

from wxcomponent.core.effects import HttpResult
from wxcomponent.core.release_accounts import TEST_ACCOUNTS
from wxcomponent.core.release_check import answer_with_api

from .harness import (
    COMPONENT_APPID,
    answer,
    ready,
)

TEST_ACCOUNT = next(iter(TEST_ACCOUNTS))
USER = "o-tester-openid"


def exchanged_for_test_account() -> HttpResult:
    return answer(body={"authorization_info": {
        "authorizer_appid": TEST_ACCOUNT, "authorizer_access_token": "at-test",
        "expires_in": 7200, "authorizer_refresh_token": "rt-test", "func_info": []}})


def test_the_code_is_exchanged_and_answered_with_the_token_it_gave() -> None:
    h = ready()
    h.reply(exchanged_for_test_account(), answer(body={"errcode": 0, "errmsg": "ok"}))
    h.run(answer_with_api(h.ctx, "code@@@check", USER, TEST_ACCOUNT))
    exchange, sent = h.requests()
    assert exchange.path.endswith("/api_query_auth")
    assert exchange.json["authorization_code"] == "code@@@check"
    assert sent.path.endswith("/message/custom/send")
    assert sent.params["access_token"] == "at-test"
    assert sent.json == {"touser": USER, "msgtype": "text",
                         "text": {"content": "code@@@check_from_api"}}
    assert h.emitted("release_check_answered") == [{"case": "query_auth_code",
                                                    "authorizer_appid": TEST_ACCOUNT}]
    assert h.emitted("release_check_failed") == []
    assert h.store.get_authorizer(COMPONENT_APPID, TEST_ACCOUNT) is None  # no merchant
    token = h.store.get_token(f"{COMPONENT_APPID}:authorizer_access_token:{TEST_ACCOUNT}")
    assert token is not None and token.value == "at-test"


def test_a_failed_exchange_sends_nothing_and_is_reported() -> None:
    h = ready()
    h.reply(answer(body={"errcode": 61010, "errmsg": "code used"}))
    h.run(answer_with_api(h.ctx, "code@@@check", USER, TEST_ACCOUNT))  # never raises
    assert len(h.requests()) == 1
    assert h.emitted("release_check_failed") == [{
        "case": "query_auth_code", "authorizer_appid": TEST_ACCOUNT,
        "error": "AuthCodeInvalid"}]
    assert h.emitted("release_check_answered") == []


def test_a_failed_answer_is_reported() -> None:
    h = ready()
    h.reply(exchanged_for_test_account(), answer(body={"errcode": 45015, "errmsg": "late"}))
    h.run(answer_with_api(h.ctx, "code@@@check", USER))
    assert len(h.requests()) == 2
    (failed,) = h.emitted("release_check_failed")
    assert (failed["case"], failed["authorizer_appid"]) == ("query_auth_code", "")
    assert h.emitted("release_check_answered") == []
