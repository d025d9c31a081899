"""Slow clients: uvicorn's HTTP/1.1 protocols with deadlines for the request head and body.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends
its request head (or its body) a byte at a time, or never finishes it, holds the connection
for ever. :func:`guarded_protocol` makes a protocol class that gives each request
``header_timeout`` seconds from its first byte (from the connection's opening, for the
first request) until its head is complete, then ``body_timeout`` seconds until its body is
complete. A request that misses its deadline is answered ``408 Request Timeout`` (when no
response was started) and its connection is closed; the application, if it was reading the
body, sees the client disconnect. Once a request is fully received, how long the
application takes is not the client's doing and has no deadline here.

A request head is bounded, whichever parser reads it and however its bytes arrive (in one
read, in many, or pipelined behind other requests): at most :data:`MAX_HEAD` bytes of request
target and header lines, and at most :data:`MAX_HEADERS` headers. A head beyond either is
answered ``431 Request Header Fields Too Large`` and its connection is closed, before the
application sees it. A chunked body's trailers are bounded alike, on their own; the
application reading that body sees the client disconnect.

Two parsers are offered, as uvicorn has them: ``httptools`` (llhttp, in C: the faster, used
when the package is installed) and ``h11`` (pure Python, always there). A deadline is only
armed when a request is not complete at the end of the bytes that arrived, so a request that
comes in one piece (nearly every push) costs no timer at all.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["MAX_HEAD", "MAX_HEADERS", "PARSERS", "guarded_protocol", "resolve_parser"]

#: The largest request head accepted, in bytes: the request target and every header line
#: (name, ``": "``, value and line end), as parsed.
MAX_HEAD = 16 * 1024
#: The most headers a request may have.
MAX_HEADERS = 100
#: The parser names :func:`guarded_protocol` takes; ``auto`` is httptools when installed.
PARSERS = ("auto", "httptools", "h11")


def _answer(status: str, message: str) -> bytes:
    body = message.encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


_TIMEOUT_RESPONSE = _answer("408 Request Timeout",
                            "request timeout: the request was not sent in time\n")
_HEAD_TOO_LARGE = _answer("431 Request Header Fields Too Large",
                          "the request head is too large\n")
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.SWITCHED_PROTOCOL)
#: What a header line adds to its name and value: ``": "`` and the line end.
_HEADER_LINE = 4


class _HeadTooLarge(Exception):
    """Raised inside a parser when the head being parsed passes a bound."""


class _HeadBudget:
    """The size and the number of headers of the request head being parsed."""

    __slots__ = ("count", "size")

    def __init__(self) -> None:
        self.count = 0
        self.size = 0

    def reset(self) -> None:
        self.count = self.size = 0

    def target(self, length: int) -> None:
        """Count ``length`` bytes of request target."""
        self.size += length
        if self.size > MAX_HEAD:
            raise _HeadTooLarge

    def header(self, name: bytes, value: bytes) -> None:
        """Count one header."""
        self.count += 1
        self.size += len(name) + len(value) + _HEADER_LINE
        if self.size > MAX_HEAD or self.count > MAX_HEADERS:
            raise _HeadTooLarge


class _BoundedConnection(h11.Connection):
    """An h11 server connection whose requests' heads are bounded (h11 itself bounds only
    a head still incomplete at the end of the bytes received)."""

    def __init__(self) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self.head_too_large = False
        self.trailers_too_large = False

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.head_too_large = exc.error_status_hint == 431  # h11's incomplete head
            raise
        if isinstance(event, (h11.Request, h11.EndOfMessage)):  # a head, or trailers
            budget = _HeadBudget()
            try:
                if isinstance(event, h11.Request):
                    budget.target(len(event.target))
                for name, value in event.headers.raw_items():
                    budget.header(name, value)
            except _HeadTooLarge:
                self.head_too_large = True
                self.trailers_too_large = isinstance(event, h11.EndOfMessage)
                raise h11.RemoteProtocolError("the request head is too large", 431) from None
        return event


class _Coalescing:
    """A connection's transport whose writes within one turn of the event loop leave as one.

    uvicorn writes a response's head and its body apart; on a socket without Nagle's delay
    each write is a system call and a packet. Here they are joined at the end of the turn
    (before a close, at once), so a small response is one packet. Everything else is the
    transport's own."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Deadlines:
    """What both guarded protocols share: one deadline at a time, for the head or the body
    of the request being received, and what happens when it passes."""

    header_timeout = 10.0
    body_timeout = 10.0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    #: Whether the request being received is past its head (a head refused now is its
    #: trailers): each parser's protocol answers from its own parser state.
    _receiving_body: Callable[[], bool]

    def _init_deadlines(self) -> None:
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""  # the part of a request under a deadline: "head", "body" or none
        self._refusing = False  # a head was too large; earlier requests are answered first

    def _arm(self, phase: str, seconds: float) -> None:
        self._disarm()
        self._phase = phase
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = ""

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

    def _refuse_head(self) -> None:
        """Answer 431 and close; when requests received before the refused head (pipelined)
        are still being answered, once they are, and bytes that come meanwhile are dropped.
        Trailers refused end the request whose body they close: the application reading it
        sees the client disconnect."""
        self._disarm()
        cycle = self.cycle
        if self._receiving_body() and cycle is not None and not cycle.response_complete:
            if cycle.response_started:  # an answer is being written: the connection just ends
                self.transport.close()
                return
            cycle.disconnected = True  # the application's reads end, its answer is dropped
            cycle.message_event.set()
            self.transport.write(_HEAD_TOO_LARGE)
            self.transport.close()
            return
        self._refusing = True
        self._refuse_when_answered()

    def _refuse_when_answered(self) -> None:
        cycle = self.cycle
        if self._refusing and not self.transport.is_closing() \
                and (cycle is None or cycle.response_complete):
            self.transport.write(_HEAD_TOO_LARGE)
            self.transport.close()


