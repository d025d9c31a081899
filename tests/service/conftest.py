"""Fixtures of the service suite: settings for the emulator's platform, a running app."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from wxcomponent.core.policy import Policy
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.emulator.pusher import seal
from wxcomponent.service import Service, ServiceSettings
from wxcomponent.service.settings import settings_from_mapping
from wxcomponent.stores import MemoryStore

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
    """A started service (its app called in-process), its store and the emulator."""

    service: Service
    client: httpx.AsyncClient
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
        return await self.client.request(method, f"/api/{APPID}{path}", **kwargs)

    async def metric(self, name: str, **labels: str) -> float:
        """The value of one sample of /metrics (0 when absent)."""
        text = (await self.client.get("/metrics")).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            if sample.split("{")[0] == name and _labels(sample) == wanted:
                return float(value)
        return 0.0


def _labels(sample: str) -> str:
    inside = sample.partition("{")[2].rstrip("}")
    return ",".join(sorted(part for part in inside.split(",") if part))


@contextlib.asynccontextmanager
async def running(emu: EmulatorServer, **extra: Any) -> AsyncIterator[Running]:
    """Start a service for the emulator's platform (settings ``extra``), yield, stop it."""
    extra.setdefault("api_base", emu.url)
    store = MemoryStore()
    service = Service(make_settings(**extra), store=store,
                      policy=Policy(attempts=2, backoff_base=0.01, backoff_max=0.02))
    await service.startup()
    transport = httpx.ASGITransport(app=service.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Running(service, client, store, emu)
    finally:
        await service.shutdown()


@pytest.fixture
async def svc(wechat_emulator: EmulatorServer) -> AsyncIterator[Running]:
    async with running(wechat_emulator) as value:
        yield value
