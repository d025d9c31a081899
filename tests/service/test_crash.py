"""Nothing acknowledged to WeChat is lost when ``wxcomponent serve`` is killed afterwards:
a real process on SQLite, SIGKILLed after answering, then started again."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore

from ..support.cli import ROOT, clean_env, needs_toml, wait_healthz
from ..support.receiver import SECRET, receiver
from ..support.servers import free_port
from ..support.waiting import wait_for

QUERY_AUTH = "/cgi-bin/component/api_query_auth"
AUTHORIZER_LIST = "/cgi-bin/component/api_get_authorizer_list"


def write(path: Path, *, emu: EmulatorServer, store: Path, port: int, admin_port: int,
          webhook: str, refresh_interval: int = 60) -> Path:
    path.write_text(
        f'port = {port}\nadmin_port = {admin_port}\napi_base = "{emu.url}"\n'
        f'store = "sqlite:///{store}"\nrefresh_interval = {refresh_interval}\n\n'
        f'[[webhooks]]\nname = "app"\nurl = "{webhook}"\nsecret = "{SECRET}"\n\n'
        f'[[platforms]]\nappid = "{P.appid}"\nsecret = "{P.secret}"\ntoken = "{P.token}"\n'
        f'encoding_aes_key = "{P.encoding_aes_key}"\n', encoding="utf-8")
    return path


@contextmanager
def serve(config: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "wxcomponent.cli", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(),
        cwd=ROOT)
    try:
        wait_healthz(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=20)


def exchange_waits_for_retry(path: Path) -> bool:
    """True once the exchange job failed its first try and waits, unclaimed, for the next."""
    store = SQLiteStore(path)
    try:
        jobs = store.list_jobs(P.appid, topic="exchange")
        return bool(jobs) and jobs[0].attempts >= 1 and jobs[0].state == "pending" \
            and jobs[0].claim is None
    finally:
        store.close()


def freeze_waiting_for_retry(process: subprocess.Popen[str], path: Path) -> None:
    """Stop ``process`` (SIGSTOP) at a moment its exchange job waits, unclaimed, for a retry:
    the worker cannot claim it again between the check and the kill."""
    for _ in range(20):
        wait_for(lambda: exchange_waits_for_retry(path), timeout=30)
        process.send_signal(signal.SIGSTOP)
        if exchange_waits_for_retry(path):
            return
        process.send_signal(signal.SIGCONT)  # it claimed the job in between: look again
    raise AssertionError("the exchange was never caught between two tries")


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(ticket_interval=None) as server:
        yield server


@needs_toml
def test_an_acknowledged_push_survives_sigkill_before_its_exchange_and_delivery(
        emu: EmulatorServer, tmp_path: Path) -> None:
    port, admin_port = free_port(), free_port()
    store_path = tmp_path / "wx.sqlite3"
    dead_hook = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens: deliveries wait
    first = write(tmp_path / "first.toml", emu=emu, store=store_path, port=port,
                  admin_port=admin_port, webhook=dead_hook)
    base = f"http://127.0.0.1:{port}"
    with serve(first, port) as process:
        emu.configure(P.appid, auth_event_url=f"{base}/{P.appid}/events",
                      message_url=f"{base}/{P.appid}/messages/$APPID$")
        assert emu.push_ticket(P.appid).ok
        emu.inject(QUERY_AUTH, status=502, times=9)  # the first three tries fail
        # The refresher's reconciliation would add the account from WeChat's list, a second
        # way to the record; here only the queued exchange may write it.
        emu.inject(AUTHORIZER_LIST, status=502, times=None)
        grant = emu.authorize(P.appid)
        assert grant.delivery is not None and grant.delivery.ok  # acknowledged to WeChat
        freeze_waiting_for_retry(process, store_path)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    stored = SQLiteStore(store_path)
    try:
        assert stored.get_authorizer(P.appid, grant.authorizer_appid) is None
        pending = stored.list_jobs(P.appid)
        assert {job.topic for job in pending} == {"exchange", "deliver:app"}
        assert all(job.state == "pending" for job in pending)
        exchange_id = next(job.id for job in pending if job.topic == "exchange")
    finally:
        stored.close()
    emu.clear_faults()
    with receiver() as r:
        # refresher rounds every second: the job may wait out its backoff before it is due
        second = write(tmp_path / "second.toml", emu=emu, store=store_path, port=port,
                       admin_port=admin_port, webhook=f"{r.url}/hook", refresh_interval=1)
        with serve(second, port):
            got = r.wait_for(1, timeout=60)
            check = SQLiteStore(store_path)
            try:
                wait_for(lambda: check.get_job(exchange_id).state == "done", timeout=30)
                # the delivery is acknowledged once the receiver answered
                wait_for(lambda: all(job.state == "done" for job in check.list_jobs(P.appid)),
                         timeout=30)
            finally:
                check.close()
    assert got[0]["kind"] == "authorized"
    assert got[0]["authorizer_appid"] == grant.authorizer_appid
    record = SQLiteStore(store_path)
    try:
        assert record.get_authorizer(P.appid, grant.authorizer_appid).status == "authorized"
        assert all(job.state == "done" for job in record.list_jobs(P.appid))
    finally:
        record.close()
