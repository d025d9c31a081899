"""Running the service with uvicorn: in the foreground (``wxcomponent serve``) or on a thread.

:func:`serve` runs until SIGTERM or SIGINT, lets uvicorn finish the requests in flight and
the lifespan shutdown stop the refreshers, and returns 0. :class:`ServiceServer` runs the
service on a background thread on a free loopback port (demos, tests).
"""

from __future__ import annotations

import copy
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

import uvicorn

from .app import Service
from .settings import ServiceSettings

__all__ = ["ServiceServer", "bind", "serve"]

log = logging.getLogger("wxcomponent.service")

#: Seconds uvicorn waits for requests in flight when asked to stop.
GRACEFUL_SECONDS = 10


class BindError(OSError):
    """The address cannot be listened on."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only on sockets whose proto says TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        error = BindError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        error.errno = exc.errno
        raise error from None
    return sock


def _log_config(level: str) -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["wxcomponent"] = {"handlers": ["default"], "level": level.upper()
                                        if level != "trace" else "DEBUG", "propagate": False}
    return config


def _uvicorn(service: Service, *, log_level: str, foreground: bool) -> uvicorn.Server:
    config = uvicorn.Config(
        service.app,
        log_config=_log_config(log_level) if foreground else None,
        log_level=log_level,
        access_log=foreground,
        lifespan="on",
        http="h11",
        ws="none",
        loop="asyncio",
        backlog=2048,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return uvicorn.Server(config)


def serve(
    settings: ServiceSettings,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str | None = None,
    service: Service | None = None,
    sock: socket.socket | None = None,
) -> int:
    """Serve until SIGTERM / SIGINT (graceful), then return 0; non-zero when the application
    did not start (uvicorn's status 3 when the lifespan startup failed).

    ``sock`` is a listening socket to serve on (from :func:`bind`); without it the address of
    ``host``/``port`` (default: the settings') is bound here.
    """
    if sock is None:
        sock = bind(host or settings.host, settings.port if port is None else port)
    service = service or Service(settings)
    server = _uvicorn(service, log_level=log_level or settings.log_level, foreground=True)
    stopped_by: list[int] = []

    def remember(signum: int, _frame: FrameType | None) -> None:
        stopped_by.append(signum)

    # uvicorn handles SIGTERM/SIGINT while serving, then re-raises the signal with the handler
    # found before it started: with these, a graceful stop ends the process with status 0.
    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run(sockets=[sock])
    except SystemExit as exit_:  # how uvicorn reports a failed startup
        return exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    return 0 if server.started else 1


@dataclass
class _Thread:
    """A uvicorn server running on a daemon thread."""

    server: uvicorn.Server
    thread: threading.Thread

    @classmethod
    def launch(cls, server: uvicorn.Server, sock: socket.socket) -> _Thread:
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name="wxcomponent-service", daemon=True)
        thread.start()
        return cls(server, thread)

    def wait_started(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return self.server.started

    def shutdown(self, timeout: float) -> None:
        for flag in ("should_exit", "force_exit"):  # graceful first, then forced
            setattr(self.server, flag, True)
            self.thread.join(timeout)
            if not self.thread.is_alive():
                return


class ServiceServer:
    """The service on a background thread, on a free loopback port unless told otherwise::

        with ServiceServer(settings) as server:
            httpx.get(server.url + "/healthz")
    """

    def __init__(
        self,
        settings_or_service: ServiceSettings | Service,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.service = (settings_or_service if isinstance(settings_or_service, Service)
                        else Service(settings_or_service))
        self.host = host
        self.port = port
        self.log_level = log_level
        self._running: _Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ServiceServer:
        """Bind, serve on a daemon thread and wait until the application started."""
        if self._running is None:
            sock = bind(self.host, self.port)
            self.port = sock.getsockname()[1]
            server = _uvicorn(self.service, log_level=self.log_level, foreground=False)
            self._running = _Thread.launch(server, sock)
            if not self._running.wait_started(timeout):
                self.stop()
                raise RuntimeError(f"the service did not start on {self.url}")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop gracefully (lifespan shutdown included) and wait for the thread."""
        running, self._running = self._running, None
        if running is not None:
            running.shutdown(timeout)

    def __enter__(self) -> ServiceServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
