"""The pytest plugin as a user's suite gets it, and the standalone command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

USER_SUITE = '''
import httpx

def test_first(wechat_emulator):
    assert wechat_emulator.url.startswith("http://127.0.0.1:")
    wechat_emulator.inject("/x", errcode=-1, times=None)
    wechat_emulator.rotate_refresh_tokens = True
    assert httpx.get(wechat_emulator.url + "/x", trust_env=False).json()["errcode"] == -1

def test_second_sees_a_clean_emulator(wechat_emulator):
    assert wechat_emulator.call_counts() == {}
    assert wechat_emulator.rotate_refresh_tokens is False
    assert httpx.get(wechat_emulator.url + "/x", trust_env=False).status_code == 404
'''


def test_fixture_in_a_fresh_suite(tmp_path: Path) -> None:
    """Nothing but the installed package provides ``wechat_emulator`` (no conftest)."""
    (tmp_path / "test_user.py").write_text(USER_SUITE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_fixture_here(wechat_emulator: EmulatorServer) -> None:
    assert wechat_emulator.emulator.platform(DEFAULT_PLATFORM.appid).appid == \
        DEFAULT_PLATFORM.appid
    assert wechat_emulator.running


def test_command_line() -> None:
    command = [sys.executable, "-m", "wxcomponent.emulator", "--port", "0",
               "--ticket-interval", "0", "--log-level", "warning",
               "--auth-event-url", "http://127.0.0.1:9/cb"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("WeChat emulator listening on http://127.0.0.1:")
            url = first.split()[-1]
            lines = [process.stdout.readline() for _ in range(7)]
            printed = "".join(lines)
            for value in (DEFAULT_PLATFORM.appid, DEFAULT_PLATFORM.secret,
                          DEFAULT_PLATFORM.token, DEFAULT_PLATFORM.encoding_aes_key,
                          "http://127.0.0.1:9/cb"):
                assert value in printed
            state = httpx.get(url + "/__emulator__/state", trust_env=False).json()
            assert state["platforms"][0]["auth_event_url"] == "http://127.0.0.1:9/cb"
        finally:
            process.terminate()
        assert process.wait(10) == 0


def test_server_is_reusable_and_own_emulator() -> None:
    server = EmulatorServer(ticket_interval=None, token_lifetime=10)
    with server:
        first = server.url
        answer = httpx.get(first + "/__emulator__/state", trust_env=False)
        assert answer.status_code == 200
    assert not server.running
    assert "stopped" in repr(server)
    with EmulatorServer(server.emulator) as again:
        assert again.emulator is server.emulator
        assert again.settings.token_lifetime == 10
    with pytest.raises(TypeError):
        EmulatorServer(server.emulator, token_lifetime=1)
