"""Users' messages forwarded to a webhook: the load that grows with a platform's merchants.

Two servers, each a uvicorn process of its own (one worker, asyncio, the same HTTP parser),
measured one after the other, rounds interleaved (the order turns each round), both
forwarding every message to the same receiver (a third process, not measured):

  peer     what a competent user writes with FastAPI and wechatpy: ``WeChatCrypto``
           verifies and decrypts each push and ``parse_message`` reads it; its JSON is
           inserted into a SQLite queue table and committed (WAL, ``synchronous=FULL``: on
           disk before WeChat is answered, as the service's outbox is); a background task
           POSTs it with httpx, signed with HMAC-SHA256 as the service signs, and marks the
           row delivered
  service  ``wxcomponent serve`` with a ``[[webhooks]]`` entry and its SQLite store (or
           ``--store``): the checks, the push written to the outbox before the answer, the
           forwarder's claim, delivery and acknowledgement

The pushes are valid encrypted text messages on ``/{appid}/messages/{authorizer}`` from
``--merchants`` accounts in turn, each with its own ``MsgId`` and nonce. The receiver checks
every delivery's signature and counts the distinct messages it got; a run ends when every
message was delivered (a missing or badly signed one fails the run). The server's CPU time
from the first push to the last delivery, divided by the pushes, is the figure: it holds the
deliveries too.

Run by hand:  uv run python benchmarks/bench_messages.py [--requests 10000] [--rounds 3]
              [--merchants 100] [--store sqlite|URL] [--apps peer,service]
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import (  # a sibling script, not a package
    APPID,
    KEY,
    SECRET,
    TOKEN,
    BenchError,
    cpu_seconds,
    free_port,
    load,
    plan,
    stop,
)

HOOK_SECRET = "bench-webhook-secret-0123456789"
APPS = ("peer", "service")
_MSG_ID = re.compile(rb'"MsgId":\s*"?(\d+)')


# --------------------------------------------------------------------------- the receiver


def receiver_app() -> Any:
    """Counts the distinct messages delivered with a valid signature; ``GET /count``."""
    from wxcomponent.errors import InvalidSignature, StalePush
    from wxcomponent.webhooks import SIGNATURE_HEADER, verify

    header = SIGNATURE_HEADER.lower().encode()
    seen: set[bytes] = set()
    bad = [0]
    total = [0]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["method"] == "GET":
            answer = f"{len(seen)} {bad[0]} {total[0]}".encode()
        else:
            total[0] += 1
            signature = dict(scope["headers"]).get(header, b"").decode()
            try:
                verify(HOOK_SECRET, signature, body)
                found = _MSG_ID.search(body)
                if found is None:
                    raise InvalidSignature("no MsgId")
                seen.add(found.group(1))
            except (InvalidSignature, StalePush):
                bad[0] += 1
            answer = b"ok"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    return app


# --------------------------------------------------------------------------- the peer


def peer_app(database: str, hook: str) -> Any:
    """FastAPI + wechatpy: decrypt, parse, queue in SQLite, deliver in the background."""
    import hashlib
    import hmac

    import httpx
    from fastapi import FastAPI, Request
    from fastapi.responses import PlainTextResponse
    from wechatpy import parse_message
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

    crypto = WeChatCrypto(TOKEN, KEY, APPID)
    db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, msg_id TEXT UNIQUE,"
               " payload BLOB NOT NULL, delivered INTEGER NOT NULL DEFAULT 0)")
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    client = httpx.AsyncClient(timeout=10.0)

    async def deliver() -> None:
        """One of 32 workers: POST each queued message, signed, then mark it delivered."""
        while True:
            row, payload = await queue.get()
            stamp = int(time.time())
            mac = hmac.new(HOOK_SECRET.encode(), f"{stamp}.".encode() + payload,
                           hashlib.sha256).hexdigest()
            answer = await client.post(hook, content=payload, headers={
                "Content-Type": "application/json",
                "X-Wxcomponent-Signature": f"t={stamp},v1={mac}"})
            if answer.is_success:
                db.execute("UPDATE outbox SET delivered = 1 WHERE id = ?", (row,))

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        workers = [asyncio.create_task(deliver()) for _ in range(32)]
        yield
        for worker in workers:
            worker.cancel()

    app = FastAPI(lifespan=lifespan)

    @app.post("/{appid}/messages/{authorizer}")
    async def messages(appid: str, authorizer: str, request: Request, timestamp: str,
                       nonce: str, msg_signature: str) -> PlainTextResponse:
        body = await request.body()
        try:
            xml = crypto.decrypt_message(body, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            return PlainTextResponse("invalid signature", status_code=403)
        message = parse_message(xml)
        payload = json.dumps({"kind": message.type, "authorizer_appid": authorizer,
                              "fields": {"MsgId": str(message.id), "FromUserName": message.source,
                                         "ToUserName": message.target,
                                         "Content": getattr(message, "content", "")}},
                             ensure_ascii=False).encode()
        cursor = db.execute("INSERT OR IGNORE INTO outbox (msg_id, payload) VALUES (?, ?)",
                            (str(message.id), payload))
        if cursor.rowcount:
            queue.put_nowait((int(cursor.lastrowid or 0), payload))
        return PlainTextResponse("success")

    return app


# --------------------------------------------------------------------------- the service


def service_settings(store: str, port: int, hook: str) -> Any:
    from wxcomponent.service.settings import settings_from_mapping

    return settings_from_mapping({
        "platforms": [{"appid": APPID, "secret": SECRET, "token": TOKEN,
                       "encoding_aes_key": KEY}],
        "store": store,
        "api_base": "http://127.0.0.1:9",  # never called: the refresher is off
        "refresh_interval": 0,
        "port": port,
        "admin_port": 0,
        "log_level": "warning",
        "webhooks": [{"name": "crm", "url": hook, "secret": HOOK_SECRET}],
    })


def serve(kind: str, port: int, store: str, hook: str, http: str) -> None:
    """Child process: serve one app until terminated."""
    if kind == "service":
        from wxcomponent.service.server import bind
        from wxcomponent.service.server import serve as serve_service

        serve_service(service_settings(store, port, hook), sock=bind("127.0.0.1", port),
                      http=http)
        return
    import uvicorn

    from wxcomponent.service.protocol import resolve_parser

    app = receiver_app() if kind == "receiver" else peer_app(store, hook)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, workers=1,
                            http=resolve_parser(http), loop="asyncio", ws="none",
                            lifespan="on", access_log=False, log_level="warning", backlog=2048)
    uvicorn.Server(config).run()


def start(kind: str, store: str, hook: str, http: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                                "--store-url", store, "--hook", hook, "--http", http])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {kind} server exited with status {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.5).close()
            return process, port
        except urllib.error.HTTPError:
            return process, port  # answering (404 or 405)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the {kind} server did not start")


# --------------------------------------------------------------------------- the pushes


def build_messages(count: int, first_id: int, merchants: int) -> list[bytes]:
    """``count`` valid encrypted text messages as complete HTTP/1.1 requests."""
    from wxcomponent import MessageCrypto
    from wxcomponent.core.xml import build_xml

    crypto = MessageCrypto(TOKEN, KEY, APPID)
    timestamp = str(int(time.time()))
    requests = []
    for index in range(count):
        msg_id = first_id + index
        merchant = f"wx{index % merchants:016x}"
        inner = build_xml({"ToUserName": f"gh_{index % merchants:012x}",
                           "FromUserName": f"o-user-{index % 997:06d}-abcdefghijklmn",
                           "CreateTime": 1_700_000_000 + index, "MsgType": "text",
                           "Content": f"hello, do you ship to Hangzhou? order {msg_id}",
                           "MsgId": msg_id})
        encrypt = crypto.encrypt(inner)
        nonce = f"{msg_id:012d}"
        query = urlencode({"signature": crypto.url_signature(timestamp, nonce),
                           "timestamp": timestamp, "nonce": nonce,
                           "openid": f"o-user-{index % 997:06d}-abcdefghijklmn",
                           "encrypt_type": "aes",
                           "msg_signature": crypto.msg_signature(timestamp, nonce, encrypt)})
        body = build_xml({"ToUserName": f"gh_{index % merchants:012x}",
                          "Encrypt": encrypt}).encode()
        head = (f"POST /{APPID}/messages/{merchant}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: text/xml\r\nUser-Agent: Mozilla/4.0\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        requests.append(head.encode("latin-1") + body)
    return requests


def delivered(receiver: int) -> tuple[int, int]:
    """(distinct messages delivered, badly signed deliveries) so far."""
    with urllib.request.urlopen(f"http://127.0.0.1:{receiver}/count", timeout=10) as answer:
        good, bad, _total = answer.read().split()
    return int(good), int(bad)


class Run:
    """One measurement: pushes/s answered, delivered/s, latency, server CPU per push, and for
    the service's SQLite store the bytes a push leaves and the purge of them."""

    def __init__(self, rate: float, delivered_rate: float, p50: float, p99: float,
                 cpu: float) -> None:
        self.rate, self.delivered_rate, self.p50, self.p99, self.cpu = (
            rate, delivered_rate, p50, p99, cpu)
        self.bytes_per_push = 0.0
        self.purge_us_per_push = 0.0  # CPU of the purge, per push deleted
        self.purge_batch_ms = 0.0  # the longest batch (the longest a push waits for it)


