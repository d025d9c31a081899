"""The authorization pages, the callback routes through the service, several platforms."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from wxcomponent.emulator import EmulatorServer
from wxcomponent.emulator.pusher import seal
from wxcomponent.service import Service
from wxcomponent.stores import MemoryStore

from .conftest import APPID, Running, make_settings, platform_table, running

QUERY_AUTH = "/cgi-bin/component/api_query_auth"


async def test_authorize_redirects_to_the_authorization_page(svc: Running) -> None:
    await svc.push_ticket()
    for path in (f"/{APPID}/authorize", "/authorize"):
        answer = await svc.client.get(path, params={"auth_type": "1"})
        assert answer.status_code == 302
        target = urlsplit(answer.headers["location"])
        assert f"{target.scheme}://{target.netloc}" == svc.emu.url
        assert target.path == "/cgi-bin/componentloginpage"
        query = parse_qs(target.query)
        assert query["component_appid"] == [APPID]
        assert query["auth_type"] == ["1"]
        assert query["redirect_uri"] == [f"http://testserver/{APPID}/authorized"]
        assert query["pre_auth_code"][0]
    assert svc.emu.calls("/cgi-bin/component/api_create_preauthcode") == 2  # fresh each time


async def test_authorize_uses_the_public_url(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, public_url="https://wx.example.com/") as svc:
        await svc.push_ticket()
        answer = await svc.client.get(f"/{APPID}/authorize", params={"mobile": "1"})
        target = urlsplit(answer.headers["location"])
        assert target.path == "/wxaopen/safe/bindcomponent"
        assert parse_qs(target.query)["redirect_uri"] == [
            f"https://wx.example.com/{APPID}/authorized"]


async def test_authorize_refuses_bad_parameters(svc: Running) -> None:
    await svc.push_ticket()
    for params in ({"auth_type": "7"}, {"auth_type": "x"}, {"biz_appid": "nope"},
                   {"category_ids": "1|a"}):
        answer = await svc.client.get(f"/{APPID}/authorize", params=params)
        assert answer.status_code == 400, params
        assert "text/html" in answer.headers["content-type"]
    unknown = await svc.client.get("/wx0000000000000000/authorize")
    assert unknown.status_code == 404


async def test_authorize_without_a_ticket_says_so(svc: Running) -> None:
    answer = await svc.client.get("/authorize")
    assert answer.status_code == 503
    assert "TicketNotFound" in answer.text


async def test_authorized_page_names_the_account_once_exchanged(svc: Running) -> None:
    await svc.push_ticket()
    grant = svc.emu.authorize(APPID, push=False)
    nick = svc.emu.platform(APPID).account(grant.authorizer_appid).nick_name
    page = await svc.client.get(f"/{APPID}/authorized", params={"auth_code": grant.auth_code})
    assert page.status_code == 200
    assert nick in page.text and grant.authorizer_appid in page.text
    record = svc.store.get_authorizer(APPID, grant.authorizer_appid)
    assert record is not None and record.status == "authorized"
    again = await svc.client.get("/authorized", params={"auth_code": grant.auth_code})
    assert again.status_code == 200  # a reload: the code is not exchanged twice
    assert svc.emu.calls(QUERY_AUTH) == 1


async def test_authorized_page_refuses_bad_codes(svc: Running) -> None:
    await svc.push_ticket()
    missing = await svc.client.get(f"/{APPID}/authorized")
    assert missing.status_code == 400
    invalid = await svc.client.get(f"/{APPID}/authorized", params={"auth_code": "nope"})
    assert invalid.status_code == 400
    assert "invalid or expired" in invalid.text
    assert f'href="/{APPID}/authorize"' in invalid.text


async def test_callback_routes_are_served(svc: Running) -> None:
    ticket = await svc.push_ticket()
    stored = svc.store.load_ticket(APPID)
    assert stored is not None and stored.value == ticket
    for path in ("/events", f"/{APPID}", "/"):
        query, body = svc.sealed("component_verify_ticket",
                                 ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
        answer = await svc.client.post(path, params=query, content=body)
        assert (answer.status_code, answer.text) == (200, "success"), path
    echo = await svc.client.get(f"/{APPID}/events", params={"echostr": "hi"})
    assert echo.status_code == 400  # no signature: refused by the callback app
    assert (await svc.client.get("/nothing/here/at/all")).status_code == 404


async def test_several_platforms_each_on_their_own_urls(wechat_emulator: EmulatorServer
                                                        ) -> None:
    other = wechat_emulator.add_platform("wx00000000000000b2", "othersecret", "othertoken",
                                         "B" * 43)
    settings = make_settings(api_base=wechat_emulator.url, platforms=[
        platform_table(),
        {"appid": other.appid, "secret": "othersecret", "token": "othertoken",
         "encoding_aes_key": "B" * 43},
    ])
    service = Service(settings, store=MemoryStore())
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for appid in (APPID, other.appid):
            platform = wechat_emulator.platform(appid)
            fields = {"AppId": appid, "CreateTime": 1, "InfoType": "component_verify_ticket",
                      "ComponentVerifyTicket": wechat_emulator.issue_ticket(appid)}
            query, body = seal(platform, fields, ("AppId", appid))
            assert (await client.post(f"/{appid}/events", params=query, content=body)
                    ).text == "success"
            wrong = APPID if appid == other.appid else other.appid
            refused = await client.post(f"/{wrong}/events", params=query, content=body)
            assert refused.status_code in (400, 403)
            assert service.store.load_ticket(appid) is not None
        assert (await client.get("/authorize")).status_code == 404  # which platform?
        assert (await client.post("/events")).status_code == 404
    await service.shutdown()
