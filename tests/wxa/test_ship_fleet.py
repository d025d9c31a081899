"""Five hundred mini programs shipped by ``wxcomponent ship`` (a real process, a SQLite store)
against the emulator, with rejections, delays, HTTP 5xx and busy answers injected, and the
process SIGKILLed halfway; the same command then resumes it. Every mini program ends released
or rejected with its reason; none has two audits; none was committed after its audit started.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wxcomponent import Component
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore
from wxcomponent.stores.base import AuthorizerRecord

from .conftest import APPID, CONFIG

pytestmark = pytest.mark.slow

FLEET = 500


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    """An emulator whose tokens and tickets outlive a fast-moving clock."""
    with EmulatorServer(ticket_interval=None, token_lifetime=10**7,
                        ticket_lifetime=10**8) as server:
        yield server


class MovingClock:
    """Moves the emulated clock forward in small steps on a thread (audits, privacy checks and
    delays all finish on it)."""

    def __init__(self, emu: EmulatorServer, step: float) -> None:
        self.emu, self.step = emu, step
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.005):
            self.emu.advance_clock(self.step)

    def __enter__(self) -> MovingClock:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def _fleet(emu: EmulatorServer, store: SQLiteStore) -> list[str]:
    """Authorize the fleet in the emulator and keep each record in the store, as the
    ``authorized`` pushes would have."""
    apps = []
    for _ in range(FLEET):
        grant = emu.authorize(APPID, kind="mini_program", push=False)
        appid = grant.authorizer_appid
        now = time.time()
        store.save_authorizer(AuthorizerRecord(
            APPID, appid, emu.current_refresh_token(APPID, appid), "authorized",
            (17, 18, 19), now, now))
        apps.append(appid)
    return apps


def _env(emu: EmulatorServer, store_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXCOMPONENT_")}
    env.update(WXCOMPONENT_APPID=CONFIG.appid, WXCOMPONENT_SECRET=CONFIG.secret,
               WXCOMPONENT_TOKEN=CONFIG.token,
               WXCOMPONENT_ENCODING_AES_KEY=CONFIG.encoding_aes_key,
               WXCOMPONENT_STORE=f"sqlite:///{store_path}", WXCOMPONENT_API_BASE=emu.url)
    return env


def _audits(emu: EmulatorServer, apps: list[str]) -> dict[str, dict[str, Any]]:
    return {appid: emu.mini_program(APPID, appid) for appid in apps}


def test_five_hundred_mini_programs_survive_a_sigkill(emu: EmulatorServer,
                                                      tmp_path: Path) -> None:
    store_path = tmp_path / "wx.sqlite3"
    store = SQLiteStore(str(store_path))
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(time.time()))
    apps = _fleet(emu, store)
    with Component(CONFIG, store, api_base=emu.url) as component:
        component.templates.add(emu.add_template_draft(APPID, "5.0.0")["draft_id"])
        template_id = component.templates.list().templates[0].template_id
    store.close()
    rng = random.Random(500)
    rejected = set(rng.sample(apps, 50))
    delayed = set(rng.sample(sorted(set(apps) - rejected), 50))
    emu.configure_mini_programs(privacy_check_delay=60)
    emu.set_audit_result(APPID, None, "success", after=600)
    for appid in rejected:
        emu.set_audit_result(APPID, appid, "fail", f"1:{appid} 功能不完整", after=300)
    for appid in delayed:
        emu.plan_audits(APPID, [{"outcome": "delay", "after": 200, "reason": "排队"},
                                {"outcome": "success", "after": 1500}], appid)
    emu.inject("/wxa/commit", status=502, times=40)
    emu.inject("/wxa/submit_audit", status=503, times=20)
    emu.inject("/wxa/get_auditstatus", errcode=-1, times=30)
    emu.inject("/wxa/release", status=500, times=20)
    ext_json = tmp_path / "ext.json"
    ext_json.write_text(json.dumps({"extAppid": "$APPID$", "ext": {"shop": "$APPID$"}}))
    command = [sys.executable, "-m", "wxcomponent.cli", "ship", "--template", str(template_id),
               "--ext-json", str(ext_json), "--version", "5.0.0", "--desc", "fleet",
               "--all", "--concurrency", "32", "--poll-interval", "0.2",
               "--privacy-interval", "0.05", "--idle-interval", "0.05", "--lease", "2",
               "--json"]
    env = _env(emu, store_path)
    with MovingClock(emu, step=5.0):
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while sum(len(a["audits"]) for a in _audits(emu, apps).values()) < FLEET // 2:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the shipment made no progress"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        halfway = _audits(emu, apps)
        assert sum(1 for a in halfway.values() if a["audits"]) < FLEET
        second = subprocess.run(command, env=env, capture_output=True, timeout=300,
                                check=False)
    assert second.returncode == 1, second.stderr.decode()  # some were rejected
    report = {row["appid"]: row for row in map(json.loads, second.stdout.decode().splitlines())}
    assert sorted(report) == sorted(apps)
    outcomes = {appid: row["outcome"] for appid, row in report.items()}
    assert {a for a, o in outcomes.items() if o == "rejected"} == rejected
    assert {a for a, o in outcomes.items() if o == "released"} == set(apps) - rejected
    for appid in rejected:
        assert report[appid]["reason"] == f"1:{appid} 功能不完整"
    final = _audits(emu, apps)
    for appid, state in final.items():
        assert len(state["audits"]) == 1, (appid, state["audits"])
        submitted = state["audits"][0]["submitted_at"]
        assert state["commit_times"] and max(state["commit_times"]) <= submitted, appid
        if appid not in rejected:
            assert state["released"]["user_version"] == "5.0.0"
    assert emu.calls("/wxa/release") >= FLEET - len(rejected)
    # the killed run entered the shipment in the registry, and the resume added nothing
    listed = subprocess.run([sys.executable, "-m", "wxcomponent.cli", "ship", "--list",
                             "--json"], env=env, capture_output=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr.decode()
    rows = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    assert [(r["shipment"], r["apps"], r["released"], r["rejected"], r["in_progress"])
            for r in rows] == [(f"{template_id}-5.0.0", FLEET, FLEET - len(rejected),
                                len(rejected), 0)]
    store = SQLiteStore(str(store_path))
    try:
        assert [job.state for job in store.list_jobs(APPID, topic="shipments")] == ["done"]
    finally:
        store.close()
