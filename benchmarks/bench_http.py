"""Push throughput of the service over real HTTP, against a bare ASGI app and a peer.

Three servers, each a uvicorn process of its own (one worker, asyncio, the same HTTP parser),
run one after the other, rounds interleaved (the order turns each round):

  bare     an ASGI app that reads the body and answers ``success``: the server's own cost
  guarded  the same app behind the service's HTTP protocol (head and body deadlines, bounded
           heads, coalesced writes): not run unless ``--apps`` names it
  peer     what a typical user writes with FastAPI and wechatpy: ``WeChatComponent.
           parse_message`` verifies, decrypts and parses each push, and the ticket is stored
           in a SQLite file with a plain ``sqlite3`` upsert and a commit (WAL,
           ``synchronous=NORMAL``, as the service's store writes tickets)
  service  ``wxcomponent.service`` as ``wxcomponent serve`` runs it (its own uvicorn
           configuration: the head and body deadlines, the redacting logs), with its SQLite
           store in a temporary directory (``--store memory`` for the in-memory one,
           ``--store redis://…`` for Redis): signature check, decryption, parsing, the appid
           and timestamp checks, the dedupe lease, the durable ticket write, event listeners
           and metrics

The pushes are valid encrypted ``component_verify_ticket`` pushes on ``/{appid}/events``,
built beforehand, each with its own nonce (so the dedupe never short-cuts one). The load
comes from this process: ``--concurrency`` keep-alive connections on asyncio protocols (no
HTTP library: the client must cost less than the servers), each sending its next push when
the last answer is in. Every answer must be HTTP 200 ``success``. Besides throughput and
latency, the server's CPU time per push is read from /proc: on a shared machine it moves
less than wall-clock figures.

The floor of a push is the bare server's CPU plus the crypto and one ticket write through the
store's own client, measured in this process (``floors.py``); the service's CPU is reported
against it. ``--store postgres``, ``redis`` and ``fleet`` (Redis beside PostgreSQL, as the
README deploys a fleet) start their servers for the run, as the tests do.

Run by hand:  uv run python benchmarks/bench_http.py [--requests 20000] [--rounds 3]
              [--store sqlite|memory|postgres|redis|fleet|URL] [--http auto|httptools|h11]
              [--apps bare,peer,service]
"""

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floors  # a sibling script, not a package

APPID = "wx1234567890abcdef"
SECRET = "benchsecretbenchsecretbenchsecre"
TOKEN = "benchtoken"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPS = ("bare", "guarded", "peer", "service")
DEFAULT_APPS = ("bare", "peer", "service")


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


def peer_app(database: str) -> Any:
    """A FastAPI app doing the service's job the way its documentation and wechatpy's
    suggest: verify, decrypt and parse with wechatpy, store the ticket in SQLite."""
    from fastapi import FastAPI, Request
    from fastapi.responses import PlainTextResponse
    from wechatpy.component import WeChatComponent
    from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

    component = WeChatComponent(APPID, SECRET, TOKEN, KEY)
    db = sqlite3.connect(database, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS tickets (appid TEXT PRIMARY KEY, ticket TEXT NOT NULL,"
               " created_at INTEGER NOT NULL)")
    db.commit()
    app = FastAPI()

    @app.post("/{appid}/events")
    async def events(appid: str, request: Request, timestamp: str, nonce: str,
                     msg_signature: str) -> PlainTextResponse:
        body = await request.body()
        try:
            message = component.parse_message(body, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            return PlainTextResponse("invalid signature", status_code=403)
        if message.type == "component_verify_ticket":
            db.execute("INSERT INTO tickets (appid, ticket, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (appid) DO UPDATE SET ticket = excluded.ticket, "
                       "created_at = excluded.created_at",
                       (appid, message.verify_ticket, int(message.create_time.timestamp())))
            db.commit()
        return PlainTextResponse("success")

    return app


def service_settings(store: str, port: int) -> Any:
    """The service's settings; ``store`` is a store URL, or the JSON of the store settings
    (``store`` and ``durable_store``)."""
    from wxcomponent.service.settings import settings_from_mapping

    stores = json.loads(store) if store.startswith("{") else {"store": store}
    return settings_from_mapping({
        "platforms": [{"appid": APPID, "secret": SECRET, "token": TOKEN,
                       "encoding_aes_key": KEY}],
        **stores,
        "api_base": "http://127.0.0.1:9",  # never called: the refresher is off
        "refresh_interval": 0,
        "port": port,
        "admin_port": 0,
        "log_level": "warning",
    })


def serve(kind: str, port: int, store: str, http: str) -> None:
    """Child process: serve one app until terminated."""
    if kind == "service":
        from wxcomponent.service.server import bind
        from wxcomponent.service.server import serve as serve_service

        settings = service_settings(store, port)
        serve_service(settings, sock=bind("127.0.0.1", port), http=http)
        return
    import uvicorn

    from wxcomponent.service.protocol import guarded_protocol, resolve_parser

    if kind == "guarded":  # the bare app behind the service's own HTTP protocol
        config = uvicorn.Config(bare_app, host="127.0.0.1", port=port, workers=1,
                                http=guarded_protocol(10.0, 10.0, http), loop="asyncio",
                                ws="none", lifespan="on", access_log=False,
                                log_level="warning", backlog=2048)
        uvicorn.Server(config).run()
        return
    app = bare_app if kind == "bare" else peer_app(store)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, workers=1,
                            http=resolve_parser(http), loop="asyncio", ws="none",
                            lifespan="on", access_log=False, log_level="warning", backlog=2048)
    uvicorn.Server(config).run()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(kind: str, store: str, http: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                                "--store-url", store, "--http", http])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {kind} server exited with status {process.returncode}")
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
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


