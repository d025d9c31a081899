"""The service as an attacker meets it, over real sockets: slow clients, bad bodies, floods of
wrong keys and page requests, and what each listener shows.

The rules of the request deadlines and head bounds are tested with a clock the test moves in
``test_reception.py``; here the deadlines are short and the tests prove the wiring: what a
client on a real connection gets once a deadline passes, with no bound on when."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from collections.abc import Awaitable

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service import Service, ServiceServer
from wxcomponent.service.protocol import guarded_protocol, resolve_parser
from wxcomponent.stores import MemoryStore

from ..support.servers import free_port
from ..support.service import API_KEY, APPID, BEARER, FakeClock, Running, make_settings, running

DEADLINE = 60.0  # only turns a hang into a failure
#: The slow-client protections hold over both of uvicorn's parsers.
PARSERS = pytest.mark.parametrize("parser", ["httptools", "h11"])


async def _closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed the connection."""
    received = b""
    while True:
        try:
            chunk = await reader.read(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


async def _raw(port: int, data: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if data:
        writer.write(data)
        await writer.drain()
    return reader, writer


def _port(svc: Running, admin: bool = False) -> int:
    return svc.server.admin_port if admin else svc.server.port


# --------------------------------------------------------------------------- slow clients


@PARSERS
async def test_slow_connections_are_closed_while_pushes_are_served(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, header_timeout=0.5, body_timeout=0.5,
                       http=parser) as svc:
        await svc.push_ticket()
        port = _port(svc)
        silent = [b""] * 70
        half_head = [b"POST /events HTTP/1.1\r\nHost: a\r\nContent-Le"] * 70
        half_body = [f"POST /{APPID}/events HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
                     "\r\n0123".encode()] * 60
        connections = await asyncio.gather(*(_raw(port, data)
                                              for data in silent + half_head + half_body))
        closing = [asyncio.ensure_future(_closed(reader)) for reader, _ in connections]

        async def push_until_closed() -> int:
            served = 0
            while not all(task.done() for task in closing):  # pushes go on meanwhile
                answer = await svc.push("component_verify_ticket",
                                        ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
                assert (answer.status_code, answer.text) == (200, "success")
                served += 1
            return served

        served = await asyncio.wait_for(push_until_closed(), DEADLINE)
        answers = [task.result() for task in closing]
        for _, writer in connections:
            writer.close()
        assert len(answers) == 200  # every slow connection was closed
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), {a[:40] for a in answers}
        assert served >= 1


@PARSERS
async def test_a_keep_alive_connection_gets_a_deadline_for_its_next_request(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, header_timeout=0.1, body_timeout=0.1,
                       http=parser) as svc:
        reader, writer = await _raw(_port(svc), b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        writer.write(b"GET /healthz HTTP/1.1\r\nHo")  # the next request never completes
        await writer.drain()
        rest = await asyncio.wait_for(_closed(reader), DEADLINE)
        assert rest.startswith(b"HTTP/1.1 408 ")
        writer.close()


@PARSERS
async def test_a_slow_body_ends_the_handler_read_and_the_connection(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, header_timeout=5, body_timeout=0.1,
                       http=parser) as svc:
        query, body = svc.sealed("component_verify_ticket",
                                 ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
        target = f"/{APPID}/events?" + "&".join(f"{k}={v}" for k, v in query.items())
        head = (f"POST {target} HTTP/1.1\r\nHost: a\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
        reader, writer = await _raw(_port(svc), head + body[:10])  # the rest never comes
        answer = await asyncio.wait_for(_closed(reader), DEADLINE)
        assert answer.startswith(b"HTTP/1.1 408 ")
        writer.close()
        assert svc.store.load_ticket(APPID) is None  # nothing half-read was acted on


def test_the_server_reads_http_with_httptools_when_installed_else_h11(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_parser() == "httptools"  # installed with the service extra
    assert guarded_protocol(1, 1).__name__ == "GuardedHttpToolsProtocol"
    assert guarded_protocol(1, 1, "h11").__name__ == "GuardedH11Protocol"
    with pytest.raises(ValueError, match="spdy"):
        resolve_parser("spdy")
    with pytest.raises(ValueError, match="spdy"):
        ServiceServer(make_settings(), http="spdy")
    spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "httptools" else spec(name, *a))
    assert resolve_parser() == "h11"


async def _answers(reader: asyncio.StreamReader) -> list[bytes]:
    """The heads of the answers sent until the connection closed."""
    received = await _closed(reader)
    return [b"HTTP/1.1 " + part.split(b"\r\n")[0] for part in
            received.split(b"HTTP/1.1 ")[1:]]


@PARSERS
async def test_a_pipelined_head_left_unfinished_gets_its_deadline(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, header_timeout=0.3, body_timeout=0.3,
                       http=parser) as svc:
        whole = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        reader, writer = await _raw(_port(svc), whole + whole + b"GET /healthz HTTP/1.1\r\nHo")
        heads = await asyncio.wait_for(_answers(reader), DEADLINE)
        assert [h[:12] for h in heads] == [b"HTTP/1.1 200", b"HTTP/1.1 200", b"HTTP/1.1 408"]
        writer.close()


@PARSERS
async def test_bytes_that_begin_no_request_do_not_hold_a_connection(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, header_timeout=0.1, body_timeout=0.1,
                       http=parser) as svc:
        reader, writer = await _raw(_port(svc), b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        closing = asyncio.ensure_future(_closed(reader))
        for _ in range(3):  # blank lines, each resetting uvicorn's keep-alive timer
            if closing.done():
                break  # h11 refuses them at once
            writer.write(b"\r\n")
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            await asyncio.sleep(0.05)
        rest = await asyncio.wait_for(closing, DEADLINE)
        assert rest.split(b"HTTP/1.1 ")[-1][:1] == b"4", rest[-200:]  # 408, or h11's 400
        writer.close()


@PARSERS
async def test_an_oversized_request_head_is_refused(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, http=parser) as svc:
        reader, writer = await _raw(_port(svc), b"GET /healthz HTTP/1.1\r\nHost: a\r\n")
        closing = asyncio.ensure_future(_closed(reader))
        for index in range(64):  # 64 KiB of headers, in pieces, never finished
            if closing.done():
                break
            writer.write(f"X-Filler-{index}: {'a' * 1000}\r\n".encode())
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            await asyncio.sleep(0.005)
        answer = await asyncio.wait_for(closing, DEADLINE)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:60]
        writer.close()
        assert (await svc.client.get("/healthz")).status_code == 200


def _request(headers: bytes, target: bytes = b"/healthz") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n"


#: Requests whose heads are over the bound: too many bytes of headers, too many headers (in
#: few bytes), one header too large, a request target too large.
OVERSIZED_HEADS = {
    "64 KiB of headers": _request(b"".join(f"X-Filler-{i}: {'a' * 1000}\r\n".encode()
                                           for i in range(64))),
    "300 headers": _request(b"".join(f"X-H{i}: v\r\n".encode() for i in range(300))),
    "a 32 KiB cookie": _request(b"Cookie: session=" + b"c" * 32768 + b"\r\n"),
    "a 20 KiB target": _request(b"", b"/healthz?q=" + b"q" * 20480),
}


async def _send_in_pieces(writer: asyncio.StreamWriter, data: bytes, size: int,
                          closing: asyncio.Future[bytes]) -> None:
    """Send ``data`` in pieces of ``size`` bytes, each its own write, until the server closes."""
    for start in range(0, len(data), size):
        if closing.done():
            return
        writer.write(data[start:start + size])
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        await asyncio.sleep(0.002)  # lets each piece reach the server as its own read


@PARSERS
@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
@pytest.mark.parametrize("how", ["one send", "pieces", "pipelined"])
@pytest.mark.parametrize("head", list(OVERSIZED_HEADS))
async def test_an_oversized_head_gets_431_however_it_arrives(
        wechat_emulator: EmulatorServer, parser: str, admin: bool, how: str,
        head: str) -> None:
    async with running(wechat_emulator, http=parser) as svc:
        data = OVERSIZED_HEADS[head]
        good = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        reader, writer = await _raw(_port(svc, admin), b"")
        closing = asyncio.ensure_future(_closed(reader))
        if how == "one send":
            writer.write(data)
        elif how == "pipelined":
            writer.write(good + data + good)
        else:
            await _send_in_pieces(writer, data, 700, closing)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        heads = [h[:12] for h in await asyncio.wait_for(_answers_of(closing), DEADLINE)]
        writer.close()
        expected = [b"HTTP/1.1 200", b"HTTP/1.1 431"] if how == "pipelined" \
            else [b"HTTP/1.1 431"]
        assert heads == expected, (head, how)
        client = svc.admin if admin else svc.client
        assert (await client.get("/healthz")).status_code == 200


async def _answers_of(closing: asyncio.Future[bytes]) -> list[bytes]:
    received = await closing
    return [b"HTTP/1.1 " + part.split(b"\r\n")[0] for part in
            received.split(b"HTTP/1.1 ")[1:]]


@PARSERS
async def test_oversized_trailers_get_431_while_the_body_is_read(
        wechat_emulator: EmulatorServer, parser: str) -> None:
    async with running(wechat_emulator, http=parser) as svc:
        head = (f"POST /api/{APPID}/links HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "
                f"{API_KEY}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()
        trailers = b"".join(f"X-T{i}: v\r\n".encode() for i in range(300))
        request = head + b"2\r\n{}\r\n0\r\n" + trailers + b"\r\n"
        reader, writer = await _raw(_port(svc, admin=True), request)
        answer = await asyncio.wait_for(_closed(reader), DEADLINE)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
        writer.close()
        assert (await svc.admin.get("/healthz")).status_code == 200


@PARSERS
@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
async def test_a_head_within_the_bounds_is_served(
        wechat_emulator: EmulatorServer, parser: str, admin: bool) -> None:
    async with running(wechat_emulator, http=parser) as svc:
        client = svc.admin if admin else svc.client
        cookie = {"Cookie": "session=" + "c" * 12000}
        many = {f"X-H{i}": "v" for i in range(90)}
        assert (await client.get("/healthz", headers=cookie)).status_code == 200
        assert (await client.get("/healthz", headers=many)).status_code == 200


# --------------------------------------------------------------------------- bodies


async def test_bad_bodies_get_a_4xx_never_a_500(svc: Running) -> None:
    await svc.push_ticket()
    deep = b"[" * 2000 + b"]" * 2000
    nested = b'{"stale": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    for body in (deep, nested, b"\xff\xfe", b'"just a string"', b"{" * 100_000, b"1e999999"):
        answer = await svc.api("POST", "/component_token/refresh", content=body)
        assert 400 <= answer.status_code < 500, (body[:20], answer.status_code)
        assert answer.json()["error"] in ("BodyRefused", "InvalidArgument")
    for body in (deep, b'{"tenant": "t", "auth_type": true}', b'{"tenant": "t", "x": 1}',
                 b'{"tenant": ""}', b'{"tenant": "a\\u0000b"}', b'{"tenant": "t", '
                 b'"expires_in": 1e308}', b'{"tenant": "t", "category_ids": [-1]}',
                 b'{"tenant": "t", "biz_appid": "nope"}', b"", b"[]"):
        answer = await svc.api("POST", "/links", content=body)
        assert answer.status_code == 400, (body[:30], answer.text)
    too_large = await svc.api("POST", "/links", content=b" " * 5000)
    assert too_large.status_code == 413


@pytest.mark.parametrize("path", ["/component_token/refresh", "/links"])
async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
        svc: Running, path: str) -> None:
    head = (f"POST /api/{APPID}{path} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {API_KEY}"
            "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"2000\r\n" + b" " * 0x2000 + b"\r\n"  # 8 KiB, and the body never ends
    reader, writer = await _raw(_port(svc, admin=True), head + chunk)
    answer = await asyncio.wait_for(_closed(reader), DEADLINE)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    writer.close()


# --------------------------------------------------------------------------- rate limits


async def test_page_requests_are_limited_per_client_address(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock, page_rate_limit=5,
                       trusted_proxies=["127.0.0.1"]) as svc:
        for _ in range(5):
            assert (await svc.client.get(f"/{APPID}/authorize")).status_code == 403
        limited = await svc.client.get(f"/{APPID}/authorized")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "text/html" in limited.headers["content-type"]
        # another client behind the trusted proxy has its own budget
        other = await svc.client.get(f"/{APPID}/authorize",
                                     headers={"X-Forwarded-For": "203.0.113.9"})
        assert other.status_code == 403
        clock.advance(60)
        assert (await svc.client.get(f"/{APPID}/authorize")).status_code == 403


async def test_a_forwarded_address_is_believed_only_from_trusted_proxies(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, page_rate_limit=3) as svc:  # no trusted proxy
        statuses = [(await svc.client.get(f"/{APPID}/authorize", headers={
            "X-Forwarded-For": f"198.51.100.{i}"})).status_code for i in range(6)]
        assert statuses == [403, 403, 403, 429, 429, 429]  # spoofing does not help


async def test_wrong_bearer_keys_are_limited_per_client_address(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock, auth_failure_limit=10,
                       trusted_proxies=["127.0.0.1"]) as svc:
        await svc.push_ticket()
        wrong = {"Authorization": "Bearer wrong-key-wrong-key-wrong"}
        statuses = await asyncio.gather(*(svc.api("GET", "/component_token", headers=wrong)
                                          for _ in range(200)))
        codes = [answer.status_code for answer in statuses]
        assert codes.count(401) == 10 and codes.count(429) == 190
        assert all(int(a.headers["retry-after"]) >= 1 for a in statuses
                   if a.status_code == 429)
        right = await svc.api("GET", "/component_token")  # the right key is always served
        assert right.status_code == 200 and right.json()["access_token"]
        still = await svc.api("GET", "/component_token", headers=wrong)
        assert still.status_code == 429  # serving the right key refilled nothing
        elsewhere = await svc.api("GET", "/component_token", headers={
            "Authorization": "Bearer another-wrong-key-0123", "X-Forwarded-For": "192.0.2.7"})
        assert elsewhere.status_code == 401  # another address has its own budget
        clock.advance(60)
        assert (await svc.api("GET", "/component_token", headers=wrong)).status_code == 401


async def test_a_client_with_a_wrong_key_does_not_lock_out_its_neighbours(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator, auth_failure_limit=10) as svc:  # all from 127.0.0.1
        await svc.push_ticket()
        wrong = {"Authorization": "Bearer wrong-key-wrong-key-wrong"}
        codes = [(await svc.api("GET", "/component_token", headers=wrong)).status_code
                 for _ in range(11)]
        assert codes == [401] * 10 + [429]
        for path in ("/component_token", "/authorizers"):  # a neighbour with the right key
            assert (await svc.api("GET", path)).status_code == 200, path
        twelfth = await svc.api("GET", "/component_token", headers=wrong)
        assert twelfth.status_code == 429
        assert int(twelfth.headers["retry-after"]) >= 1
        assert twelfth.json()["error"] == "too_many_failures"
        no_key = await svc.api("GET", "/component_token", headers={})
        assert no_key.status_code == 429  # no key at all is a wrong key


# --------------------------------------------------------------------------- listeners


async def test_the_public_listener_serves_no_admin_route(svc: Running) -> None:
    await svc.push_ticket()
    for path in (f"/api/{APPID}/component_token", "/metrics", "/status",
                 f"/api/{APPID}/authorizers", f"/api/{APPID}/links"):
        for method in ("GET", "POST"):
            answer = await svc.client.request(method, path, headers=BEARER)
            assert answer.status_code in (404, 405), (method, path, answer.status_code)
            assert "access_token" not in answer.text
    alive = await svc.client.get("/healthz")
    assert alive.json() == {"status": "ok"}
    ready = await svc.client.get("/readyz")
    assert ready.json() == {"status": "ready"}
    for path in ("/healthz", "/readyz", "/status", "/metrics"):
        assert (await svc.admin.get(path)).status_code == 200, path
    assert "write" in (await svc.admin.get("/readyz")).json()["store"]


async def test_the_admin_listener_answers_no_callback(svc: Running) -> None:
    query, body = svc.sealed("component_verify_ticket",
                             ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
    answer = await svc.admin.post(f"/{APPID}/events", params=query, content=body)
    assert answer.status_code == 404
    assert (await svc.admin.get(f"/{APPID}/authorize")).status_code == 404
    assert svc.store.load_ticket(APPID) is None


async def test_listing_the_authorizers_pages_and_names_tenants(svc: Running) -> None:
    await svc.push_ticket()
    appids = sorted([await svc.authorize_by_push() for _ in range(3)])
    first = await svc.api("GET", "/authorizers", params={"limit": "2"})
    assert first.status_code == 200
    body = first.json()
    assert [a["authorizer_appid"] for a in body["authorizers"]] == appids[:2]
    assert body["next"] == appids[1]
    assert all("tenant" in a and "refresh_token" not in a for a in body["authorizers"])
    rest = (await svc.api("GET", "/authorizers", params={"after": body["next"]})).json()
    assert [a["authorizer_appid"] for a in rest["authorizers"]] == appids[2:]
    assert rest["next"] is None
    for params in ({"limit": "0"}, {"limit": "501"}, {"limit": "x"}, {"status": "gone"},
                   {"after": "not-an-appid"}):
        assert (await svc.api("GET", "/authorizers", params=params)).status_code == 400


# --------------------------------------------------------------------------- logs


async def test_no_log_line_shows_a_code_token_or_key(
        wechat_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    settings = make_settings(api_base=wechat_emulator.url, public_url=f"http://127.0.0.1:{port}")
    server = ServiceServer(Service(settings, store=MemoryStore()), port=port,
                           log_level="debug", access_log=True)
    await asyncio.to_thread(server.start)
    secret = "queryauthcode@@@SECRETCODE42"
    try:
        async with httpx.AsyncClient(trust_env=False) as http:
            requests: list[Awaitable[httpx.Response]] = [
                http.get(f"{server.url}/{APPID}/authorized",
                         params={"auth_code": secret, "state": "v1.SECRETSTATE.x"}),
                http.get(f"{server.url}/{APPID}/authorize",
                         params={"link": "v1.SECRETLINK.y",
                                 "next": f"https://a/?auth_code={secret}"}),
                http.get(f"{server.admin_url}/api/{APPID}/component_token",
                         headers={"Authorization": "Bearer SECRETKEY-0123456789"}),
                http.get(f"{server.url}/{APPID}/events?echostr=SECRETECHO&access_token=SECRETTOK"),
            ]
            for request in requests:
                await request
    finally:
        await asyncio.to_thread(server.stop)
    text = "\n".join(record.getMessage() for record in caplog.records
                     if record.name.startswith(("uvicorn", "wxcomponent")))
    assert "/authorized" in text  # the access log was on
    for leaked in ("SECRETCODE42", "SECRETCODE42".lower(), "SECRETSTATE", "SECRETLINK",
                   "SECRETECHO", "SECRETTOK"):
        assert leaked not in text, leaked
