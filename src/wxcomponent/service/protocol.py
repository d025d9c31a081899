"""Slow clients: uvicorn's HTTP/1.1 protocol with deadlines for the request head and body.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends
its request head (or its body) a byte at a time, or never finishes it, holds the connection
for ever. :func:`guarded_protocol` makes a protocol class that gives each request
``header_timeout`` seconds from its first byte (from the connection's opening, for the
first request) until its head is complete, then ``body_timeout`` seconds until its body is
complete. A request that misses its deadline is answered ``408 Request Timeout`` (when no
response was started) and its connection is closed; the application, if it was reading the
body, sees the client disconnect. Once a request is fully received, how long the
application takes is not the client's doing and has no deadline here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["guarded_protocol"]

_BODY = b"request timeout: the request was not sent in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + _BODY
)
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.SWITCHED_PROTOCOL)


class _GuardedH11Protocol(H11Protocol):
    """H11Protocol with a deadline on the head and on the body of each request."""

    header_timeout = 10.0
    body_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""

    def _arm(self, phase: str, seconds: float) -> None:
        self._disarm()
        self._phase = phase
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = ""

    def _follow(self) -> None:
        """Arm, switch or drop the deadline after the state of the request changed."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if self._phase != "body":
                self._arm("body", self.body_timeout)
        elif state in _RECEIVED:
            self._disarm()
        elif state is h11.IDLE and self._phase == "" and self.conn.trailing_data[0]:
            self._arm("head", self.header_timeout)  # a pipelined head, not complete yet

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("head", self.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._phase == "" and self.conn.their_state is h11.IDLE:
            self._arm("head", self.header_timeout)  # the first byte of the next request
        super().data_received(data)
        if not self.transport.is_closing():
            self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _expired(self) -> None:
        phase, self._phase, self._deadline = self._phase, "", None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        active = cycle is not None and not cycle.response_complete
        if (active and cycle.response_started) or (not active and phase == "body"):
            # An answer is being written, or was given without reading the whole body:
            # nothing to add, the connection just ends.
            self.transport.close()
            return
        if active:
            cycle.disconnected = True  # the application's reads end, its answer is dropped
            cycle.message_event.set()
        self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def guarded_protocol(header_timeout: float, body_timeout: float) -> type[H11Protocol]:
    """A uvicorn ``http`` protocol class enforcing these deadlines (seconds, positive)."""
    if not header_timeout > 0 or not body_timeout > 0:
        raise ValueError("the header and body timeouts must be positive")
    return type("GuardedH11Protocol", (_GuardedH11Protocol,),
                {"header_timeout": float(header_timeout), "body_timeout": float(body_timeout)})
