"""Authorization pushes never move an account backwards: an ``unauthorized``, ``authorized`` or
``updateauthorized`` older (by CreateTime) than the account's latest recorded authorization
change does nothing, whatever the dedupe store holds. Pushes are sealed as WeChat seals them
and handled on both shells; codes are exchanged with the emulator over HTTP; the shells' and
the store's clocks are injected, so the dedupe entry expires without waiting."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from wxcomponent import AsyncComponent, CallbackOptions, Component, ComponentConfig, events
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.stores import MemoryStore

from .conftest import call
from .wire import Sender

P = DEFAULT_PLATFORM
CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
QUERY_AUTH = "/cgi-bin/component/api_query_auth"
MERCHANT = "wx0rder00000000001"
SENDER = Sender(appid=P.appid, token=P.token, encoding_aes_key=P.encoding_aes_key)
TOKEN_KEY = f"{P.appid}:authorizer_access_token:{MERCHANT}"
FORWARD = "deliver:app"


class Platform:
    """A shell over a memory store, each with its own clock, and the emulator's codes."""

    def __init__(self, emu: EmulatorServer, kind: str) -> None:
        self.emu = emu
        self.now = float(int(time.time()))
        self.store_now = self.now
        self.store = MemoryStore(clock=lambda: self.store_now)
        self.store.save_ticket(P.appid, emu.issue_ticket(P.appid), 0)
        self.options = CallbackOptions(exchange_backoff=0.01, forward_topics=(FORWARD,))
        self.events: list[tuple[str, Any]] = []
        self.handled: list[tuple[str, int]] = []
        shell_type = Component if kind == "sync" else AsyncComponent
        self.shell: Component | AsyncComponent = shell_type(
            CONFIG, self.store if kind == "sync" else self.store.aio, api_base=emu.url,
            clock=lambda: self.now, callbacks=self.options,
            listeners=(lambda name, fields: self.events.append((name, fields)),))
        self.shell.on(events.ComponentEvent)(
            lambda event, push: self.handled.append((event.info_type, event.create_time)))

    def forwarded(self) -> list[tuple[str, int]]:
        """The pushes queued for the webhook: (kind, CreateTime)."""
        docs = [json.loads(job.payload) for job in self.store.list_jobs(P.appid, topic=FORWARD)]
        return [(doc["kind"], doc["create_time"]) for doc in docs]

    def authorized(self, create_time: int, nonce: str) -> tuple[dict[str, str], bytes]:
        """An ``authorized`` push of a fresh code of the merchant."""
        grant = self.emu.authorize(P.appid, MERCHANT, push=False)
        message = SENDER.event("authorized", create_time=create_time, AuthorizerAppid=MERCHANT,
                               AuthorizationCode=grant.auth_code,
                               AuthorizationCodeExpiredTime=create_time + 600,
                               PreAuthCode="preauthcode@@@order")
        return SENDER.seal(message, timestamp=str(create_time), nonce=nonce)

    @staticmethod
    def unauthorized(create_time: int, nonce: str) -> tuple[dict[str, str], bytes]:
        message = SENDER.event("unauthorized", create_time=create_time, AuthorizerAppid=MERCHANT)
        return SENDER.seal(message, timestamp=str(create_time), nonce=nonce)

    async def push(self, push: tuple[dict[str, str], bytes]) -> int:
        answer = await call(self.shell, "POST", *push)
        if isinstance(self.shell, AsyncComponent):
            await self.shell.wait_background()
        else:
            self.shell.wait_background()
        assert answer.body == b"success", answer.body
        return int(answer.status)

    def status(self) -> str:
        record = self.store.get_authorizer(P.appid, MERCHANT)
        assert record is not None
        return record.status

    def forget_dedupe(self) -> None:
        """The dedupe entries expire (the store's clock passes their window)."""
        self.store_now += self.options.dedupe_ttl + 1

    async def close(self) -> None:
        if isinstance(self.shell, AsyncComponent):
            await self.shell.aclose()
        else:
            self.shell.close()


