"""Push throughput of the service's callback endpoint over real HTTP, against a bare ASGI app.

Both run in a uvicorn process of their own (one worker, h11, asyncio: the same server
settings), one after the other, rounds interleaved:

  bare     an ASGI app that reads the body and answers ``success``
  service  ``wxcomponent.service`` (the application of ``wxcomponent serve``) with its default
           SQLite store in a temporary directory (``--store memory`` for the in-memory one,
           ``--store redis://…`` for Redis),
           receiving valid encrypted ``component_verify_ticket`` pushes on ``/{appid}/events``:
           signature check, decryption, parsing, the dedupe lease and the ticket write,
           event listeners and metrics included

The pushes are built beforehand, each with its own nonce (so the dedupe never short-cuts
one). The load generator is a plain HTTP/1.1 keep-alive client on asyncio streams in this
process: ``--concurrency`` workers, one connection each, sending ``--requests`` pushes in all
(a pooled client such as httpx costs more per request than the server under test). Every
answer must be HTTP 200 ``success``.

Run by hand:  uv run python benchmarks/bench_http.py [--requests 20000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

APPID = "wx1234567890abcdef"
SECRET = "benchsecretbenchsecretbenchsecre"
TOKEN = "benchtoken"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


# --------------------------------------------------------------------------- the servers


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the request body, answers ``success``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", b"7")]})
    await send({"type": "http.response.body", "body": b"success"})


def service_app(store: str) -> Any:
    from wxcomponent.service import Service
    from wxcomponent.service.settings import settings_from_mapping

    settings = settings_from_mapping({
        "platforms": [{"appid": APPID, "secret": SECRET, "token": TOKEN,
                       "encoding_aes_key": KEY}],
        "store": store,
        "api_base": "http://127.0.0.1:9",  # never called: the refresher is off
        "refresh_interval": 0,
    })
    return Service(settings).app


def serve(kind: str, port: int, store: str) -> None:
    """Child process: serve one app until terminated."""
    import logging

    import uvicorn

    logging.getLogger("wxcomponent").setLevel(logging.ERROR)
    app = bare_app if kind == "bare" else service_app(store)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, workers=1, http="h11",
                            loop="asyncio", ws="none", lifespan="on", access_log=False,
                            log_level="warning", backlog=2048)
    uvicorn.Server(config).run()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(kind: str, store: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                                "--store-url", store])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the {kind} server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------- the pushes


def build_pushes(count: int, first_create_time: int) -> list[bytes]:
    """``count`` distinct, valid ticket pushes as complete HTTP/1.1 requests (no Host port)."""
    from wxcomponent import MessageCrypto
    from wxcomponent.core.xml import build_xml

    crypto = MessageCrypto(TOKEN, KEY, APPID)
    timestamp = str(int(time.time()))
    requests = []
    for index in range(count):
        created = first_create_time + index
        inner = build_xml({"AppId": APPID, "CreateTime": created,
                           "InfoType": "component_verify_ticket",
                           "ComponentVerifyTicket": f"ticket@@@{index:08d}" + "x" * 78})
        encrypt = crypto.encrypt(inner)
        nonce = f"{index:010d}"
        query = urlencode({"signature": crypto.url_signature(timestamp, nonce),
                           "timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
                           "msg_signature": crypto.msg_signature(timestamp, nonce, encrypt)})
        body = build_xml({"AppId": APPID, "Encrypt": encrypt}).encode()
        head = (f"POST /{APPID}/events?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: text/xml\r\nUser-Agent: Mozilla/4.0\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        requests.append(head.encode("latin-1") + body)
    return requests


# --------------------------------------------------------------------------- the load


async def _worker(port: int, requests: list[bytes], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while requests:
            request = requests.pop()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200") or body != b"success":
                raise SystemExit(f"unexpected answer: {head[:40]!r} {body[:80]!r}")
    finally:
        writer.close()


async def load(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """Send every request with ``concurrency`` workers; (seconds, latencies)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, queue, latencies) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def measure(kind: str, store: str, pushes: list[bytes], warmup: int,
            concurrency: int) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p99 ms) of one server on ``pushes`` after a warm-up."""
    process, port = start(kind, store)
    try:
        asyncio.run(load(port, pushes[:warmup], concurrency))
        seconds, latencies = asyncio.run(load(port, pushes[warmup:], concurrency))
    finally:
        stop(process)
    latencies.sort()
    count = len(latencies)
    return (count / seconds, statistics.median(latencies) * 1000,
            latencies[min(count - 1, int(count * 0.99))] * 1000)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20000, help="pushes per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each server")
    parser.add_argument("--store", default="sqlite",
                        help="sqlite (a temporary file, the default), memory, or a store URL "
                             "such as redis://127.0.0.1:6379/15")
    parser.add_argument("--serve", choices=("bare", "service"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.store_url)
        return 0

    warmup = min(1000, max(100, args.requests // 10))
    with tempfile.TemporaryDirectory(prefix="wxcomponent-bench-") as tmp:
        results: dict[str, list[tuple[float, float, float]]] = {"bare": [], "service": []}
        print(f"building {args.rounds * (args.requests + warmup)} encrypted pushes…", flush=True)
        per_round = args.requests + warmup
        pushes = build_pushes(args.rounds * per_round, 1_700_000_000)
        for round_ in range(args.rounds):
            batch = pushes[round_ * per_round:(round_ + 1) * per_round]
            for kind in ("bare", "service"):
                store = {"memory": "memory://",
                         "sqlite": f"sqlite:///{Path(tmp) / f'bench-{round_}.sqlite3'}"
                         }.get(args.store, args.store)
                rate, p50, p99 = measure(kind, store, batch, warmup, args.concurrency)
                results[kind].append((rate, p50, p99))
                print(f"  round {round_ + 1} {kind:8s} {rate:8.0f} pushes/s   "
                      f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms", flush=True)
    best = {kind: max(rows) for kind, rows in results.items()}
    ratio = best["service"][0] / best["bare"][0]
    print(f"\n{args.requests} pushes per round, {args.concurrency} connections, uvicorn h11 "
          f"1 worker, store {args.store}, {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}")
    print(f"bare ASGI 'success'   {best['bare'][0]:8.0f} pushes/s")
    print(f"wxcomponent service   {best['service'][0]:8.0f} pushes/s")
    print(f"ratio                 {ratio:8.2f}  (target >= 0.70)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
