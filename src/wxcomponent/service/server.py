"""Running the service with uvicorn: in the foreground (``wxcomponent serve``) or on a thread.

One uvicorn server in one event loop listens on two sockets: the public listener
(``host``/``port``) and the admin listener (``admin_host``/``admin_port``, loopback by
default); :class:`~wxcomponent.service.app.ServiceApp` answers each with its application.
Every connection has the settings' ``header_timeout`` and ``body_timeout``
(:mod:`wxcomponent.service.protocol`), over uvicorn's httptools parser when the package is
installed and its h11 one otherwise (``http=`` chooses), and every log line goes through the
redaction of :mod:`wxcomponent.redaction`.

:func:`serve` runs until SIGTERM or SIGINT, lets uvicorn finish the requests in flight and
the lifespan shutdown stop the refreshers, and returns 0. :class:`ServiceServer` runs the
service on a background thread on free loopback ports (demos, tests).
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

from ..redaction import RedactingFilter, install_log_redaction
from .app import Service
from .protocol import guarded_protocol, resolve_parser
from .settings import ServiceSettings

__all__ = ["ServiceServer", "bind", "bind_listeners", "serve"]

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


def bind_listeners(host: str, port: int, admin_host: str,
                   admin_port: int) -> tuple[socket.socket, socket.socket]:
    """The public and the admin listening sockets, or neither: the first is closed when the
    second cannot be bound."""
    sock = bind(host, port)
    try:
        return sock, bind(admin_host, admin_port)
    except OSError:
        sock.close()
        raise


def _log_config(level: str) -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["wxcomponent"] = {"handlers": ["default"], "level": level.upper()
                                        if level != "trace" else "DEBUG", "propagate": False}
    config.setdefault("filters", {})["redact"] = {"()": RedactingFilter}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config


def _uvicorn(service: Service, *, log_level: str, foreground: bool,
             access_log: bool | None = None, http: str = "auto") -> uvicorn.Server:
    settings = service.settings
    install_log_redaction()
    if access_log is None:
        # Access lines are INFO: above that level uvicorn would still build each line's
        # fields (the client address, the quoted path and query) only for them to be dropped.
        level = uvicorn.config.LOG_LEVELS.get(log_level.lower(), logging.INFO)
        access_log = foreground and level <= logging.INFO
    config = uvicorn.Config(
        service.app,
        log_config=_log_config(log_level) if foreground else None,
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        proxy_headers=False,  # X-Forwarded-For only from trusted_proxies (the service's own)
        http=guarded_protocol(settings.header_timeout, settings.body_timeout, http),
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
    admin_sock: socket.socket | None = None,
    http: str = "auto",
) -> int:
    """Serve until SIGTERM / SIGINT (graceful), then return 0; non-zero when the application
    did not start (uvicorn's status 3 when the lifespan startup failed).

    ``sock`` and ``admin_sock`` are listening sockets to serve the public and the admin
    listener on (from :func:`bind`); without them the addresses of ``host``/``port``
    (default: the settings') and of ``admin_host``/``admin_port`` are bound here. ``http``
    is the HTTP parser: ``auto`` (httptools when installed, else h11), ``httptools`` or
    ``h11`` (see :func:`~wxcomponent.service.protocol.resolve_parser`).
    """
    resolve_parser(http)  # an unknown name fails before anything is bound
    if sock is None:
        sock = bind(host or settings.host, settings.port if port is None else port)
    if admin_sock is None:
        try:
            admin_sock = bind(settings.admin_host, settings.admin_port)
        except BindError:
            sock.close()
            raise
    service = service or Service(settings)
    service.admin_ports.add(admin_sock.getsockname()[1])
    server = _uvicorn(service, log_level=log_level or settings.log_level, foreground=True,
                      http=http)

    def remember(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True  # a signal before uvicorn's own handlers: stop once started

    # uvicorn handles SIGTERM/SIGINT while serving, then re-raises the signal with the handler
    # found before it started: with these, a graceful stop ends the process with status 0,
    # and a signal that comes while the server starts stops it as soon as it has started.
    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run(sockets=[sock, admin_sock])
    except SystemExit as exit_:  # how uvicorn reports a failed startup
        return exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        admin_sock.close()
    return 0 if server.started else 1


@dataclass
class _Thread:
    """A uvicorn server running on a daemon thread."""

    server: uvicorn.Server
    thread: threading.Thread

    @classmethod
    def launch(cls, server: uvicorn.Server, sockets: list[socket.socket]) -> _Thread:
        thread = threading.Thread(target=server.run, kwargs={"sockets": sockets},
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
    """The service on a background thread, on free loopback ports unless told otherwise::

        with ServiceServer(settings) as server:
            httpx.post(server.url + "/wx0123456789abcdef/events", ...)   # public listener
            httpx.get(server.admin_url + "/readyz")                       # admin listener

    ``access_log`` turns uvicorn's access log on (through the service's redaction); ``http``
    chooses the HTTP parser as :func:`serve` does.
    """

    def __init__(
        self,
        settings_or_service: ServiceSettings | Service,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_host: str = "127.0.0.1",
        admin_port: int = 0,
        log_level: str = "warning",
        access_log: bool = False,
        http: str = "auto",
    ) -> None:
        self.service = (settings_or_service if isinstance(settings_or_service, Service)
                        else Service(settings_or_service))
        self.host = host
        self.port = port
        self.admin_host = admin_host
        self.admin_port = admin_port
        self.log_level = log_level
        self.access_log = access_log
        self.http = resolve_parser(http)
        self._running: _Thread | None = None

    @staticmethod
    def _url(host: str, port: int) -> str:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def url(self) -> str:
        """The public listener's base URL, e.g. ``http://127.0.0.1:54321``."""
        return self._url(self.host, self.port)

    @property
    def admin_url(self) -> str:
        """The admin listener's base URL."""
        return self._url(self.admin_host, self.admin_port)

    def start(self, timeout: float = 15.0) -> ServiceServer:
        """Bind both listeners, serve on a daemon thread and wait until the application
        started."""
        if self._running is None:
            sock, admin_sock = bind_listeners(self.host, self.port, self.admin_host,
                                              self.admin_port)
            self.port = sock.getsockname()[1]
            self.admin_port = admin_sock.getsockname()[1]
            self.service.admin_ports.add(self.admin_port)
            server = _uvicorn(self.service, log_level=self.log_level, foreground=False,
                              access_log=self.access_log, http=self.http)
            self._running = _Thread.launch(server, [sock, admin_sock])
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
