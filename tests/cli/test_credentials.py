"""Moving credentials with the command line, as an operator would (subprocesses): export and
import of authorizers (each refresh token checked with the emulator), and migrate between real
stores; and the line parser, property-tested."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcomponent.cli.credentials import (
    ImportLine,
    LineError,
    export_line,
    parse_authorizer_line,
    records,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import AuthorizerRecord, ComplianceRecord, SQLiteStore, open_store

from ..support.cli import P, needs_toml, write_config, wxcomponent

# --------------------------------------------------------------------------- the line parser


@given(st.text())
def test_any_text_parses_or_is_refused_with_a_line_error(text: str) -> None:
    try:
        parsed = parse_authorizer_line(text)
    except LineError as exc:
        assert str(exc)
    else:
        assert parsed is None or isinstance(parsed, ImportLine)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["authorizer_appid", "appid", "refresh_token", "status",
                                        "func_info", "funcs", "tenant", "component_appid",
                                        "name", "authorized_at", "updated_at", "revoked_at"]),
                       json_values | st.integers(min_value=10**300, max_value=10**400)))
def test_any_json_object_parses_or_is_refused(data: dict[str, object]) -> None:
    text = json.dumps(data)
    try:
        parsed = parse_authorizer_line(text)
    except LineError as exc:
        secret = data.get("refresh_token")
        assert str(exc)
        assert not (isinstance(secret, str) and len(secret) > 8 and secret in str(exc))
    else:
        assert parsed is not None and parsed.refresh_token == data["refresh_token"]


appids = st.from_regex(r"wx[0-9a-f]{16}", fullmatch=True)


@given(appids, st.text(min_size=1, max_size=80), st.sampled_from(["authorized", "revoked"]),
       st.lists(st.integers(0, 200), max_size=5),
       st.none() | st.text(st.characters(codec="utf-8", categories=("L", "N", "P"))
                           | st.just(" "), min_size=1, max_size=128),
       st.sampled_from([None, "official_account", "mini_program"]),
       st.integers(0, 2**62 - 1))
def test_an_exported_line_reads_back(appid: str, refresh_token: str, status: str,
                                     funcs: list[int], tenant: str | None,
                                     kind: str | None, event_at: int) -> None:
    revoked = 3.5 if status == "revoked" else None
    record = AuthorizerRecord(P.appid, appid, refresh_token, status,  # type: ignore[arg-type]
                              tuple(funcs), 1.25, 2.5, revoked, tenant, name=tenant,
                              account_type=kind, auth_event_at=event_at)  # type: ignore[arg-type]
    line = parse_authorizer_line(export_line(record))
    assert line == ImportLine(appid, refresh_token, status,  # type: ignore[arg-type]
                              tuple(funcs), tenant, P.appid, tenant, 1.25, 2.5, revoked,
                              kind, event_at)  # type: ignore[arg-type]
    assert "refresh_token" not in repr(line)  # the repr leaves the secret out


@pytest.mark.parametrize("fields", [
    {"account_type": "shop"}, {"account_type": 1}, {"auth_event_at": -1},
    {"auth_event_at": 1.5}, {"auth_event_at": "1700000000"}, {"auth_event_at": True},
    {"auth_event_at": 2**62},
])
def test_a_bad_account_type_or_change_time_is_a_line_error(fields: dict[str, object]) -> None:
    data = {"authorizer_appid": "wx0123456789abcdef", "refresh_token": "refresh-1", **fields}
    with pytest.raises(LineError) as raised:
        parse_authorizer_line(json.dumps(data))
    assert next(iter(fields)) in str(raised.value)


# --------------------------------------------------------------------------- import and export


@pytest.fixture
def emu() -> EmulatorServer:
    with EmulatorServer(ticket_interval=None) as server:
        yield server  # type: ignore[misc]


def _seeded(tmp_path: Path, emu: EmulatorServer) -> tuple[Path, Path]:
    store_path = tmp_path / "wx.sqlite3"
    store = SQLiteStore(store_path)
    store.save_ticket(P.appid, emu.issue_ticket(P.appid), int(time.time()))
    store.close()
    return write_config(tmp_path / "wx.toml", api_base=emu.url, store=store_path), store_path


@needs_toml
def test_import_checks_each_token_reports_bad_lines_and_exports_back(
    tmp_path: Path, emu: EmulatorServer
) -> None:
    config, store_path = _seeded(tmp_path, emu)
    good = emu.authorize(P.appid, push=False).authorizer_appid
    rejected = emu.authorize(P.appid, push=False).authorizer_appid
    good_rt = emu.current_refresh_token(P.appid, good)
    lines = [
        json.dumps({"appid": good, "refresh_token": good_rt, "funcs": [1, 15],
                    "tenant": "cust-1"}),
        '{"appid": "wx-broken", "refresh_token": ',
        json.dumps({"appid": "wx00000000000000a3"}),
        json.dumps({"authorizer_appid": rejected, "refresh_token": "refreshtoken@@@stale-one"}),
        "",
        json.dumps({"appid": "wx00000000000000a5", "refresh_token": "rt-of-a-revoked-one",
                    "status": "revoked"}),
        json.dumps({"appid": "wx00000000000000a6", "refresh_token": "rt",
                    "component_appid": "wx0000000000other1"}),
        # WeChat's release-check account, as an older version exported it
        json.dumps({"appid": "wx570bc396a51b8ff8", "refresh_token": "rt-of-the-test-account",
                    "status": "revoked"}),
    ]
    source = tmp_path / "from-other-sdk.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = wxcomponent("authorizers", "import", str(source), "--config", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    reported = {line.split(":")[0] for line in result.stderr.splitlines()
                if line.startswith("line ")}
    assert reported == {"line 2", "line 3", "line 4", "line 7", "line 8"}
    assert "61023" in result.stderr and "stale-one" not in result.stderr
    assert "test account of WeChat's release check" in result.stderr
    assert "2 authorizer(s) imported, 5 line(s) skipped" in result.stderr
    store = SQLiteStore(store_path)
    try:
        record = store.get_authorizer(P.appid, good)
        assert record is not None
        assert (record.status, record.func_info, record.tenant) == (
            "authorized", (1, 15), "cust-1")
        assert store.get_authorizer(P.appid, rejected) is None
        revoked = store.get_authorizer(P.appid, "wx00000000000000a5")
        assert revoked is not None and revoked.status == "revoked"
        assert store.count_authorizers(P.appid) == 2
    finally:
        store.close()
    # the same file again changes nothing more (and fails the same lines)
    again = wxcomponent("authorizers", "import", str(source), "--config", str(config))
    assert again.returncode == 1 and "2 authorizer(s) imported" in again.stderr
    exported = tmp_path / "out" / "export.jsonl"
    exported.parent.mkdir()
    result = wxcomponent("authorizers", "export", "--config", str(config), "-o", str(exported))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(exported).st_mode) == 0o600
    back = [parse_authorizer_line(line) for line in exported.read_text().splitlines()]
    assert {(b.authorizer_appid, b.status) for b in back if b} == {
        (good, "authorized"), ("wx00000000000000a5", "revoked")}
    on_stdout = wxcomponent("authorizers", "export", "--config", str(config), "--status",
                            "authorized")
    assert [json.loads(x)["authorizer_appid"] for x in on_stdout.stdout.splitlines()] == [good]


def _accounts(store_path: Path, emu: EmulatorServer) -> list[AuthorizerRecord]:
    """Accounts with every field set: names, tenants, permission sets, times of their own,
    one revoked; the authorized ones hold refresh tokens the emulator accepts."""
    store = SQLiteStore(store_path)
    try:
        for n in range(3):
            appid = emu.authorize(P.appid, push=False).authorizer_appid
            store.save_authorizer(AuthorizerRecord(
                P.appid, appid, emu.current_refresh_token(P.appid, appid), "authorized",
                (1, 15 + n), 1600000000.25 + n, 1650000000.5 + n, None, f"tenant-{n}",
                name=f"Shop No. {n}"))
        store.save_authorizer(AuthorizerRecord(
            P.appid, "wx00000000000000r1", "rt-of-a-revoked-account", "revoked", (7,),
            1500000000.0, 1700000000.0, 1700000000.0, "tenant-r", name="Closed shop"))
        return list(records(store, P.appid))
    finally:
        store.close()


def _fields(record: AuthorizerRecord) -> AuthorizerRecord:
    return dataclasses.replace(record, refresh_at=0.0)  # the schedule is the store's own


@needs_toml
@pytest.mark.parametrize("check", [True, False], ids=["checked", "no-check"])
def test_export_then_import_keeps_every_field(
    tmp_path: Path, emu: EmulatorServer, check: bool
) -> None:
    config, store_path = _seeded(tmp_path, emu)
    original = _accounts(store_path, emu)
    exported = tmp_path / "export.jsonl"
    result = wxcomponent("authorizers", "export", "--config", str(config), "-o", str(exported))
    assert result.returncode == 0, result.stderr
    (tmp_path / "b").mkdir()
    other_config, other_path = _seeded(tmp_path / "b", emu)
    result = wxcomponent("authorizers", "import", str(exported), "--config", str(other_config),
                         *(() if check else ("--no-check",)))
    assert result.returncode == 0, result.stderr
    assert "4 authorizer(s) imported, 0 line(s) skipped" in result.stderr
    store = SQLiteStore(other_path)
    try:
        assert [_fields(r) for r in records(store, P.appid)] == [_fields(r) for r in original]
    finally:
        store.close()


@needs_toml
def test_import_without_a_ticket_says_to_use_no_check(
    tmp_path: Path, emu: EmulatorServer
) -> None:
    store_path = tmp_path / "empty.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base=emu.url, store=store_path)
    source = tmp_path / "lines.jsonl"
    source.write_text(json.dumps({"appid": "wx00000000000000a1",
                                  "refresh_token": "rt-secret-of-a1"}) + "\n")
    result = wxcomponent("authorizers", "import", str(source), "--config", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "rt-secret" not in result.stderr
    assert "verify ticket" in result.stderr and "--no-check" in result.stderr
    store = SQLiteStore(store_path)
    try:
        assert store.count_authorizers(P.appid) == 0
    finally:
        store.close()


# --------------------------------------------------------------------------- migrate


def _fill(url: str) -> None:
    store = open_store(url)
    try:
        store.save_ticket(P.appid, "ticket-to-move", 1700000000)
        for n in range(205):  # more than a page
            store.save_authorizer(AuthorizerRecord(
                P.appid, f"wx{n:016d}", f"rt-{n}", "revoked" if n % 7 == 0 else "authorized",
                (1,), 1.0, 2.0, 3.0 if n % 7 == 0 else None, f"tenant-{n % 3}"))
        for n in range(3):  # the compliance board's records
            store.save_compliance(ComplianceRecord(
                P.appid, f"wx{n:016d}", filing_status=6 if n else 5, updated_at=2.0,
                blockers=() if n else ("not_filed",)))
        store.enqueue(P.appid, "deliver:crm", "g1", b"first", key="push-1")
        store.enqueue(P.appid, "deliver:crm", "g1", b"second")
        job = store.enqueue(P.appid, "deliver:crm", "g2", b"done-already")
        (claimed,) = [j for j in store.claim_jobs(P.appid, "deliver:crm", limit=5, lease=60)
                      if j.id == job]
        assert claimed.claim is not None and store.ack_job(job, claimed.claim)
        store.enqueue(P.appid, "deliver:old", "g3", b"delivered long ago")  # id 4, purged
        assert store.purge_jobs(P.appid, topic="deliver:old", state="pending",
                                before=time.time() + 1) == 1
    finally:
        store.close()


@pytest.mark.parametrize("target", ["postgres", "redis"])
def test_migrate_copies_everything_is_idempotent_and_checks(
    tmp_path: Path, target: str, request: pytest.FixtureRequest
) -> None:
    source_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if target == "postgres":
        target_url = (f"{request.getfixturevalue('postgres_dsn')}"
                      f"?schema={request.getfixturevalue('pg_schema')}")
    else:
        target_url = request.getfixturevalue("redis_url")
    _fill(source_url)
    first = wxcomponent("migrate", "--from", source_url, "--to", target_url, "--platform",
                        P.appid)
    assert first.returncode == 0, first.stderr
    assert "ok" in first.stdout and "205" in first.stdout
    assert "rt-" not in first.stdout + first.stderr  # no refresh token shown
    moved = open_store(target_url)
    try:
        assert moved.load_ticket(P.appid).value == "ticket-to-move"  # type: ignore[union-attr]
        assert moved.count_authorizers(P.appid) == 205
        assert moved.count_authorizers(P.appid, status="revoked") == 30
        board = moved.list_compliance(P.appid, blocked_by="not_filed")
        assert [r.authorizer_appid for r in board] == [f"wx{0:016d}"]
        assert moved.count_compliance(P.appid)["records"] == 3
        record = moved.get_authorizer(P.appid, f"wx{7:016d}")
        assert record is not None and (record.status, record.tenant) == ("revoked", "tenant-1")
        jobs = moved.list_jobs(P.appid)
        assert [(j.id, j.group, j.payload, j.state) for j in jobs] == [
            (1, "g1", b"first", "pending"), (2, "g1", b"second", "pending"),
            (3, "g2", b"done-already", "done")]  # every state, with its id
        assert moved.enqueue(P.appid, "deliver:crm", "g9", b"new") == 5  # above the purged 4
        assert moved.purge_jobs(P.appid, topic="deliver:crm", state="pending",
                                before=time.time() + 1) == 3
        # the target moves on (a rotation) before the migration is run again
        assert moved.replace_refresh_token(P.appid, f"wx{1:016d}", "rt-1", "rt-1-rotated")
    finally:
        moved.close()
    second = wxcomponent("migrate", "--from", source_url, "--to", target_url, "--platform",
                         P.appid)
    assert second.returncode == 0, second.stderr
    again = open_store(target_url)
    try:
        assert again.count_authorizers(P.appid) == 205
        # nothing twice; the jobs purged on the target since came back as they were
        assert [j.id for j in again.list_jobs(P.appid)] == [1, 2, 3]
        rotated = again.get_authorizer(P.appid, f"wx{1:016d}")
        assert rotated is not None and rotated.refresh_token == "rt-1-rotated"  # newer kept
    finally:
        again.close()


def test_migrate_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    same = wxcomponent("migrate", "--from", url, "--to", url, "--platform", P.appid)
    assert same.returncode != 0 and "same store" in same.stderr
    nameless = wxcomponent("migrate", "--from", url, "--to", f"sqlite:///{tmp_path / 'b'}")
    assert nameless.returncode != 0 and "--platform" in nameless.stderr
    beside = wxcomponent("migrate", "--from", url, "--to", f"sqlite:///{tmp_path / 'b'}",
                         "--to-durable", f"sqlite:///{tmp_path / 'c'}", "--platform", P.appid)
    assert beside.returncode != 0 and "not Redis" in beside.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
    bad = wxcomponent("migrate", "--from", "mysql://u:pw-secret@h/db", "--to", url,
                      "--platform", P.appid)
    assert bad.returncode != 0 and "pw-secret" not in bad.stderr
    assert "Traceback" not in bad.stderr
