"""``wxcomponent ship --list``: the platform's shipments, newest first and paged, with their
counts, read from a real SQLite store after real shipments against the emulator."""

from __future__ import annotations

import json
import time
from pathlib import Path

from wxcomponent import Component, ComponentConfig, ShipOptions
from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore

from ..support.cli import assert_one_line_error, needs_toml, wxcomponent

CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
FAST = ShipOptions(concurrency=4, lease=5, privacy_interval=0.02, poll_interval=0.2,
                   idle_interval=0.05, retry_base=0.01)


def config(tmp_path: Path, store: Path, api_base: str) -> Path:
    path = tmp_path / "wx.toml"
    path.write_text(
        f'store = "sqlite:///{store}"\napi_base = "{api_base}"\n\n'
        f'[[platforms]]\nappid = "{P.appid}"\nsecret = "{P.secret}"\ntoken = "{P.token}"\n'
        f'encoding_aes_key = "{P.encoding_aes_key}"\n', encoding="utf-8")
    return path


def ship_twice(emu: EmulatorServer, store_path: Path) -> list[str]:
    """Two shipments: ``winter`` to two mini programs (one rejected), then ``spring``."""
    store = SQLiteStore(str(store_path))
    try:
        store.save_ticket(P.appid, emu.issue_ticket(P.appid), int(time.time()))
        emu.configure_mini_programs(privacy_check_delay=0)
        with Component(CONFIG, store, api_base=emu.url) as component:
            apps = []
            for _ in range(2):
                grant = emu.authorize(P.appid, kind="mini_program", push=False)
                component.query_auth(grant.auth_code)
                apps.append(grant.authorizer_appid)
            draft = emu.add_template_draft(P.appid, "1.0.0")["draft_id"]
            component.templates.add(draft)
            template_id = component.templates.list().templates[0].template_id
            emu.set_audit_result(P.appid, apps[1], "fail", "1:incomplete")
            winter = component.fleet.ship(template_id, {}, "1.0.0", appids=apps,
                                          shipment="winter", options=FAST)
            assert winter.counts()["rejected"] == 1
            emu.set_audit_result(P.appid, apps[1], "success")
            component.fleet.ship(template_id, {}, "1.1.0", appids=apps, shipment="spring",
                                 options=FAST)
        return apps
    finally:
        store.close()


@needs_toml
def test_ship_list_shows_shipments_newest_first_and_pages(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    store_path = tmp_path / "wx.sqlite3"
    ship_twice(wechat_emulator, store_path)
    cfg = str(config(tmp_path, store_path, wechat_emulator.url))
    listed = wxcomponent("ship", "-c", cfg, "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert [(r["shipment"], r["user_version"], r["apps"], r["released"], r["rejected"],
             r["failed"], r["in_progress"]) for r in rows] == [
        ("spring", "1.1.0", 2, 2, 0, 0, 0), ("winter", "1.0.0", 2, 1, 1, 0, 0)]
    assert rows[0]["id"] > rows[1]["id"] and "older shipments" not in listed.stderr

    first = wxcomponent("ship", "-c", cfg, "--list", "--limit", "1")
    assert first.returncode == 0, first.stderr
    assert "spring" in first.stdout and "winter" not in first.stdout
    assert f"older shipments: --list --before {rows[0]['id']}" in first.stderr
    older = wxcomponent("ship", "-c", cfg, "--list", "--before", str(rows[0]["id"]),
                        "--json")
    assert [json.loads(line)["shipment"] for line in older.stdout.splitlines()] == ["winter"]
    none = wxcomponent("ship", "-c", cfg, "--list", "--before", str(rows[1]["id"]))
    assert none.returncode == 0 and "no shipment before that one" in none.stderr

    for args in (("--before", "3"), ("--list", "--report", "--shipment", "winter"),
                 ("--list", "--limit", "0"), ("--list", "--before", "0")):
        refused = wxcomponent("ship", "-c", cfg, *args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert "Traceback" not in refused.stderr


@needs_toml
def test_ship_list_of_an_empty_store(tmp_path: Path) -> None:
    store_path = tmp_path / "wx.sqlite3"
    SQLiteStore(str(store_path)).close()
    cfg = str(config(tmp_path, store_path, "http://127.0.0.1:9"))
    listed = wxcomponent("ship", "-c", cfg, "--list")
    assert listed.returncode == 0 and "no shipment yet" in listed.stderr
    bad = wxcomponent("ship", "-c", cfg, "--list", "--platform", "wx0000000000000009")
    assert_one_line_error(bad)


@needs_toml
def test_ship_reports_blocked_mini_programs_grouped_by_reason(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    emu = wechat_emulator
    store_path = tmp_path / "wx.sqlite3"
    apps = ship_twice(emu, store_path)  # both mini programs have no privacy guide
    cfg = str(config(tmp_path, store_path, emu.url))
    ext = tmp_path / "ext.json"
    ext.write_text("{}", encoding="utf-8")
    template_id = json.loads(wxcomponent("ship", "-c", cfg, "--list", "--json")
                             .stdout.splitlines()[0])["template_id"]
    result = wxcomponent("ship", "-c", cfg, "--template", str(template_id), "--ext-json",
                         str(ext), "--version", "2.0.0", "--all", "--privacy-key", "Location",
                         "--json", "--poll-interval", "0.2", "--privacy-interval", "0.02",
                         "--idle-interval", "0.05")
    assert result.returncode == 1, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert {(r["appid"], r["outcome"], r["blocker"]) for r in rows} == {
        (appid, "blocked", "privacy_guide_missing") for appid in apps}
    assert "blocked: 2 privacy_guide_missing" in result.stderr
    assert all(emu.mini_program(P.appid, appid)["commits"] == 2 for appid in apps)
