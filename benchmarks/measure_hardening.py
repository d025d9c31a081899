"""The service against an attacker, measured over real HTTP on loopback (the emulator is WeChat).

  slow        N connections that never finish their head or body, opened at once, while
              valid pushes keep coming: how many are closed (408) and how long it took, how
              many pushes were served meanwhile (``--timeout`` is the header and body timeout)
  anonymous   M anonymous GETs of /authorize: upstream ``api_create_preauthcode`` calls with
              the page closed (the default) and with ``open_authorize``; reloads of one link
  keys        wrong bearer keys sent at once to the admin listener: 401s, then 429s
  replays     captured ``unauthorized`` pushes replayed after the dedupe window, and pushes
              whose timestamp is a day old: how many are refused, and whether the account
              that authorized again stays authorized (time moves on a fake clock)

Run by hand:  uv run python benchmarks/measure_hardening.py [--slow 200] [--anonymous 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import time
from typing import Any

import httpx

from wxcomponent.core.callbacks import CallbackOptions
from wxcomponent.core.policy import Policy
from wxcomponent.core.xml import build_xml
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.service import Service, ServiceServer
from wxcomponent.service.settings import settings_from_mapping
from wxcomponent.stores import MemoryStore

P = DEFAULT_PLATFORM
APPID = P.appid
KEY = "measure-key-0123456789abcdef"
PRE_AUTH = "/cgi-bin/component/api_create_preauthcode"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(emu: EmulatorServer, clock: Clock | None = None, **extra: Any
          ) -> tuple[ServiceServer, MemoryStore]:
    port = free_port()
    data: dict[str, Any] = {
        "platforms": [{"appid": P.appid, "secret": P.secret, "token": P.token,
                       "encoding_aes_key": P.encoding_aes_key}],
        "api_base": emu.url, "api_key": KEY, "refresh_interval": 0,
        "public_url": f"http://127.0.0.1:{port}", **extra}
    store = MemoryStore(clock=clock) if clock else MemoryStore()
    options: dict[str, Any] = {"clock": clock} if clock else {}
    service = Service(settings_from_mapping(data), store=store, policy=Policy(attempts=2),
                      **options)
    return ServiceServer(service, port=port).start(), store


def sealed(emu: EmulatorServer, info_type: str, created: int, **fields: Any
           ) -> tuple[dict[str, str], bytes]:
    """A push as WeChat sends it at ``created`` (its signed timestamp)."""
    payload = {"AppId": APPID, "CreateTime": created, "InfoType": info_type, **fields}
    crypto = emu.platform(APPID).crypto()
    encrypt = crypto.encrypt(build_xml(payload))
    timestamp, nonce = str(created), str(secrets.randbelow(10**10))
    query = {"signature": crypto.url_signature(timestamp, nonce), "timestamp": timestamp,
             "nonce": nonce, "encrypt_type": "aes",
             "msg_signature": crypto.msg_signature(timestamp, nonce, encrypt)}
    return query, build_xml({"AppId": APPID, "Encrypt": encrypt}).encode("utf-8")


def ticket_push(emu: EmulatorServer, created: int | None = None) -> tuple[dict[str, str], bytes]:
    return sealed(emu, "component_verify_ticket", created or int(time.time()),
                  ComponentVerifyTicket=emu.issue_ticket(APPID))


async def slow(emu: EmulatorServer, count: int, timeout: float) -> None:
    server, _ = start(emu, header_timeout=timeout, body_timeout=timeout)
    try:
        port = server.port
        heads = [b"", f"POST /{APPID}/events HTTP/1.1\r\nHost: a\r\nContent-Le".encode(),
                 f"POST /{APPID}/events HTTP/1.1\r\nHost: a\r\nContent-Length: 999\r\n\r\nx"
                 .encode()]
        connections = []
        for i in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(heads[i % 3])
            connections.append((reader, writer))
        started = time.monotonic()

        async def closed(reader: asyncio.StreamReader) -> tuple[bytes, float]:
            data = b""
            while chunk := await reader.read(65536):
                data += chunk
            return data, time.monotonic() - started

        waits = [asyncio.ensure_future(closed(r)) for r, _ in connections]
        served = 0
        async with httpx.AsyncClient(base_url=server.url) as http:
            while not all(w.done() for w in waits) and time.monotonic() - started < 120:
                query, body = ticket_push(emu)
                answer = await http.post(f"/{APPID}/events", params=query, content=body)
                served += answer.text == "success"
        results = [w.result() for w in waits if w.done()]
        timed_out = sum(1 for data, _ in results if data.startswith(b"HTTP/1.1 408"))
        print(f"slow: {len(results)}/{count} slow connections closed ({timed_out} answered 408) "
              f"in {max(t for _, t in results):.2f}s with {timeout:g}s timeouts; "
              f"{served} pushes served meanwhile, all 'success'")
        for _, writer in connections:
            writer.close()
    finally:
        server.stop()


async def anonymous(emu: EmulatorServer, count: int) -> None:
    for open_start in (False, True):
        before = emu.calls(PRE_AUTH)
        server, _ = start(emu, open_authorize=open_start, page_rate_limit=0)
        try:
            emu.configure(APPID, auth_event_url=f"{server.url}/{APPID}/events")
            assert emu.push_ticket(APPID).ok
            async with httpx.AsyncClient(base_url=server.url) as http:
                statuses: dict[int, int] = {}
                for _ in range(count):
                    status = (await http.get(f"/{APPID}/authorize")).status_code
                    statuses[status] = statuses.get(status, 0) + 1
                calls = emu.calls(PRE_AUTH) - before
                print(f"anonymous: open_authorize={open_start}: {count} GETs answered "
                      f"{statuses}; {calls} api_create_preauthcode calls "
                      f"({calls / count:.4f} per request)")
                if open_start:
                    link = (await http.post(f"{server.admin_url}/api/{APPID}/links",
                                            json={"tenant": "t"},
                                            headers={"Authorization": f"Bearer {KEY}"})
                            ).json()["url"]
                    before = emu.calls(PRE_AUTH)
                    for _ in range(100):
                        await http.get(link)
                    print(f"anonymous: 100 opens of one link: {emu.calls(PRE_AUTH) - before} "
                          "api_create_preauthcode call(s)")
        finally:
            server.stop()


async def keys(emu: EmulatorServer, count: int) -> None:
    server, _ = start(emu)
    try:
        async with httpx.AsyncClient(base_url=server.admin_url) as http:
            started = time.monotonic()
            answers = await asyncio.gather(*(
                http.get(f"/api/{APPID}/component_token",
                         headers={"Authorization": f"Bearer wrong-{i:020d}"})
                for i in range(count)))
            spent = time.monotonic() - started
        codes = [a.status_code for a in answers]
        print(f"keys: {count} wrong keys in {spent:.2f}s: {codes.count(401)} answered 401, "
              f"{codes.count(429)} answered 429")
    finally:
        server.stop()


async def replays(emu: EmulatorServer, count: int) -> None:
    clock = Clock()
    server, store = start(emu, clock=clock)
    window = CallbackOptions().timestamp_window
    dedupe = CallbackOptions().dedupe_ttl
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            query, body = ticket_push(emu, int(clock.now))
            assert (await http.post(f"/{APPID}/events", params=query, content=body)
                    ).text == "success"
            grants = [emu.authorize(APPID, push=False) for _ in range(count)]
            captured = []
            for grant in grants:
                store.save_authorizer(_record(grant.authorizer_appid, clock.now))
                captured.append(sealed(emu, "unauthorized", int(clock.now),
                                       AuthorizerAppid=grant.authorizer_appid))
            for query, body in captured:  # delivered once: revoked
                assert (await http.post(f"/{APPID}/events", params=query, content=body)
                        ).text == "success"
            for grant in grants:  # authorized again
                store.save_authorizer(_record(grant.authorizer_appid, clock.now))
            clock.now += dedupe + 1
            refused = 0
            for query, body in captured:
                answer = await http.post(f"/{APPID}/events", params=query, content=body)
                refused += answer.status_code == 403
            still = sum(1 for g in grants
                        if (r := store.get_authorizer(APPID, g.authorizer_appid)) is not None
                        and r.status == "authorized")
            print(f"replays: {refused}/{count} unauthorized pushes replayed {dedupe + 1:g}s "
                  f"later refused (timestamp window {window}s, dedupe {dedupe:g}s); "
                  f"{still}/{count} re-authorized accounts still authorized")
            old = 0
            for _ in range(count):
                query, body = ticket_push(emu, int(clock.now) - 86400)
                answer = await http.post(f"/{APPID}/events", params=query, content=body)
                old += answer.status_code == 403
            print(f"replays: {old}/{count} pushes with a day-old timestamp refused")
    finally:
        server.stop()


def _record(authorizer_appid: str, now: float) -> Any:
    from wxcomponent.stores.base import AuthorizerRecord

    return AuthorizerRecord(APPID, authorizer_appid, "refreshtoken@@@" + authorizer_appid,
                            authorized_at=now, updated_at=now)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--anonymous", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--replays", type=int, default=100)
    args = parser.parse_args()
    with EmulatorServer(ticket_interval=None) as emu:
        await slow(emu, args.slow, args.timeout)
        await anonymous(emu, args.anonymous)
        await keys(emu, args.keys)
        await replays(emu, args.replays)


if __name__ == "__main__":
    asyncio.run(main())
