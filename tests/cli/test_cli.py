"""The ``wxcomponent`` command, run as a subprocess like an operator would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import AuthorizerRecord, SQLiteStore

from ..support.cli import (
    ROOT,
    P,
    assert_one_line_error,
    clean_env,
    needs_toml,
    serving,
    wait_healthz,
    write_config,
    wxcomponent,
)
from ..support.servers import PG_DATABASE, PG_PASSWORD, PG_USER, PostgresServer, free_port


def vectors_file() -> Path:
    shared = Path(__file__).resolve().parents[3] / "shared" / "spec" / "vectors.json"
    return shared if shared.exists() else ROOT / "tests" / "core" / "data" / "vectors.json"


def decrypt_vector(name: str = "official-platform-push") -> dict[str, Any]:
    vectors = json.loads(vectors_file().read_text(encoding="utf-8"))["vectors"]
    found: dict[str, Any] = next(v for v in vectors if v["name"] == name)
    return found


# --------------------------------------------------------------------------- demo


def test_demo_walks_through_every_step_and_exits_0() -> None:
    result = wxcomponent("demo", timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in ("Verify ticket pushed to the service", "A merchant authorizes",
                 "EncodingAESKey rotation", "40001 injected and healed",
                 "500 concurrent token requests", "The merchant revokes"):
        assert f"✓ {step}" in out, step
    assert "✗" not in out
    assert "All 10 steps held" in out
    assert "/cgi-bin/component/api_authorizer_token" in out  # the call-count table


# --------------------------------------------------------------------------- decrypt


def vector_args(vector: dict[str, Any], tmp_path: Path, *, signature: str | None = None
                ) -> list[str]:
    body = tmp_path / "body.xml"
    body.write_text(f"<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>"
                    f"<Encrypt><![CDATA[{vector['encrypt']}]]></Encrypt></xml>", encoding="utf-8")
    query = (f"https://platform.example.com/messages/wx?timestamp={vector['timestamp']}"
             f"&nonce={vector['nonce']}&encrypt_type=aes"
             f"&msg_signature={signature or vector['msg_signature']}")
    return ["decrypt", query, str(body), "--appid", vector["appid"], "--token",
            vector["token"], "--encoding-aes-key", vector["encoding_aes_key"]]


def test_decrypt_prints_the_plaintext_fields(tmp_path: Path) -> None:
    vector = decrypt_vector()
    result = wxcomponent(*vector_args(vector, tmp_path))
    assert result.returncode == 0, result.stderr
    for value in ("gh_97417a04a28d", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY", "1715943329", "debug_demo",
                  "hello world", "debug_str"):
        assert value in result.stdout, value
    assert "msg_signature ok" in result.stdout


@needs_toml
def test_decrypt_reads_the_body_from_stdin_and_a_config_file(tmp_path: Path) -> None:
    vector = decrypt_vector()
    config = tmp_path / "c.toml"
    config.write_text(f'[[platforms]]\nappid = "{vector["appid"]}"\nsecret = "s"\n'
                      f'token = "{vector["token"]}"\n'
                      f'encoding_aes_key = "{vector["encoding_aes_key"]}"\n', encoding="utf-8")
    query = (f"timestamp={vector['timestamp']}&nonce={vector['nonce']}"
             f"&msg_signature={vector['msg_signature']}")
    result = wxcomponent("decrypt", query, "-", "--config", str(config),
                         stdin=vector["encrypt"].encode())
    assert result.returncode == 0, result.stderr
    assert "hello world" in result.stdout


def test_decrypt_says_which_check_failed(tmp_path: Path) -> None:
    vector = decrypt_vector()
    tampered = ("0" if vector["msg_signature"][0] != "0" else "1") + vector["msg_signature"][1:]
    result = wxcomponent(*vector_args(vector, tmp_path, signature=tampered))
    line = assert_one_line_error(result)
    assert "msg_signature does not match (-40001)" in line
    assert result.stdout == ""
    args = vector_args(vector, tmp_path)
    args[args.index("--appid") + 1] = "wx0000000000000000"
    wrong_appid = assert_one_line_error(wxcomponent(*args))
    assert "(-40005)" in wrong_appid


# --------------------------------------------------------------------------- serve


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(ticket_interval=None) as server:
        yield server


@needs_toml
def test_serve_answers_receives_a_ticket_and_stops_on_sigterm(
        emulator: EmulatorServer, tmp_path: Path) -> None:
    port, admin_port = free_port(), free_port()
    store_path = tmp_path / "service.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base=emulator.url, store=store_path,
                          port=port, admin_port=admin_port)
    url = f"http://127.0.0.1:{port}"
    admin = f"http://127.0.0.1:{admin_port}"
    with serving(config) as served:
        first = wait_healthz(url, served.process)
        assert first.status_code == 200
        status = httpx.get(admin + "/status").json()
        assert status["platforms"][P.appid]["ticket"] == "waiting_for_ticket"
        emulator.configure(P.appid, auth_event_url=f"{url}/{P.appid}/events")
        delivery = emulator.push_ticket(P.appid)
        assert delivery.ok, delivery.error
        assert httpx.get(admin + "/status").json()["platforms"][P.appid]["ticket"] == "ok"
        token = httpx.get(f"{admin}/api/{P.appid}/component_token",
                          headers={"Authorization": "Bearer cli-test-key-0123456789"})
        assert token.status_code == 200
        public = httpx.get(f"{url}/api/{P.appid}/component_token",
                           headers={"Authorization": "Bearer cli-test-key-0123456789"})
        assert public.status_code == 404  # the admin API is not on the public listener
        httpx.get(f"{url}/{P.appid}/authorized",
                  params={"auth_code": "queryauthcode@@@CLISECRET", "state": "v1.CLISTATE.x"})
    stdout, stderr = served.stdout, served.stderr
    assert served.process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert f"{url}/{P.appid}/events" in stderr  # the startup summary names the URLs
    assert "Finished server process" in stderr  # uvicorn's graceful shutdown
    logs = stdout + stderr
    assert f"/{P.appid}/authorized?auth_code=***" in logs  # the access log, redacted
    assert "CLISECRET" not in logs and "CLISTATE" not in logs
    stored = SQLiteStore(store_path)
    try:
        ticket = stored.load_ticket(P.appid)
        assert ticket is not None and ticket.value == emulator.latest_ticket(P.appid)
    finally:
        stored.close()


@needs_toml
def test_serve_with_a_bad_config_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    line = assert_one_line_error(wxcomponent("serve", "--config", str(missing)))
    assert f"{missing}: no such file" in line
    env = clean_env(WXCOMPONENT_APPID=P.appid, WXCOMPONENT_SECRET=P.secret,
                    WXCOMPONENT_TOKEN=P.token, WXCOMPONENT_ENCODING_AES_KEY="short")
    line = assert_one_line_error(wxcomponent("serve", env=env))
    assert "platforms[0].encoding_aes_key" in line and "WXCOMPONENT_ENCODING_AES_KEY" in line


def test_serve_with_a_wrong_postgres_password_exits_at_once_in_one_line(
        postgres_server: PostgresServer) -> None:
    wrong = "wrong-pg-password-q7"
    store = f"postgresql://{PG_USER}:{wrong}@127.0.0.1:{postgres_server.port}/{PG_DATABASE}"
    env = clean_env(WXCOMPONENT_APPID=P.appid, WXCOMPONENT_SECRET=P.secret,
                    WXCOMPONENT_TOKEN=P.token, WXCOMPONENT_ENCODING_AES_KEY=P.encoding_aes_key,
                    WXCOMPONENT_STORE=store, WXCOMPONENT_PORT=str(free_port()),
                    WXCOMPONENT_ADMIN_PORT=str(free_port()))
    result = wxcomponent("serve", env=env)
    line = assert_one_line_error(result)
    assert f"postgresql://{PG_USER}@127.0.0.1:{postgres_server.port}/{PG_DATABASE}" in line
    assert "password authentication failed" in line
    assert wrong not in result.stderr + result.stdout
    assert PG_PASSWORD not in result.stderr + result.stdout


@needs_toml
def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = wxcomponent("--debug", "serve", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "SettingsError" in result.stderr


# --------------------------------------------------------------------------- ops commands


@needs_toml
def test_token_prints_only_the_token(emulator: EmulatorServer, tmp_path: Path) -> None:
    store_path = tmp_path / "ops.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base=emulator.url, store=store_path)
    store = SQLiteStore(store_path)
    store.save_ticket(P.appid, emulator.issue_ticket(P.appid), int(time.time()))
    store.close()
    result = wxcomponent("token", "--config", str(config))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and len(token) > 20 and " " not in token
    assert emulator.calls("/cgi-bin/component/api_component_token") == 1
    again = wxcomponent("token", "--config", str(config))
    assert again.stdout.strip() == token  # from the store
    assert emulator.calls("/cgi-bin/component/api_component_token") == 1
    unknown = assert_one_line_error(wxcomponent("token", "--config", str(config),
                                                "--authorizer", "wx0123456789abcdef"))
    assert "has no stored authorization" in unknown


@needs_toml
def test_authorizers_lists_the_store(tmp_path: Path) -> None:
    store_path = tmp_path / "ops.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base="http://127.0.0.1:9", store=store_path)
    store = SQLiteStore(store_path)
    for appid, name in (("wx00000000000000a1", "Tea [bold]House"),
                        ("wx00000000000000a2", "咖啡 Corner")):
        store.save_authorizer(AuthorizerRecord(P.appid, appid, "refresh@@@" + appid,
                                               func_info=(1, 15), authorized_at=time.time(),
                                               updated_at=time.time(), name=name))
    store.mark_revoked(P.appid, "wx00000000000000a2")
    store.close()
    result = wxcomponent("authorizers", "--config", str(config))
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[2].strip(): line for line in result.stdout.splitlines()
            if "wx00000000000000a" in line}
    assert "authorized" in rows["wx00000000000000a1"]
    assert "revoked" in rows["wx00000000000000a2"]
    assert "refresh@@@" not in result.stdout
    only = wxcomponent("authorizers", "--config", str(config), "--status", "revoked", "--json")
    listed = [json.loads(line) for line in only.stdout.splitlines()]
    assert [r["authorizer_appid"] for r in listed] == ["wx00000000000000a2"]
    assert listed[0]["func_info"] == [1, 15]
    assert listed[0]["name"] == "咖啡 Corner"
    assert "Tea [bold]House" in rows["wx00000000000000a1"]  # shown as it is, not as markup
    by_name = wxcomponent("authorizers", "--config", str(config), "--name", "TEA [B", "--json")
    assert by_name.returncode == 0, by_name.stderr
    assert [json.loads(line)["authorizer_appid"] for line in by_name.stdout.splitlines()] == [
        "wx00000000000000a1"]
    bad = assert_one_line_error(wxcomponent("authorizers", "--config", str(config),
                                            "--name", "line\nbreak"))
    assert "prefix" in bad


@needs_toml
def test_authorizers_lists_many_records_under_one_header(tmp_path: Path) -> None:
    store_path = tmp_path / "many.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base="http://127.0.0.1:9", store=store_path)
    store = SQLiteStore(store_path)
    count = 503
    for i in range(count):
        store.save_authorizer(AuthorizerRecord(P.appid, f"wx{i:016d}", f"refresh@@@{i}",
                                               authorized_at=1.0, updated_at=1.0))
    store.close()
    result = wxcomponent("authorizers", "--config", str(config))
    assert result.returncode == 0, result.stderr
    appids = [line.split("│")[2].strip() for line in result.stdout.splitlines()
              if line.startswith("│") and "wx0" in line]
    assert appids == [f"wx{i:016d}" for i in range(count)]
    assert result.stdout.count("authorizer appid") == 1  # one header
    assert f"{count} authorizer(s)" in result.stderr


def test_emulator_serves_until_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "wxcomponent.cli", "emulator", "--port", str(port),
         "--ticket-interval", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_env(), cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/cgi-bin/component/"
                                    "api_create_preauthcode", json={})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert answer.json()["errcode"] == 41001  # like WeChat: no access token given
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert P.appid in stdout and P.encoding_aes_key in stdout


# A process that is told to stop while it is starting must still stop, cleanly. The signal is
# sent by the process to itself at a chosen point of its start, so the test is deterministic.
_SIGNAL_DURING_START = """
import os, signal, sys
import {module} as target
original = target.{cls}.{method}
def {method}(self, *args, **kwargs):
    os.kill(os.getpid(), signal.{sig})
    return original(self, *args, **kwargs)
