"""Routing, built-ins, dedupe, failures, passive replies and key rotation, on both shells."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from wxcomponent import events
from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core.callbacks import CallbackOptions, Callbacks, Push
from wxcomponent.errors import ConfigurationError, StoreUnavailable
from wxcomponent.stores import AuthorizerRecord, CachedToken, MemoryStore

from .conftest import RecordingStore, call, config, make_shell
from .wire import APPID, AUTHORIZER, KEY2, OLD_KEY, Sender, xml_of

NO_EXCHANGE = CallbackOptions(exchange_codes=False)


def authorized(sender: Sender, info_type: str = "authorized", **seal: str) -> Any:
    return sender.seal(sender.event(info_type, AuthorizerAppid=AUTHORIZER,
                                    AuthorizationCode="queryauthcode@@@abc",
                                    AuthorizationCodeExpiredTime=1700000600,
                                    PreAuthCode="preauthcode@@@x"), **seal)


# --------------------------------------------------------------------------- routing


async def test_keys_classes_and_order(shells: Any, sender: Sender) -> None:
    shell = shells("sync", options=NO_EXCHANGE)
    order: list[str] = []
    shell.on("AUTHORIZED")(lambda e, p: order.append("by name"))
    shell.on(events.ComponentEvent)(lambda e, p: order.append("by base class"))
    shell.on("unauthorized")(lambda e, p: order.append("wrong name"))
    shell.on(events.Authorized)(lambda e, p: order.append("by class"))
    shell.on_default(lambda e, p: order.append("default"))

    assert (await call(shell, "POST", *authorized(sender))).body == b"success"
    assert order == ["by name", "by base class", "by class"]


async def test_a_handler_registered_twice_runs_once(shells: Any, sender: Sender) -> None:
    shell = shells("sync")
    seen: list[Any] = []

    def handler(event: Any, push: Push) -> None:
        seen.append(event)

    shell.on("component_verify_ticket")(handler)
    shell.on(events.VerifyTicket)(handler)
    await call(shell, "POST", *sender.ticket_push())
    assert len(seen) == 1


async def test_default_handlers_take_unmatched_pushes(shells: Any, sender: Sender) -> None:
    shell = shells("sync")
    seen: list[Any] = []
    shell.on("authorized")(lambda e, p: seen.append(("authorized", e)))
    shell.on_default(lambda e, p: seen.append(("default", e)))
    message = sender.event("notify_3rd_future_kind", taskid="t1", status=1)

    answer = await call(shell, "POST", *sender.seal(message))

    assert answer.body == b"success"
    [(where, event)] = seen
    assert where == "default" and isinstance(event, events.UnknownEvent)
    assert event.info_type == "notify_3rd_future_kind" and event.get("taskid") == "t1"


async def test_no_handler_still_success(shells: Any, sender: Sender) -> None:
    shell = shells("async")
    answer = await call(shell, "POST", *sender.message_push({"MsgType": "voice"}),
                        authorizer_appid=AUTHORIZER)
    assert (answer.status, answer.body) == (200, b"success")


async def test_message_route_keys(shells: Any, sender: Sender) -> None:
    shell = shells("sync")
    hits: list[str] = []
    shell.on("event:WEAPP_AUDIT_SUCCESS")(lambda e, p: hits.append("route key"))
    shell.on("event")(lambda e, p: hits.append("any event"))
    shell.on(events.WeappAuditResult)(lambda e, p: hits.append("class"))
    shell.on("text")(lambda e, p: hits.append("text"))

    await call(shell, "POST", *sender.message_push(
        {"MsgType": "event", "Event": "weapp_audit_success", "SuccTime": 1700000001}),
        authorizer_appid=AUTHORIZER)
    assert hits == ["route key", "any event", "class"]
    hits.clear()
    await call(shell, "POST", *sender.message_push({"MsgType": "text", "Content": "hi"},
                                                   nonce="2"), authorizer_appid=AUTHORIZER)
    assert hits == ["text"]


def test_bad_keys_and_handlers_are_refused() -> None:
    router = Callbacks()
    with pytest.raises(TypeError):
        router.on(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        router.on(dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        router.on("  ")
    with pytest.raises(TypeError):
        router.on("text")("not callable")  # type: ignore[type-var]
    with pytest.raises(ValueError):
        CallbackOptions(dedupe_ttl=0)
    with pytest.raises(ValueError):
        CallbackOptions(timestamp_window=-1)


# --------------------------------------------------------------------------- handlers


@pytest.mark.parametrize("handler_kind", ["sync", "async"])
async def test_sync_and_async_handlers_on_both_shells(
    shells: Any, shell_kind: str, handler_kind: str, sender: Sender
) -> None:
    shell = shells(shell_kind)
    seen: list[tuple[Any, Push]] = []
    if handler_kind == "sync":
        @shell.on("text")
        def handler(event: Any, push: Push) -> Any:
            seen.append((event, push))
            return {"MsgType": "text", "Content": "sync:" + event.get("Content")}
    else:
        @shell.on("text")
        async def handler(event: Any, push: Push) -> Any:
            seen.append((event, push))
            return {"MsgType": "text", "Content": "async:" + event.get("Content")}

    query, body = sender.message_push({"MsgType": "text", "Content": "hello"})
    query["openid"] = "o-user-1"
    answer = await call(shell, "POST", query, body, authorizer_appid=AUTHORIZER)

    assert answer.status == 200 and answer.header("content-type") == "application/xml"
    reply = sender.open_reply(answer.body)
    assert f"<Content><![CDATA[{handler_kind}:hello]]></Content>".encode() in reply
    assert b"<ToUserName><![CDATA[o-user-1]]></ToUserName>" in reply
    assert b"<FromUserName><![CDATA[gh_0123456789ab]]></FromUserName>" in reply
    [(event, push)] = seen
    assert isinstance(event, events.AuthorizerMessage) and event.msg_type == "text"
    assert (push.authorizer_appid, push.openid, push.component_appid) == (AUTHORIZER,
                                                                          "o-user-1", APPID)
    assert "Nonce><![CDATA[1234567]]>" in answer.body.decode()  # the request's nonce


async def test_reply_forms(shells: Any, sender: Sender) -> None:
    shell = shells("sync")
    replies: list[Any] = []
    shell.on("text")(lambda e, p: replies.pop(0))

    raw = "<xml><MsgType><![CDATA[text]]></MsgType><Content>raw</Content></xml>"
    for nonce, (reply, expect_xml) in enumerate(
        [(raw, True), (raw.encode(), True), ("success", False), ("", False), (None, False),
         (12.5, False)]
    ):
        replies.append(reply)
        answer = await call(shell, "POST", *sender.message_push(
            {"MsgType": "text", "Content": "x"}, nonce=str(nonce)), authorizer_appid=AUTHORIZER)
        assert answer.status == 200
        if expect_xml:
            assert sender.open_reply(answer.body) == raw.encode()
        else:
            assert answer.body == b"success"


async def test_component_events_never_get_a_reply(shells: Any, sender: Sender) -> None:
    shell = shells("sync")
    shell.on("component_verify_ticket")(lambda e, p: {"MsgType": "text"})
    assert (await call(shell, "POST", *sender.ticket_push())).body == b"success"


async def test_first_reply_wins_and_every_handler_runs(shells: Any, sender: Sender) -> None:
    shell = shells("async")
    ran: list[int] = []
    shell.on("text")(lambda e, p: ran.append(1))
    shell.on("text")(lambda e, p: ran.append(2) or "<xml><Content>two</Content></xml>")
    shell.on("text")(lambda e, p: ran.append(3) or "<xml><Content>three</Content></xml>")
    answer = await call(shell, "POST", *sender.message_push({"MsgType": "text"}),
                        authorizer_appid=AUTHORIZER)
    assert ran == [1, 2, 3]
    assert sender.open_reply(answer.body) == b"<xml><Content>two</Content></xml>"


async def test_raising_handler_is_logged_and_answered_success(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emitted: list[tuple[str, Any]] = []
    shell = shells(shell_kind, listeners=(lambda name, fields: emitted.append((name, fields)),))
    after: list[str] = []

    @shell.on("component_verify_ticket")
    async def broken(event: Any, push: Push) -> None:
        raise RuntimeError("handler bug")

    shell.on("component_verify_ticket")(lambda e, p: after.append("ran"))

    with caplog.at_level(logging.INFO, logger="wxcomponent"):
        answer = await call(shell, "POST", *sender.ticket_push("ticket@@@kept"))

    assert (answer.status, answer.body) == (200, b"success")
    assert after == ["ran"]
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@kept"  # the built-in ran first
    failures = [r for r in caplog.records if "failed" in r.getMessage() and r.exc_info]
    assert failures and "handler bug" in str(failures[0].exc_info[1])  # type: ignore[index]
    assert any(name == "handler_failed" and "broken" in fields["handler"]
               and fields["error"] == "RuntimeError" for name, fields in emitted)


# --------------------------------------------------------------------------- dedupe


async def test_a_retried_push_is_handled_once(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind)
    seen: list[Any] = []
    shell.on("component_verify_ticket")(lambda e, p: seen.append(e.ticket))
    push = sender.ticket_push("ticket@@@retried")

    first = await call(shell, "POST", *push)
    saves = store.names().count("save_ticket")
    second = await call(shell, "POST", *push)

    assert first.body == second.body == b"success"
    assert seen == ["ticket@@@retried"]
    assert store.names().count("save_ticket") == saves == 1
    other = sender.ticket_push("ticket@@@retried", nonce="other")
    await call(shell, "POST", *other)  # a new push (another nonce) is handled again
    assert len(seen) == 2


# --------------------------------------------------------------------------- built-ins


async def test_store_failure_answers_503_and_the_retry_succeeds(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind)
    seen: list[Any] = []
    shell.on("component_verify_ticket")(lambda e, p: seen.append(e))
    push = sender.ticket_push("ticket@@@later")
    store.failing["save_ticket"] = StoreUnavailable("redis is down")

    answer = await call(shell, "POST", *push)
    assert answer.status == 503 and answer.header("content-type") == "text/plain; charset=utf-8"
    assert b"redis" not in answer.body
    assert seen == []  # handlers wait for a push whose built-ins worked
    assert "release_lease" in store.names()

    del store.failing["save_ticket"]
    retry = await call(shell, "POST", *push)  # WeChat's retry: same signature, timestamp, nonce
    assert retry.body == b"success" and len(seen) == 1
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@later"


async def test_a_cancelled_push_frees_its_lease(
    shells: Any, sender: Sender, store: RecordingStore
) -> None:
    import asyncio

    shell = shells("sync")
    shell.on("component_verify_ticket")(lambda e, p: None)  # a handler: the push takes a lease
    push = sender.ticket_push("ticket@@@after-cancel")
    store.failing["save_ticket"] = asyncio.CancelledError()
    with pytest.raises(asyncio.CancelledError):
        shell.handle_callback("POST", *push)
    assert "release_lease" in store.names()
    del store.failing["save_ticket"]
    assert shell.handle_callback("POST", *push).body == b"success"
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@after-cancel"


async def test_dedupe_store_failure_answers_503(
    shells: Any, sender: Sender, store: RecordingStore
) -> None:
    shell = shells("sync")
    shell.on("component_verify_ticket")(lambda e, p: None)  # a handler: the push takes a lease
    store.failing["acquire_lease"] = StoreUnavailable("down")
    assert (await call(shell, "POST", *sender.ticket_push())).status == 503
    assert "save_ticket" not in store.names()


async def test_builtins_can_be_switched_off(
    shells: Any, sender: Sender, store: RecordingStore
) -> None:
    shell = shells("sync", options=CallbackOptions(store_ticket=False, exchange_codes=False,
                                                   forget_on_unauthorized=False))
    seen: list[str] = []
    shell.on(events.ComponentEvent)(lambda e, p: seen.append(e.info_type))
    _authorize_in_store(store)

    for nonce, push in enumerate([sender.ticket_push(nonce="1"), authorized(sender, nonce="2"),
                                  _unauthorized(sender, nonce="3")]):
        assert (await call(shell, "POST", *push)).body == b"success", nonce

    assert seen == ["component_verify_ticket", "authorized", "unauthorized"]
    assert store.inner.load_ticket(APPID) is None
    record = store.inner.get_authorizer(APPID, AUTHORIZER)
    assert record is not None and record.status == "authorized"
    assert not {"save_ticket", "mark_revoked", "save_authorizer"} & set(store.names())


def _authorize_in_store(store: RecordingStore) -> None:
    store.inner.save_authorizer(AuthorizerRecord(APPID, AUTHORIZER, "refresh@@@1",
                                                 authorized_at=1.0, updated_at=1.0))
    store.inner.set_token(f"{APPID}:authorizer_access_token:{AUTHORIZER}",
                          CachedToken("access@@@1", 4e9, 1.0))


def _unauthorized(sender: Sender, **seal: str) -> Any:
    return sender.seal(sender.event("unauthorized", AuthorizerAppid=AUTHORIZER), **seal)


async def test_unauthorized_revokes_before_answering(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind)
    _authorize_in_store(store)
    seen: list[Any] = []
    shell.on(events.Unauthorized)(lambda e, p: seen.append(
        store.inner.get_authorizer(APPID, e.authorizer_appid)))

    assert (await call(shell, "POST", *_unauthorized(sender))).body == b"success"

    record = store.inner.get_authorizer(APPID, AUTHORIZER)
    assert record is not None and record.status == "revoked"
    assert store.inner.get_token(f"{APPID}:authorizer_access_token:{AUTHORIZER}") is None
    assert seen[0].status == "revoked"  # the handler already sees the revocation


async def test_timestamp_window(shells: Any, sender: Sender, store: RecordingStore) -> None:
    now = 1700000000.0
    shell = shells("sync", options=CallbackOptions(timestamp_window=300), clock=lambda: now)
    stale = await call(shell, "POST", *sender.ticket_push(timestamp=str(int(now) - 301)))
    future = await call(shell, "POST", *sender.ticket_push(timestamp=str(int(now) + 400)))
    garbage = await call(shell, "POST", *sender.ticket_push(timestamp="soon"))
    assert (stale.status, future.status, garbage.status) == (403, 403, 403)
    assert store.calls == []
    fresh = await call(shell, "POST", *sender.ticket_push(timestamp=str(int(now) - 299)))
    assert fresh.body == b"success"


async def test_a_day_old_push_is_refused_by_default(shells: Any, sender: Sender,
                                                    store: RecordingStore) -> None:
    now = 1800000000.0
    shell = shells("sync", clock=lambda: now)
    old = await call(shell, "POST", *sender.ticket_push(timestamp=str(int(now) - 86400)))
    assert old.status == 403 and store.calls == []
    recent = await call(shell, "POST", *sender.ticket_push(timestamp=str(int(now) - 60)))
    assert recent.body == b"success"


def test_the_dedupe_window_must_cover_the_timestamp_window() -> None:
    assert CallbackOptions().dedupe_ttl >= 2 * (CallbackOptions().timestamp_window or 0)
    with pytest.raises(ConfigurationError):
        CallbackOptions(timestamp_window=600, dedupe_ttl=900)
    CallbackOptions(timestamp_window=None, dedupe_ttl=60)  # off: any dedupe window


async def test_a_replayed_unauthorized_push_never_revokes_a_merchant_again(
    shells: Any, sender: Sender
) -> None:
    """A captured ``unauthorized`` push replayed later: inside the window it is a duplicate,
    after it, stale. The merchant who authorized again stays authorized."""
    now = [1800000000.0]
    store = RecordingStore(MemoryStore(clock=lambda: now[0]))  # the dedupe window's clock
    shell = make_shell("sync", store, clock=lambda: now[0])
    captured = sender.seal(sender.event("unauthorized", AuthorizerAppid=AUTHORIZER,
                                        create_time=int(now[0])),
                           timestamp=str(int(now[0])))
    def authorize() -> None:
        store.inner.save_authorizer(AuthorizerRecord(APPID, AUTHORIZER, "refresh@@@1",
                                                     "authorized", (1,), now[0], now[0], None))

    authorize()
    assert (await call(shell, "POST", *captured)).body == b"success"
    assert store.inner.get_authorizer(APPID, AUTHORIZER).status == "revoked"
    authorize()  # the merchant authorizes again
    answers = []
    for later in (60.0, 1700.0, 1900.0, 3700.0, 86400.0):
        now[0] = 1800000000.0 + later
        answers.append((await call(shell, "POST", *captured)).status)
        assert store.inner.get_authorizer(APPID, AUTHORIZER).status == "authorized", later
    shell.close()
    assert answers == [200, 200, 403, 403, 403]  # duplicates inside the window, then stale


# --------------------------------------------------------------------------- key rotation


async def test_previous_key_accepted_and_reply_uses_it(
    shells: Any, shell_kind: str, rotated: Any
) -> None:
    cfg, new, old = rotated
    shell = shells(shell_kind, cfg=cfg)
    used: list[bool] = []

    @shell.on("text")
    def reply(event: Any, push: Push) -> str:
        used.append(push.used_previous_key)
        return "<xml><Content>pong</Content></xml>"

    for nonce, sender in enumerate([old, new]):
        answer = await call(shell, "POST", *sender.message_push(
            {"MsgType": "text"}, nonce=str(nonce)), authorizer_appid=AUTHORIZER)
        assert sender.open_reply(answer.body) == b"<xml><Content>pong</Content></xml>"
        other = new if sender is old else old
        with pytest.raises(Exception):  # noqa: B017 - the other key cannot read it
            assert other.open_reply(answer.body) == b"<xml><Content>pong</Content></xml>"
    assert used == [True, False]


async def test_rotation_at_run_time(shells: Any, store: RecordingStore) -> None:
    shell = shells("sync")
    before, after, stranger = Sender(), Sender(encoding_aes_key=KEY2), Sender(
        encoding_aes_key=OLD_KEY)
    shell.rotate_aes_key(KEY2)
    assert (await call(shell, "POST", *after.ticket_push("t@@@new", nonce="1"))).status == 200
    assert (await call(shell, "POST", *before.ticket_push("t@@@old", nonce="2"))).status == 200
    assert (await call(shell, "POST", *stranger.ticket_push("t@@@x", nonce="3"))).status in (
        400, 403)


async def test_several_platforms_keep_apart(store: RecordingStore, sender: Sender) -> None:
    from .wire import APPID2

    one = Component(config(), store, api_base="http://127.0.0.1:9")  # type: ignore[arg-type]
    two = AsyncComponent(config(APPID2, KEY2), store.inner.aio, api_base="http://127.0.0.1:9")
    try:
        other = Sender(appid=APPID2, encoding_aes_key=KEY2)
        assert one.handle_callback("POST", *sender.ticket_push("t@@@one")).status == 200
        assert (await two.handle_callback("POST", *other.ticket_push("t@@@two"))).status == 200
        # each platform refuses the other's pushes (foreign key and appid)
        assert one.handle_callback("POST", *other.ticket_push("t@@@x", nonce="9")).status in (
            400, 403)
        tickets = (store.inner.load_ticket(APPID), store.inner.load_ticket(APPID2))
        assert [t.value if t else None for t in tickets] == ["t@@@one", "t@@@two"]
    finally:
        one.close()
        await two.aclose()


def test_xml_helper_is_flat() -> None:
    assert xml_of({"A": 1, "B": "x"}) == b"<xml><A>1</A><B><![CDATA[x]]></B></xml>"


async def test_refused_requests_reach_the_refused_hook(shells: Any, shell_kind: str,
                                                       sender: Sender) -> None:
    shell = shells(shell_kind)
    seen: list[tuple[Any, Any]] = []

    async def hook(error: Any, request: Any) -> None:
        seen.append((error, request))

    shell.on_refused(hook)
    query, body = sender.ticket_push()
    bad = dict(query, msg_signature="0" * 40)
    answer = await call(shell, "POST", bad, body, authorizer_appid=None)
    assert answer.status == 403
    ((error, request),) = seen
    assert type(error).__name__ == "InvalidSignature"
    assert (request.method, request.status) == ("POST", 403)
    assert "0" * 40 not in repr(request)
    good = await call(shell, "POST", query, body)
    assert good.body == b"success" and len(seen) == 1
