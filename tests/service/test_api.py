"""The internal token API: bearer key, answers, compare-and-refresh, typed errors."""

from __future__ import annotations

import time

import pytest

from wxcomponent.emulator import EmulatorServer

from ..support.service import (
    API_KEY,
    APPID,
    AUTHORIZER_TOKEN,
    COMPONENT_TOKEN,
    Running,
    running,
)


@pytest.mark.parametrize("header", [
    None,
    "Bearer wrong-key-wrong-key-wrong",
    f"Basic {API_KEY}",
    f"Bearer {API_KEY}x",
    "Bearer",
])
async def test_token_api_refuses_without_the_bearer_key(svc: Running, header: str | None) -> None:
    await svc.push_ticket()
    headers = {} if header is None else {"Authorization": header}
    answer = await svc.api("GET", "/component_token", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["error"] == "unauthorized"
    assert svc.emu.calls(COMPONENT_TOKEN) == 0  # refused before any work


async def test_component_token_with_the_bearer_key(svc: Running) -> None:
    await svc.push_ticket()
    answer = await svc.api("GET", "/component_token")
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token"]
    assert body["expires_at"] > time.time() + 7000
    assert 7000 < body["expires_in"] <= 7200
    assert answer.headers["cache-control"] == "no-store"
    again = (await svc.api("GET", "/component_token")).json()
    assert again["access_token"] == body["access_token"]
    assert svc.emu.calls(COMPONENT_TOKEN) == 1


async def test_token_api_is_off_without_a_key(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, api_key=None) as svc:
        answer = await svc.api("GET", "/component_token")
        assert answer.status_code == 403
        assert "api_key" in answer.json()["message"]


async def test_component_refresh_is_compare_and_refresh(svc: Running) -> None:
    await svc.push_ticket()
    first = (await svc.api("GET", "/component_token")).json()["access_token"]
    unrelated = await svc.api("POST", "/component_token/refresh", json={"stale": "not-the-token"})
    assert unrelated.status_code == 200
    assert unrelated.json()["access_token"] == first
    assert svc.emu.calls(COMPONENT_TOKEN) == 1
    renewed = (await svc.api("POST", "/component_token/refresh", json={"stale": first})).json()
    assert renewed["access_token"] != first
    assert svc.emu.calls(COMPONENT_TOKEN) == 2
    late = (await svc.api("POST", "/component_token/refresh", json={"stale": first})).json()
    assert late["access_token"] == renewed["access_token"]
    assert svc.emu.calls(COMPONENT_TOKEN) == 2
    forced = (await svc.api("POST", "/component_token/refresh")).json()  # renew the stored
    assert forced["access_token"] != renewed["access_token"]
    assert svc.emu.calls(COMPONENT_TOKEN) == 3


async def test_authorizer_token_and_its_refresh(svc: Running) -> None:
    await svc.push_ticket()
    authorizer = await svc.authorize_by_push()
    answer = await svc.api("GET", f"/authorizers/{authorizer}/token")
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    assert svc.emu.calls(AUTHORIZER_TOKEN) == 0  # from the api_query_auth answer
    svc.emu.invalidate_tokens(APPID, authorizer_appid=authorizer)
    refresh = f"/authorizers/{authorizer}/token/refresh"
    renewed = await svc.api("POST", refresh, json={"stale": token})
    assert renewed.status_code == 200
    assert renewed.json()["access_token"] != token
    assert svc.emu.calls(AUTHORIZER_TOKEN) == 1
    again = await svc.api("POST", refresh, json={"stale": token})
    assert again.json()["access_token"] == renewed.json()["access_token"]
    assert svc.emu.calls(AUTHORIZER_TOKEN) == 1
    ticket = await svc.api("GET", f"/authorizers/{authorizer}/jsapi_ticket")
    assert ticket.status_code == 200 and ticket.json()["ticket"]


async def test_no_ticket_yet_is_503_with_a_clear_message(svc: Running) -> None:
    answer = await svc.api("GET", "/component_token")
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "TicketNotFound"
    assert "component_verify_ticket" in body["message"]


async def test_caller_mistakes_are_4xx(svc: Running) -> None:
    await svc.push_ticket()
    unknown_platform = await svc.admin.get("/api/wx0000000000000000/component_token",
                                           headers={"Authorization": f"Bearer {API_KEY}"})
    assert unknown_platform.status_code == 404
    bad_appid = await svc.api("GET", "/authorizers/not-an-appid/token")
    assert bad_appid.status_code == 400
    assert "authorizer_appid" in bad_appid.json()["message"]
    never = await svc.api("GET", "/authorizers/wx0123456789abcdef/token")
    assert never.status_code == 404
    assert never.json()["error"] == "AuthorizerNotFound"
    for body in (b"{not json", b"[1]", b'{"stale": 5}'):
        bad = await svc.api("POST", "/component_token/refresh", content=body)
        assert bad.status_code == 400, body
        assert bad.json()["error"] in ("BodyRefused", "InvalidArgument"), bad.json()


async def test_wechat_refusals_are_502_and_carry_the_errcode(svc: Running) -> None:
    await svc.push_ticket()
    svc.emu.inject(COMPONENT_TOKEN, errcode=40013)
    answer = await svc.api("GET", "/component_token")
    assert answer.status_code == 502
    body = answer.json()
    assert body == {"error": "InvalidAppCredentials", "errcode": 40013,
                    "message": body["message"]}
    assert "40013" in body["message"]


async def test_a_busy_wechat_is_503(svc: Running) -> None:
    await svc.push_ticket()
    svc.emu.inject(COMPONENT_TOKEN, errcode=-1, times=None)
    answer = await svc.api("GET", "/component_token")
    assert answer.status_code == 503
    assert answer.json()["errcode"] == -1


async def test_an_unreachable_wechat_is_502(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, api_base="http://127.0.0.1:9") as svc:
        await svc.push_ticket()
        answer = await svc.api("GET", "/component_token")
        assert answer.status_code == 502
        assert answer.json()["error"] == "TransportError"
        assert "Traceback" not in answer.text


async def test_a_revoked_authorizer_is_404(svc: Running) -> None:
    await svc.push_ticket()
    authorizer = await svc.authorize_by_push()
    answer = await svc.push("unauthorized", AuthorizerAppid=authorizer)
    assert answer.text == "success"
    refused = await svc.api("GET", f"/authorizers/{authorizer}/token")
    assert refused.status_code == 404
    assert "revoked" in refused.json()["message"]
