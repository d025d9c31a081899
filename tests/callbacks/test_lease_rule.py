"""Which pushes take the dedupe lease: only those whose handling would not leave the same
state when run twice. A verify ticket or a forwarded message with no handler is handled
again when WeChat retries it (the ticket is the same, the outbox is keyed by the push);
anything a handler sees, an authorization change, a compliance push and a release-check
message is handled once."""

from __future__ import annotations

from typing import Any

from wxcomponent.core.callbacks import CallbackOptions
from wxcomponent.errors import StoreUnavailable

from ..support.threads import together
from .conftest import RecordingStore, call
from .wire import APPID, AUTHORIZER, Sender

FORWARD = CallbackOptions(forward_topics=("deliver:crm",))


def _jobs(store: RecordingStore) -> int:
    return len(store.inner.claim_jobs(APPID, "deliver:crm", limit=100, lease=30))


async def test_a_ticket_without_handlers_takes_no_lease_and_a_retry_changes_nothing(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    emitted: list[str] = []
    shell = shells(shell_kind, listeners=(lambda name, fields: emitted.append(name),))
    push = sender.ticket_push("ticket@@@retried")

    for _ in range(2):  # the push and WeChat's retry of it
        answer = await call(shell, "POST", *push)
        assert (answer.status, answer.body) == (200, b"success")

    assert "acquire_lease" not in store.names()
    assert store.names().count("save_ticket") == 2
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@retried"
    assert emitted.count("push_handled") == 2 and "push_duplicate" not in emitted


async def test_a_ticket_the_store_fails_to_keep_is_answered_503_and_kept_on_the_retry(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind)
    push = sender.ticket_push("ticket@@@second-try")
    store.failing["save_ticket"] = StoreUnavailable("disk full")

    assert (await call(shell, "POST", *push)).status == 503
    assert store.inner.load_ticket(APPID) is None
    del store.failing["save_ticket"]
    assert (await call(shell, "POST", *push)).body == b"success"
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@second-try"


async def test_a_ticket_a_handler_sees_is_handled_once(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind)
    seen: list[str] = []
    shell.on_default(lambda e, p: seen.append(type(e).__name__))  # a default handler counts
    push = sender.ticket_push()

    for _ in range(2):
        assert (await call(shell, "POST", *push)).body == b"success"

    assert seen == ["VerifyTicket"]
    assert store.names().count("acquire_lease") == 2  # the retry found the lease held
    assert store.names().count("save_ticket") == 1


async def test_a_forwarded_message_without_handlers_is_queued_once_however_often_sent(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind, options=FORWARD)
    push = sender.message_push({"MsgType": "text", "Content": "hello", "MsgId": 1})

    for _ in range(3):
        assert (await call(shell, "POST", *push, authorizer_appid=AUTHORIZER)).body \
            == b"success"

    assert "acquire_lease" not in store.names()
    assert _jobs(store) == 1


def test_concurrent_copies_of_a_forwarded_message_queue_one_job(
    shells: Any, sender: Sender, store: RecordingStore
) -> None:
    shell = shells("sync", options=FORWARD)
    push = sender.message_push({"MsgType": "text", "Content": "hello", "MsgId": 2})
    answers: list[bytes] = []

    def send(_: int) -> None:
        answers.append(shell.handle_callback("POST", *push, authorizer_appid=AUTHORIZER).body)

    assert together(16, send) == []
    assert answers == [b"success"] * 16
    assert _jobs(store) == 1


async def test_pushes_that_change_more_than_a_ticket_take_the_lease(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    shell = shells(shell_kind, options=CallbackOptions(exchange_codes=False))
    violation = sender.message_push({"MsgType": "event", "Event": "wxa_illegal_record",
                                     "illegal_record_id": "2_1", "appid": AUTHORIZER,
                                     "create_time": 1})
    release_check = sender.message_push({"ToUserName": "gh_3c884a361561", "MsgType": "text",
                                         "Content": "TESTCOMPONENT_MSG_TYPE_TEXT"},
                                        nonce="77")
    unauthorized = sender.seal(sender.event("unauthorized", AuthorizerAppid=AUTHORIZER),
                               nonce="78")

    for _ in range(2):
        assert (await call(shell, "POST", *violation, authorizer_appid=AUTHORIZER)).status \
            == 200
    record = store.inner.get_compliance(APPID, AUTHORIZER)
    assert record is not None and record.open_violations == 1  # counted once
    leases = store.names().count("acquire_lease")
    assert leases == 2

    answer = await call(shell, "POST", *release_check, authorizer_appid="wx570bc396a51b8ff8")
    assert b"TESTCOMPONENT_MSG_TYPE_TEXT_callback" in sender.open_reply(answer.body)
    assert (await call(shell, "POST", *unauthorized)).body == b"success"
    assert store.names().count("acquire_lease") == leases + 2
