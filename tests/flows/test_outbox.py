"""The outbox (`core/outbox.py`) and the durable code exchanges it queues, on the flows:
written before the answer, once."""

from __future__ import annotations

import json

import pytest

from wxcomponent import CallbackOptions, events
from wxcomponent.core import outbox
from wxcomponent.core.callbacks import built_ins
from wxcomponent.core.effects import Spawn, StoreCall
from wxcomponent.stores import CachedToken, Job

from .harness import (
    AUTHORIZER,
    COMPONENT_APPID,
    COMPONENT_KEY,
    Harness,
    account_info,
    answer,
    exchanged,
    ready,
)


def event(info_type: str, **fields: object) -> events.Event:
    raw = {"AppId": COMPONENT_APPID, "CreateTime": "1700000000", "InfoType": info_type,
           **{k: str(v) for k, v in fields.items()}}
    return events.event_from_fields(raw)


def authorized(code: str = "code@@@1") -> events.Event:
    return event("authorized", AuthorizerAppid=AUTHORIZER, AuthorizationCode=code,
                 AuthorizationCodeExpiredTime=1700000600, PreAuthCode="preauthcode@@@9")


def test_a_push_is_queued_once_per_webhook_with_its_secrets_masked() -> None:
    h = Harness()
    topics = (outbox.deliver_topic("app"), outbox.deliver_topic("audit"))
    first = h.run(outbox.enqueue_push(h.ctx, topics, authorized(), authorizer_appid=None,
                                      dedupe_key="k1"))
    again = h.run(outbox.enqueue_push(h.ctx, topics, authorized(), authorizer_appid=None,
                                      dedupe_key="k1"))
    assert first == again and len(set(first)) == 2  # a retried push adds nothing
    job = h.store.get_job(first[0])
    assert job is not None and job.group == AUTHORIZER and job.state == "pending"
    document = outbox.job_document(job)
    assert document["kind"] == "authorized" and document["authorizer_appid"] == AUTHORIZER
    assert document["component_appid"] == COMPONENT_APPID and document["tenant"] is None
    assert document["release_check"] is False
    assert document["fields"]["AuthorizationCode"] == "***"
    assert document["fields"]["PreAuthCode"] == "***"
    assert b"code@@@1" not in job.payload
    # what the job's row holds is not stored twice
    assert set(json.loads(job.payload)) == {"kind", "type", "received_at", "create_time",
                                            "fields"}


def _job(job_id: int, group: str, payload: bytes) -> Job:
    return Job(id=job_id, component_appid=COMPONENT_APPID, topic="deliver:app", group=group,
               payload=payload, state="pending", attempts=0, available_at=0.0, created_at=0.0,
               updated_at=0.0, last_error=None, key=None, claim=None)


def test_a_push_stored_whole_by_an_older_version_reads_as_it_was() -> None:
    whole = {"kind": "text", "type": "TextMessage", "component_appid": COMPONENT_APPID,
             "authorizer_appid": "wx00000000000000a1", "release_check": True,
             "tenant": "acme", "received_at": 1700000000.5, "create_time": 1700000000,
             "fields": {"Content": "hi"}}
    job = _job(7, "wx00000000000000a1", json.dumps(whole).encode())
    assert list(outbox.job_document(job).items()) == list(whole.items())
    compact = _job(8, "-", b'{"kind":"component_verify_ticket","extra":1}')
    assert outbox.job_document(compact) == {
        "kind": "component_verify_ticket", "component_appid": COMPONENT_APPID,
        "authorizer_appid": None, "release_check": False, "tenant": None, "extra": 1}


def test_tickets_are_never_handed_on() -> None:
    h = Harness()
    ticket = event("component_verify_ticket", ComponentVerifyTicket="ticket@@@secret")
    assert h.run(outbox.enqueue_push(h.ctx, ("deliver:app",), ticket, authorizer_appid=None,
                                     dedupe_key="k")) == []
    assert h.store.list_jobs(COMPONENT_APPID) == []


