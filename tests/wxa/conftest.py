"""Fixtures of the mini-program management suite: the emulator, and each test run once on the
blocking shell and once on the asyncio shell (its coroutines awaited on a loop thread), both
over real HTTP.

``side.run(x)`` returns a sync method's result as it is and awaits an async one's, so a test is
written once for both shells; every request either shell sends is recorded in
``side.requests``.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from wxcomponent import AsyncComponent, Component, ComponentConfig, ShipOptions
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import MemoryStore

from ..support.serving import serve
from ..support.waiting import wait_for

T = TypeVar("T")

CONFIG = ComponentConfig(
    appid=DEFAULT_PLATFORM.appid,
    secret=DEFAULT_PLATFORM.secret,
    token=DEFAULT_PLATFORM.token,
    encoding_aes_key=DEFAULT_PLATFORM.encoding_aes_key,
)
APPID = CONFIG.appid
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Portal:
    """An event loop on a thread, to await coroutines from a blocking test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Side:
    """One shell under test: its platform object and how to get a method's result."""

    name: str
    component: Any
    store: MemoryStore
    portal: Portal | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def run(self, value: Any) -> Any:
        """The result of a method call: as it is (sync) or awaited (async)."""
        if inspect.isawaitable(value):
            assert self.portal is not None
            return self.portal.run(value)
        return value

    def authorizer(self, appid: str) -> Any:
        return self.component.authorizer(appid)

    def sent(self, path: str) -> list[httpx.Request]:
        """The requests sent to ``path``."""
        return [r for r in self.requests if r.url.path == path]


def _seed_ticket(emu: EmulatorServer, store: MemoryStore) -> None:
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(time.time()))


@pytest.fixture
def emu(wechat_emulator: EmulatorServer) -> EmulatorServer:
    """The plugin's emulator (reset around each test)."""
    return wechat_emulator


@pytest.fixture(params=["sync", "async"])
def side(request: pytest.FixtureRequest, emu: EmulatorServer) -> Iterator[Side]:
    """The test's shell: a :class:`Component` or an :class:`AsyncComponent` on the emulator."""
    store = MemoryStore()
    _seed_ticket(emu, store)
    if request.param == "sync":
        recorded: list[httpx.Request] = []
        client = httpx.Client(base_url=emu.url, trust_env=False, timeout=30,
                              event_hooks={"request": [recorded.append]})
        component = Component(CONFIG, store, api_base=emu.url, http_client=client)
        yield Side("sync", component, store, requests=recorded)
        component.close()
        client.close()
        return
    portal = Portal()
    recorded_async: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        recorded_async.append(request)

    aclient = httpx.AsyncClient(base_url=emu.url, trust_env=False, timeout=30,
                                event_hooks={"request": [record]})
    acomponent = AsyncComponent(CONFIG, store, api_base=emu.url, http_client=aclient)
    try:
        yield Side("async", acomponent, store, portal, recorded_async)
    finally:
        portal.run(acomponent.aclose())
        portal.run(aclient.aclose())
        portal.close()


def mini_program(emu: EmulatorServer, side: Side) -> str:
    """A newly authorized mini program, exchanged through the shell; its appid."""
    grant = emu.authorize(APPID, kind="mini_program", push=False)
    side.run(side.component.query_auth(grant.auth_code))
    return grant.authorizer_appid


def official_account(emu: EmulatorServer, side: Side) -> str:
    """A newly authorized official account; its appid."""
    grant = emu.authorize(APPID, kind="official_account", push=False)
    side.run(side.component.query_auth(grant.auth_code))
    return grant.authorizer_appid


def template(emu: EmulatorServer, side: Side, *, pages: list[str] | None = None,
             user_version: str = "1.0.0") -> int:
    """A template of the platform's library, made from a new draft; its id."""
    draft = emu.add_template_draft(APPID, user_version, pages=pages)
    side.run(side.component.templates.add(draft["draft_id"]))
    found = [t for t in side.run(side.component.templates.list()).templates
             if t.draft_id == draft["draft_id"]]
    return int(found[0].template_id)


def committed(emu: EmulatorServer, side: Side, appid: str, version: str = "1.0.0", *,
              checked: bool = True) -> int:
    """Commit a new template to ``appid``; with ``checked``, move the emulated clock past the
    privacy check. Returns the template id."""
    template_id = template(emu, side)
    side.run(side.authorizer(appid).code.commit(template_id, {"ext": {"shop": appid}},
                                                version, f"version {version}"))
    if checked:
        emu.advance_clock(61)
    return template_id


def approved(emu: EmulatorServer, side: Side, appid: str, version: str = "1.0.0") -> int:
    """Commit, pass the privacy check and get an approved audit; its auditid."""
    committed(emu, side, appid, version)
    return int(side.run(side.authorizer(appid).audit.submit()).auditid)


def released(emu: EmulatorServer, side: Side, appid: str) -> None:
    """Release an approved version of ``appid`` (its pages: the emulator's default four)."""
    approved(emu, side, appid)
    emu.advance_clock(10**4)
    side.run(side.authorizer(appid).code.release())


def refused_before_sending(side: Side, group: Any, method: str, args: tuple[Any, ...],
                           kwargs: dict[str, Any], argument: str) -> None:
    """Calling ``group.method(*args, **kwargs)`` raises ``InvalidArgument`` naming
    ``argument``, and no request leaves."""
    before = len(side.requests)
    with pytest.raises(InvalidArgument) as caught:
        side.run(getattr(group, method)(*args, **kwargs))
    assert caught.value.argument == argument
    assert len(side.requests) == before


@contextmanager
def pushes_to(emu: EmulatorServer, side: Side) -> Iterator[str]:
    """Serve the shell's callback app on a free loopback port (the async shell's on its own
    loop) and point the platform's URLs at it; yields the base URL."""
    app = side.component.asgi_app()
    if side.portal is None:
        with serve(app) as base:
            _point(emu, base)
            yield base
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning",
                                          access_log=False, lifespan="off", http="h11",
                                          ws="none"))
    future = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), side.portal.loop)
    try:
        wait_for(lambda: server.started, "the callback server did not start")
        _point(emu, base)
        yield base
    finally:
        server.should_exit = True
        future.result(timeout=10)
        sock.close()


def _point(emu: EmulatorServer, base: str) -> None:
    emu.configure(APPID, auth_event_url=f"{base}/{APPID}/events",
                  message_url=f"{base}/{APPID}/messages/$APPID$")


def advance(emu: EmulatorServer, side: Side, seconds: float) -> None:
    """Move the emulated clock; past a ticket's life, store a fresh ticket as its push would."""
    emu.advance_clock(seconds)
    if seconds > 3600:
        side.store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))


FAST = ShipOptions(concurrency=8, lease=5, privacy_interval=0.02, poll_interval=0.2,
                   idle_interval=0.05, retry_base=0.01)


@contextmanager
def moving_clock(emu: EmulatorServer, step: float = 20.0) -> Iterator[None]:
    """Advance the emulated clock ``step`` seconds every few milliseconds while the block runs
    (audits and privacy checks finish on it)."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.005):
            emu.advance_clock(step)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
