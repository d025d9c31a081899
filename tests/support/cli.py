"""Running the ``wxcomponent`` command as a subprocess, as an operator would: its
environment, a configuration file for the emulator's platform, its errors, its health."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM

from .waiting import wait_for

P = DEFAULT_PLATFORM
ROOT = Path(__file__).resolve().parents[2]
#: Configuration files are TOML, read with tomllib (Python 3.11+).
needs_toml = pytest.mark.skipif(sys.version_info < (3, 11),
                                reason="reading TOML files needs Python 3.11")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ``WXCOMPONENT_*`` settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXCOMPONENT_")}
    env.update({"COLUMNS": "200", "NO_COLOR": "1"}, **extra)
    return env


def wxcomponent(*args: str, timeout: float = 60, stdin: bytes | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``wxcomponent ARGS`` to its end in the project's root."""
    return subprocess.run([sys.executable, "-m", "wxcomponent.cli", *args], input=(
        stdin.decode() if stdin is not None else None), capture_output=True, text=True,
        timeout=timeout, env=env or clean_env(), cwd=ROOT)


def write_config(path: Path, *, api_base: str, store: Path, port: int = 8000,
                 admin_port: int = 8001) -> Path:
    """A configuration file at ``path`` for the emulator's platform and a SQLite store."""
    path.write_text(
        f'port = {port}\nadmin_port = {admin_port}\napi_base = "{api_base}"\n'
        f'store = "sqlite:///{store}"\n'
        f'api_key = "cli-test-key-0123456789"\nrefresh_interval = 0\n\n'
        f'[[platforms]]\nappid = "{P.appid}"\nsecret = "{P.secret}"\ntoken = "{P.token}"\n'
        f'encoding_aes_key = "{P.encoding_aes_key}"\n', encoding="utf-8")
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with one line on stderr and no traceback; that line."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def wait_healthz(url: str, process: subprocess.Popen[str], timeout: float = 30) -> httpx.Response:
    """The first answer of ``serve``'s ``/healthz``, failing if the process exits first."""

    def answer() -> httpx.Response | None:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()}")
        try:
            return httpx.get(url + "/healthz", timeout=2)
        except httpx.TransportError:
            return None

    return wait_for(answer, "serve did not answer /healthz", timeout)


@dataclass
class Served:
    """``wxcomponent serve`` in a subprocess, and its output once it stopped."""

    process: subprocess.Popen[str]
    stdout: str = ""
    stderr: str = ""


@contextlib.contextmanager
def serving(config: Path) -> Iterator[Served]:
    """Run ``wxcomponent serve --config config`` for the block, then stop it with SIGTERM
    and keep what it wrote."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wxcomponent.cli", "serve", "--config", str(config),
         "--host", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=clean_env(), cwd=ROOT)
    served = Served(process)
    try:
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            served.stdout, served.stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