def test_the_exchange_is_recorded_before_the_answer_and_run_by_a_worker() -> None:
    h = ready()
    options = CallbackOptions(forward_topics=("deliver:app",))
    flow = built_ins._builtins(h.ctx, options, authorized())
    h.run(flow)
    enqueued = [e for e in h.of(StoreCall) if e.method == "enqueue"]
    assert [e.args[1] for e in enqueued] == ["exchange"]
    (spawn,) = h.of(Spawn)  # the worker runs after the answer
    h.reply(answer(body={"authorization_info": {
        "authorizer_appid": AUTHORIZER, "authorizer_access_token": "at", "expires_in": 7200,
        "authorizer_refresh_token": "rt", "func_info": []}}))
    results = h.run(spawn.factory())
    assert [r.outcome for r in results] == ["done"]
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt"
    assert h.store.count_jobs(COMPONENT_APPID, topic="exchange") == {"pending": 0, "done": 1,
                                                                    "dead": 0}


def test_a_crashed_exchange_is_finished_by_the_next_worker() -> None:
    h = ready()
    exchange = outbox.exchange_of(authorized())
    assert exchange is not None
    h.run(outbox.enqueue_exchange(h.ctx, exchange, attempts=5))
    # a worker claims it and dies: nothing acknowledged, the claim expires
    claimed = h.store.claim_jobs(COMPONENT_APPID, "exchange", limit=1, lease=60)
    assert len(claimed) == 1
    assert h.run(outbox.run_exchanges(h.ctx)) == []  # still claimed by the dead worker
    h.clock.advance(61)
    h.reply(answer(body={"authorization_info": {
        "authorizer_appid": AUTHORIZER, "authorizer_access_token": "at", "expires_in": 7200,
        "authorizer_refresh_token": "rt2", "func_info": []}}))
    results = h.run(outbox.run_exchanges(h.ctx))
    assert [r.outcome for r in results] == ["done"]
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_token == "rt2"


@pytest.mark.parametrize(("errcode", "outcome"), [(-1, "retry"), (61010, "dead")])
def test_transient_failures_retry_later_and_hopeless_ones_are_dead(errcode: int,
                                                                   outcome: str) -> None:
    h = Harness()
    h.store.set_token(COMPONENT_KEY, CachedToken("ct", h.clock() + 7200, h.clock()))
    exchange = outbox.exchange_of(authorized())
    assert exchange is not None
    h.run(outbox.enqueue_exchange(h.ctx, exchange, attempts=5))
    h.reply(lambda request: answer(body={"errcode": errcode, "errmsg": "x"}))
    (result,) = h.run(outbox.run_exchanges(h.ctx, backoff_base=10, backoff_cap=10))
    assert result.outcome == outcome
    job = h.store.get_job(result.job_id)
    assert job is not None
    if outcome == "retry":
        assert job.state == "pending" and 5 <= job.available_at - h.clock() <= 10
        assert h.emitted("authorization_exchange_failed") == []
    else:
        assert job.state == "dead" and job.last_error == "AuthCodeInvalid"
        assert h.emitted("authorization_exchange_failed")[0]["error"] == "AuthCodeInvalid"


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    import random

    rng = random.Random(3)
    pauses = [outbox.backoff(n, rng, base=5, cap=1800) for n in range(1, 16)]
    assert 2.5 <= pauses[0] <= 5 and all(900 <= p <= 1800 for p in pauses[10:])
    assert pauses[5] > pauses[1]


def test_the_durable_worker_reads_each_exchanged_account_once_its_jobs_are_settled() -> None:
    h = ready()
    exchange = outbox.exchange_of(authorized())
    assert exchange is not None
    h.run(outbox.enqueue_exchange(h.ctx, exchange, attempts=5))
    h.reply(exchanged(), account_info())
    (result,) = h.run(outbox.run_exchanges(h.ctx))
    assert result.outcome == "done"
    calls = [e for e in h.effects if isinstance(e, StoreCall)
             and e.method in ("ack_job", "set_authorizer_name")]
    assert [c.method for c in calls] == ["ack_job", "set_authorizer_name"]  # settled first
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).name == "Tea House"  # type: ignore[union-attr]
