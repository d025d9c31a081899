"""Pushes handed on by the service: webhooks fed from the durable outbox, passive replies from
the application, Python handlers named in the settings — all over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service import Service
from wxcomponent.service.posting import MAX_ANSWER
from wxcomponent.service.settings import SettingsError
from wxcomponent.stores import MemoryStore

from ..support.receiver import SECRET, Receiver, hooks, receiver
from ..support.service import APPID, FakeClock, make_settings, running
from ..support.waiting import wait_for_async


async def test_every_push_reaches_the_webhook_signed_in_order_with_codes_masked(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        async with running(wechat_emulator, webhooks=hooks(r.url)) as svc:
            await svc.push_ticket()
            wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                         "/messages/$APPID$")
            appid = await svc.authorize_by_push()
            for n in range(5):
                delivery = await asyncio.to_thread(
                    wechat_emulator.push_message, APPID, appid,
                    {"MsgType": "text", "Content": f"message {n}", "MsgId": str(n)})
                assert delivery.ok
            got = await asyncio.to_thread(r.wait_for, 6)
    assert r.bad_signatures == 0
    kinds = [d["kind"] for d in got]
    assert kinds == ["authorized"] + ["text"] * 5  # the ticket is never handed on
    authorized = got[0]
    assert authorized["authorizer_appid"] == appid
    assert authorized["fields"]["AuthorizationCode"] == "***"
    assert [d["fields"]["Content"] for d in got[1:]] == [f"message {n}" for n in range(5)]
    assert len(set(r.delivery_ids)) == 6


async def test_a_failing_webhook_is_retried_with_backoff_until_it_answers(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    with receiver() as r:
        r.fail_next = 3
        async with running(wechat_emulator, clock=clock, webhooks=hooks(r.url)) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            await wait_for_async(lambda: forwarder.stats.retried >= 1)
            for expected in (2, 3):
                clock.advance(3600)  # past any backoff
                forwarder.wake()
                await wait_for_async(lambda n=expected: forwarder.stats.retried >= n)
            assert r.deliveries == []
            clock.advance(3600)
            forwarder.wake()
            got = await asyncio.to_thread(r.wait_for, 1)
            await wait_for_async(lambda: forwarder.stats.delivered == 1)  # acknowledged after
            job = svc.store.list_jobs(APPID, topic="deliver:app")[0]
            assert (job.state, job.attempts) == ("done", 4)
    assert got[0]["kind"] == "unauthorized" and got[0]["attempt"] == 4


async def test_a_delivery_answered_slowly_is_cut_at_the_webhook_timeout_and_retried(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        r.drip = 0.3  # one byte every 0.3 s: each read is quick, the whole answer is not
        async with running(wechat_emulator, webhooks=hooks(r.url, timeout=1.0)) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            await wait_for_async(lambda: forwarder.stats.retried >= 1,
                                 "the slow delivery was never given up")
            (job,) = svc.store.list_jobs(APPID, topic="deliver:app")
            assert (job.state, job.last_error) == ("pending", "timeout")
            assert forwarder.stats.delivered == 0
            await wait_for_async(r.drip_cut.is_set, "the slow answer was never cut")
            assert not r.drip_finished.is_set()


async def test_a_delivery_dies_after_max_age_and_can_be_replayed(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    with receiver() as r:
        r.fail_next = 10**6
        async with running(wechat_emulator, clock=clock,
                           webhooks=hooks(r.url, max_age=600)) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            await wait_for_async(lambda: forwarder.stats.retried >= 1)
            clock.advance(601)
            forwarder.wake()
            await wait_for_async(lambda: forwarder.stats.dead == 1)
            (job,) = svc.store.list_jobs(APPID, topic="deliver:app")
            assert job.state == "dead" and job.last_error == "HTTP 503"
            r.fail_next = 0
            assert svc.store.requeue_job(job.id)
            forwarder.wake()
            got = await asyncio.to_thread(r.wait_for, 1)
    assert got[0]["kind"] == "unauthorized"


@contextlib.asynccontextmanager
async def _replying(wechat_emulator: EmulatorServer, r: Receiver,
                    timeout: float) -> AsyncIterator[Callable[[str], Awaitable[Any]]]:
    """A service asking ``r`` for passive replies within ``timeout``, with an authorized
    account: yields how to send it a user's text message (WeChat's delivery of it)."""
    async with running(wechat_emulator, reply_url=f"{r.url}/reply",
                       reply_secret=SECRET, reply_timeout=timeout) as svc:
        await svc.push_ticket()
        wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                     "/messages/$APPID$")
        appid = await svc.authorize_by_push()

        async def say(text: str) -> Any:
            return await asyncio.to_thread(wechat_emulator.push_message, APPID, appid,
                                           {"MsgType": "text", "Content": text})

        yield say


async def test_the_application_answers_a_passive_reply_within_its_budget(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        r.reply = {"type": "text", "content": "hello from the app"}
        async with _replying(wechat_emulator, r, 0.5) as say:
            answered = await say("hi")
            assert answered.ok and "<Encrypt>" in (answered.attempts[0].body or "")
            r.reply = {"type": "unknown"}  # a reply that cannot be used: success
            assert (await say("again")).attempts[0].body == "success"
            r.stall = threading.Event()
            slow = await say("slow")  # the app misses its budget
            r.stall.set()
            assert slow.attempts[0].body == "success"


async def test_a_reply_answer_over_its_limit_is_not_used_and_wechat_gets_success(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        r.reply = {"type": "text", "content": "hello from the app"}
        async with _replying(wechat_emulator, r, 2.0) as say:
            assert "<Encrypt>" in ((await say("hi")).attempts[0].body or "")
            # a usable reply, padded past what is read of an answer: never used
            r.reply = {"type": "text", "content": "hello", "padding": "x" * MAX_ANSWER}
            assert (await say("again")).attempts[0].body == "success"


async def test_a_reply_dripped_slowly_is_cut_at_the_budget_and_wechat_gets_success(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        r.reply = {"type": "text", "content": "a reply that takes its time"}
        r.drip = 0.3  # one byte every 0.3 s: each read is quick, the whole answer is not
        async with _replying(wechat_emulator, r, 1.0) as say:
            answered = await say("hello")
            assert answered.attempts[0].body == "success"  # WeChat got a valid answer
            assert len(answered.attempts) == 1
            await wait_for_async(r.drip_cut.is_set, "the slow reply was never cut")
            assert not r.drip_finished.is_set()
            assert 0 < r.dripped < len(r.reply["content"])


async def test_python_handlers_named_in_the_settings_run_on_every_platform(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator,
                       handlers="tests.service.handlers_module:register") as svc:
        await svc.push_ticket()
        wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                     "/messages/$APPID$")
        appid = await svc.authorize_by_push()
        answered = await asyncio.to_thread(
            wechat_emulator.push_message, APPID, appid, {"MsgType": "text", "Content": "ping"})
        assert answered.ok and "<Encrypt>" in (answered.attempts[0].body or "")
    from . import handlers_module

    assert handlers_module.SEEN == ["ping"]


@pytest.mark.parametrize(("extra", "field"), [
    ({"handlers": "not a module path"}, "handlers"),
    ({"handlers": "tests.service.no_such_module:register"}, "handlers"),
    ({"reply_url": "https://app.example/reply"}, "reply_secret"),
    ({"webhooks": [{"name": "Bad Name", "url": "https://x.example/h", "secret": SECRET}]},
     "webhooks[0].name"),
    ({"webhooks": [{"name": "a", "url": "ftp://x.example/h", "secret": SECRET}]},
     "webhooks[0].url"),
    ({"webhooks": [{"name": "a", "url": "https://x.example/h", "secret": "short"}]},
     "webhooks[0].secret"),
    ({"webhooks": [{"name": "a", "url": "https://x.example/h", "secret": SECRET},
                   {"name": "a", "url": "https://y.example/h", "secret": SECRET}]},
     "webhooks"),
    ({"webhooks": [{"name": "a", "url": "https://x.example/h", "secret": SECRET,
                    "colour": "red"}]}, "webhooks[0].colour"),
])
def test_bad_forwarding_settings_name_the_key(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Service(make_settings(**extra), store=MemoryStore())
    assert caught.value.field == field


def test_webhook_settings_come_from_the_environment_too() -> None:
    from wxcomponent.service.settings import load_settings

    settings = load_settings(None, env={
        "WXCOMPONENT_APPID": "wx0123456789abcdef", "WXCOMPONENT_SECRET": "s",
        "WXCOMPONENT_TOKEN": "t",
        "WXCOMPONENT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "WXCOMPONENT_WEBHOOKS_0_NAME": "app",
        "WXCOMPONENT_WEBHOOKS_0_URL": "https://app.example/hook",
        "WXCOMPONENT_WEBHOOKS_0_SECRET": SECRET,
        "WXCOMPONENT_WEBHOOKS_0_KINDS": "authorized,text"})
    (hook,) = settings.webhooks
    assert (hook.name, hook.kinds) == ("app", ("authorized", "text"))
    assert SECRET not in repr(settings) and SECRET not in repr(hook)


async def test_a_webhook_gets_only_the_kinds_it_asked_for(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        async with running(wechat_emulator,
                           webhooks=hooks(r.url, kinds=["unauthorized"])) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await svc.push("updateauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa",
                           AuthorizationCode="code@@@x", AuthorizationCodeExpiredTime=1)
            await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            got = await asyncio.to_thread(r.wait_for, 1)
            await wait_for_async(lambda: forwarder.stats.skipped == 1)
    assert [d["kind"] for d in got] == ["unauthorized"]


async def test_nothing_is_answered_success_when_the_outbox_cannot_be_written(
        wechat_emulator: EmulatorServer) -> None:
    class NoQueue(MemoryStore):
        def enqueue(self, *args: Any, **kwargs: Any) -> int:
            from wxcomponent.errors import StoreUnavailable

            raise StoreUnavailable("the queue is down")

    with receiver() as r:
        async with running(wechat_emulator, store=NoQueue(), webhooks=hooks(r.url)) as svc:
            answer = await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            assert answer.status_code == 503  # WeChat retries: nothing acknowledged is lost
    assert r.deliveries == []


async def test_old_deliveries_are_purged_hourly_and_recent_ones_kept() -> None:
    import httpx

    from wxcomponent import AsyncComponent
    from wxcomponent.service.forward import Forwarder, Webhook

    clock = FakeClock()
    store = MemoryStore(clock=clock)
    hook = Webhook("app", "https://app.example/hook", SECRET)
    for key in ("old-done", "old-dead", "new-done"):
        store.enqueue(APPID, hook.topic, key, b"{}", key=key)
    (old_done,) = store.claim_jobs(APPID, hook.topic, limit=1, lease=60)
    assert store.ack_job(old_done.id, old_done.claim)
    clock.advance(3 * 86400 + 60)  # three days and a minute later
    claimed = {job.group: job for job in store.claim_jobs(APPID, hook.topic, limit=5, lease=60)}
    assert store.bury_job(claimed["old-dead"].id, claimed["old-dead"].claim, "HTTP 500")
    assert store.ack_job(claimed["new-done"].id, claimed["new-done"].claim)
    component = AsyncComponent(make_settings().platform(), store.aio, clock=clock)
    async with httpx.AsyncClient() as http:
        forwarder = Forwarder(store.aio, (APPID,), (hook,), http, drive=component._drive,
                              clock=clock)
        assert await forwarder.purge_when_due() == 1  # only the delivery 3 days old
        assert forwarder.last_purge is not None and forwarder.last_purge.deleted == 1
        clock.advance(30 * 86400 + 1)
        assert await forwarder.purge_when_due() == 2  # the dead one after 30 days, the rest
        assert await forwarder.purge_when_due() == 0  # at most once an hour
    assert store.list_jobs(APPID) == []
