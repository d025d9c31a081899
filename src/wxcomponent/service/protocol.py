"""Slow clients: uvicorn's HTTP/1.1 protocols with deadlines for the request head and body.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends
its request head (or its body) a byte at a time, or never finishes it, holds the connection
for ever. :func:`guarded_protocol` makes a protocol class that gives each request
``header_timeout`` seconds from its first byte (from the connection's opening, for the
first request) until its head is complete, then ``body_timeout`` seconds until its body is
complete, and bounds each head (16 KiB, 100 headers; 431 beyond), however its bytes arrive.
The rules are :mod:`.reception`'s state machine, one per connection: each protocol tells it
what its parser found and when, keeps one timer on the deadline it names, and carries out
its verdicts — a 408 or a 431 written before the connection closes; the application, if it
was reading the body, sees the client disconnect. Once a request is fully received, how long
the application takes is not the client's doing and has no deadline here.

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

from .reception import MAX_HEAD, MAX_HEADERS, Answering, HeadTooLarge, Reception, Verdict

__all__ = ["MAX_HEAD", "MAX_HEADERS", "PARSERS", "guarded_protocol", "resolve_parser"]

#: The parser names :func:`guarded_protocol` takes; ``auto`` is httptools when installed.
PARSERS = ("auto", "httptools", "h11")


def _answer(status: str, message: str) -> bytes:
    body = message.encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


_ANSWERS = {
    Verdict.ANSWER_408: _answer("408 Request Timeout",
                                "request timeout: the request was not sent in time\n"),
    Verdict.ANSWER_431: _answer("431 Request Header Fields Too Large",
                                "the request head is too large\n"),
}
#: h11's states of a peer whose request is received whole: bytes after it wait in h11's
#: buffer until the request is answered.
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.SWITCHED_PROTOCOL)


class _BoundedConnection(h11.Connection):
    """An h11 server connection that tells a :class:`Reception` of each request head it
    parses, its trailers and its end, and so bounds whole heads (h11 itself bounds only a
    head still incomplete at the end of the bytes received)."""

    def __init__(self, reception: Reception) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self.reception = reception
        self.head_too_large = False  # h11's own bound, on a head it buffers

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.head_too_large = exc.error_status_hint == 431  # h11's incomplete head
            raise
        reception = self.reception
        try:
            if isinstance(event, h11.Request):
                reception.head_began()
                reception.target(len(event.target))
                for name, value in event.headers.raw_items():
                    reception.header(name, value)
                reception.head_complete()
            elif isinstance(event, h11.EndOfMessage):  # with its trailers
                for name, value in event.headers.raw_items():
                    reception.header(name, value)
                reception.request_complete()
        except HeadTooLarge:
            raise h11.RemoteProtocolError("the request head is too large", 431) from None
        return event

    def held(self) -> bool:
        """Tell the reception of a head begun in the bytes buffered (h11 reports a head
        only once it is complete); whether bytes wait until the request received whole is
        answered."""
        if self.their_state is h11.IDLE and self.trailing_data[0] \
                and self.reception.receiving == "":
            self.reception.head_began()
        return self.their_state in _RECEIVED


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

    def is_closing(self) -> bool:
        # asked several times a request: spelt out rather than found through __getattr__
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Guarded:
    """What both guarded protocols share: the connection's :class:`Reception`, one timer on
    its deadline, and its verdicts carried out."""

    header_timeout = 10.0
    body_timeout = 10.0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def _init_reception(self) -> None:
        self.reception = Reception(self.header_timeout, self.body_timeout)
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None

    def _answering(self) -> Answering:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return Answering.NONE
        return Answering.WRITING if cycle.response_started else Answering.WAITING

    def _carry_out(self, verdict: Verdict) -> None:
        """Do what the reception says, and keep the timer on its deadline."""
        answer = _ANSWERS.get(verdict)
        if answer is not None and not self.transport.is_closing():
            if self._answering() is Answering.WAITING:
                cycle = self.cycle  # the application's reads end, its answer is dropped
                cycle.disconnected = True
                cycle.message_event.set()
            self.transport.write(answer)
            self.transport.close()
        elif verdict is Verdict.CLOSE:
            self.transport.close()
        self._follow_deadline()

    def _follow_deadline(self) -> None:
        deadline = self.reception.deadline
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, deadline
        if deadline is not None:
            self._timer = self.loop.call_at(deadline, self._expired)

    def _expired(self) -> None:
        self._timer = self._timer_at = None
        if self.transport.is_closing():
            self.reception.closed()
            return
        self._carry_out(self.reception.expire(self.loop.time(), self._answering()))

    def _opened(self) -> None:
        self._carry_out(self.reception.opened(self.loop.time()))

    def _parse_failed(self, too_large: bool, send_400: Callable[[str], None],
                      msg: str) -> None:
        """The parser refused the bytes: 431 for a head too large, else the parser's 400."""
        verdict = self.reception.parse_failed(self._answering(), too_large)
        if verdict is Verdict.ANSWER_400:
            send_400(msg)
        self._carry_out(verdict)

    def _closed(self) -> None:
        self.reception.closed()
        self._follow_deadline()


class _GuardedH11Protocol(_Guarded, H11Protocol):
    """H11Protocol with a deadline on the head and on the body of each request, and a
    bounded head."""

    conn: _BoundedConnection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_reception()
        self.conn = _BoundedConnection(self.reception)

    def send_400_response(self, msg: str) -> None:
        self._parse_failed(self.conn.head_too_large, super().send_400_response, msg)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_Coalescing(transport, self.loop))  # type: ignore[arg-type]
        self._opened()

    def data_received(self, data: bytes) -> None:
        reception = self.reception
        if reception.refusing:
            return
        before = reception.progress
        super().data_received(data)
        if not self.transport.is_closing() and not reception.refusing:
            held = self.conn.held()
            self._carry_out(reception.received(self.loop.time(), len(data), before,
                                               self._answering(), held))

    def on_response_complete(self) -> None:
        super().on_response_complete()  # parses a pipelined request already buffered
        if not self.transport.is_closing():
            self.conn.held()
            self._carry_out(self.reception.response_complete(self.loop.time()))

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed()
        super().connection_lost(exc)


def _httptools_protocol() -> type[Any]:
    """The guarded protocol over uvicorn's httptools one (imported only when asked for)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class _GuardedHttpToolsProtocol(_Guarded, HttpToolsProtocol):
        """HttpToolsProtocol with a deadline on the head and on the body of each request,
        and a bounded head (llhttp itself takes a head of any length)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._init_reception()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_Coalescing(transport, self.loop))  # type: ignore[arg-type]
            self._opened()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.reception.head_began()

        def on_url(self, url: bytes) -> None:
            self.reception.target(len(url))  # HeadTooLarge: the parser fails, and 431
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self.reception.header(name, value)
            super().on_header(name, value)

        def send_400_response(self, msg: str) -> None:
            self._parse_failed(False, super().send_400_response, msg)

        def on_headers_complete(self) -> None:
            self.reception.head_complete()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self.reception.request_complete()
            self._follow_deadline()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._carry_out(self.reception.response_complete(self.loop.time()))

        def data_received(self, data: bytes) -> None:
            reception = self.reception
            if reception.refusing:
                return
            before = reception.progress
            super().data_received(data)  # the parser's callbacks above tell the reception
            if not self.transport.is_closing() and not reception.refusing:
                self._carry_out(reception.received(self.loop.time(), len(data), before,
                                                   self._answering()))

        def connection_lost(self, exc: Exception | None) -> None:
            self._closed()
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
