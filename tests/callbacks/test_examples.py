"""The integration examples (FastAPI, Flask, Django) receive pushes and take the redirect."""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .wire import AUTHORIZER, Sender

P = DEFAULT_PLATFORM
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SENDER = Sender(P.appid, P.token, P.encoding_aes_key)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, wechat_emulator: EmulatorServer) -> EmulatorServer:
    for name, value in {"APPID": P.appid, "SECRET": P.secret, "TOKEN": P.token,
                        "ENCODING_AES_KEY": P.encoding_aes_key, "STORE": "memory://",
                        "API_BASE": wechat_emulator.url}.items():
        monkeypatch.setenv(f"WXCOMPONENT_{name}", value)
    return wechat_emulator


def load(name: str) -> Iterator[ModuleType]:
    module_name = f"wxcomponent_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # Django finds its ROOT_URLCONF by this name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(module_name, None)


def ticket_push(emu: EmulatorServer, nonce: str = "1") -> tuple[str, str, bytes]:
    ticket = emu.issue_ticket(P.appid)
    query, body = SENDER.ticket_push(ticket, nonce=nonce)
    return ticket, urlencode(query), body


async def test_fastapi_example(env: EmulatorServer) -> None:
    for module in load("fastapi_app"):
        transport = httpx.ASGITransport(app=module.app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                ticket, query, body = ticket_push(env)
                answer = await http.post("/wechat/events?" + query, content=body)
                assert (answer.status_code, answer.text) == (200, "success")
                stored = module.component.store._store.load_ticket(P.appid)
                assert stored is not None and stored.value == ticket

                message_query, message = SENDER.message_push({"MsgType": "text",
                                                              "Content": "hi"})
                answer = await http.post(f"/wechat/messages/{AUTHORIZER}",
                                         params=message_query, content=message)
                assert b"you said: hi" in SENDER.open_reply(answer.content)

                grant = env.authorize(P.appid, push=False)
                answer = await http.get("/authorized", params={"auth_code": grant.auth_code})
                assert answer.json()["authorizer_appid"] == grant.authorizer_appid
        finally:
            await module.component.aclose()


def test_flask_example(env: EmulatorServer) -> None:
    for module in load("flask_app"):
        try:
            http = module.app.test_client()
            ticket, query, body = ticket_push(env)
            answer = http.post("/wechat/events?" + query, data=body)
            assert (answer.status_code, answer.data) == (200, b"success")
            stored = module.component.store.load_ticket(P.appid)
            assert stored is not None and stored.value == ticket
            assert http.post("/wechat/events?" + query, data=b"x" * 100_000).status_code == 413

            grant = env.authorize(P.appid, push=False)
            answer = http.get("/authorized", query_string={"auth_code": grant.auth_code})
            assert answer.json["authorizer_appid"] == grant.authorizer_appid

            sealed = SENDER.seal(SENDER.event("unauthorized", create_time=int(time.time()),
                                              AuthorizerAppid=grant.authorizer_appid))
            answer = http.post("/wechat/events?" + urlencode(sealed[0]), data=sealed[1])
            assert answer.data == b"success"
            record = module.component.store.get_authorizer(P.appid, grant.authorizer_appid)
            assert record is not None and record.status == "revoked"
        finally:
            module.component.close()


def test_django_example(env: EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    for module in load("django_app"):
        from django.test import Client

        try:
            http = Client()
            ticket, query, body = ticket_push(env)
            answer = http.post("/wechat/events?" + query, data=body, content_type="text/xml")
            assert (answer.status_code, answer.content) == (200, b"success")
            assert answer["Content-Type"] == "text/plain; charset=utf-8"
            stored = module.component.store.load_ticket(P.appid)
            assert stored is not None and stored.value == ticket

            message_query, message = SENDER.message_push(
                {"MsgType": "event", "Event": "weapp_audit_fail", "Reason": "blurry",
                 "FailTime": 1700000000})
            answer = http.post(f"/wechat/messages/{AUTHORIZER}?" + urlencode(message_query),
                               data=message, content_type="text/xml")
            assert answer.content == b"success"
            assert f"audit of {AUTHORIZER}: weapp_audit_fail blurry" in capsys.readouterr().out

            big = http.post("/wechat/events?" + query, data=b"x" * 100_000,
                            content_type="text/xml")
            assert big.status_code == 413
            assert http.get("/wechat/events").status_code == 400
        finally:
            module.component.close()
