"""The rules of tokens and calls, tested on the flows themselves: answers fed in, effects read."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import pytest

from wxcomponent import File, Media, ServiceTokens, TokenKind
from wxcomponent.core import accounts, engine, refresher, tokens
from wxcomponent.core.effects import Http, HttpResult, Lock, Sleep, StoreCall, Unlock
from wxcomponent.core.endpoints import component, generic, openapi
from wxcomponent.core.policy import Policy
from wxcomponent.core.singleflight import Busy
from wxcomponent.errors import (
    ConfigurationError,
    FileTooLarge,
    InvalidArgument,
    InvalidCredential,
    LeaseTimeout,
    NotAuthorized,
    RefreshTokenInvalid,
    SystemBusy,
    TransportError,
)
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import AUTHORIZER, COMPONENT_APPID, Harness, answer, list_page

COMPONENT_KEY = f"{COMPONENT_APPID}:component_access_token"
AUTHORIZER_KEY = f"{COMPONENT_APPID}:authorizer_access_token:{AUTHORIZER}"


def with_ticket(h: Harness) -> Harness:
    h.store.save_ticket(COMPONENT_APPID, "ticket-1", int(h.clock()))
    return h


def fresh_component_token(h: Harness) -> None:
    now = h.clock()
    h.store.set_token(COMPONENT_KEY, CachedToken("ct", now + 7200, now))


def authorize(h: Harness, refresh_token: str = "rt-1") -> None:
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, refresh_token,
                                             "authorized", (1,), now, now, None))


def component_token_answer(value: str = "ct-1", expires_in: int = 7200):
    return answer(body={"component_access_token": value, "expires_in": expires_in})


def authorizer_token_answer(value: str = "at-1", refresh: str | None = None):
    body = {"authorizer_access_token": value, "expires_in": 7200}
    if refresh is not None:
        body["authorizer_refresh_token"] = refresh
    return answer(body=body)


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


# --------------------------------------------------------------------------- the call engine


def test_transient_failures_are_retried_with_capped_jittered_backoff() -> None:
    policy = Policy(attempts=4, backoff_base=0.5, backoff_max=1.5)
    h = with_ticket(Harness(policy=policy))
    fresh_component_token(h)
    h.reply(answer(body={"errcode": -1}), answer(status=502, content=b"bad gateway"),
            TransportError("timeout calling /x"), answer(body={"errcode": 0, "ok": 1}))
    data = h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert data["ok"] == 1
    assert len(h.requests("/cgi-bin/x")) == 4
    pauses = [s.seconds for s in h.of(Sleep)]
    # the same draws as the policy makes from the same seeded generator
    rng = random.Random(h.seed)
    assert pauses == [policy.backoff(n, rng) for n in (1, 2, 3)]
    assert 0.25 <= pauses[0] <= 0.5 and 0.5 <= pauses[1] <= 1.0 and 0.75 <= pauses[2] <= 1.5


def test_retries_stop_after_the_policy_attempts_with_the_typed_error() -> None:
    h = with_ticket(Harness(policy=Policy(attempts=3)))
    fresh_component_token(h)
    h.reply(lambda request: answer(body={"errcode": -1, "errmsg": "system busy"}))
    with pytest.raises(SystemBusy):
        h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert len(h.requests()) == 3 and len(h.of(Sleep)) == 2


def test_40001_refreshes_the_token_the_call_used_once_then_retries() -> None:
    h = with_ticket(Harness())
    h.store.set_token(COMPONENT_KEY, CachedToken("ct-old", h.clock() + 7200, h.clock()))
    h.reply(answer(body={"errcode": 40001}), component_token_answer("ct-new"),
            answer(body={"errcode": 0, "done": True}))
    assert h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))["done"] is True
    sent = [r.params.get("component_access_token") for r in h.requests("/cgi-bin/x")]
    assert sent == ["ct-old", "ct-new"]


def test_a_second_40001_is_raised_not_refreshed_again() -> None:
    h = with_ticket(Harness())
    h.reply(component_token_answer("a"), answer(body={"errcode": 40001}),
            component_token_answer("b"), answer(body={"errcode": 42001}))
    with pytest.raises(InvalidCredential):
        h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert len(h.requests("api_component_token")) == 2


def test_40001_on_a_token_another_worker_already_replaced_does_not_refresh() -> None:
    h = with_ticket(Harness())
    h.store.set_token(COMPONENT_KEY, CachedToken("ct-old", h.clock() + 7200, h.clock()))

    def refused(request: Http):
        # Another worker renewed the token after our call left.
        h.store.set_token(COMPONENT_KEY, CachedToken("ct-fresh", h.clock() + 7200, h.clock()))
        return answer(body={"errcode": 40001})

    answers = iter([refused, lambda request: answer(body={"errcode": 0})])
    h.responder = lambda request: next(answers)(request)
    h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert h.requests("api_component_token") == []  # compare-and-refresh: nothing to refresh
    assert [r.params["component_access_token"] for r in h.requests("/cgi-bin/x")] == [
        "ct-old", "ct-fresh"]


def test_component_endpoints_may_carry_the_component_token_as_access_token() -> None:
    h = with_ticket(Harness())
    fresh_component_token(h)
    h.reply(answer(body={"quota": {"daily_limit": 10, "used": 1, "remain": 9}}))
    quota = h.run(openapi.get_quota(h.ctx, "/cgi-bin/x"))
    assert quota.remain == 9
    (request,) = h.requests("/cgi-bin/openapi/quota/get")
    assert request.params == {"access_token": "ct"}


def test_61003_on_an_authorizer_call_marks_it_revoked_and_drops_its_tokens() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    h.reply(answer(body={"errcode": 61003, "errmsg": "not authorized"}))
    with pytest.raises(NotAuthorized):
        h.run(generic.authorizer_get_json(h.ctx, AUTHORIZER, "/cgi-bin/user/get"))
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).status == "revoked"
    assert h.store.get_token(AUTHORIZER_KEY) is None


def test_bytes_on_success_json_on_error_told_apart_by_content_type() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    h.reply(answer(content=png, content_type="image/png"),
            answer(body={"errcode": 85009, "errmsg": "busy"}))
    media = h.run(generic.authorizer_get_bytes(h.ctx, AUTHORIZER, "/wxa/get_qrcode"))
    assert media == Media(png, "image/png")
    with pytest.raises(Exception) as caught:
        h.run(generic.authorizer_get_bytes(h.ctx, AUTHORIZER, "/wxa/get_qrcode"))
    assert getattr(caught.value, "errcode", None) == 85009


def test_a_bad_path_is_a_typed_error_before_anything_happens() -> None:
    h = Harness()
    for path in ("", "https://evil.example/cgi-bin/x", 42):
        with pytest.raises(InvalidArgument):
            h.run(generic.component_get_json(h.ctx, path))  # type: ignore[arg-type]
    assert h.effects == []


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize("source", ["path", "bytes", "fileobj"])
def test_an_upload_too_large_is_refused_before_sending(source: str) -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    content = b"x" * 101
    arg: object
    if source == "path":
        h.files["/tmp/big.jpg"] = content
        arg = "/tmp/big.jpg"
    elif source == "bytes":
        arg = content
    else:
        class Reader:
            name = "big.jpg"

            def read(self, size: int = -1) -> bytes:
                raise AssertionError("read through the shell's ReadFile")

        arg = Reader()
        h.files[arg] = content
    with pytest.raises(FileTooLarge) as caught:
        h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/cgi-bin/media/upload", arg,
                                        max_size=100))
    assert caught.value.limit == 100
    assert h.requests() == []


def test_an_upload_names_and_types_the_file_and_sends_it_as_multipart() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    png = b"\x89PNG\r\n\x1a\n" + b"1" * 10
    h.reply(answer(body={"media_id": "m1"}), answer(body={"media_id": "m2"}))
    h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/cgi-bin/media/upload", png,
                                    params={"type": "image"}))
    h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/wxa/uploadmedia",
                                    File(b"abc", "notes.txt"), field="file",
                                    form={"k": 1}))
    first, second = h.requests()
    assert first.params == {"type": "image", "access_token": "at"}
    (part,) = first.files
    assert (part.name, part.filename, part.content_type, part.content) == (
        "media", "file.png", "image/png", png)
    (part,) = second.files
    assert (part.name, part.filename, part.content_type) == ("file", "notes.txt", "text/plain")
    assert second.form == {"k": "1"}


def test_an_empty_file_or_a_text_file_object_is_refused() -> None:
    h = Harness()
    with pytest.raises(InvalidArgument):
        h.run(engine.upload_part(b"", field_name="media", limit=10))
    h.files["text"] = "not bytes"  # type: ignore[assignment]
    with pytest.raises(InvalidArgument):
        h.run(engine.upload_part("text", field_name="media", limit=10))


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


# --------------------------------------------------------------------------- refresher


def ready_to_refresh(*appids: str) -> Harness:
    """A harness with a ticket, a fresh component token and ``appids`` authorized in new
    records (never scheduled: due at once)."""
    h = with_ticket(Harness())
    fresh_component_token(h)
    now = h.clock()
    for n, appid in enumerate(appids):
        h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, appid, f"rt-{n}",
                                                 "authorized", (), now, now, None))
    return h


def test_refresh_due_reads_the_schedule_and_renews_only_what_is_due() -> None:
    appids = [f"wx{n:016x}" for n in range(refresher.STORE_PAGE + 5)]
    h = ready_to_refresh(*appids)
    now = h.clock()
    for n, appid in enumerate(appids):
        due = n % 50 == 0
        expires = now + (600 if due else 7200)
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", expires, expires - 7200))
    h.reply(lambda request: authorizer_token_answer("renewed"))
    checked, failed = h.run(refresher.refresh_due(h.ctx, concurrency=4))
    assert (checked, failed) == (1 + len(appids), 0)
    renewed = [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")]
    assert renewed == [a for n, a in enumerate(appids) if n % 50 == 0]
    queries = [e for e in h.of(StoreCall) if e.method == "due_authorizers"]
    assert len(queries) == 2  # a full page, then the 5 left
    # each account is scheduled at its token's refresh time: 900 s before expiry
    policy = h.ctx.policy
    for appid in appids:
        record = h.store.get_authorizer(COMPONENT_APPID, appid)
        assert record.refresh_at == now + 7200 - policy.max_margin - policy.refresh_lead

    # a second round at once finds nothing due: one empty query, no refresh
    before = len(h.requests("api_authorizer_token"))
    marker = len(h.of(StoreCall))
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)
    calls = [e.method for e in h.of(StoreCall)[marker:]]
    assert calls.count("due_authorizers") == 1 and "get_authorizer" not in calls
    assert "list_authorizers" not in calls
    assert len(h.requests("api_authorizer_token")) == before

    # when the refresh time comes, every account is due again and renewed
    h.clock.advance(7200 - policy.max_margin - policy.refresh_lead)
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx, concurrency=8)) == (1 + len(appids), 0)
    assert len(h.requests("api_authorizer_token")) == before + len(appids)


def test_a_failed_background_refresh_is_retried_after_retry_after() -> None:
    h = ready_to_refresh(AUTHORIZER)
    now = h.clock()
    h.reply(answer(body={"errcode": 45009, "errmsg": "quota"}),
            lambda request: authorizer_token_answer("renewed"))
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (2, 1)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_at == now + 90
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (1, 0)  # not due yet
    h.clock.advance(90)
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (2, 0)
    assert len(h.requests("api_authorizer_token")) == 2
    with pytest.raises(InvalidArgument):
        h.run(refresher.refresh_due(h.ctx, retry_after=0))


@pytest.mark.parametrize("holder", ["another host (its lease)", "this process (its lock)"])
def test_a_round_leaves_an_account_another_refresher_is_on_and_moves_on(holder: str) -> None:
    taken, free = f"wx{1:016x}", f"wx{2:016x}"
    h = ready_to_refresh(taken, free)
    now = h.clock()
    taken_key = f"{COMPONENT_APPID}:authorizer_access_token:{taken}"
    if holder.startswith("another host"):
        fence = h.store.acquire_lease(taken_key, 30)
        assert fence is not None
    else:
        h.held[taken_key] = 1
    h.reply(lambda request: authorizer_token_answer("renewed"))
    assert h.run(refresher.refresh_due(h.ctx)) == (3, 0)  # not a failure
    assert [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")] == [free]
    assert not h.of(Sleep) and h.clock() == now  # never waited for the other refresher
    assert h.store.get_authorizer(COMPONENT_APPID, taken).refresh_at == 0  # left to its holder
    assert h.store.get_authorizer(COMPONENT_APPID, free).refresh_at > now

    # the holder gone without a word (its lease ended), the next round takes the account
    if holder.startswith("another host"):
        h.clock.advance(31)
    else:
        h.held[taken_key] = 0
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx)) == (2, 0)
    assert [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")] == [
        free, taken]
    assert h.store.get_authorizer(COMPONENT_APPID, taken).refresh_at > h.clock()


def test_a_caller_waits_for_a_refresh_under_way_where_the_refresher_would_not() -> None:
    h = ready_to_refresh(AUTHORIZER)
    h.store.acquire_lease(AUTHORIZER_KEY, 30)
    h.reply(lambda request: authorizer_token_answer("renewed"))
    with pytest.raises(Busy):
        h.run(tokens.authorizer_token(h.ctx, AUTHORIZER, wait=False))
    assert not h.requests("api_authorizer_token")
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))  # waits out the dead holder
    assert token.value == "renewed" and h.of(Sleep)


def test_a_revoked_account_is_never_due_and_an_exchange_schedules_its_token() -> None:
    h = with_ticket(Harness())
    fresh_component_token(h)
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-1",
                                             "revoked", (), now, now, now))
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)
    assert h.requests("api_authorizer_token") == []
    # a code exchange: the record is scheduled by the token it brought
    h.reply(answer(body={"authorization_info": {
        "authorizer_appid": AUTHORIZER, "authorizer_access_token": "at", "expires_in": 7200,
        "authorizer_refresh_token": "rt-2", "func_info": []}}))
    h.run(component.query_auth(h.ctx, "code-1"))
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    token = h.store.get_token(AUTHORIZER_KEY)
    assert record.status == "authorized"
    assert record.refresh_at == h.ctx.policy.refresh_time(token)
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)


def test_a_round_looks_up_the_names_it_lacks_a_bounded_number_at_a_time() -> None:
    appids = [f"wx{n:016x}" for n in range(refresher.NAMES_PER_ROUND + 3)]
    h = ready_to_refresh(*appids)
    now = h.clock()
    for appid in appids:
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", now + 7200, now))

    def info(request: Http) -> object:
        appid = request.json["authorizer_appid"]
        if appid == appids[0]:
            return answer(body={"errcode": -1, "errmsg": "busy"})
        return answer(body={"authorizer_info": {"nick_name": f"Shop {appid[-3:]}"},
                            "authorization_info": {"authorizer_appid": appid}})

    h.reply(info)
    assert h.run(refresher.refresh_due(h.ctx)) == (1 + len(appids), 0)
    looked_up = [r.json["authorizer_appid"] for r in h.requests("api_get_authorizer_info")]
    assert len(set(looked_up)) == refresher.NAMES_PER_ROUND
    named = [a for a in appids if h.store.get_authorizer(COMPONENT_APPID, a).name]
    assert len(named) == refresher.NAMES_PER_ROUND - 1  # the busy one failed, quietly
    assert [r.authorizer_appid for r in h.store.search_authorizers(COMPONENT_APPID, "shop "
                                                                   + appids[5][-3:])] == [
        appids[5]]


def test_a_round_looks_up_a_named_account_whose_type_is_not_known() -> None:
    older, known = "wx00000000000000a1", "wx00000000000000a2"
    h = ready_to_refresh(older, known)
    now = h.clock()
    for appid in (older, known):
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", now + 7200, now))
    h.store.set_authorizer_name(COMPONENT_APPID, older, "Kept before types were")
    h.store.set_authorizer_name(COMPONENT_APPID, known, "Known", account_type="mini_program")
    h.reply(lambda request: answer(body={
        "authorizer_info": {"nick_name": "Tea House", "MiniProgramInfo": {}},
        "authorization_info": {"authorizer_appid": request.json["authorizer_appid"]}}))
    h.run(refresher.refresh_due(h.ctx))
    looked_up = [r.json["authorizer_appid"] for r in h.requests("api_get_authorizer_info")]
    assert looked_up == [older]
    record = h.store.get_authorizer(COMPONENT_APPID, older)
    assert record is not None and (record.name, record.account_type) == ("Tea House",
                                                                         "mini_program")


@pytest.mark.parametrize(("nick_name", "kept"), [
    ("  Tea House  ", "Tea House"), ("x" * 300, None), ("line\nbreak", None), ("", None)])
def test_reading_an_accounts_details_keeps_a_name_the_store_accepts(
        nick_name: str, kept: str | None) -> None:
    h = with_ticket(Harness())
    authorize(h)
    fresh_component_token(h)
    h.reply(answer(body={"authorizer_info": {"nick_name": nick_name},
                         "authorization_info": {"authorizer_appid": AUTHORIZER}}))
    info = h.run(component.get_authorizer_info(h.ctx, AUTHORIZER))
    assert info.nick_name == nick_name  # the answer is the caller's either way
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).name == kept


def test_the_refresher_loop_counts_rounds_and_stops_when_told() -> None:
    h = with_ticket(Harness(policy=Policy(reconcile_interval=None)))
    fresh_component_token(h)
    stats = refresher.RefresherStats()

    class Stop:
        def __init__(self) -> None:
            self.checks = 0

        def __bool__(self) -> bool:
            self.checks += 1
            return self.checks > 3  # stop at the third pause after the start

    h.run(refresher.run_refresher(h.ctx, stats, Stop(), interval=60, concurrency=2))
    assert stats.rounds == 3
    with pytest.raises(InvalidArgument):
        refresher.run_refresher(h.ctx, stats, Stop(), interval=0, concurrency=2)


def test_forget_authorizer_revokes_a_known_account_and_ignores_an_unknown_one() -> None:
    h = Harness()
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    assert h.run(accounts.forget_authorizer(h.ctx, AUTHORIZER)) is True
    assert h.run(accounts.forget_authorizer(h.ctx, "wxbbbbbbbbbbbbbbbb")) is False
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).status == "revoked"
    assert h.store.get_token(AUTHORIZER_KEY) is None
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER, "reason": "unauthorized"}]


def test_the_refresher_reconciles_with_wechats_list_when_due() -> None:
    h = with_ticket(Harness(policy=Policy(reconcile_interval=3600)))
    fresh_component_token(h)
    h.reply(lambda request: list_page([(AUTHORIZER, "rt-from-list")], total=1)
            if request.path.endswith("api_get_authorizer_list")
            else authorizer_token_answer("at"))
    stats = refresher.RefresherStats()

    class Stop:
        pauses = 0

        def __bool__(self) -> bool:
            self.pauses += 1
            return self.pauses > 3  # after the start and two rounds: three rounds

    h.run(refresher.run_refresher(h.ctx, stats, Stop(), interval=1200, concurrency=2))
    assert stats.rounds == 3 and stats.reconciled_added == 1
    assert len(h.requests("api_get_authorizer_list")) == 1  # not again within the hour
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert (record.refresh_token, record.status) == ("rt-from-list", "authorized")


def test_one_host_of_a_fleet_reconciles_per_interval() -> None:
    first = with_ticket(Harness(policy=Policy(reconcile_interval=3600)))
    second = Harness(policy=Policy(reconcile_interval=3600), clock=first.clock)
    second.store = first.store  # two hosts, one store
    fresh_component_token(first)
    for h in (first, second):
        h.reply(lambda request: list_page([(AUTHORIZER, "rt-from-list")], total=1)
                if request.path.endswith("api_get_authorizer_list")
                else authorizer_token_answer("at"))

    class Stop:
        def __init__(self, rounds: int) -> None:
            self.pauses, self.rounds = 0, rounds

        def __bool__(self) -> bool:
            self.pauses += 1
            return self.pauses > self.rounds

    for h in (first, second):
        h.run(refresher.run_refresher(h.ctx, refresher.RefresherStats(), Stop(1),
                                      interval=60, concurrency=2))
    assert len(first.requests("api_get_authorizer_list")) == 1
    assert second.requests("api_get_authorizer_list") == []  # the first host holds the hour
    first.clock.advance(3601)
    fresh_component_token(first)
    h = second
    h.run(refresher.run_refresher(h.ctx, refresher.RefresherStats(), Stop(1),
                                  interval=60, concurrency=2))
    assert len(second.requests("api_get_authorizer_list")) == 1  # the next hour: one host again


def test_reconciliation_adds_only_what_is_missing_and_never_removes() -> None:
    from wxcomponent.core.reconcile import reconcile_authorizers

    h = with_ticket(Harness())
    fresh_component_token(h)
    authorize(h, "rt-kept")
    gone = "wxbbbbbbbbbbbbbbbb"
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, gone, "rt-gone", "revoked", (),
                                             now, now, now))
    back = "wxcccccccccccccccc"
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, back, "rt-old", "revoked", (),
                                             now, now, now))
    h.reply(list_page([(AUTHORIZER, "rt-list"), (gone, "rt-gone"), (back, "rt-new"),
                       ("wxdddddddddddddddd", ""), ("wxeeeeeeeeeeeeeeee", "rt-e")], total=5))
    report = h.run(reconcile_authorizers(h.ctx))
    assert report.listed == 5
    assert set(report.added) == {back, "wxeeeeeeeeeeeeeeee"}
    assert report.without_refresh_token == ("wxdddddddddddddddd",)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt-kept"
    assert h.store.get_authorizer(COMPONENT_APPID, gone).status == "revoked"
    assert h.store.get_authorizer(COMPONENT_APPID, back).status == "authorized"


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


# --------------------------------------------------------------------------- missing ticket


class Rounds:
    """A refresher's stop event that lets ``rounds`` rounds run."""

    def __init__(self, rounds: int) -> None:
        self.pauses, self.rounds = 0, rounds

    def __bool__(self) -> bool:
        self.pauses += 1
        return self.pauses > self.rounds