def storage(database: Path, pushes: int) -> tuple[float, float, float]:
    """(bytes per push, purge CPU µs per push, longest purge batch in ms) of a service's
    SQLite file after a run: its size with the log checkpointed, then every delivered push
    purged in the store's batches."""
    from wxcomponent.stores import SQLiteStore

    with sqlite3.connect(database) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = database.stat().st_size
    store = SQLiteStore(database)
    try:
        longest, deleted = 0.0, 0
        cpu = time.process_time()
        while True:
            started = time.perf_counter()
            batch = store.purge_jobs(APPID, topic="deliver:crm", state="done",
                                     before=time.time() + 60)
            longest = max(longest, time.perf_counter() - started)
            deleted += batch
            if batch < 500:
                break
        cpu = time.process_time() - cpu
    finally:
        store.close()
    if deleted < pushes:
        raise SystemExit(f"the purge deleted {deleted} of {pushes} delivered pushes")
    return size / pushes, cpu / deleted * 1e6, longest * 1000


def measure(kind: str, store: str, http: str, pushes: list[bytes], warmup: int,
            concurrency: int) -> Run:
    """One server forwarding ``pushes`` (after a warm-up) to a fresh receiver."""
    receiver, receiver_port = start("receiver", "", "", http)
    hook = f"http://127.0.0.1:{receiver_port}/hook"
    process, port = start(kind, store, hook, http)
    try:
        asyncio.run(load(port, pushes[:warmup], concurrency))
        _wait_delivered(receiver_port, warmup, process)
        cpu_before = cpu_seconds(process.pid)
        started = time.perf_counter()
        seconds, latencies = asyncio.run(load(port, pushes[warmup:], concurrency))
        _wait_delivered(receiver_port, len(pushes), process)
        total = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu_before
    except BenchError as exc:
        raise SystemExit(f"{kind}: {exc}") from None
    finally:
        stop(process)
        stop(receiver)
    latencies.sort()
    count = len(latencies)
    run = Run(count / seconds, count / total, statistics.median(latencies) * 1000,
              latencies[min(count - 1, int(count * 0.99))] * 1000, cpu / count * 1e6)
    if kind == "service" and store.startswith("sqlite:///"):
        run.bytes_per_push, run.purge_us_per_push, run.purge_batch_ms = storage(
            Path(store.removeprefix("sqlite:///")), len(pushes))
    return run