class _GuardedH11Protocol(_Deadlines, H11Protocol):
    """H11Protocol with a deadline on the head and on the body of each request, and a
    bounded head."""

    conn: _BoundedConnection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _BoundedConnection()
        self._init_deadlines()

    def send_400_response(self, msg: str) -> None:
        if self.conn.head_too_large:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def _receiving_body(self) -> bool:
        return self.conn.trailers_too_large or self.conn.their_state is h11.SEND_BODY

    def _follow(self, received: bool) -> None:
        """Arm, switch or drop the deadline after the state of the request changed."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if self._phase != "body":
                self._arm("body", self.body_timeout)
        elif state in _RECEIVED:
            self._disarm()
        elif (state is h11.IDLE and self._phase != "head"
              and (received or self.conn.trailing_data[0])):
            self._arm("head", self.header_timeout)  # bytes of a head not complete yet

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_Coalescing(transport, self.loop))  # type: ignore[arg-type]
        self._arm("head", self.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return
        super().data_received(data)
        if not self.transport.is_closing() and not self._refusing:
            self._follow(received=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._refusing:
            self._follow(received=False)  # a pipelined head already buffered
        self._refuse_when_answered()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def _httptools_protocol() -> type[Any]:
    """The guarded protocol over uvicorn's httptools one (imported only when asked for)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class _GuardedHttpToolsProtocol(_Deadlines, HttpToolsProtocol):
        """HttpToolsProtocol with a deadline on the head and on the body of each request,
        and a bounded head (llhttp itself takes a head of any length)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._init_deadlines()
            self._state = ""  # of the request being received: "", "head" or "body"
            self._completed = 0  # requests received in full on this connection
            self._head_bytes = 0  # of the head being received, after the bytes it began in
            self._budget = _HeadBudget()  # of the head being parsed
            self._head_too_large = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_Coalescing(transport, self.loop))  # type: ignore[arg-type]
            self._arm("head", self.header_timeout)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._state = "head"
            self._budget.reset()

        def on_url(self, url: bytes) -> None:
            self._bound(self._budget.target, len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._bound(self._budget.header, name, value)
            super().on_header(name, value)

        def _bound(self, count: Callable[..., None], *args: Any) -> None:
            try:
                count(*args)
            except _HeadTooLarge:
                self._head_too_large = True  # the parser fails, and the answer is 431
                raise

        def send_400_response(self, msg: str) -> None:
            if self._head_too_large:
                self._refuse_head()
            else:
                super().send_400_response(msg)

        def _receiving_body(self) -> bool:
            return self._state == "body"

        def on_headers_complete(self) -> None:
            self._state = "body"
            self._budget.reset()  # a chunked body's trailers are bounded on their own
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._state = ""
            self._completed += 1
            self._disarm()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._refuse_when_answered()

        def data_received(self, data: bytes) -> None:
            if self._refusing:
                return
            before, completed = self._state, self._completed
            super().data_received(data)  # the parser's callbacks above follow the request
            if self.transport.is_closing() or self._refusing:
                return
            state = self._state
            if state == "body":
                if self._phase != "body":
                    self._arm("body", self.body_timeout)
            elif state == "head" or completed == self._completed:
                # A head not complete yet, or bytes that began none: a deadline runs from
                # the first of them. Whole chunks of one head count towards its size (the
                # chunk it began in may hold a previous request too).
                if state == "head" and before == "head" and completed == self._completed:
                    self._head_bytes += len(data)
                    if self._head_bytes > MAX_HEAD:
                        self._refuse_head()
                        return
                else:
                    self._head_bytes = 0
                if self._phase != "head":
                    self._arm("head", self.header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return _GuardedHttpToolsProtocol


def resolve_parser(parser: str = "auto") -> str:
    """``httptools`` or ``h11``: the parser ``parser`` names (``auto``: httptools when the
    package is installed, else h11)."""
    if parser not in PARSERS:
        raise ValueError(f"the HTTP parser is one of {', '.join(PARSERS)}, not {parser!r}")
    if parser == "auto":
        return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return parser


def guarded_protocol(header_timeout: float, body_timeout: float,
                     parser: str = "auto") -> type[Any]:
    """A uvicorn ``http`` protocol class enforcing these deadlines (seconds, positive) over
    ``parser`` (see :func:`resolve_parser`)."""
    if not header_timeout > 0 or not body_timeout > 0:
        raise ValueError("the header and body timeouts must be positive")
    base = _httptools_protocol() if resolve_parser(parser) == "httptools" \
        else _GuardedH11Protocol
    return type(f"Guarded{base.__name__.removeprefix('_Guarded')}", (base,),
                {"header_timeout": float(header_timeout), "body_timeout": float(body_timeout)})
