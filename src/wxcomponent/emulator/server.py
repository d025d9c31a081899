"""Run the emulator with uvicorn on a background thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from ..redaction import install_log_redaction
from .emulator import Emulator

__all__ = ["EmulatorServer"]

_OWN = frozenset({"emulator", "host", "port", "log_level"})


class EmulatorServer:
    """An :class:`Emulator` served over real HTTP by uvicorn on a background thread.

    ``port=0`` picks a free port. Use it as a context manager::

        with EmulatorServer() as emu:
            httpx.post(emu.url + "/cgi-bin/component/api_component_token", json={...})
            emu.push_ticket(DEFAULT_PLATFORM.appid)

    Every attribute of the emulator is reachable on the server (``emu.authorize(...)``,
    ``emu.rotate_refresh_tokens = True``), or through :attr:`emulator`. Pass either an
    ``emulator`` or the keyword arguments to build one. Its log records (uvicorn's and its
    own) are redacted (:mod:`wxcomponent.redaction`): requests carry tokens and secrets.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        **emulator_kwargs: Any,
    ) -> None:
        if emulator is not None and emulator_kwargs:
            raise TypeError("pass an emulator or the arguments to build one, not both")
        self.emulator = emulator if emulator is not None else Emulator(**emulator_kwargs)
        self.host = host
        self.port = port
        self.log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        running = "running" if self.running else "stopped"
        return f"<EmulatorServer {self.url} {running}>"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in _OWN:
            raise AttributeError(name)
        return getattr(self.emulator, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN or name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.emulator, name, value)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (use it as the API base)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def control_url(self) -> str:
        """The base of the HTTP control API (``…/__emulator__``)."""
        return self.url + "/__emulator__"

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        """Bind the port, start serving on a daemon thread and wait until it accepts."""
        if self.running:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on accepted
        # sockets whose proto says TCP, and with Nagle on every answer waits ~40 ms for the
        # peer's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            shown = f"[{self.host}]" if ":" in self.host else self.host
            error = OSError(f"cannot listen on {shown}:{self.port}: {exc.strerror or exc}")
            error.errno = exc.errno
            raise error from None
        self.port = sock.getsockname()[1]
        install_log_redaction()
        config = uvicorn.Config(
            self.emulator.app,
            log_config=None,
            log_level=self.log_level,
            access_log=False,
            lifespan="on",
            http="h11",
            ws="none",
            loop="asyncio",
            backlog=4096,
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="wxcomponent-emulator",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread (the emulator's state is kept)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