target.{cls}.{method} = {method}
from wxcomponent.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_signalled_during_start(module: str, cls: str, method: str, sig: str,
                               *args: str) -> subprocess.CompletedProcess[str]:
    script = _SIGNAL_DURING_START.format(module=module, cls=cls, method=method, sig=sig)
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=60, env=clean_env(), cwd=ROOT)


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_emulator_told_to_stop_before_its_port_opens_stops_cleanly(sig: str) -> None:
    result = run_signalled_during_start("wxcomponent.emulator.server", "EmulatorServer",
                                        "__enter__", sig, "emulator", "--port", "0",
                                        "--ticket-interval", "0")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "WeChat emulator listening on" in result.stdout  # it started, then stopped


@needs_toml
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_serve_told_to_stop_before_uvicorn_runs_stops_once_started(
        emulator: EmulatorServer, tmp_path: Path, sig: str) -> None:
    config = write_config(tmp_path / "wx.toml", api_base=emulator.url,
                          store=tmp_path / "service.sqlite3", port=0, admin_port=0)
    result = run_signalled_during_start("uvicorn", "Server", "run", sig,
                                        "serve", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Finished server process" in result.stderr  # uvicorn's graceful shutdown ran


@pytest.mark.parametrize("command", [["wxcomponent.cli", "emulator"], ["wxcomponent.emulator"]])
def test_emulator_on_a_port_in_use_names_the_address(command: list[str]) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", *command, "--port", str(port),
                                 "--ticket-interval", "0"], capture_output=True, text=True,
                                timeout=60, env=clean_env(), cwd=ROOT)
    line = assert_one_line_error(result)
    assert f"127.0.0.1:{port}" in line and "in use" in line
    assert result.stdout == ""