class BenchError(Exception):
    """A server answered something else than ``success``, or dropped a connection."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending pushes one after the other."""

    def __init__(self, pushes: list[bytes], latencies: list[float],
                 done: asyncio.Future[None]) -> None:
        self.pushes = pushes
        self.latencies = latencies
        self.done = done
        self.buffer = b""
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        if not self.pushes:
            self.transport.close()
            if not self.done.done():
                self.done.set_result(None)
            return
        request = self.pushes.pop()
        self.sent_at = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            self.latencies.append(time.perf_counter() - self.sent_at)
            if not head.startswith(b"http/1.1 200") or body != b"success":
                self._fail(f"unexpected answer: {head[:40]!r} {body[:80]!r}")
                return
            self._next()

    def _fail(self, reason: str) -> None:
        if not self.done.done():
            self.done.set_exception(BenchError(reason))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if self.pushes or exc is not None:
                self.done.set_exception(BenchError(f"connection lost: {exc!r}"))
            else:
                self.done.set_result(None)


async def load(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """Send every request over ``concurrency`` connections; (seconds, latencies)."""
    loop = asyncio.get_running_loop()
    queue = list(reversed(requests))
    latencies: list[float] = []
    started = time.perf_counter()
    waits = []
    for _ in range(concurrency):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: _Connection(queue, latencies, d),  # type: ignore[misc]
                                     "127.0.0.1", port)
        waits.append(done)
    await asyncio.gather(*waits)
    return time.perf_counter() - started, latencies


@dataclass
class Run:
    rate: float  # pushes per second
    p50: float  # ms
    p99: float  # ms
    server_cpu: float  # µs of server CPU per push
    client_cpu: float  # share of one core the load generator used


def measure(kind: str, store: str, http: str, pushes: list[bytes], warmup: int,
            concurrency: int) -> Run:
    """One server on ``pushes`` after a warm-up."""
    process, port = start(kind, store, http)
    try:
        asyncio.run(load(port, pushes[:warmup], concurrency))
        cpu_before, own_before = cpu_seconds(process.pid), time.process_time()
        seconds, latencies = asyncio.run(load(port, pushes[warmup:], concurrency))
        cpu, own = cpu_seconds(process.pid) - cpu_before, time.process_time() - own_before
    except BenchError as exc:
        raise SystemExit(f"{kind}: {exc}") from None
    finally:
        stop(process)
    latencies.sort()
    count = len(latencies)
    return Run(count / seconds, statistics.median(latencies) * 1000,
               latencies[min(count - 1, int(count * 0.99))] * 1000, cpu / count * 1e6,
               own / seconds)


def _ratio(runs: dict[str, list[Run]], top: str, bottom: str) -> float:
    """The median over rounds of the throughput ratio within each round."""
    return statistics.median(a.rate / b.rate for a, b in zip(runs[top], runs[bottom],
                                                              strict=True))