def _wait_delivered(receiver: int, expected: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while True:
        good, bad = delivered(receiver)
        if bad:
            raise SystemExit(f"{bad} deliveries were not signed right")
        if good >= expected:
            return
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"only {good} of {expected} messages were delivered")
        time.sleep(0.05)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=10000, help="messages per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server")
    parser.add_argument("--merchants", type=int, default=100, help="accounts messaged in turn")
    parser.add_argument("--store", default="sqlite",
                        help="the service's store: sqlite (a temporary file) or a store URL "
                             "(the peer always writes a SQLite file)")
    parser.add_argument("--http", default="auto", choices=("auto", "httptools", "h11"))
    parser.add_argument("--apps", default=",".join(APPS), help="servers, comma-separated")
    parser.add_argument("--serve", choices=(*APPS, "receiver"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    parser.add_argument("--hook", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.store_url, args.hook, args.http)
        return 0

    from wxcomponent.service.protocol import resolve_parser

    kinds, warmup, per_round = plan(parser, args.apps, APPS, args.requests)
    runs: dict[str, list[Run]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="wxcomponent-bench-") as tmp:
        print(f"building {args.rounds * per_round} encrypted messages…", flush=True)
        for round_ in range(args.rounds):
            shift = round_ % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                # each server gets messages it never saw (ids differ per run)
                first = 1_000_000 * (1 + round_ * len(kinds) + kinds.index(kind))
                batch = build_messages(per_round, first, args.merchants)
                database = Path(tmp) / f"{kind}-{round_}.sqlite3"
                store = (f"sqlite:///{database}" if args.store == "sqlite" else args.store) \
                    if kind == "service" else str(database)
                run = measure(kind, store, args.http, batch, warmup, args.concurrency)
                runs[kind].append(run)
                print(f"  round {round_ + 1} {kind:8s} {run.rate:6.0f} pushes/s answered  "
                      f"{run.delivered_rate:6.0f}/s delivered  p50 {run.p50:6.2f} ms  "
                      f"p99 {run.p99:6.2f} ms  server CPU {run.cpu:5.0f} µs/push", flush=True)
                if run.bytes_per_push:
                    print(f"           the store: {run.bytes_per_push:.0f} bytes/push; the "
                          f"purge {run.purge_us_per_push:.1f} µs CPU/push, longest batch "
                          f"{run.purge_batch_ms:.1f} ms", flush=True)
    print(f"\n{args.requests} messages per run from {args.merchants} accounts, "
          f"{args.concurrency} connections, uvicorn 1 worker asyncio "
          f"{resolve_parser(args.http)}, store {args.store}, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("medians over the rounds (CPU includes the deliveries):")
    print(f"  {'server':8s} {'answered/s':>10s} {'delivered/s':>11s} {'p50 ms':>7s} "
          f"{'p99 ms':>7s} {'server CPU µs/push':>19s}")
    for kind, rows in runs.items():
        print(f"  {kind:8s} {statistics.median(r.rate for r in rows):10.0f} "
              f"{statistics.median(r.delivered_rate for r in rows):11.0f} "
              f"{statistics.median(r.p50 for r in rows):7.2f} "
              f"{statistics.median(r.p99 for r in rows):7.2f} "
              f"{statistics.median(r.cpu for r in rows):19.0f}")
    kept = [r for r in runs.get("service", []) if r.bytes_per_push]
    if kept:
        print(f"\n  service store: {statistics.median(r.bytes_per_push for r in kept):.0f} "
              f"bytes per delivered push; purging them "
              f"{statistics.median(r.purge_us_per_push for r in kept):.1f} µs CPU each, in "
              f"batches of 500, the longest "
              f"{statistics.median(r.purge_batch_ms for r in kept):.1f} ms")
    if "peer" in runs and "service" in runs:
        ratio = statistics.median(p.cpu / s.cpu for p, s in zip(runs["peer"], runs["service"],
                                                                 strict=True))
        print(f"\n  peer CPU / service CPU per push (same round): {ratio:.2f}x   target >= 2.0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