@needs_toml
def test_authorizers_into_a_pipe_closed_early_ends_quietly(tmp_path: Path) -> None:
    store_path = tmp_path / "piped.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base="http://127.0.0.1:9", store=store_path)
    store = SQLiteStore(store_path)
    for i in range(2000):  # far more than a pipe holds
        store.save_authorizer(AuthorizerRecord(P.appid, f"wx{i:016d}", f"refresh@@@{i}",
                                               authorized_at=1.0, updated_at=1.0))
    store.close()
    # like `wxcomponent authorizers | head -n 3`: the reader goes away after a few lines
    process = subprocess.Popen([sys.executable, "-m", "wxcomponent.cli", "authorizers",
                                "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=clean_env(), cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    head = [process.stdout.readline() for _ in range(3)]
    assert b"authorizers" in head[0]
    process.stdout.close()
    try:
        stderr = process.stderr.read().decode()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert stderr == "", stderr


@needs_toml
def test_authorizers_show_the_tenant_and_account_type_and_filter_by_tenant(
        tmp_path: Path) -> None:
    store_path = tmp_path / "tenants.sqlite3"
    config = write_config(tmp_path / "wx.toml", api_base="http://127.0.0.1:9", store=store_path)
    store = SQLiteStore(store_path)
    for appid, tenant, kind in (("wx00000000000000b1", "customer-1", "mini_program"),
                                ("wx00000000000000b2", "customer-2", "official_account"),
                                ("wx00000000000000b3", "customer-1", None)):
        store.save_authorizer(AuthorizerRecord(P.appid, appid, "refresh@@@" + appid,
                                               authorized_at=1.0, updated_at=1.0,
                                               tenant=tenant, name="Shop " + appid[-2:]))
        if kind is not None:
            store.set_authorizer_name(P.appid, appid, "Shop " + appid[-2:],
                                      account_type=kind)  # type: ignore[arg-type]
    store.close()
    table = wxcomponent("authorizers", "--config", str(config))
    assert table.returncode == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if "authorizer appid" in line)
    columns = [cell.strip() for cell in header.split("│")[1:-1]]
    assert "tenant" in columns and "type" in columns
    rows = {cells[columns.index("authorizer appid")]: cells for cells in (
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in table.stdout.splitlines() if "wx00000000000000b" in line)}
    assert rows["wx00000000000000b1"][columns.index("tenant")] == "customer-1"
    assert rows["wx00000000000000b1"][columns.index("type")] == "mini program"
    assert rows["wx00000000000000b2"][columns.index("type")] == "official account"
    assert rows["wx00000000000000b3"][columns.index("type")] == "—"
    listed = wxcomponent("authorizers", "--config", str(config), "--json")
    by_appid = {r["authorizer_appid"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert (by_appid["wx00000000000000b1"]["tenant"],
            by_appid["wx00000000000000b1"]["account_type"]) == ("customer-1", "mini_program")
    assert by_appid["wx00000000000000b3"]["account_type"] is None
    one = wxcomponent("authorizers", "--config", str(config), "--tenant", "customer-1",
                      "--json")
    assert one.returncode == 0, one.stderr
    assert [json.loads(line)["authorizer_appid"] for line in one.stdout.splitlines()] == [
        "wx00000000000000b1", "wx00000000000000b3"]
    assert "2 authorizer(s)" in one.stderr
    named = wxcomponent("authorizers", "--config", str(config), "--tenant", "customer-1",
                        "--name", "shop b3", "--json")
    assert [json.loads(line)["authorizer_appid"] for line in named.stdout.splitlines()] == [
        "wx00000000000000b3"]
    bad = assert_one_line_error(wxcomponent("authorizers", "--config", str(config),
                                            "--tenant", "line\nbreak"))
    assert "tenant" in bad
