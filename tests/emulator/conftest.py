"""Fixtures of the emulator suite: the emulator, an HTTP client and a real push receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer

from .support import Received, Receiver


@pytest.fixture
def emu(wechat_emulator: EmulatorServer) -> EmulatorServer:
    """The plugin's fixture under a short name."""
    return wechat_emulator


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, trust_env=False, timeout=10) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            got = Received(parts.path, dict(parse_qsl(parts.query)), dict(self.headers),
                           self.rfile.read(length))
            if rec.on_push is not None:
                try:
                    rec.on_push(got)
                except BaseException as exc:
                    rec.callback_errors.append(exc)
            with rec._cond:
                status, body = rec.answers.popleft() if rec.answers else rec.default
                rec.requests.append(got)
                rec._cond.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/wechat/auth"
    yield rec
    server.shutdown()
    server.server_close()
