"""Shipping benchmarks, one run, against the emulator on loopback.

(a) ``component.fleet.ship`` of one template to 500 mini programs (SQLite store, 32 at a time),
    on the emulated clock: a privacy check of 60 s, audits of an hour (10% rejected, 10%
    delayed for two hours), results pushed to the platform's callback app (served by uvicorn)
    with polling as the fallback. Prints the wall time, the emulated time it covered, and the
    upstream calls per path and per mini program.
(b) a typed call (``client.code.pages()``) against a raw httpx call of the same endpoint with
    the same token: µs per call, and the overhead.

Run by hand:  uv run python benchmarks/bench_ship.py [--apps 500]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

from wxcomponent import Component, ComponentConfig, ShipOptions
from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore
from wxcomponent.stores.base import AuthorizerRecord

CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
APPID = CONFIG.appid
RUNS = 7


def per_call(fn: Callable[[], object], calls: int) -> float:
    """µs per call of ``calls`` calls of ``fn``."""
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1e6


class MovingClock(threading.Thread):
    """Moves the emulated clock ``step`` seconds every 5 ms."""

    def __init__(self, emu: EmulatorServer, step: float) -> None:
        super().__init__(daemon=True)
        self.emu, self.step, self.halt = emu, step, threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.005):
            self.emu.advance_clock(self.step)


def serve(app: object) -> tuple[uvicorn.Server, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning",  # type: ignore[arg-type]
                                          access_log=False, lifespan="off", http="h11"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def fleet(emu: EmulatorServer, store: SQLiteStore, count: int) -> list[str]:
    apps = []
    for _ in range(count):
        appid = emu.authorize(APPID, kind="mini_program", push=False).authorizer_appid
        now = time.time()
        store.save_authorizer(AuthorizerRecord(APPID, appid,
                                               emu.current_refresh_token(APPID, appid),
                                               "authorized", (17, 18, 19), now, now))
        apps.append(appid)
    return apps


def ship(emu: EmulatorServer, workdir: Path, count: int) -> None:
    store = SQLiteStore(str(workdir / "wx.sqlite3"))
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(time.time()))
    apps = fleet(emu, store, count)
    rng = random.Random(7)
    rejected = rng.sample(apps, count // 10)
    delayed = rng.sample(sorted(set(apps) - set(rejected)), count // 10)
    emu.configure_mini_programs(privacy_check_delay=60)
    emu.set_audit_result(APPID, None, "success", after=3600)
    for appid in rejected:
        emu.set_audit_result(APPID, appid, "fail", "1:功能不完整", after=3600)
    for appid in delayed:
        emu.plan_audits(APPID, [{"outcome": "delay", "after": 1800},
                                {"outcome": "success", "after": 7200}], appid)
    options = ShipOptions(concurrency=32, lease=30, privacy_interval=0.05, poll_interval=5.0,
                          idle_interval=0.2, retry_base=0.05)
    with Component(CONFIG, store, api_base=emu.url) as component:
        component.templates.add(emu.add_template_draft(APPID, "9.0.0")["draft_id"])
        template_id = component.templates.list().templates[0].template_id
        server, base = serve(component.asgi_app())
        emu.configure(APPID, message_url=f"{base}/{APPID}/messages/$APPID$")
        before = Counter(emu.call_counts())
        clock = MovingClock(emu, step=10.0)
        emulated_start = emu.now()
        started = time.perf_counter()
        clock.start()
        result = component.fleet.ship(template_id, {"extAppid": "$APPID$"}, "9.0.0",
                                      appids=apps, options=options)
        wall = time.perf_counter() - started
        clock.halt.set()
        emulated = emu.now() - emulated_start
        server.should_exit = True
    calls = Counter(emu.call_counts()) - before
    wxa = {path: n for path, n in calls.items() if not path.startswith("/cgi-bin/component")}
    print(f"(a) fleet.ship to {count} mini programs, 32 at a time, SQLite store")
    print(f"    outcomes     {result.counts()}")
    print(f"    wall time    {wall:.1f} s for {emulated / 3600:.1f} h of emulated time "
          f"({count / wall:.0f} mini programs/s)")
    print(f"    upstream     {sum(calls.values())} calls, {sum(calls.values()) / count:.1f} "
          "per mini program")
    for path, n in sorted(wxa.items(), key=lambda kv: -kv[1]):
        print(f"      {path:42s} {n:6d}  ({n / count:.2f} per mini program)")
    tokens = sum(n for p, n in calls.items() if p.startswith("/cgi-bin/component"))
    print(f"      {'token and authorizer calls':42s} {tokens:6d}")
    store.close()


def overhead(emu: EmulatorServer) -> None:
    from wxcomponent.stores import MemoryStore

    store = MemoryStore()
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(time.time()))
    with Component(CONFIG, store, api_base=emu.url) as component:
        grant = emu.authorize(APPID, kind="mini_program", push=False)
        component.query_auth(grant.auth_code)
        client = component.authorizer(grant.authorizer_appid)
        component.templates.add(emu.add_template_draft(APPID, "1.0.0")["draft_id"])
        template_id = component.templates.list().templates[0].template_id
        client.code.commit(template_id, {}, "1.0.0")
        token = client.access_token()
        with httpx.Client(base_url=emu.url, trust_env=False) as raw:
            def raw_call() -> object:
                answer = raw.get("/wxa/get_page", params={"access_token": token}).json()
                assert answer["errcode"] == 0
                return answer["page_list"]

            for _ in range(100):  # warm both paths up
                raw_call()
                client.code.pages()
            plain: list[float] = []
            typed: list[float] = []
            for _ in range(RUNS):  # interleaved, so that drift weighs on both
                plain.append(per_call(raw_call, 300))
                typed.append(per_call(client.code.pages, 300))
    theirs, ours = statistics.median(plain), statistics.median(typed)
    spread = statistics.pstdev(plain)
    print("(b) client.code.pages() vs raw httpx GET /wxa/get_page, same token, µs per call")
    print(f"    raw httpx    {theirs:8.1f} µs  (spread {spread:.1f} µs over {RUNS} runs)")
    print(f"    typed call   {ours:8.1f} µs  overhead {ours - theirs:+.1f} µs "
          f"({(ours / theirs - 1) * 100:+.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apps", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            EmulatorServer(ticket_interval=None, token_lifetime=10**7,
                           ticket_lifetime=10**8) as emu:
        ship(emu, Path(tmp), args.apps)
        emu.reset()
        overhead(emu)


if __name__ == "__main__":
    main()
