"""Scale: 1,000, 10,000 and 100,000 authorizers on SQLite, Redis and PostgreSQL.

    uv run python benchmarks/bench_scale.py [--sizes 1000,10000,100000]
        [--backends sqlite,redis,postgres] [--refresh 10000] [--skip-service]

For each backend and size, with every token fresh:

* **refresher round** — one :meth:`Component.refresh_due` with nothing due, then with 100 and
  1,000 accounts due (their tokens cached and fresh, so no upstream call: what is measured is
  the store's part). Time and store calls per round; both must follow the accounts due, not
  the accounts stored.
* **listing** — one page of 50 (first, and from the middle with a keyset cursor), a count, a
  search by name, and paging through every record 200 at a time.
* **service** — ``wxcomponent serve`` started on the store: seconds until ``/readyz`` answers
  200, and its resident memory then (and after a refresher round).
* **CLI** — ``wxcomponent authorizers`` (the table) and ``--json``, run time.
* **compliance board** — a compliance record per account (one in ten not filed, one in
  seven with its verification ending within 30 days, one in fifty suspended), saved through
  the store; then a page of 50 (first, middle), a page of the blocked, of one blocker, of
  the expiring, the counts per reason, the records due for a check, and paging through every
  blocked record 200 at a time.

Then **refreshing at scale**: ``--refresh`` accounts (10,000 by default) authorized on the
emulator, all due at the same moment, refreshed by two refreshers at once (two hosts sharing
the store) with bounded concurrency, against the emulator's daily quota for
``api_authorizer_token`` set to exactly that many calls: a second refresh of any token would
be refused with 45009. Reports the time beside the lead time, the upstream calls and the
failures.

Records are written in bulk before timing (SQLite through sqlite3 in one transaction;
Redis and PostgreSQL through the store). Starts its own redis-server and PostgreSQL (as the
tests do) on free loopback ports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wxcomponent import Component, ComponentConfig, Policy  # noqa: E402
from wxcomponent.core.compliance_state import assess  # noqa: E402
from wxcomponent.emulator import EmulatorServer  # noqa: E402
from wxcomponent.stores import (  # noqa: E402
    AuthorizerRecord,
    CachedToken,
    ComplianceRecord,
    Store,
    open_store,
)
from wxcomponent.stores.base import name_key  # noqa: E402

APPID = "wxbench000000scale"
SECRET = "scale-secret-0123456789abcdef0123"
TOKEN = "scaletoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CONFIG = ComponentConfig(appid=APPID, secret=SECRET, token=TOKEN, encoding_aes_key=AES_KEY)
TOKEN_PATH = "/cgi-bin/component/api_authorizer_token"


def appid_of(i: int) -> str:
    return f"wxs{i:015d}"


# ---------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    workdir = tempfile.mkdtemp(prefix="wxbench-redis-")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir,
         "--appendonly", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    from tests.support.servers import PostgresServer

    server = PostgresServer()
    try:
        yield server.dsn
    finally:
        server.remove()


# ---------------------------------------------------------------------- counting store calls


class Counting:
    """A store that counts the calls made to it (by method), passing each one on."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._store, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


# ---------------------------------------------------------------------- filling a store


def record(i: int, now: float, refresh_at: float) -> AuthorizerRecord:
    # named and typed, as accounts are once looked up: the round has no lookups to make
    return AuthorizerRecord(APPID, appid_of(i), f"refreshtoken@@@{i:012d}", "authorized",
                            (1, 15), now, now, None, None, f"Shop {i:06d}", refresh_at,
                            account_type="official_account")


