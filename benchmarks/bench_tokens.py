"""Token benchmarks, one run, against the emulator on loopback.

(a) cached ``access_token()`` per store backend (memory, sqlite, redis);
(b) a herd: 200 threads ask for the component token at once with no valid token, for this
    library and for wechatpy's WeChatComponent against the same emulator; upstream calls counted;
(c) ``authorizer(appid).get_json(...)`` against a raw httpx call of the same endpoint.

Run by hand:  uv run python benchmarks/bench_tokens.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from wxcomponent import ComponentConfig
from wxcomponent.client import Component
from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import MemoryStore, RedisStore, SQLiteStore
from wxcomponent.stores.base import Store

CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
TOKEN_PATH = "/cgi-bin/component/api_component_token"
API = "/cgi-bin/get_api_domain_ip"


def per_op(fn: Callable[[], object], n: int, rounds: int = 5) -> float:
    for _ in range(min(n, 200)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(samples)


def start_redis(workdir: str) -> tuple[subprocess.Popen[bytes], str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    return None


def herd_ours(emu: EmulatorServer, store: Store, threads: int = 200) -> int:
    before = emu.calls(TOKEN_PATH)
    store.save_ticket(CONFIG.appid, emu.issue_ticket(CONFIG.appid), int(time.time()))
    comp = Component(CONFIG, store, api_base=emu.url)
    barrier = threading.Barrier(threads)

    def ask() -> None:
        barrier.wait()
        comp.access_token()

    pool = [threading.Thread(target=ask) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return emu.calls(TOKEN_PATH) - before


def herd_wechatpy(emu: EmulatorServer, threads: int = 200) -> int | None:
    try:
        from wechatpy.component import WeChatComponent
    except ImportError:
        return None
    before = emu.calls(TOKEN_PATH)
    comp = WeChatComponent(CONFIG.appid, CONFIG.secret, CONFIG.token, CONFIG.encoding_aes_key)
    comp.API_BASE_URL = emu.url + "/cgi-bin"
    comp.session.set("component_verify_ticket", emu.issue_ticket(CONFIG.appid))
    barrier = threading.Barrier(threads)

    def ask() -> None:
        barrier.wait()
        _ = comp.access_token

    pool = [threading.Thread(target=ask) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return emu.calls(TOKEN_PATH) - before


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="wxbench-")
    redis_proc = start_redis(workdir)
    try:
        with EmulatorServer(ticket_interval=None) as emu:
            stores: dict[str, Store] = {
                "memory": MemoryStore(),
                "sqlite": SQLiteStore(str(Path(workdir) / "bench.sqlite3")),
            }
            if redis_proc is not None:
                stores["redis"] = RedisStore(redis_proc[1])
            print("(c) authorizer(appid).get_json vs raw httpx, same endpoint, µs per call")
            store = MemoryStore()
            store.save_ticket(CONFIG.appid, emu.issue_ticket(CONFIG.appid), int(time.time()))
            comp = Component(CONFIG, store, api_base=emu.url)
            grant = emu.authorize(CONFIG.appid, push=False)
            comp.query_auth(grant.auth_code)
            client = comp.authorizer(grant.authorizer_appid)
            token = client.access_token()
            with httpx.Client(base_url=emu.url) as http:
                raw = per_op(lambda: http.get(API, params={"access_token": token}).json(), 300)
            ours = per_op(lambda: client.get_json(API), 300)
            print(f"    raw httpx   {raw:8.1f} µs")
            print(f"    get_json    {ours:8.1f} µs   overhead {ours - raw:.1f} µs "
                  f"({ours / raw:.2f}x)")
            print("(a) cached access_token(), µs per call")
            for name, store in stores.items():
                store.save_ticket(CONFIG.appid, emu.issue_ticket(CONFIG.appid), int(time.time()))
                comp = Component(CONFIG, store, api_base=emu.url)
                comp.access_token()
                raw = per_op(lambda s=store: s.get_token(f"{CONFIG.appid}:component_access_token"),
                             5000)
                ours = per_op(comp.access_token, 5000)
                print(f"    {name:8s} {ours:8.2f} µs   (store read alone {raw:.2f} µs, "
                      f"ratio {ours / raw:.2f}x)")

            print("(b) herd: 200 threads, no valid token, upstream api_component_token calls")
            emu.invalidate_tokens(CONFIG.appid)
            for name, store in stores.items():
                store.delete_token(f"{CONFIG.appid}:component_access_token")
                print(f"    wxcomponent/{name:8s} {herd_ours(emu, store)}")
            wp = herd_wechatpy(emu)
            print(f"    wechatpy              {wp if wp is not None else 'not installed'}")

    finally:
        if redis_proc is not None:
            redis_proc[0].kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