@pytest.fixture(params=["sync", "async"])
async def platform(request: pytest.FixtureRequest, wechat_emulator: EmulatorServer) -> Any:
    made = Platform(wechat_emulator, request.param)
    yield made
    await made.close()


async def test_an_old_unauthorized_replayed_after_its_dedupe_entry_expired_does_not_revoke(
        platform: Platform) -> None:
    now = int(platform.now)
    await platform.push(platform.authorized(now - 300, "n1"))
    assert platform.status() == "authorized"
    captured = platform.unauthorized(now - 200, "n2")
    await platform.push(captured)
    assert platform.status() == "revoked"
    await platform.push(platform.authorized(now - 100, "n3"))  # the merchant comes back
    assert platform.status() == "authorized"
    token = platform.store.get_token(TOKEN_KEY)
    assert token is not None

    platform.forget_dedupe()
    await platform.push(captured)  # inside the timestamp window, no longer a duplicate

    assert platform.status() == "authorized"
    assert platform.store.get_token(TOKEN_KEY) == token  # its tokens are kept too
    record = platform.store.get_authorizer(P.appid, MERCHANT)
    assert record is not None and record.auth_event_at == now - 100
    assert ("authorization_change_ignored", {"appid": MERCHANT, "change": "unauthorized",
                                             "create_time": now - 200}) in platform.events
    # it does nothing else either: no handler runs, nothing goes to the webhooks
    assert platform.handled.count(("unauthorized", now - 200)) == 1
    assert platform.forwarded().count(("unauthorized", now - 200)) == 1
    assert ("push_ignored", {"event": "unauthorized", "appid": P.appid,
                             "authorizer_appid": None}) in platform.events


async def test_an_old_authorized_replayed_is_not_exchanged_and_does_not_reauthorize(
        platform: Platform) -> None:
    now = int(platform.now)
    first = platform.authorized(now - 300, "n1")
    await platform.push(first)
    await platform.push(platform.unauthorized(now - 200, "n2"))
    assert platform.status() == "revoked"
    exchanges = platform.emu.calls(QUERY_AUTH)

    platform.forget_dedupe()
    await platform.push(first)
    await platform.push(platform.authorized(now - 250, "n3"))  # late, with a good code

    assert platform.status() == "revoked"
    assert platform.emu.calls(QUERY_AUTH) == exchanges  # no code was exchanged
    assert platform.store.get_token(TOKEN_KEY) is None
    assert [kind for kind, at in platform.handled if at in (now - 300, now - 250)] == [
        "authorized"]  # the first delivery only
    assert platform.forwarded() == [("authorized", now - 300), ("unauthorized", now - 200)]


async def test_changes_in_order_still_apply(platform: Platform) -> None:
    now = int(platform.now)
    steps = [("authorized", "authorized"), ("unauthorized", "revoked"),
             ("authorized", "authorized"), ("unauthorized", "revoked")]
    for i, (change, status) in enumerate(steps):
        at = now - 400 + 100 * i
        push = platform.authorized(at, f"n{i}") if change == "authorized" \
            else platform.unauthorized(at, f"n{i}")
        await platform.push(push)
        assert platform.status() == status, (i, change)
        record = platform.store.get_authorizer(P.appid, MERCHANT)
        assert record is not None and record.auth_event_at == at
    # a push of the same second as the latest change is not older: it applies
    await platform.push(platform.authorized(now - 100, "same"))
    assert platform.status() == "authorized"
    await platform.push(platform.unauthorized(now - 100, "same-again"))
    assert platform.status() == "revoked"


async def test_an_unusable_create_time_counts_as_unknown(platform: Platform) -> None:
    """A CreateTime no store can keep neither blocks the push (it would be retried forever)
    nor orders anything: the change applies, as it did before times were kept."""
    now = int(platform.now)
    await platform.push(platform.authorized(now - 300, "n1"))
    message = SENDER.event("unauthorized", create_time=2**60, AuthorizerAppid=MERCHANT)
    assert await platform.push(SENDER.seal(message, timestamp=str(now), nonce="n2")) == 200
    record = platform.store.get_authorizer(P.appid, MERCHANT)
    assert record is not None and (record.status, record.auth_event_at) == ("revoked", now - 300)