def fill(url: str, size: int, now: float) -> float:
    """Store ``size`` authorized accounts, each due in 1 to 2 hours; seconds taken."""
    started = time.perf_counter()
    spread = [now + 3600 + (i * 7) % 3600 for i in range(size)]
    if url.startswith("sqlite:"):
        store = open_store(url)
        store.count_authorizers(APPID)  # creates the schema
        store.close()
        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path)
        with conn:
            conn.executemany(
                "INSERT INTO authorizers (component_appid, authorizer_appid, refresh_token, "
                "status, func_info, authorized_at, updated_at, revoked_at, tenant, name, "
                "name_key, refresh_at, account_type) VALUES (?, ?, ?, 'authorized', '[1, 15]', "
                "?, ?, NULL, NULL, ?, ?, ?, 'official_account')",
                ((APPID, appid_of(i), f"refreshtoken@@@{i:012d}", now, now, f"Shop {i:06d}",
                  name_key(f"Shop {i:06d}"), spread[i]) for i in range(size)))
        conn.close()
    else:
        store = open_store(url)
        try:
            for i in range(size):
                store.save_authorizer(record(i, now, spread[i]))
        finally:
            store.close()
    return time.perf_counter() - started


def make_due(store: Store, count: int, now: float) -> None:
    """Make ``count`` accounts due now, with a fresh token cached: a check, not a refresh."""
    for i in range(count):
        appid = appid_of(i)
        store.schedule_refresh(APPID, appid, now - 1)
        store.set_token(f"{APPID}:authorizer_access_token:{appid}",
                        CachedToken(f"at-{i}", now + 7200, now))


# ---------------------------------------------------------------------- measurements


@dataclass
class Round:
    due: int
    seconds: float
    calls: int
    by_method: dict[str, int]


def refresher_round(url: str, due: int) -> Round:
    store = open_store(url)
    try:
        now = time.time()
        store.set_token(f"{APPID}:component_access_token", CachedToken("ct", now + 7200, now))
        # a platform in service holds a fresh ticket (else the round asks WeChat for one)
        store.save_ticket(APPID, "ticket@@@bench", int(now))
        make_due(store, due, now)
        counting = Counting(store)
        # the round's token work alone: reconciliation and compliance checks call WeChat and
        # are measured apart (the compliance board below)
        policy = Policy(reconcile_interval=None, compliance_check_age=None)
        comp = Component(CONFIG, counting, api_base="http://127.0.0.1:9",  # type: ignore[arg-type]
                         policy=policy)
        started = time.perf_counter()
        checked, failed = comp.refresh_due(concurrency=8)
        seconds = time.perf_counter() - started
        comp.close()
        assert failed == 0 and checked == 1 + due, (checked, failed)
        return Round(due, seconds, sum(counting.calls.values()), dict(counting.calls))
    finally:
        store.close()