def run_rounds(h: Harness, rounds: int = 1) -> refresher.RefresherStats:
    stats = refresher.RefresherStats()
    h.run(refresher.run_refresher(h.ctx, stats, Rounds(rounds), interval=60, concurrency=2))
    return stats


TICKET_POLICY = Policy(reconcile_interval=None, ticket_request_age=1200,
                       ticket_request_interval=600)
START_PUSH = "api_start_push_ticket"


def test_a_round_asks_wechat_for_a_ticket_when_none_is_stored() -> None:
    h = Harness(policy=TICKET_POLICY)
    h.reply(answer(body={"errcode": 0, "errmsg": "ok"}))
    started = h.clock()
    stats = run_rounds(h)
    (request,) = h.requests(START_PUSH)
    assert request.json == {"component_appid": COMPONENT_APPID,
                            "component_secret": "s" * 32}
    assert stats.ticket_requested_at == started
    kept = refresher.last_ticket_request(
        h.store.get_token(refresher.ticket_request_key(COMPONENT_APPID)))
    assert kept == refresher.TicketRequest(started, None) and kept.ok
    assert h.emitted("ticket_requested") == [
        {"appid": COMPONENT_APPID, "ticket_age": None, "error": ""}]


def test_a_fresh_ticket_asks_for_nothing_and_a_stale_one_asks() -> None:
    h = with_ticket(Harness(policy=TICKET_POLICY))
    h.reply(answer(body={"errcode": 0}))
    h.clock.advance(1200)  # as old as expected, not older
    assert h.run(refresher.request_ticket_when_missing(h.ctx)) is None
    assert h.requests() == []
    h.clock.advance(1)  # pushes stopped arriving
    request = h.run(refresher.request_ticket_when_missing(h.ctx))
    assert request == refresher.TicketRequest(h.clock(), None)
    assert len(h.requests(START_PUSH)) == 1
    assert h.emitted("ticket_requested")[0]["ticket_age"] == 1201