def report(runs: dict[str, list[Run]], args: argparse.Namespace, parser: str,
           floors: dict[str, float], asynchronous: float = 0.0) -> None:
    print(f"\n{args.requests} pushes per run, {args.concurrency} connections, uvicorn "
          f"1 worker asyncio {parser}, store {args.store}, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("medians over the rounds:")
    print(f"  {'server':10s} {'pushes/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'server CPU µs/push':>19s} {'client CPU':>11s}")
    for kind, rows in runs.items():
        print(f"  {kind:10s} {statistics.median(r.rate for r in rows):9.0f} "
              f"{statistics.median(r.p50 for r in rows):8.2f} "
              f"{statistics.median(r.p99 for r in rows):8.2f} "
              f"{statistics.median(r.server_cpu for r in rows):19.0f} "
              f"{statistics.median(r.client_cpu for r in rows):10.0%}")
    cpu = {k: statistics.median(r.server_cpu for r in runs[k]) for k in runs}
    print(f"\n  {'ratio':40s} {'measured':>9s}   target")
    if "service" in runs and "peer" in runs:
        print(f"  {'service / peer (throughput, same round)':40s} "
              f"{_ratio(runs, 'service', 'peer'):8.2f}x   >= 2.0")
        print(f"  {'peer CPU / service CPU per push':40s} {cpu['peer'] / cpu['service']:8.2f}x"
              f"   >= 2.5")
    if "service" in runs and "bare" in runs:
        print(f"  {'service CPU over bare, µs/push':40s} {cpu['service'] - cpu['bare']:9.0f}")
        if floors:
            floor = cpu["bare"] + sum(floors.values())
            parts = " + ".join(f"{name} {value:.0f}" for name, value in floors.items())
            print(f"  {'floor, µs/push':40s} {floor:9.0f}   (bare {cpu['bare']:.0f} + {parts})")
            print(f"  {'service CPU / floor':40s} {cpu['service'] / floor:8.2f}x   <= 2.0")
            if asynchronous:
                blocking = list(floors.values())[-1]
                floor += asynchronous - blocking
                print(f"  {'floor with the asyncio client, µs/push':40s} {floor:9.0f}   (its "
                      f"write {asynchronous:.0f} instead of {blocking:.0f})")
                print(f"  {'service CPU / that floor':40s} {cpu['service'] / floor:8.2f}x")


def plan(parser: argparse.ArgumentParser, apps: str, known: Sequence[str],
         requests: int) -> tuple[list[str], int, int]:
    """The servers ``--apps`` names (refused unless ``known``), the warm-up of each run and
    the pushes a run takes with its warm-up."""
    kinds = [kind.strip() for kind in apps.split(",") if kind.strip()]
    if not kinds or any(kind not in known for kind in kinds):
        parser.error(f"--apps takes names among {', '.join(known)}")
    warmup = min(1000, max(100, requests // 10))
    return kinds, warmup, requests + warmup


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20000, help="pushes per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server")
    parser.add_argument("--store", default="sqlite",
                        help="the service's store: sqlite (a temporary file, the default), "
                             "memory, postgres, redis or fleet (servers started for the run), "
                             "or a store URL such as redis://127.0.0.1:6379/15 (the peer "
                             "always writes a SQLite file)")
    parser.add_argument("--http", default="auto", choices=("auto", "httptools", "h11"),
                        help="uvicorn's HTTP parser for all three (auto: httptools when "
                             "installed)")
    parser.add_argument("--apps", default=",".join(DEFAULT_APPS),
                        help="which servers to measure, comma-separated")
    parser.add_argument("--serve", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.store_url, args.http)
        return 0

    from wxcomponent.service.protocol import resolve_parser

    kinds, warmup, per_round = plan(parser, args.apps, APPS, args.requests)
    runs: dict[str, list[Run]] = {kind: [] for kind in kinds}
    started = floors.NAMED_STORES.get(args.store)
    with tempfile.TemporaryDirectory(prefix="wxcomponent-bench-") as tmp, \
            floors.stores(args.store) as servers:
        print(f"building {args.rounds * per_round} encrypted pushes…", flush=True)
        pushes = build_pushes(args.rounds * per_round, 1_700_000_000)
        for round_ in range(args.rounds):
            batch = pushes[round_ * per_round:(round_ + 1) * per_round]
            shift = round_ % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                database = Path(tmp) / f"{kind}-{round_}.sqlite3"
                if kind != "service":
                    store = str(database)
                elif started == "servers":
                    store = json.dumps(servers.store_settings(args.store))
                else:
                    store = {"memory": "memory://", "sqlite": f"sqlite:///{database}"
                             }.get(args.store, args.store)
                run = measure(kind, store, args.http, batch, warmup, args.concurrency)
                runs[kind].append(run)
                print(f"  round {round_ + 1} {kind:8s} {run.rate:7.0f} pushes/s   "
                      f"p50 {run.p50:6.2f} ms   p99 {run.p99:6.2f} ms   "
                      f"server CPU {run.server_cpu:5.0f} µs/push   "
                      f"client CPU {run.client_cpu:4.0%}", flush=True)
        measured: dict[str, float] = {}
        asynchronous = 0.0
        if started is not None:
            measured["crypto"] = floors.crypto_floor(TOKEN, KEY, APPID)
            measured[f"{args.store} write"] = floors.store_floor(args.store, servers)
            asynchronous = floors.async_store_floor(args.store, servers)
    report(runs, args, resolve_parser(args.http), measured, asynchronous)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