def best(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def listing(url: str, size: int) -> dict[str, float]:
    store = open_store(url)
    try:
        middle = appid_of(size // 2)

        def page_all() -> int:
            after, total = None, 0
            while True:
                page = store.list_authorizers(APPID, after=after, limit=200)
                total += len(page)
                if len(page) < 200:
                    return total
                after = page[-1].authorizer_appid

        assert page_all() == size
        return {
            "first page": best(lambda: store.list_authorizers(APPID, limit=51)),
            "middle page": best(lambda: store.list_authorizers(APPID, after=middle, limit=51)),
            "count": best(lambda: store.count_authorizers(APPID, status="authorized")),
            "search": best(lambda: store.search_authorizers(APPID, "shop 0005", limit=51)),
            "page all": best(page_all, repeat=1),
        }
    finally:
        store.close()


def compliance_board(url: str, size: int) -> dict[str, float]:
    """Save a compliance record per account through the store, then time the board's
    reads (see the module docs)."""
    store = open_store(url)
    try:
        now = time.time()
        started = time.perf_counter()
        for i in range(size):
            store.save_compliance(assess(ComplianceRecord(
                APPID, appid_of(i), filing_status=3 if i % 10 == 0 else 6,
                verified_until=now + (10 if i % 7 == 0 else 200) * 86400,
                suspended=i % 50 == 0, checked_at=now), now))
        filled = time.perf_counter() - started
        middle = appid_of(size // 2)

        def page_blocked() -> int:
            after, total = None, 0
            while True:
                page = store.list_compliance(APPID, blocked_by="any", after=after, limit=200)
                total += len(page)
                if len(page) < 200:
                    return total
                after = page[-1].authorizer_appid

        blocked = page_blocked()
        assert blocked == sum(1 for i in range(size) if i % 10 == 0 or i % 50 == 0), blocked
        return {
            "compliance fill": filled,
            "board first page": best(lambda: store.list_compliance(APPID, limit=51)),
            "board middle page": best(lambda: store.list_compliance(APPID, after=middle,
                                                                    limit=51)),
            "board blocked page": best(lambda: store.list_compliance(
                APPID, blocked_by="any", after=middle, limit=51)),
            "board not_filed page": best(lambda: store.list_compliance(
                APPID, blocked_by="not_filed", limit=51)),
            "board expiring page": best(lambda: store.list_compliance(
                APPID, expiring_before=now + 30 * 86400, limit=51)),
            "board counts": best(lambda: store.count_compliance(APPID)),
            "board due": best(lambda: store.due_compliance(APPID, before=now, limit=20)),
            "board page all blocked": best(page_blocked, repeat=1),
        }
    finally:
        store.close()


def write_config(workdir: Path, url: str, api_base: str) -> tuple[Path, int, int]:
    port, admin_port = free_port(), free_port()
    config = workdir / "scale.toml"
    config.write_text(
        f'port = {port}\nadmin_port = {admin_port}\napi_base = "{api_base}"\n'
        f'store = "{url}"\napi_key = "scale-bench-key-0123456789"\nrefresh_interval = 0\n\n'
        f'[[platforms]]\nappid = "{APPID}"\nsecret = "{SECRET}"\ntoken = "{TOKEN}"\n'
        f'encoding_aes_key = "{AES_KEY}"\n', encoding="utf-8")
    return config, port, admin_port


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def service(url: str, workdir: Path) -> dict[str, float]:
    """Start ``wxcomponent serve`` on the store: seconds until /readyz is 200, memory."""
    config, _, admin_port = write_config(workdir, url, "http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXCOMPONENT_")}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "wxcomponent.cli", "serve", "--config", str(config),
         "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env, cwd=ROOT)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"serve exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"http://127.0.0.1:{admin_port}/readyz", timeout=2
                             ).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.01)
        ready = time.perf_counter() - started
        memory = rss_mib(process.pid)
        return {"ready": ready, "rss": memory}
    finally:
        process.terminate()
        process.wait(timeout=30)


def cli(url: str, workdir: Path) -> dict[str, float]:
    config, _, _ = write_config(workdir, url, "http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXCOMPONENT_")}
    env["COLUMNS"] = "160"
    out = {}
    for label, extra in (("table", []), ("json", ["--json"])):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "wxcomponent.cli", "authorizers", "--config", str(config),
             *extra], capture_output=True, env=env, cwd=ROOT, check=False)
        out[label] = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"wxcomponent authorizers failed: {result.stderr.decode()[-2000:]}")
    return out


# ---------------------------------------------------------------------- refreshing at scale


def refresh_at_scale(url: str, count: int, hosts: int = 2, concurrency: int = 16,
                     latency: float = 0.0) -> dict[str, Any]:
    with EmulatorServer(ticket_interval=None) as emu:
        emu.add_platform(APPID, secret=SECRET, token=TOKEN, encoding_aes_key=AES_KEY)
        store = open_store(url)
        try:
            now = time.time()
            for i in range(count):
                appid = appid_of(i)
                emu.authorize(APPID, appid, push=False)
                store.save_authorizer(AuthorizerRecord(
                    APPID, appid, emu.current_refresh_token(APPID, appid), "authorized",
                    (1,), now, now, None, None, None, now - 1))  # all due at this moment
            emu.issue_ticket(APPID)
            store.save_ticket(APPID, emu.latest_ticket(APPID) or "", int(now))
            # warm the component token, then let each refresh count against an exact quota
            Component(CONFIG, store, api_base=emu.url).access_token()
            emu.set_quota(TOKEN_PATH, count)
            if latency:  # WeChat answers in tens of milliseconds, not in the emulator's one
                emu.inject(TOKEN_PATH, delay=latency, times=None)
            before = emu.calls(TOKEN_PATH)
            policy = Policy()
            comps = [Component(CONFIG, open_store(url), api_base=emu.url, policy=policy)
                     for _ in range(hosts)]
            results: list[tuple[int, int]] = []

            def run(comp: Component) -> None:
                results.append(comp.refresh_due(concurrency=concurrency))

            threads = [threading.Thread(target=run, args=(c,)) for c in comps]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - started
            calls = emu.calls(TOKEN_PATH) - before
            failed = sum(f for _, f in results)
            left = len(store.due_authorizers(APPID, before=time.time(), limit=count))
            for comp in comps:
                comp.close()
            return {"accounts": count, "hosts": hosts, "concurrency": concurrency,
                    "seconds": seconds, "lead": policy.refresh_lead, "upstream calls": calls,
                    "failed": failed, "still due": left, "latency": latency}
        finally:
            store.close()


