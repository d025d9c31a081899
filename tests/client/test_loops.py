"""The asyncio shell serving its callback app on one event loop and called from another."""

from __future__ import annotations

import asyncio
import threading

import httpx

from wxcomponent.client import AsyncComponent
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import MemoryStore

from ..support.serving import serve
from ..support.waiting import wait_for_async
from .conftest import CONFIG, seed_ticket

QUERY_AUTH = "/cgi-bin/component/api_query_auth"


class GatedTransport(httpx.AsyncBaseTransport):
    """Real HTTP, each request over a connection of its own (so none crosses event loops);
    requests to ``path`` are held until ``gate`` opens, and ``held`` tells that one is."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.gate = threading.Event()
        self.held = threading.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path:
            self.held.set()
            await asyncio.to_thread(self.gate.wait, 60)
        async with httpx.AsyncHTTPTransport() as transport:
            answer = await transport.handle_async_request(request)
            body = await answer.aread()
        return httpx.Response(answer.status_code, headers=answer.headers, content=body,
                              request=request)


async def test_wait_background_waits_for_work_started_on_another_loop(
        emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    transport = GatedTransport(QUERY_AUTH)
    async with httpx.AsyncClient(base_url=emu.url, transport=transport) as http:
        comp = AsyncComponent(CONFIG, store, api_base=emu.url, http_client=http)
        with serve(comp.asgi_app()) as url:  # the callback app runs on the server's own loop
            emu.configure(CONFIG.appid, auth_event_url=f"{url}/events")
            grant = await asyncio.to_thread(emu.authorize, CONFIG.appid)
            await wait_for_async(transport.held.is_set, "the code exchange never started")
            waiting = asyncio.create_task(comp.wait_background())
            await asyncio.sleep(0)  # the waiter's first step
            assert not waiting.done()  # the exchange is held on the other loop
            transport.gate.set()
            await asyncio.wait_for(waiting, 60)
            record = store.get_authorizer(CONFIG.appid, grant.authorizer_appid)
            assert record is not None and record.refresh_token
            assert emu.calls(QUERY_AUTH) == 1
        await comp.aclose()


async def test_calls_on_two_loops_use_connections_of_their_own(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        assert await comp.access_token()  # a connection opened on this loop, kept alive
        with serve(comp.asgi_app()) as url:  # the exchange runs on the server's loop
            emu.configure(CONFIG.appid, auth_event_url=f"{url}/events")
            grant = await asyncio.to_thread(emu.authorize, CONFIG.appid)
            await comp.wait_background()
            record = store.get_authorizer(CONFIG.appid, grant.authorizer_appid)
            assert record is not None and record.refresh_token
            assert await comp.authorizer(grant.authorizer_appid).access_token()
