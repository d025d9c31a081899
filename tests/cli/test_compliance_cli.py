"""``wxcomponent compliance`` over a real SQLite store, run as an operator runs it: the board
as a table and as JSON lines, by any blocker, by one, by the end of verification, a page at a
time, with the counts per reason on stderr; bad options are one-line errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

from wxcomponent.core.compliance_state import assess
from wxcomponent.stores import AuthorizerRecord, ComplianceRecord, SQLiteStore

from ..support.cli import P, assert_one_line_error, needs_toml, write_config, wxcomponent

DAY = 86400.0


def board(tmp_path: Path) -> Path:
    """A configuration whose store holds five mini programs' compliance records."""
    store_path = tmp_path / "board.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base="http://127.0.0.1:9", store=store_path)
    store = SQLiteStore(store_path)
    now = time.time()
    states = {
        "wx00000000000000b1": {"filing_status": 3},
        "wx00000000000000b2": {"filing_status": 6, "verified_until": now + 10 * DAY},
        "wx00000000000000b3": {"filing_status": 6, "verified_until": now - DAY,
                               "open_violations": 2},
        "wx00000000000000b4": {"filing_status": 6, "privacy_rejected": ("wx.choosePoi",)},
        "wx00000000000000b5": {"filing_status": 6, "verified_until": now + 200 * DAY},
    }
    for appid, fields in states.items():
        store.save_authorizer(AuthorizerRecord(P.appid, appid, "refresh@@@" + appid,
                                               authorized_at=now, updated_at=now,
                                               name=f"Shop {appid[-2:]}",
                                               account_type="mini_program"))
        store.save_compliance(assess(ComplianceRecord(P.appid, appid, updated_at=now,
                                                      checked_at=now, **fields), now))
    store.close()
    return config


def lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


@needs_toml
def test_the_board_lists_every_mini_program_with_what_blocks_it(tmp_path: Path) -> None:
    config = board(tmp_path)
    result = wxcomponent("compliance", "--config", str(config))
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[2].strip(): line for line in result.stdout.splitlines()
            if "wx00000000000000b" in line}
    assert sorted(rows) == [f"wx00000000000000b{i}" for i in range(1, 6)]
    assert "not_filed" in rows["wx00000000000000b1"]
    assert "verification_expired violations_open" in rows["wx00000000000000b3"]
    assert "verification_expiring" in rows["wx00000000000000b2"]
    assert "Shop b4" in rows["wx00000000000000b4"]
    assert "refresh@@@" not in result.stdout + result.stderr
    assert "5 mini program(s) listed; of 5 recorded, 3 blocked (not_filed 1, " \
           "verification_expired 1, privacy_interface_rejected 1, violations_open 1, " \
           "verification_expiring 1)" in result.stderr


@needs_toml
def test_blocked_blocked_by_and_expiring_choose_the_rows(tmp_path: Path) -> None:
    config = board(tmp_path)
    blocked = wxcomponent("compliance", "--config", str(config), "--blocked", "--json")
    assert blocked.returncode == 0, blocked.stderr
    assert [r["authorizer_appid"] for r in lines(blocked.stdout)] == [
        "wx00000000000000b1", "wx00000000000000b3", "wx00000000000000b4"]
    first = lines(blocked.stdout)[0]
    assert (first["blockers"], first["filing_status"], first["name"]) == (
        ["not_filed"], 3, "Shop b1")
    by = wxcomponent("compliance", "--config", str(config), "--blocked-by",
                     "privacy_interface_rejected", "--json")
    assert [(r["authorizer_appid"], r["privacy_rejected"]) for r in lines(by.stdout)] == [
        ("wx00000000000000b4", ["wx.choosePoi"])]
    expiring = wxcomponent("compliance", "--config", str(config), "--expiring", "30", "--json")
    assert [r["authorizer_appid"] for r in lines(expiring.stdout)] == [
        "wx00000000000000b2", "wx00000000000000b3"]


@needs_toml
def test_limit_and_after_page_through_the_board(tmp_path: Path) -> None:
    config = board(tmp_path)
    first = wxcomponent("compliance", "--config", str(config), "--limit", "2", "--json")
    assert [r["authorizer_appid"] for r in lines(first.stdout)] == [
        "wx00000000000000b1", "wx00000000000000b2"]
    assert "next page: --after wx00000000000000b2" in first.stderr
    second = wxcomponent("compliance", "--config", str(config), "--limit", "2", "--after",
                         "wx00000000000000b2", "--json")
    assert [r["authorizer_appid"] for r in lines(second.stdout)] == [
        "wx00000000000000b3", "wx00000000000000b4"]


@needs_toml
def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    config = board(tmp_path)
    for args in (["--blocked-by", "everything"], ["--expiring", "-1"], ["--limit", "0"],
                 ["--after", "wx 1"], ["--blocked", "--blocked-by", "suspended"]):
        assert_one_line_error(wxcomponent("compliance", "--config", str(config), *args))