# ---------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="sqlite,redis,postgres")
    parser.add_argument("--refresh", type=int, default=10000,
                        help="accounts refreshed at once in the last part (0: skip)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="upstream latency added to each token refresh in the last part")
    parser.add_argument("--hosts", type=int, default=2,
                        help="refreshers (hosts) sharing the store in the last part")
    parser.add_argument("--skip-service", action="store_true",
                        help="skip the service start and CLI runs")
    parser.add_argument("--skip-compliance", action="store_true",
                        help="skip the compliance board")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wxbench-scale-") as tmp:
        workdir = Path(tmp)
        for backend in backends:
            with _backend(backend, workdir) as new_url:
                for size in sizes:
                    url = new_url(f"s{size}")
                    now = time.time()
                    filled = fill(url, size, now)
                    rounds = [refresher_round(url, due) for due in (0, 100, 1000)
                              if due <= size]
                    row: dict[str, Any] = {"backend": backend, "size": size, "fill": filled,
                                           "rounds": rounds, "listing": listing(url, size)}
                    if not args.skip_compliance:
                        row["listing"].update(compliance_board(url, size))
                    if not args.skip_service:
                        row["service"] = service(url, workdir)
                        row["cli"] = cli(url, workdir)
                    rows.append(row)
                    _print_row(row)
                if args.refresh:
                    result = refresh_at_scale(new_url("refresh"), args.refresh,
                                              hosts=args.hosts, latency=args.latency)
                    print(f"\n{backend}: refreshing {result['accounts']:,} due tokens "
                          f"({result['hosts']} refreshers x {result['concurrency']} at a "
                          f"time, {result['latency'] * 1000:.0f} ms upstream latency): "
                          f"{result['seconds']:.1f} s against a lead of "
                          f"{result['lead']:.0f} s; {result['upstream calls']:,} upstream "
                          f"calls; {result['failed']} failed; {result['still due']} still due",
                          flush=True)
    print("\nsummary (JSON):")
    print(json.dumps(rows, default=lambda o: o.__dict__, indent=None))


@contextmanager
def _backend(name: str, workdir: Path) -> Iterator[Callable[[str], str]]:
    if name == "sqlite":
        yield lambda tag: f"sqlite:///{workdir / f'{tag}.sqlite3'}"
    elif name == "redis":
        with redis_server() as url:
            base = url.rsplit("/", 1)[0]
            numbers = iter(range(16))
            yield lambda tag: f"{base}/{next(numbers)}"
    elif name == "postgres":
        with postgres_server() as dsn:
            numbers = iter(range(1000))
            yield lambda tag: f"{dsn}?schema=scale{next(numbers)}"
    else:
        raise SystemExit(f"unknown backend {name!r}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _print_row(row: dict[str, Any]) -> None:
    print(f"\n{row['backend']}, {row['size']:,} authorizers (filled in {row['fill']:.1f} s)")
    for r in row["rounds"]:
        print(f"  refresher round, {r.due:>5} due: {_ms(r.seconds):>12}  "
              f"{r.calls:>6} store calls  {r.by_method}")
    for label, seconds in row["listing"].items():
        print(f"  {label:<22} {_ms(seconds):>12}")
    if "service" in row:
        s = row["service"]
        print(f"  service ready in {s['ready']:.2f} s, {s['rss']:.0f} MiB resident")
        c = row["cli"]
        print(f"  wxcomponent authorizers: {c['table']:.2f} s (table), {c['json']:.2f} s (--json)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
