"""An independent client lives a platform's whole life against the emulator: wechatpy's
``WeChatComponent`` and its ``wxa`` API, unchanged but for their base URLs.

wechatpy receives the ticket and authorization pushes on a real callback server, exchanges the
code the ``authorized`` push carries, keeps its tokens alive through 42001 (the emulated clock
moves past their lifetime), manages a mini program's code through ``client.wxa`` from commit to
release, and sees the revocation. Nothing here uses wxcomponent's client: only the emulator.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from ..support.serving import serve

wechatpy = pytest.importorskip("wechatpy")
from wechatpy.component import (  # noqa: E402
    ComponentAuthorizedMessage,
    ComponentUnauthorizedMessage,
    ComponentVerifyTicketMessage,
    WeChatComponent,
)
from wechatpy.exceptions import WeChatClientException  # noqa: E402

APPID = DEFAULT_PLATFORM.appid


class Platform:
    """A platform built on wechatpy: its component, its callback app and what it received."""

    def __init__(self, emu: EmulatorServer) -> None:
        self.emu = emu
        self.component = WeChatComponent(APPID, DEFAULT_PLATFORM.secret, DEFAULT_PLATFORM.token,
                                         DEFAULT_PLATFORM.encoding_aes_key)
        # the base URLs, and nothing else, point at the emulator
        self.component.API_BASE_URL = emu.url + "/cgi-bin"
        self.component.PRE_AUTH_URL = emu.url + "/cgi-bin/componentloginpage"
        self.received: list[Any] = []
        self.lock = threading.Lock()

    def client(self, appid: str) -> Any:
        client = self.component.get_client_by_appid(appid)
        client.API_BASE_URL = self.emu.url + "/cgi-bin/"
        client.wxa.API_BASE_URL = self.emu.url + "/"
        return client

    def app(self) -> Starlette:
        def receive(request: Request, body: bytes) -> PlainTextResponse:
            q = request.query_params
            message = self.component.parse_message(body, q["msg_signature"], q["timestamp"],
                                                   q["nonce"])
            with self.lock:
                self.received.append(message)
            return PlainTextResponse("success")

        async def events(request: Request) -> PlainTextResponse:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(receive, request, await request.body())

        return Starlette(routes=[Route("/events", events, methods=["POST"])])

    def wait_for(self, kind: type, count: int = 1) -> list[Any]:
        for _ in range(2000):
            with self.lock:
                found = [m for m in self.received if isinstance(m, kind)]
            if len(found) >= count:
                return found
            threading.Event().wait(0.01)
        raise AssertionError(f"no {kind.__name__} received")


@pytest.fixture
def platform(wechat_emulator: EmulatorServer) -> Iterator[Platform]:
    built = Platform(wechat_emulator)
    with serve(built.app()) as base:
        wechat_emulator.configure(APPID, auth_event_url=base + "/events")
        yield built


def _consent(emu: EmulatorServer, url: str, kind: str) -> None:
    """A merchant opens the authorization page and agrees (choosing an account of ``kind``)."""
    with httpx.Client(trust_env=False, timeout=10, follow_redirects=False) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        params = dict(parse_qsl(urlsplit(url).query))
        account = next(a for a in emu.snapshot()["platforms"][0]["accounts"]
                       if a["kind"] == kind and a["status"] == "unauthorized")
        answer = browser.post(emu.url + urlsplit(url).path,
                              data={**params, "authorizer_appid": account["appid"]})
        assert answer.status_code == 302


def test_wechatpy_lives_a_platforms_whole_life(platform: Platform,
                                               wechat_emulator: EmulatorServer) -> None:
    emu, component = wechat_emulator, platform.component
    emu.push_ticket(APPID)
    ticket = platform.wait_for(ComponentVerifyTicketMessage)[0]
    assert component.component_verify_ticket == ticket.verify_ticket
    # both authorization pages, the PC one and the legacy mobile path wechatpy builds
    _consent(emu, component.get_pre_auth_url("https://platform.example/done"), "mini_program")
    mobile = component.get_pre_auth_url_m("https://platform.example/done").replace(
        "https://mp.weixin.qq.com", emu.url)
    assert httpx.get(mobile, trust_env=False).status_code == 200
    authorized = platform.wait_for(ComponentAuthorizedMessage)[0]
    appid = authorized.authorizer_appid
    assert authorized.query_auth_result["authorization_info"]["authorizer_appid"] == appid
    info = component.get_authorizer_info(appid)
    assert "MiniProgramInfo" in info["authorizer_info"]
    assert any(row["authorizer_appid"] == appid
               for row in component.get_authorizer_list()["list"])

    # the platform's template library, with the component token wechatpy sends
    draft = emu.add_template_draft(APPID, "1.0.0", pages=["pages/index/index"])
    component.post(emu.url + "/wxa/addtotemplate",
                   data={"draft_id": draft["draft_id"], "template_type": 0})
    templates = component.get(emu.url + "/wxa/gettemplatelist", data=None)["template_list"]
    template_id = templates[0]["template_id"]

    client = platform.client(appid)
    wxa = client.wxa
    wxa.commit(template_id, json.dumps({"ext": {"shop": "demo"}}), "1.0.0", "first")
    assert wxa.get_page() == ["pages/index/index"]
    qr = wxa.get_qrcode()  # not JSON: wechatpy hands back the response
    assert qr.content.startswith(b"\x89PNG") and qr.headers["content-type"] == "image/png"
    categories = wxa.get_category()
    with pytest.raises(WeChatClientException) as pending:  # the privacy check is running
        wxa.submit_audit({"item_list": []})
    assert pending.value.errcode == 61039
    emu.advance_clock(61)
    emu.set_audit_result(APPID, appid, "success", after=600)
    item = {"address": "pages/index/index", "first_class": categories[0]["first_class"],
            "second_class": categories[0]["second_class"],
            "first_id": categories[0]["first_id"], "second_id": categories[0]["second_id"]}
    auditid = wxa.submit_audit({"item_list": [item]})["auditid"]
    assert wxa.get_audit_status(auditid)["status"] == 2
    assert wxa.query_quota()["rest"] > 0
    wxa.speed_up_audit(auditid)
    wxa.bind_tester("tester_one")
    wxa.unbind_tester("tester_one")
    wxa.modify_domain("set", request_domain=[])  # emptying is always allowed
    with pytest.raises(WeChatClientException) as early:
        wxa.release()
    assert early.value.errcode == 85020

    # past both tokens' lifetime: wechatpy sees 42001 and renews them
    emu.advance_clock(7201)
    latest = wxa.get_latest_audit_status()
    assert (latest["auditid"], latest["status"]) == (auditid, 0)
    wxa.release()
    wxa.change_visit_status(close=True)
    wxa.change_visit_status(close=False)
    with pytest.raises(WeChatClientException) as no_history:
        wxa.revert_code_release()
    assert no_history.value.errcode == 87012
    code = wxa.get_wxa_code_unlimited("scene=1")
    assert code.content.startswith(b"\x89PNG")
    open_appid = wxa.create_open(appid)
    assert wxa.get_open(appid) == open_appid

    # the merchant revokes: the push reaches wechatpy, and the client's calls fail
    emu.revoke(APPID, appid)
    unauthorized = platform.wait_for(ComponentUnauthorizedMessage)[0]
    assert unauthorized.authorizer_appid == appid
    with pytest.raises(WeChatClientException) as revoked:
        wxa.get_page()
    assert revoked.value.errcode == 61003
