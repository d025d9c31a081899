"""The operator's console over real HTTP: sign-in, sessions, CSRF, every page and action
against the service and the emulator, bad input, and no secret in any page."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service.console import paging as console_paging
from wxcomponent.service.console.session import COOKIE

from ..support.console import (
    BASE,
    OPERATORS,
    PASSWORD,
    confirm,
    csrf_of,
    ship_to,
    sign_in,
    signed_in,
)
from ..support.receiver import SECRET, receiver
from ..support.service import (
    API_KEY,
    APPID,
    AUTHORIZER_TOKEN,
    COMPONENT_TOKEN,
    FakeClock,
    P,
    Running,
    running,
)
from ..support.waiting import wait_for_async


def upstream_calls(emu: EmulatorServer, path: str) -> int:
    return emu.calls(path)


# --------------------------------------------------------------------------- sign-in, sessions


PAGES = ["/", "/authorizers", "/authorizers/wx0123456789abcdef", "/pushes", "/pushes/1",
         "/releases", "/links", "/component_token/refresh",
         "/authorizers/wx0123456789abcdef/refresh", "/authorizers/wx0123456789abcdef/forget",
         "/pushes/1/replay"]


async def test_no_page_without_a_session_and_none_on_the_public_listener(
        svc: Running) -> None:
    for path in ["/console/", *(BASE + p for p in PAGES)]:
        answer = await svc.admin.get(path)
        assert answer.status_code == 303, path
        target = urlsplit(answer.headers["location"])
        assert target.path == "/console/signin"
        assert parse_qs(target.query)["next"] == [path]
        public = await svc.client.get(path)
        assert public.status_code == 404, path
        assert "signin" not in public.text
    for path in ("/authorizers/wx0123456789abcdef/forget", "/component_token/refresh",
                 "/links/new"):
        answer = await svc.admin.post(BASE + path, data={"confirmed": "yes"})
        assert answer.status_code == 303
    assert (await svc.client.get("/console/signin")).status_code == 404
    assert (await svc.client.post("/console/signin", data={"password": API_KEY})
            ).status_code in (404, 405)
    assert upstream_calls(svc.emu, COMPONENT_TOKEN) == 0


async def test_the_admin_key_signs_in_to_a_strict_httponly_cookie(svc: Running) -> None:
    answer = await sign_in(svc.admin)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/console"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP on loopback (an SSH tunnel)
    assert API_KEY not in cookie
    page = await svc.admin.get(f"{BASE}/")
    assert page.status_code == 200
    assert "Sign out admin" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and " style=" not in page.text


async def test_wrong_keys_are_refused_then_limited_and_the_right_key_still_served(
        wechat_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    async with running(wechat_emulator, auth_failure_limit=3, operators=OPERATORS,
                       clock=clock) as svc:
        await svc.push_ticket()
        for _ in range(3):
            answer = await sign_in(svc.admin, password="wrong-key-0123456789")
            assert answer.status_code == 401
            assert "Wrong name or password" in answer.text
            assert COOKIE not in answer.headers.get("set-cookie", "")
        for name, password in (("", "wrong-key-0123456789"), ("alice", "wrong password")):
            limited = await sign_in(svc.admin, name, password)
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert COOKIE not in limited.headers.get("set-cookie", "")
        # the right key is served all the same: a neighbour's wrong key locks nobody out
        async with signed_in(svc, "", API_KEY) as client:
            assert (await client.get(f"{BASE}/")).status_code == 200
        # an operator's password could be guessed: over the limit, even the right one gets
        # no answer, until the address may try again
        refused = await sign_in(svc.admin, "alice", PASSWORD)
        assert refused.status_code == 429
        assert COOKIE not in refused.headers.get("set-cookie", "")
        # the admin API shares the limiter: its wrong keys are limited, its right key served
        assert (await svc.api("GET", "/component_token", headers={
            "Authorization": "Bearer wrong-key-0123456789"})).status_code == 429
        assert (await svc.api("GET", "/component_token")).status_code == 200
        clock.advance(int(refused.headers["retry-after"]))
        async with signed_in(svc, "alice", PASSWORD) as client:
            assert (await client.get(f"{BASE}/")).status_code == 200
    assert "wrong-key" not in caplog.text and API_KEY not in caplog.text
    assert PASSWORD not in caplog.text


async def test_an_operator_signs_in_by_name_and_password(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, operators=OPERATORS) as svc:
        for name, password in (("alice", "wrong password"), ("bob", PASSWORD),
                               ("", PASSWORD), ("admin", PASSWORD), ("alice", API_KEY)):
            assert (await sign_in(svc.admin, name, password)).status_code == 401
        async with signed_in(svc, "alice", PASSWORD) as client:
            page = await client.get(f"{BASE}/")
            assert "Sign out alice" in page.text
            assert PASSWORD not in page.text
        async with signed_in(svc) as admin:  # the admin key still works
            assert "Sign out admin" in (await admin.get(f"{BASE}/")).text


async def test_operators_alone_without_an_admin_key(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, operators=OPERATORS, api_key=None) as svc:
        assert (await sign_in(svc.admin, "", "anything-at-all-here")).status_code == 401
        async with signed_in(svc, "alice", PASSWORD) as client:
            assert (await client.get(f"{BASE}/")).status_code == 200


async def test_nobody_can_sign_in_without_a_key_or_operators(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, api_key=None) as svc:
        page = await svc.admin.get("/console/signin")
        assert page.status_code == 403
        assert "configure api_key or operators" in page.text


async def test_an_expired_or_forged_session_goes_back_to_sign_in(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock) as svc, signed_in(svc) as client:
        assert (await client.get(f"{BASE}/pushes")).status_code == 200
        value = client.cookies[COOKIE]
        data, _, mac = value.partition(".")
        for forged in (f"{data}.{mac[:-2]}AA", f"{data[:-2]}xx.{mac}", "garbage",
                       "a.b.c", "x" * 5000, f"{data}."):
            client.cookies.set(COOKIE, forged, path="/console")
            answer = await client.get(f"{BASE}/pushes")
            assert answer.status_code == 303, forged[:20]
            assert "expired" not in answer.headers["location"]
        client.cookies.set(COOKIE, value, path="/console")
        clock.advance(13 * 3600)
        answer = await client.get(f"{BASE}/pushes")
        assert answer.status_code == 303
        assert "expired=1" in answer.headers["location"]
        shown = await client.get(answer.headers["location"])
        assert "Your session has expired" in shown.text


async def test_a_session_ends_when_its_key_changes(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc, signed_in(svc) as client:
        value = client.cookies[COOKIE]
    async with running(wechat_emulator, api_key="another-admin-key-0123456789") as svc:
        svc.admin.cookies.set(COOKIE, value, path="/console")
        answer = await svc.admin.get(f"{BASE}/")
        assert answer.status_code == 303 and "ended=1" in answer.headers["location"]
        assert "Your session has ended" in (await svc.admin.get(answer.headers["location"])).text


async def test_sign_in_never_redirects_elsewhere(svc: Running) -> None:
    for target in ("https://evil.example/", "//evil.example/console/", "/console/../x",
                   "/api/x", "/console//evil", "javascript:alert(1)"):
        answer = await svc.admin.post("/console/signin", data={
            "password": API_KEY, "next": target})
        assert answer.status_code == 303
        assert answer.headers["location"] in ("/console/", target) and \
            answer.headers["location"].startswith("/console/") and "//" not in \
            answer.headers["location"], target


async def test_sign_out_needs_the_form_token_and_drops_the_cookie(svc: Running) -> None:
    async with signed_in(svc) as client:
        page = await client.get(f"{BASE}/")
        refused = await client.post("/console/signout", data={"csrf": "nope"})
        assert refused.status_code == 403
        answer = await client.post("/console/signout", data={"csrf": csrf_of(page.text)})
        assert answer.status_code == 303
        assert COOKIE in answer.headers["set-cookie"] and "max-age=0" in \
            answer.headers["set-cookie"].lower()
        assert "Sign out everywhere" in page.text and 'name="everywhere"' in page.text


# --------------------------------------------------------------------------- CSRF


async def test_every_action_refuses_a_form_without_its_csrf_token(svc: Running) -> None:
    await svc.push_ticket()
    appid = await svc.authorize_by_push()
    async with signed_in(svc) as client, signed_in(svc) as other:
        foreign = csrf_of((await other.get(f"{BASE}/links")).text)
        before = upstream_calls(svc.emu, AUTHORIZER_TOKEN), upstream_calls(svc.emu,
                                                                           COMPONENT_TOKEN)
        for path in (f"/authorizers/{appid}/refresh", f"/authorizers/{appid}/forget",
                     "/component_token/refresh", "/links/new"):
            for token in (None, "", "forged", foreign + "x"):
                data: dict[str, Any] = {"confirmed": "yes", "tenant": "t"}
                if token is not None:
                    data["csrf"] = token
                answer = await client.post(BASE + path, data=data)
                assert answer.status_code == 403, (path, token)
                assert "did not come from this console" in answer.text
        after = upstream_calls(svc.emu, AUTHORIZER_TOKEN), upstream_calls(svc.emu,
                                                                          COMPONENT_TOKEN)
        assert after == before
        record = svc.store.get_authorizer(APPID, appid)
        assert record is not None and record.status == "authorized"
        # a token of another session of the same console is not this session's
        answer = await client.post(f"{BASE}/authorizers/{appid}/forget",
                                   data={"csrf": foreign, "confirmed": "yes"})
        assert answer.status_code == 403 or foreign == csrf_of(
            (await client.get(f"{BASE}/links")).text)


# --------------------------------------------------------------------------- pages and actions


async def test_pages_and_actions_against_the_emulator(
        wechat_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wxcomponent.service.console")
    async with running(wechat_emulator, operators=OPERATORS) as svc:
        await svc.push_ticket()
        appid = await svc.authorize_by_push()
        async with signed_in(svc, "alice", PASSWORD) as client:
            overview = (await client.get(f"{BASE}/")).text
            assert "1</b> authorized" in overview and "0</b> revoked" in overview
            assert "old" in overview  # the ticket's age
            listing = (await client.get(f"{BASE}/authorizers")).text
            assert appid in listing and "tenant" in listing
            page = await client.get(f"{BASE}/authorizers/{appid}")
            assert page.status_code == 200 and "authorized" in page.text
            named = await client.get(f"{BASE}/authorizers/{appid}?info=1")
            assert "nickname" in named.text

            before = upstream_calls(svc.emu, AUTHORIZER_TOKEN)
            stored = svc.store.get_token(f"{APPID}:authorizer_access_token:{appid}")
            shown = await client.get(f"{BASE}/authorizers/{appid}/refresh")
            assert upstream_calls(svc.emu, AUTHORIZER_TOKEN) == before  # GET only asks
            done = await confirm(client, f"{BASE}/authorizers/{appid}/refresh")
            assert done.status_code == 200 and "has a new access token" in done.text
            assert upstream_calls(svc.emu, AUTHORIZER_TOKEN) == before + 1
            fresh = svc.store.get_token(f"{APPID}:authorizer_access_token:{appid}")
            assert fresh is not None and stored is not None and fresh.value != stored.value
            assert shown.status_code == 200

            calls = upstream_calls(svc.emu, COMPONENT_TOKEN)
            done = await confirm(client, f"{BASE}/component_token/refresh")
            assert "new component access token" in done.text
            assert upstream_calls(svc.emu, COMPONENT_TOKEN) == calls + 1

            form = await client.get(f"{BASE}/links")
            asked = await client.post(f"{BASE}/links/new", data={
                "csrf": csrf_of(form.text), "tenant": "customer-42", "auth_type": "2",
                "expires_in": "3600"})
            assert asked.status_code == 200 and "customer-42" in asked.text
            assert "Create the link" in asked.text
            made = await client.post(f"{BASE}/links/new", data={
                "csrf": csrf_of(asked.text), "tenant": "customer-42", "auth_type": "2",
                "expires_in": "3600", "confirmed": "yes"})
            assert made.status_code == 200
            url = re.search(r'id="url" value="([^"]+)"', made.text)
            assert url is not None and "<svg" in made.text
            opened = await svc.client.get(url.group(1).replace("&amp;", "&"))
            assert opened.status_code == 200  # the merchant's start page

            done = await confirm(client, f"{BASE}/authorizers/{appid}/forget")
            assert "marked revoked" in done.text
            record = svc.store.get_authorizer(APPID, appid)
            assert record is not None and record.status == "revoked"
            again = await client.get(f"{BASE}/authorizers/{appid}/forget")
            assert again.status_code == 409 and "already revoked" in again.text
            refused = await client.get(f"{BASE}/authorizers/{appid}/refresh")
            assert refused.status_code == 409

            pushes = (await client.get(f"{BASE}/pushes")).text
            assert "authorized" in pushes and "No webhook is configured" in pushes
            releases = await client.get(f"{BASE}/releases?shipment=spring-menu")
            assert releases.status_code == 200 and "No shipment named spring-menu" in \
                releases.text
    logged = [r.getMessage() for r in caplog.records
              if r.name == "wxcomponent.service.console"]
    assert any("alice refreshes the access token of " + appid in m for m in logged)
    assert any("alice refreshes the component token" in m for m in logged)
    assert any("alice created authorization link" in m for m in logged)
    assert any("alice forgets the authorizer " + appid in m for m in logged)
    assert not any(PASSWORD in m or API_KEY in m for m in logged)


async def test_replay_of_a_dead_delivery_reaches_the_webhook_again(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    with receiver() as r:
        r.fail_next = 2  # the first try, and the one past max_age: dead
        hooks = [{"name": "app", "url": f"{r.url}/hook", "secret": SECRET, "max_age": 1}]
        async with running(wechat_emulator, clock=clock, webhooks=hooks) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await svc.push("unauthorized", AuthorizerAppid="wxaaaaaaaaaaaaaaaa")
            await wait_for_async(lambda: forwarder.stats.retried + forwarder.stats.dead >= 1)
            clock.advance(3600)
            forwarder.wake()
            await wait_for_async(lambda: svc.store.list_jobs(APPID, topic="deliver:app")[0].state
                         == "dead")
            job = svc.store.list_jobs(APPID, topic="deliver:app")[0]
            async with signed_in(svc) as client:
                listing = await client.get(f"{BASE}/pushes?webhook=app&state=dead")
                assert f"/pushes/{job.id}" in listing.text and "1 dead" in listing.text
                shown = await client.get(f"{BASE}/pushes/{job.id}")
                assert "unauthorized" in shown.text and "Replay" in shown.text
                done = await confirm(client, f"{BASE}/pushes/{job.id}/replay")
                assert "queued again" in done.text
                forwarder.wake()
                got = await asyncio.to_thread(r.wait_for, 1)
                assert got[0]["kind"] == "unauthorized"
                await wait_for_async(lambda: svc.store.get_job(job.id).state == "done")  # type: ignore[union-attr]
                # a replay of a pending delivery, or of one that is gone, is a clear page
                svc.store.requeue_job(job.id, available_at=clock() + 86400)
                pending = await client.get(f"{BASE}/pushes/{job.id}/replay")
                assert pending.status_code == 409 and "still pending" in pending.text
                gone = await client.get(f"{BASE}/pushes/999999/replay")
                assert gone.status_code == 404 and "no delivery 999999" in gone.text.lower()
                foreign = svc.store.enqueue("wx9999999999999999", "deliver:app", "-", b"{}")
                assert (await client.get(f"{BASE}/pushes/{foreign}")).status_code == 404


async def test_releases_list_shipments_newest_first_a_page_at_a_time(
        svc: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_paging, "SHIPMENTS_PAGE", 2)
    await svc.push_ticket()
    async with signed_in(svc) as client:
        empty = await client.get(f"{BASE}/releases")
        assert empty.status_code == 200 and "No shipment has started" in empty.text
        apps = await asyncio.to_thread(ship_to, svc, ["winter", "spring", "summer"])
        first = await client.get(f"{BASE}/releases")
        assert first.status_code == 200
        names = re.findall(r'releases\?shipment=([a-z]+)"', first.text)
        assert names == ["summer", "spring"]
        listed = svc.store.list_jobs(APPID, topic="shipments")
        ids = {job.group: job.id for job in listed}
        assert len(listed) == 3
        # per shipment: 2 mini programs, 1 released, 1 rejected, none failed, blocked or going
        row = first.text[first.text.index("shipment=summer"):]
        row = row[:row.index("</tr>")]
        assert re.findall(r"<td[^>]*>(\d+)</td>", row)[-6:] == ["2", "1", "1", "0", "0", "0"]
        assert "1.2.0" in row
        older = re.search(r'rel="next" href="([^"]+)"', first.text)
        assert older is not None and older.group(1) == f"?before={ids['spring']}"
        second = await client.get(f"{BASE}/releases{older.group(1)}")
        assert re.findall(r'releases\?shipment=([a-z]+)"', second.text) == ["winter"]
        assert 'rel="next"' not in second.text and "Newest" in second.text
        detail = await client.get(f"{BASE}/releases?shipment=winter")
        assert detail.status_code == 200 and "All shipments" in detail.text
        assert all(appid in detail.text for appid in apps)
        assert "1:the menu page is empty" in detail.text
        for query, status, text in (("before=abc", 400, "before a shipment number"),
                                    ("before=0", 400, "before"),
                                    ("before=" + "9" * 30, 400, "before a shipment number"),
                                    ("shipment=a%20b", 400, "shipment")):
            answer = await client.get(f"{BASE}/releases?{query}")
            assert answer.status_code == status and text in answer.text, (query, answer.text)


async def test_pages_say_what_is_this_hosts_and_what_is_fleet_wide(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        hooks = [{"name": "app", "url": f"{r.url}/hook", "secret": SECRET}]
        async with running(wechat_emulator, webhooks=hooks) as svc, signed_in(svc) as client:
            await svc.push_ticket()
            await svc.authorize_by_push()
            host = svc.service.console.host
            assert str(os.getpid()) in host and socket.gethostname() in host
            overview = (await client.get(f"{BASE}/")).text
            assert f"this host: {host}" in overview
            assert "Latest errors <span class=\"tag host\">this host: " in overview
            assert "Outbox <small>(all hosts)</small>" in overview
            assert "(by any host)" in overview  # the component token's refresh, from the store
            pushes = (await client.get(f"{BASE}/pushes")).text
            assert "Latest pushes <span class=\"tag host\">this host: " in pushes
            assert "Other hosts keep their own" in pushes
            assert "Outbox <small>(all hosts, from the store)</small>" in pushes
            assert "handed on to webhooks, by every host, are in the outbox" in pushes


# --------------------------------------------------------------------------- bad input


async def test_bad_input_gets_a_clear_page_never_a_500(svc: Running) -> None:
    async with signed_in(svc) as client:
        csrf = csrf_of((await client.get(f"{BASE}/links")).text)
        cases: list[tuple[str, str, dict[str, Any], int, str]] = [
            ("GET", "/console/wx9999999999999999/", {}, 404, "No such platform"),
            ("GET", f"{BASE}/authorizers/wx0000000000000000", {}, 404, "No account"),
            ("GET", f"{BASE}/authorizers/not-an-appid", {}, 404, "not an appid"),
            ("GET", f"{BASE}/authorizers/%3Cscript%3E", {}, 404, "not an appid"),
            ("GET", f"{BASE}/authorizers?status=weird", {}, 400, "status must be"),
            ("GET", f"{BASE}/authorizers?q=%3Cb%3E&by=appid", {}, 400, "Search by an appid"),
            ("GET", f"{BASE}/authorizers?after=zzz", {}, 400, "after"),
            ("GET", f"{BASE}/authorizers?q=x&by=weird", {}, 400, "by appid or by name"),
            ("GET", f"{BASE}/authorizers?q=a%0Ab", {}, 400, "beginning of a name"),
            ("GET", f"{BASE}/authorizers?q=" + "x" * 300, {}, 400, "beginning of a name"),
            ("GET", f"{BASE}/authorizers?q=shop&after=wx0000000000000001", {}, 400,
             "not one this console gave"),
            ("GET", f"{BASE}/authorizers?q=shop&after=wx0000000000000001&after_key=%00",
             {}, 400, "not one this console gave"),
            ("GET", f"{BASE}/pushes?state=weird", {}, 400, "state must be"),
            ("GET", f"{BASE}/pushes?webhook=none", {}, 404, "No such webhook"),
            ("GET", f"{BASE}/pushes?after=-1", {}, 400, "delivery number"),
            ("GET", f"{BASE}/pushes/abc", {}, 404, "not a delivery number"),
            ("GET", f"{BASE}/pushes/99999999999999999999999", {}, 404, "not a delivery"),
            ("GET", f"{BASE}/releases?shipment=" + "x" * 80, {}, 400, "shipment"),
            ("GET", f"{BASE}/releases?shipment=a%20b", {}, 400, "shipment"),
            ("POST", f"{BASE}/links/new", {"data": {"csrf": csrf, "tenant": ""}}, 400,
             "tenant"),
            ("POST", f"{BASE}/links/new", {"data": {"csrf": csrf, "tenant": "t",
                                                    "auth_type": "99"}}, 400, "auth_type"),
            ("POST", f"{BASE}/links/new", {"data": {"csrf": csrf, "tenant": "t",
                                                    "expires_in": "5"}}, 400, "expires_in"),
            ("POST", f"{BASE}/links/new", {"content": b"csrf=" + csrf.encode() + b"&csrf=x",
                                           "headers": {"content-type": "application/"
                                                       "x-www-form-urlencoded"}},
             400, "more than once"),
            ("POST", f"{BASE}/links/new", {"json": {"csrf": csrf}}, 415, "urlencoded"),
            ("POST", f"{BASE}/links/new", {"content": b"\xff\xfe=1",
                                           "headers": {"content-type": "application/"
                                                       "x-www-form-urlencoded"}},
             400, "UTF-8"),
            ("POST", f"{BASE}/links/new", {"data": {"csrf": csrf, "tenant": "x" * 9000}},
             413, "at most"),
            ("POST", "/console/signin", {"data": {"password": "x" * 9000}}, 413, "at most"),
        ]
        for method, path, kwargs, status, text in cases:
            answer = await client.request(method, path, **kwargs)
            assert answer.status_code == status, (path, answer.status_code, answer.text[-300:])
            assert text.lower() in answer.text.lower(), (path, answer.text[-400:])
            assert answer.headers["content-type"].startswith("text/html")
        for name in ("..%2Fapp.py", "app.py", "%2E%2E%2Fsession.py", "console.css%00"):
            assert (await client.get(f"/console/static/{name}")).status_code == 404, name
        assert (await client.get("/console/static/console.css")).status_code == 200


# --------------------------------------------------------------------------- secrets


async def test_no_secret_in_any_page(wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        hooks = [{"name": "app", "url": f"{r.url}/hook", "secret": SECRET}]
        async with running(wechat_emulator, webhooks=hooks, operators=OPERATORS,
                           link_key="a-link-key-of-at-least-32-characters!") as svc:
            ticket = await svc.push_ticket()
            appid = await svc.authorize_by_push()
            await asyncio.to_thread(r.wait_for, 1)
            record = svc.store.get_authorizer(APPID, appid)
            assert record is not None
            tokens = [t.value for t in (
                svc.store.get_token(f"{APPID}:authorizer_access_token:{appid}"),
                svc.store.get_token(f"{APPID}:component_access_token")) if t is not None]
            secrets = [API_KEY, P.secret, P.token, P.encoding_aes_key, SECRET, ticket,
                       record.refresh_token, PASSWORD, "a-link-key-of-at-least-32",
                       OPERATORS[0]["password_hash"].split("$")[-1], *tokens]
            job = svc.store.list_jobs(APPID, topic="deliver:app")[0]
            async with signed_in(svc, "alice", PASSWORD) as client:
                csrf = csrf_of((await client.get(f"{BASE}/links")).text)
                pages = [await client.get(BASE + path) for path in (
                    "/", "/authorizers", f"/authorizers?q={appid[:6]}",
                    f"/authorizers/{appid}", f"/authorizers/{appid}?info=1",
                    f"/authorizers/{appid}/refresh", f"/authorizers/{appid}/forget",
                    "/pushes", f"/pushes/{job.id}", f"/pushes/{job.id}/replay", "/releases",
                    "/links", "/component_token/refresh")]
                pages.append(await client.post(f"{BASE}/links/new", data={
                    "csrf": csrf, "tenant": "t-1", "confirmed": "yes"}))
                pages.append(await confirm(client, f"{BASE}/authorizers/{appid}/refresh"))
                pages.append(await client.get("/console/signin"))
            for page in pages:
                assert page.status_code == 200, (page.url, page.text[-300:])
                for secret in secrets:
                    assert secret not in page.text, (page.url, secret[:4])
