"""The authorization pages over real HTTP: links, open starts, states, headers."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from wxcomponent.emulator import EmulatorServer
from wxcomponent.emulator.pusher import seal
from wxcomponent.service.authorization import SPENT_LINKS
from wxcomponent.service.settings import MAX_LINK_TTL
from wxcomponent.stores import MemoryStore, SQLiteStore

from ..support.service import (
    APPID,
    FakeClock,
    Running,
    consent_href,
    platform_table,
    running,
)
from ..support.waiting import wait_for_async

PRE_AUTH = "/cgi-bin/component/api_create_preauthcode"
QUERY_AUTH = "/cgi-bin/component/api_query_auth"


def assert_page_headers(answer: httpx.Response, referrer: str) -> None:
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert "script-src" not in policy
    assert answer.headers["referrer-policy"] == referrer
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "text/html" in answer.headers["content-type"]


async def test_a_link_authorizes_one_account_for_its_tenant(svc: Running) -> None:
    await svc.push_ticket()
    url = await svc.link("customer-42", auth_type=1)
    assert url.startswith(f"{svc.server.url}/{APPID}/authorize?link=")
    start = await svc.client.get(url)
    assert start.status_code == 200
    assert_page_headers(start, "strict-origin")
    target = urlsplit(consent_href(start.text))
    assert f"{target.scheme}://{target.netloc}" == svc.emu.url
    assert target.path == "/cgi-bin/componentloginpage"
    query = parse_qs(target.query)
    assert query["component_appid"] == [APPID] and query["auth_type"] == ["1"]
    back = urlsplit(query["redirect_uri"][0])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{svc.server.url}/{APPID}/authorized"
    assert parse_qs(back.query)["state"][0].startswith("v1.")
    pre_auth_code = query["pre_auth_code"][0]
    assert await svc.service.tenant_of(APPID, pre_auth_code=pre_auth_code) == "customer-42"

    returned = await svc.consent(start)  # WeChat pushes `authorized`, then redirects
    result = await svc.client.get(returned)
    assert result.status_code == 200, result.text
    assert_page_headers(result, "no-referrer")
    named = re.search(r"\(<code>(wx\w+)</code>\)", result.text)
    assert named is not None
    appid = named.group(1)
    record = svc.store.get_authorizer(APPID, appid)
    assert record is not None and record.status == "authorized"
    assert record.tenant == "customer-42"
    assert await svc.service.tenant_of(APPID, authorizer_appid=appid) == "customer-42"
    listing = (await svc.api("GET", "/authorizers")).json()["authorizers"]
    assert [(a["authorizer_appid"], a["tenant"]) for a in listing] == [(appid, "customer-42")]
    assert svc.emu.calls(PRE_AUTH) == 1 and svc.emu.calls(QUERY_AUTH) == 1

    spent = await svc.client.get(url)  # single use: the authorization spent it
    assert spent.status_code == 410
    assert "already used" in spent.text
    assert svc.emu.calls(PRE_AUTH) == 1


async def test_the_push_alone_spends_the_link_and_tags_the_account(svc: Running) -> None:
    await svc.push_ticket()
    url = await svc.link("customer-7")
    start = await svc.client.get(url)
    returned = await svc.consent(start)  # the merchant never comes back; WeChat pushes

    async def tagged() -> str | None:
        listing = (await svc.api("GET", "/authorizers")).json()["authorizers"]
        return next((a["authorizer_appid"] for a in listing if a["tenant"] == "customer-7"),
                    None)

    appid = await wait_for_async(tagged, "the pushed authorization was never tagged")
    assert (await svc.client.get(url)).status_code == 410  # spent by the push
    code = parse_qs(urlsplit(returned).query)["auth_code"][0]
    assert svc.emu.calls(QUERY_AUTH) == 1
    late = await svc.client.get(returned)  # coming back later still shows the result
    assert late.status_code == 200 and appid in late.text
    assert svc.emu.calls(QUERY_AUTH) == 1 and code


async def test_reloading_a_link_reuses_its_pre_auth_code(svc: Running) -> None:
    await svc.push_ticket()
    url = await svc.link()
    answers = await asyncio.gather(*(svc.client.get(url) for _ in range(20)))
    assert {a.status_code for a in answers} == {200}
    assert len({consent_href(a.text) for a in answers}) == 1  # the same code every time
    assert svc.emu.calls(PRE_AUTH) == 1
    other = await svc.client.get(await svc.link("tenant-2"))
    assert consent_href(other.text) != consent_href(answers[0].text)  # its own code
    assert svc.emu.calls(PRE_AUTH) == 2


async def test_links_are_signed_and_expire(wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock) as svc:
        await svc.push_ticket()
        url = await svc.link(expires_in=120)
        token = url.split("link=")[1]
        body, mac = token.rsplit(".", 1)
        forged = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
        for bad in (forged, token[:-1], "v1.e30.AAAAAAAAAAAAAAAAAAAAAA", "x" * 5000, "💥"):
            answer = await svc.client.get(f"/{APPID}/authorize", params={"link": bad})
            assert answer.status_code == 400, bad
            assert "not valid" in answer.text or "too long" in answer.text
        clock.advance(121)
        expired = await svc.client.get(url)
        assert expired.status_code == 410 and "expired" in expired.text
        assert svc.emu.calls(PRE_AUTH) == 0


async def test_a_spent_link_stays_spent_for_its_whole_life(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock) as svc:
        await svc.push_ticket()
        url = await svc.link(expires_in=7 * 86400)
        returned = await svc.consent(await svc.client.get(url), push=False)
        assert (await svc.client.get(returned)).status_code == 200
        clock.advance(6 * 86400)  # long after the pre-auth code and its memory
        again = await svc.client.get(url)
        assert again.status_code == 410 and "already used" in again.text
        clock.advance(86400)
        assert "expired" in (await svc.client.get(url)).text
        assert svc.emu.calls(PRE_AUTH) == 1


async def test_a_spent_link_stays_spent_when_the_token_cache_is_lost(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    """The spend is durable data: a cache emptied (PostgreSQL's unlogged tokens after a
    crash, Redis beside a durable store, a migration) does not open a spent link again."""
    path = tmp_path / "wx.sqlite3"
    store = SQLiteStore(path)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await svc.push_ticket()
            url = await svc.link("customer-9")
            pushed = await svc.client.get(url)
            returned = await svc.consent(pushed)  # spent by the push
            assert (await svc.client.get(returned)).status_code == 200
            assert (await svc.client.get(url)).status_code == 410
            unspent = await svc.link("customer-10")
            with contextlib.closing(sqlite3.connect(path)) as conn, conn:
                conn.execute("DELETE FROM tokens")
            again = await svc.client.get(url)
            assert again.status_code == 410 and "already used" in again.text
            assert (await svc.client.get(unspent)).status_code == 200  # still single use
    finally:
        store.close()


async def test_spends_are_kept_while_a_link_may_live_then_purged(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock, link_ttl=MAX_LINK_TTL) as svc:
        await svc.push_ticket()
        first = await svc.link(expires_in=MAX_LINK_TTL)
        returned = await svc.consent(await svc.client.get(first), push=False)
        assert (await svc.client.get(returned)).status_code == 200
        (spend,) = svc.store.list_jobs(APPID, topic=SPENT_LINKS)
        assert spend.state == "done" and spend.key == spend.group  # keyed by the link's id
        clock.advance(MAX_LINK_TTL - 60)
        assert "already used" in (await svc.client.get(first)).text  # kept as long as it lives
        clock.advance(120)
        svc.store.save_ticket(APPID, svc.emu.issue_ticket(APPID), int(clock.now))
        second = await svc.link()
        returned = await svc.consent(await svc.client.get(second), push=False)
        assert (await svc.client.get(returned)).status_code == 200
        (left,) = svc.store.list_jobs(APPID, topic=SPENT_LINKS)  # the first spend went
        assert left.id != spend.id and left.state == "done"
        assert "expired" in (await svc.client.get(first)).text


async def test_a_link_of_another_platform_or_service_is_refused(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, link_key="k" * 40) as first:
        await first.push_ticket()
        url = await first.link()
    async with running(wechat_emulator, link_key="z" * 40) as second:
        await second.push_ticket()
        token = url.split("link=")[1]
        answer = await second.client.get(f"/{APPID}/authorize", params={"link": token})
        assert answer.status_code == 400


async def test_without_a_link_the_page_is_refused_unless_open(svc: Running) -> None:
    await svc.push_ticket()
    for path in (f"/{APPID}/authorize", "/authorize"):
        answer = await svc.client.get(path, params={"auth_type": "1"})
        assert answer.status_code == 403
        assert_page_headers(answer, "no-referrer")
    assert svc.emu.calls(PRE_AUTH) == 0


async def test_open_starts_share_one_pre_auth_code(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, open_authorize=True, page_rate_limit=0) as svc:
        await svc.push_ticket()
        answers = [await svc.client.get(f"/{APPID}/authorize") for _ in range(30)]
        assert {a.status_code for a in answers} == {200}
        assert svc.emu.calls(PRE_AUTH) == 1  # 30 anonymous requests, one upstream call
        mobile = await svc.client.get("/authorize", params={"mobile": "1", "auth_type": "2"})
        target = urlsplit(consent_href(mobile.text))
        assert target.path == "/wxaopen/safe/bindcomponent"
        assert parse_qs(target.query)["auth_type"] == ["2"]
        for params in ({"auth_type": "7"}, {"auth_type": "x"}, {"biz_appid": "nope"},
                       {"category_ids": "1|a"}):
            bad = await svc.client.get(f"/{APPID}/authorize", params=params)
            assert bad.status_code == 400, params
        returned = await svc.consent(answers[0])
        assert (await svc.client.get(returned)).status_code == 200
        # the shared code was used: the next visitor gets a fresh one
        fresh = await svc.client.get(f"/{APPID}/authorize")
        assert consent_href(fresh.text) != consent_href(answers[0].text)
        assert svc.emu.calls(PRE_AUTH) == 2


async def test_authorize_without_a_ticket_says_so(svc: Running) -> None:
    answer = await svc.client.get(await svc.link())
    assert answer.status_code == 503
    assert "TicketNotFound" in answer.text


async def test_the_pages_need_a_public_url(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, public_url=None, open_authorize=True) as svc:
        await svc.push_ticket()
        for path in (f"/{APPID}/authorize", f"/{APPID}/authorized?state=x&auth_code=y"):
            answer = await svc.client.get(path, headers={"Host": "evil.example"})
            assert answer.status_code == 503
            assert "public_url" in answer.text
            assert "evil.example" not in answer.text
        link = await svc.api("POST", "/links", json={"tenant": "t"})
        assert link.status_code == 400 and "public_url" in link.json()["message"]
        assert svc.emu.calls(PRE_AUTH) == 0


async def test_the_host_header_never_makes_the_redirect_uri(svc: Running) -> None:
    await svc.push_ticket()
    url = await svc.link()
    answer = await svc.client.get(url, headers={"Host": "evil.example"})
    assert answer.status_code == 200
    redirect = parse_qs(urlsplit(consent_href(answer.text)).query)["redirect_uri"][0]
    assert redirect.startswith(f"{svc.server.url}/{APPID}/authorized?")
    assert "evil.example" not in answer.text


async def test_authorized_completes_only_states_signed_here_once(svc: Running) -> None:
    await svc.push_ticket()
    start = await svc.client.get(await svc.link())
    returned = await svc.consent(start, push=False)
    params = parse_qs(urlsplit(returned).query)
    state, code = params["state"][0], params["auth_code"][0]

    # a code obtained elsewhere, or a state not signed here, is refused unexchanged
    grant = svc.emu.authorize(APPID, push=False)
    for query in ({"auth_code": grant.auth_code}, {"state": state},
                  {"auth_code": grant.auth_code, "state": state[:-2] + "AA"},
                  {"auth_code": grant.auth_code, "state": "v1.e30.AAAAAAAAAAAAAAAAAAAAAA"}):
        refused = await svc.client.get(f"/{APPID}/authorized", params=query)
        assert refused.status_code == 400, query
        assert_page_headers(refused, "no-referrer")
    assert svc.emu.calls(QUERY_AUTH) == 0

    done = await svc.client.get(f"/{APPID}/authorized", params={"state": state,
                                                                "auth_code": code})
    assert done.status_code == 200, done.text
    reload = await svc.client.get(f"/{APPID}/authorized", params={"state": state,
                                                                  "auth_code": code})
    assert reload.status_code == 200  # the same result, not exchanged twice
    assert svc.emu.calls(QUERY_AUTH) == 1
    replay = await svc.client.get(f"/{APPID}/authorized", params={"state": state,
                                                                  "auth_code": grant.auth_code})
    assert replay.status_code == 409  # the state completed one authorization already
    assert svc.emu.calls(QUERY_AUTH) == 1
    invalid = await svc.client.get(f"/{APPID}/authorized", params={
        "state": (await _fresh_state(svc)), "auth_code": "nope"})
    assert invalid.status_code == 400 and "invalid or expired" in invalid.text


async def _fresh_state(svc: Running) -> str:
    start = await svc.client.get(await svc.link("tenant-b"))
    redirect = parse_qs(urlsplit(consent_href(start.text)).query)["redirect_uri"][0]
    return parse_qs(urlsplit(redirect).query)["state"][0]


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
    platforms = [platform_table(),
                 {"appid": other.appid, "secret": "othersecret", "token": "othertoken",
                  "encoding_aes_key": "B" * 43}]
    store = MemoryStore()
    async with running(wechat_emulator, store=store, platforms=platforms) as svc:
        for appid in (APPID, other.appid):
            platform = wechat_emulator.platform(appid)
            fields = {"AppId": appid, "CreateTime": int(time.time()),
                      "InfoType": "component_verify_ticket",
                      "ComponentVerifyTicket": wechat_emulator.issue_ticket(appid)}
            query, body = seal(platform, fields, ("AppId", appid))
            assert (await svc.client.post(f"/{appid}/events", params=query, content=body)
                    ).text == "success"
            wrong = APPID if appid == other.appid else other.appid
            refused = await svc.client.post(f"/{wrong}/events", params=query, content=body)
            assert refused.status_code in (400, 403)
            assert store.load_ticket(appid) is not None
        assert (await svc.client.get("/authorize")).status_code == 404  # which platform?
        assert (await svc.client.post("/events")).status_code == 404
        # a link names its platform: another platform's page refuses it
        url = await svc.link()
        token = url.split("link=")[1]
        crossed = await svc.client.get(f"/{other.appid}/authorize", params={"link": token})
        assert crossed.status_code == 400