def test_a_fleet_asks_for_a_ticket_once_per_interval() -> None:
    first = Harness(policy=TICKET_POLICY)
    second = Harness(policy=TICKET_POLICY, clock=first.clock)
    second.store = first.store  # two hosts, one store
    for h in (first, second):
        h.reply(lambda request: answer(body={"errcode": 0}))

    def ask(h: Harness):
        return h.run(refresher.request_ticket_when_missing(h.ctx))

    assert ask(first) is not None
    for _ in range(9):  # rounds of both hosts through the interval, the ticket still missing
        first.clock.advance(60)
        assert ask(second) is None and ask(first) is None
    assert (len(first.requests()), len(second.requests())) == (1, 0)
    first.clock.advance(60)  # the interval is over: one host asks again
    assert ask(second) is not None and ask(first) is None
    assert (len(first.requests()), len(second.requests())) == (1, 1)


def test_a_failed_ticket_request_is_recorded_and_not_repeated_within_the_interval() -> None:
    h = Harness(policy=TICKET_POLICY)
    h.reply(lambda request: answer(body={"errcode": 61004, "errmsg": "requestIP: 10.0.0.9"}))
    stats = run_rounds(h, 3)
    assert stats.rounds == 3  # the failure ended no round
    assert len(h.requests(START_PUSH)) == 1
    kept = refresher.last_ticket_request(
        h.store.get_token(refresher.ticket_request_key(COMPONENT_APPID)))
    assert kept is not None and kept.error == "IPNotWhitelisted" and not kept.ok


def test_ticket_requests_can_be_turned_off_and_bad_settings_are_refused() -> None:
    h = Harness(policy=replace(TICKET_POLICY, ticket_request_age=None))
    run_rounds(h, 2)
    assert h.requests() == []
    for name, value in (("ticket_request_age", 0), ("ticket_request_age", float("nan")),
                        ("ticket_request_interval", -1)):
        with pytest.raises(ConfigurationError, match=name):
            Policy(**{name: value})
