"""Push handling tested on its flow: encrypted pushes fed to ``handle_callback``, its effects
and its answer read, over a real memory store on the fake clock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from wxcomponent import CallbackOptions, Push
from wxcomponent.core.callbacks import Callbacks, handle_callback
from wxcomponent.core.crypto import MessageCrypto
from wxcomponent.core.effects import CallHandler, Http, Spawn, StoreCall
from wxcomponent.core.outbox import EXCHANGE_TOPIC
from wxcomponent.errors import StoreUnavailable
from wxcomponent.events import Event, VerifyTicket
from wxcomponent.stores import AuthorizerRecord

from .harness import AUTHORIZER, COMPONENT_APPID, CONFIG, Harness

NOW = 1_700_000_000
OLD_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponml98"


def event_xml(info_type: str, *, appid: str = COMPONENT_APPID, create_time: int = NOW,
              **fields: object) -> bytes:
    """A platform event as WeChat writes it (ints bare, text in CDATA)."""
    every = {"AppId": appid, "CreateTime": create_time, "InfoType": info_type, **fields}
    inner = "".join(f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>"
                    for k, v in every.items())
    return f"<xml>{inner}</xml>".encode()


def seal(message: bytes, *, timestamp: int = NOW, nonce: str = "n-1",
         key: str = CONFIG.encoding_aes_key) -> tuple[dict[str, str], bytes]:
    """The query and body of a push carrying ``message``, encrypted and signed with the
    library's own crypto (a fixed random prefix, so every run sends the same bytes)."""
    crypto = MessageCrypto(CONFIG.token, key, COMPONENT_APPID)
    encrypt = crypto.encrypt(message, random=b"0123456789abcdef")
    ts = str(timestamp)
    query = {"timestamp": ts, "nonce": nonce, "encrypt_type": "aes",
             "signature": crypto.url_signature(ts, nonce),
             "msg_signature": crypto.msg_signature(ts, nonce, encrypt)}
    body = (f"<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    return query, body.encode()


def ticket_push(ticket: str = "ticket@@@one", **seal_args: Any) -> tuple[dict[str, str], bytes]:
    return seal(event_xml("component_verify_ticket", ComponentVerifyTicket=ticket), **seal_args)


class Recorder:
    """A push handler that records what it was given (or raises when told to)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls: list[tuple[Event, Push]] = []
        self.error = error

    def __call__(self, event: Event, push: Push) -> None:
        self.calls.append((event, push))
        if self.error is not None:
            raise self.error


def platform(options: CallbackOptions | None = None, **harness: Any) -> tuple[Harness, Recorder]:
    """A harness whose router sends every push to a recording handler."""
    callbacks = Callbacks(options)
    handler = Recorder()
    callbacks.on_default(handler)
    h = Harness(callbacks=callbacks, call_handlers=True, **harness)
    h.clock.now = float(NOW)
    return h, handler


def post(h: Harness, query: dict[str, str], body: bytes, **run: Any) -> Any:
    return h.run(handle_callback(h.ctx, "POST", query, body), **run)


def methods(h: Harness) -> list[str]:
    return [e.method for e in h.of(StoreCall)]


def position(h: Harness, match: Any) -> int:
    return next(i for i, e in enumerate(h.effects) if match(e))


def failing(method: str, error: BaseException) -> Any:
    """An ``on`` hook of the harness: the store fails on ``method``."""
    return lambda e: error if isinstance(e, StoreCall) and e.method == method else None


def assert_refused(h: Harness, handler: Recorder, response: Any, status: int, code: int,
                   error: str) -> None:
    assert response.status == status
    assert h.emitted("push_refused") == [{"status": status, "code": code, "error": error}]
    assert h.of(StoreCall) == []  # refused input never touches the store
    assert handler.calls == [] and h.emitted("push_handled") == []
    assert h.store.load_ticket(COMPONENT_APPID) is None


# --------------------------------------------------------------------------- refusals


def test_a_bad_msg_signature_is_refused_403_without_touching_the_store() -> None:
    h, handler = platform()
    query, body = ticket_push()
    query["msg_signature"] = "0" * 40
    response = post(h, query, body)
    assert_refused(h, handler, response, 403, -40001, "InvalidSignature")
    assert b"msg_signature" in response.body


def test_a_push_signed_with_another_token_is_refused() -> None:
    h, handler = platform()
    query, body = ticket_push()
    crypto = MessageCrypto("not-our-token", CONFIG.encoding_aes_key, COMPONENT_APPID)
    encrypt = body.split(b"<Encrypt><![CDATA[")[1].split(b"]]>")[0].decode()
    query["msg_signature"] = crypto.msg_signature(query["timestamp"], query["nonce"], encrypt)
    assert_refused(h, handler, post(h, query, body), 403, -40001, "InvalidSignature")


@pytest.mark.parametrize("skew", [1801, -1801])
def test_a_timestamp_outside_the_window_is_refused_403(skew: int) -> None:
    h, handler = platform()
    query, body = ticket_push()
    h.clock.advance(skew)
    response = post(h, query, body)
    assert_refused(h, handler, response, 403, -40001, "StalePush")
    assert b"seconds away" in response.body


def test_a_timestamp_at_the_edge_of_the_window_is_accepted() -> None:
    h, handler = platform()
    query, body = ticket_push()
    h.clock.advance(1800)
    response = post(h, query, body)
    assert (response.status, response.body) == (200, b"success")
    assert len(handler.calls) == 1


def test_a_narrower_window_is_read_from_the_options() -> None:
    h, handler = platform(CallbackOptions(timestamp_window=60.0))
    query, body = ticket_push()
    h.clock.advance(61)
    assert_refused(h, handler, post(h, query, body), 403, -40001, "StalePush")


def test_a_platform_event_for_another_appid_is_refused_403() -> None:
    h, handler = platform()
    query, body = seal(event_xml("component_verify_ticket", appid="wx9999999999999999",
                                 ComponentVerifyTicket="ticket@@@foreign"))
    response = post(h, query, body)
    assert_refused(h, handler, response, 403, -40005, "AppIdMismatch")
    assert b"wx9999999999999999" in response.body


def test_a_body_over_max_body_is_refused_413_before_it_is_read() -> None:
    query, body = ticket_push()
    h, handler = platform(CallbackOptions(max_body=len(body) - 1))
    response = post(h, query, body)
    assert_refused(h, handler, response, 413, -40002, "BodyTooLarge")
    assert f"body of {len(body)} bytes".encode() in response.body


def test_a_body_of_exactly_max_body_is_handled() -> None:
    query, body = ticket_push()
    h, handler = platform(CallbackOptions(max_body=len(body)))
    assert post(h, query, body).status == 200
    assert len(handler.calls) == 1


# --------------------------------------------------------------------------- the ticket


def test_a_ticket_is_stored_under_the_dedupe_lease_before_the_answer() -> None:
    h, handler = platform()
    query, body = ticket_push("ticket@@@fresh")
    response = post(h, query, body)
    assert (response.status, response.body) == (200, b"success")
    assert response.header("Content-Type") == "text/plain; charset=utf-8"
    assert methods(h) == ["acquire_lease", "save_ticket"]
    lease, save = h.of(StoreCall)
    assert lease.args[0].startswith(f"{COMPONENT_APPID}:push:")
    assert lease.args[1] == CallbackOptions().dedupe_ttl
    assert save.args == (COMPONENT_APPID, "ticket@@@fresh", NOW)
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket@@@fresh"
    assert h.emitted("ticket_received") == [{"appid": COMPONENT_APPID, "created_at": NOW,
                                             "kept": True}]
    # the ticket is kept before the user's handler runs
    assert position(h, lambda e: isinstance(e, StoreCall) and e.method == "save_ticket") \
        < position(h, lambda e: isinstance(e, CallHandler))
    (event, push), = handler.calls
    assert isinstance(event, VerifyTicket) and event.ticket == "ticket@@@fresh"
    assert push.used_previous_key is False and push.nonce == "n-1"


def test_a_ticket_is_not_stored_when_store_ticket_is_off() -> None:
    h, handler = platform(CallbackOptions(store_ticket=False))
    query, body = ticket_push()
    assert post(h, query, body).body == b"success"
    assert methods(h) == ["acquire_lease"]
    assert h.store.load_ticket(COMPONENT_APPID) is None and len(handler.calls) == 1


# --------------------------------------------------------------------------- dedupe


def test_a_retried_push_runs_the_built_ins_and_the_handler_once() -> None:
    h, handler = platform()
    query, body = ticket_push()
    first = post(h, query, body)
    h.effects.clear()
    h.clock.advance(5)  # WeChat retries a few seconds later with the same three values
    again = post(h, query, body)
    assert first.body == again.body == b"success"
    assert len(handler.calls) == 1
    assert methods(h) == ["acquire_lease"]  # the retry only found the lease taken
    assert h.emitted("push_duplicate") == [{"event": "component_verify_ticket"}]
    assert h.emitted("push_handled") == []


def test_the_same_event_with_another_nonce_is_a_new_push() -> None:
    h, handler = platform()
    post(h, *ticket_push(nonce="n-1"))
    post(h, *ticket_push(nonce="n-2"))
    assert len(handler.calls) == 2
    assert h.emitted("push_duplicate") == []


# --------------------------------------------------------------------------- store failures


def test_a_store_failing_to_take_the_dedupe_lease_gets_503_and_nothing_runs() -> None:
    h, handler = platform()
    query, body = ticket_push()
    response = post(h, query, body, on=failing("acquire_lease", StoreUnavailable("down")))
    assert response.status == 503
    assert methods(h) == ["acquire_lease"]
    assert handler.calls == [] and h.store.load_ticket(COMPONENT_APPID) is None
    assert h.emitted("push_failed") == [{"event": "component_verify_ticket",
                                         "error": "StoreUnavailable"}]
    # WeChat's retry, once the store is back, is handled in full
    h.effects.clear()
    assert post(h, query, body).body == b"success"
    assert methods(h) == ["acquire_lease", "save_ticket"] and len(handler.calls) == 1


def test_a_failed_ticket_write_releases_the_lease_and_answers_503() -> None:
    h, handler = platform()
    query, body = ticket_push("ticket@@@retry")
    response = post(h, query, body, on=failing("save_ticket", StoreUnavailable("down")))
    assert response.status == 503
    assert b"try again" in response.body
    assert methods(h) == ["acquire_lease", "save_ticket", "release_lease"]
    acquire, _, release = h.of(StoreCall)
    assert release.args[0] == acquire.args[0]  # the dedupe lease it took
    assert handler.calls == [] and h.emitted("push_handled") == []
    assert h.emitted("push_failed") == [{"event": "component_verify_ticket",
                                         "error": "StoreUnavailable"}]
    # the lease is free: WeChat's retry stores the ticket and runs the handler
    h.effects.clear()
    assert post(h, query, body).body == b"success"
    assert h.emitted("push_duplicate") == []
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket@@@retry"
    assert len(handler.calls) == 1


def test_a_failed_queue_write_of_a_code_releases_the_lease_and_answers_503() -> None:
    h, handler = platform()
    query, body = seal(authorized_xml())
    response = post(h, query, body, on=failing("enqueue", StoreUnavailable("down")))
    assert response.status == 503
    assert methods(h)[-1] == "release_lease"
    assert h.of(Spawn) == [] and handler.calls == []
    assert h.store.list_jobs(COMPONENT_APPID) == []


# --------------------------------------------------------------------------- authorization


def authorized_xml(code: str = "queryauthcode@@@1", create_time: int = NOW) -> bytes:
    return event_xml("authorized", create_time=create_time, AuthorizerAppid=AUTHORIZER,
                     AuthorizationCode=code, AuthorizationCodeExpiredTime=create_time + 3600,
                     PreAuthCode="preauthcode@@@1")


def test_an_authorized_code_is_queued_before_the_answer_and_exchanged_after_it() -> None:
    h, handler = platform()
    query, body = seal(authorized_xml("queryauthcode@@@7"))
    response = post(h, query, body)
    assert response.body == b"success"
    enqueued = position(h, lambda e: isinstance(e, StoreCall) and e.method == "enqueue")
    spawned = position(h, lambda e: isinstance(e, Spawn))
    assert enqueued < spawned < position(h, lambda e: isinstance(e, CallHandler))
    call = h.effects[enqueued]
    assert call.args[:3] == (COMPONENT_APPID, EXCHANGE_TOPIC, AUTHORIZER)
    assert b"queryauthcode@@@7" in call.args[3]
    (spawn,) = h.of(Spawn)
    assert spawn.name == f"exchange of the authorized code of {AUTHORIZER}"
    assert h.requests() == [] and h.of(Http) == []  # the exchange is not run before answering
    (job,) = h.store.list_jobs(COMPONENT_APPID, topic=EXCHANGE_TOPIC)
    assert job.group == AUTHORIZER and job.state == "pending"
    assert len(handler.calls) == 1


def test_without_durable_exchanges_the_code_is_only_spawned() -> None:
    h, _ = platform(CallbackOptions(durable_exchanges=False))
    assert post(h, *seal(authorized_xml())).body == b"success"
    assert "enqueue" not in methods(h)
    (spawn,) = h.of(Spawn)
    assert spawn.name == f"exchange of the authorized code of {AUTHORIZER}"
    assert h.store.list_jobs(COMPONENT_APPID) == []


def record(h: Harness, auth_event_at: int) -> None:
    now = h.clock()
    h.store.save_authorizer(replace(
        AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-1", "authorized", (1,), now, now,
                         None), auth_event_at=auth_event_at))


def unauthorized_xml(create_time: int) -> bytes:
    return event_xml("unauthorized", create_time=create_time, AuthorizerAppid=AUTHORIZER)


def test_an_unauthorized_older_than_the_latest_change_does_nothing() -> None:
    h, handler = platform()
    record(h, auth_event_at=NOW)
    response = post(h, *seal(unauthorized_xml(NOW - 60)))
    assert response.body == b"success"
    stored = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert stored is not None and stored.status == "authorized" and stored.auth_event_at == NOW
    assert handler.calls == [] and h.of(CallHandler) == []
    assert "delete_token" not in methods(h)
    assert h.emitted("push_ignored") == [{"event": "unauthorized", "appid": COMPONENT_APPID,
                                          "authorizer_appid": None}]
    assert h.emitted("authorization_change_ignored") == [
        {"appid": AUTHORIZER, "change": "unauthorized", "create_time": NOW - 60}]
    assert h.emitted("push_handled") == [] and h.emitted("authorizer_revoked") == []


def test_a_newer_unauthorized_revokes_the_account_before_the_answer() -> None:
    h, handler = platform()
    record(h, auth_event_at=NOW - 60)
    assert post(h, *seal(unauthorized_xml(NOW))).body == b"success"
    stored = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert stored is not None and stored.status == "revoked"
    assert methods(h).count("delete_token") == 2
    assert h.emitted("authorizer_revoked") == [{"appid": AUTHORIZER, "reason": "unauthorized"}]
    assert h.emitted("push_ignored") == [] and len(handler.calls) == 1


def test_an_authorized_older_than_the_latest_change_queues_no_code() -> None:
    h, handler = platform()
    record(h, auth_event_at=NOW)
    assert post(h, *seal(authorized_xml(create_time=NOW - 60))).body == b"success"
    assert "enqueue" not in methods(h) and h.of(Spawn) == []
    assert h.store.list_jobs(COMPONENT_APPID) == [] and handler.calls == []
    assert [e["event"] for e in h.emitted("push_ignored")] == ["authorized"]


# --------------------------------------------------------------------------- key rotation


def test_the_previous_encoding_aes_key_still_decrypts_during_a_rotation() -> None:
    config = replace(CONFIG, previous_encoding_aes_key=OLD_KEY)
    h, handler = platform(config=config)
    response = post(h, *ticket_push("ticket@@@old-key", key=OLD_KEY))
    assert response.body == b"success"
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket@@@old-key"
    (_, push), = handler.calls
    assert push.used_previous_key is True
    # the current key goes on working, and says so
    post(h, *ticket_push("ticket@@@new-key", nonce="n-2"))
    assert handler.calls[1][1].used_previous_key is False


def test_without_the_previous_key_a_push_under_it_is_refused() -> None:
    h, handler = platform()
    response = post(h, *ticket_push(key=OLD_KEY))
    assert response.status == 400
    (refused,) = h.emitted("push_refused")
    assert refused["status"] == 400 and refused["code"] in (-40007, -40008)
    assert h.of(StoreCall) == [] and handler.calls == []


# --------------------------------------------------------------------------- handlers


def test_a_handler_that_raises_still_gets_success_and_the_others_run() -> None:
    callbacks = Callbacks()
    broken, after = Recorder(RuntimeError("bug in the handler")), Recorder()
    callbacks.on("component_verify_ticket")(broken)
    callbacks.on("component_verify_ticket")(after)
    h = Harness(callbacks=callbacks, call_handlers=True)
    h.clock.now = float(NOW)
    response = post(h, *ticket_push("ticket@@@kept"))
    assert (response.status, response.body) == (200, b"success")
    assert len(broken.calls) == len(after.calls) == 1
    assert h.emitted("handler_failed") == [{"handler": "Recorder", "event":
                                            "component_verify_ticket",
                                            "error": "RuntimeError"}]
    assert "release_lease" not in methods(h)  # the push stays handled: no retry runs it again
    ticket = h.store.load_ticket(COMPONENT_APPID)
    assert ticket is not None and ticket.value == "ticket@@@kept"
    assert h.emitted("push_handled") == [{"event": "component_verify_ticket",
                                          "appid": COMPONENT_APPID, "authorizer_appid": None}]
