"""The service under test: settings for the emulator's platform, and a running service.

The service runs for real: uvicorn on a thread, its public and admin listeners on loopback
ports, reached over HTTP by ``client`` and ``admin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from wxcomponent.core.callbacks import CallbackOptions
from wxcomponent.core.policy import Policy
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.emulator.pusher import seal
from wxcomponent.service import Service, ServiceServer, ServiceSettings
from wxcomponent.service.settings import settings_from_mapping
from wxcomponent.stores import MemoryStore
from wxcomponent.stores.base import Store

from .servers import free_port
from .waiting import wait_for_async

P = DEFAULT_PLATFORM
APPID = P.appid
API_KEY = "service-test-key-0123456789"
BEARER = {"Authorization": f"Bearer {API_KEY}"}
COMPONENT_TOKEN = "/cgi-bin/component/api_component_token"
AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token"


def platform_table() -> dict[str, str]:
    return {"appid": P.appid, "secret": P.secret, "token": P.token,
            "encoding_aes_key": P.encoding_aes_key}


def make_settings(**extra: Any) -> ServiceSettings:
    data: dict[str, Any] = {"platforms": [platform_table()], "api_key": API_KEY,
                            "refresh_interval": 0, **extra}
    return settings_from_mapping(data)


@dataclass
class Running:
    """A started service, HTTP clients of its two listeners, its store and the emulator."""

    service: Service
    server: ServiceServer
    client: httpx.AsyncClient
    admin: httpx.AsyncClient
    store: MemoryStore
    emu: EmulatorServer

    async def push(self, info_type: str, **fields: Any) -> httpx.Response:
        """Seal a push for the platform as WeChat would and post it to /{appid}/events."""
        query, body = self.sealed(info_type, **fields)
        return await self.client.post(f"/{APPID}/events", params=query, content=body)

    def sealed(self, info_type: str, **fields: Any) -> tuple[dict[str, str], bytes]:
        payload = {"AppId": APPID, "CreateTime": int(time.time()), "InfoType": info_type,
                   **fields}
        return seal(self.emu.platform(APPID), payload, ("AppId", APPID))

    async def push_ticket(self) -> str:
        ticket: str = self.emu.issue_ticket(APPID)
        answer = await self.push("component_verify_ticket", ComponentVerifyTicket=ticket)
        assert answer.status_code == 200 and answer.text == "success", answer.text
        return ticket

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", BEARER)
        return await self.admin.request(method, f"/api/{APPID}{path}", **kwargs)

    async def link(self, tenant: str = "tenant-1", **fields: Any) -> str:
        """A new authorization link's URL, created through the admin API."""
        answer = await self.api("POST", "/links", json={"tenant": tenant, **fields})
        assert answer.status_code == 201, answer.text
        url: str = answer.json()["url"]
        return url

    def events_url(self) -> str:
        return f"{self.server.url}/{APPID}/events"

    async def authorize_by_push(self) -> str:
        """An account authorizes (WeChat pushes ``authorized``); wait until it is stored."""
        self.emu.configure(APPID, auth_event_url=self.events_url())
        grant = await asyncio.to_thread(self.emu.authorize, APPID)
        assert grant.delivery is not None and grant.delivery.ok, grant.delivery
        await self.stored(grant.authorizer_appid)
        return grant.authorizer_appid

    async def stored(self, authorizer_appid: str, deadline: float = 20.0) -> None:
        """Wait until the store holds the authorizer (the exchange runs after the answer)."""
        await wait_for_async(lambda: self.store.get_authorizer(APPID, authorizer_appid),
                             f"{authorizer_appid} was never stored", deadline)

    async def consent(self, start_page: httpx.Response, *, push: bool = True) -> str:
        """Act as the merchant on WeChat's page linked from ``start_page``: the URL WeChat
        redirects back to (``…/authorized?state=…&auth_code=…``)."""
        assert start_page.status_code == 200, start_page.text
        href = consent_href(start_page.text)
        if push:
            self.emu.configure(APPID, auth_event_url=self.events_url())
        async with httpx.AsyncClient(trust_env=False) as browser:
            shown = await browser.get(href, headers={"Referer": self.server.url + "/"})
            assert shown.status_code == 200, shown.text
            form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                   shown.text))
            form = {k: html.unescape(v) for k, v in form.items()}
            chosen = re.search(r'name="authorizer_appid" value="([^"]+)"', shown.text)
            assert chosen is not None
            form["authorizer_appid"] = chosen.group(1)
            posted = await browser.post(href.split("?")[0], data=form)
        assert posted.status_code == 302, posted.text
        target: str = posted.headers["location"]
        return target

    async def metric(self, name: str, **labels: str) -> float:
        """The value of one sample of /metrics (0 when absent)."""
        text = (await self.admin.get("/metrics")).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            if sample.split("{")[0] == name and _labels(sample) == wanted:
                return float(value)
        return 0.0


def consent_href(page_html: str) -> str:
    """The link to WeChat's authorization page on the service's start page."""
    found = re.search(r'<a class="go" href="([^"]+)"', page_html)
    assert found is not None, page_html
    return html.unescape(found.group(1))


def _labels(sample: str) -> str:
    inside = sample.partition("{")[2].rstrip("}")
    return ",".join(sorted(part for part in inside.split(",") if part))


class FakeClock:
    """A clock that moves only when told (epoch seconds)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.asynccontextmanager
async def running(emu: EmulatorServer, *, store: Store | None = None,
                  clock: FakeClock | None = None, readiness_ttl: float = 0.0,
                  http: str = "auto", callbacks: CallbackOptions | None = None,
                  **extra: Any) -> AsyncIterator[Running]:
    """Start a service for the emulator's platform (settings ``extra``) on two loopback
    listeners, yield, stop it. ``public_url`` defaults to the public listener's URL; with
    ``clock``, the service and its memory store read time from it. Readiness probes are not
    reused unless ``readiness_ttl`` says so; ``http`` is the server's HTTP parser;
    ``callbacks`` the push handling of the platform."""
    extra.setdefault("api_base", emu.url)
    port = free_port()
    extra.setdefault("public_url", f"http://127.0.0.1:{port}")
    if store is None:
        store = MemoryStore(clock=clock) if clock is not None else MemoryStore()
    service = Service(make_settings(**extra), store=store,
                      policy=Policy(attempts=2, backoff_base=0.01, backoff_max=0.02),
                      readiness_ttl=readiness_ttl, callbacks=callbacks,
                      **({"clock": clock} if clock is not None else {}))
    server = ServiceServer(service, port=port, http=http)
    await asyncio.to_thread(server.start)
    try:
        async with httpx.AsyncClient(base_url=server.url, trust_env=False) as client, \
                httpx.AsyncClient(base_url=server.admin_url, trust_env=False) as admin:
            yield Running(service, server, client, admin, store, emu)  # type: ignore[arg-type]
    finally:
        await asyncio.to_thread(server.stop)
