"""Receiving requests on one connection: the rules of the head and body deadlines and of the
bounded head, as a state machine without I/O.

:class:`Reception` is told what arrived and when — a connection opened, a chunk of bytes of
some size, and what the parser found in it (a head begun, its target and headers, the head
complete, a request complete), a response finished — and the time of each; it answers with a
:class:`Verdict`: read on, a request is received whole, answer 408, 400 or 431, or close. It
keeps at most one deadline, for the head or the body of the request being received, and says
when it falls (:attr:`Reception.deadline`); :meth:`Reception.expire` says what to do then.

- A request's head must be complete ``header_timeout`` seconds after its first byte (after
  the connection's opening, for the first request); its body ``body_timeout`` seconds after
  its head. Bytes that trickle in extend neither. A request whose deadline passes is answered
  ``408 Request Timeout`` when no response was started to it, and its connection closed.
- A head holds at most ``max_head`` bytes of request target and header lines and at most
  ``max_headers`` headers, however its bytes arrive: counted as the parser reports them, and
  as whole chunks of bytes for a head spread over several. A head beyond is answered
  ``431 Request Header Fields Too Large``, once the requests before it (pipelined) are
  answered. A chunked body's trailers are bounded alike, on their own.
- Once a request is received whole, how long the application takes is not the client's
  doing, and nothing runs.

The uvicorn protocols of :mod:`.protocol` feed it from the h11 or the httptools parser and
carry out its verdicts; tests feed it directly, with the time they choose.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

__all__ = ["MAX_HEAD", "MAX_HEADERS", "Answering", "HeadTooLarge", "Progress", "Reception",
           "Verdict"]

#: The largest request head accepted, in bytes: the request target and every header line
#: (name, ``": "``, value and line end), as parsed.
MAX_HEAD = 16 * 1024
#: The most headers a request may have.
MAX_HEADERS = 100
#: What a header line adds to its name and value: ``": "`` and the line end.
_HEADER_LINE = 4


class Verdict(enum.Enum):
    """What the connection does next."""

    #: Read on: the request being received is not complete (a deadline may run).
    NEED_MORE = "need more"
    #: Every request begun is received whole; no deadline runs.
    READY = "ready"
    #: Answer ``408 Request Timeout`` and close (ending the application's reads, if any).
    ANSWER_408 = 408
    #: Answer ``400 Bad Request`` as the parser words it.
    ANSWER_400 = 400
    #: Answer ``431 Request Header Fields Too Large`` and close (ending the application's
    #: reads, if any).
    ANSWER_431 = 431
    #: Answer 431 once the responses under way are sent; drop what arrives meanwhile.
    ANSWER_431_LATER = "431 later"
    #: Close without an answer: one is being written, or was given already.
    CLOSE = "close"


class Answering(enum.Enum):
    """Where the application stands with the request it was handed last."""

    #: No request is being answered (none was handed over, or its response is complete).
    NONE = "none"
    #: A request is with the application and no response is started.
    WAITING = "waiting"
    #: A response is being written.
    WRITING = "writing"


class Progress(NamedTuple):
    """Where the parser stands: the part of a request being received (``""`` between
    requests, ``"head"`` or ``"body"``) and how many requests it has received whole."""

    receiving: str
    completed: int


class HeadTooLarge(Exception):
    """Raised while a head is counted when it passes a bound (the parser stops there)."""


class Reception:
    """The deadlines and the head bounds of one connection's requests (see the module)."""

    __slots__ = (
        "_count",
        "_head_bytes",
        "_size",
        "body_timeout",
        "completed",
        "deadline",
        "head_too_large",
        "header_timeout",
        "max_head",
        "max_headers",
        "phase",
        "receiving",
        "refusing",
    )

    def __init__(self, header_timeout: float, body_timeout: float, *, max_head: int = MAX_HEAD,
                 max_headers: int = MAX_HEADERS) -> None:
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_head = max_head
        self.max_headers = max_headers
        #: When the running deadline falls (the clock of the times given), or None.
        self.deadline: float | None = None
        #: The part of a request the running deadline is for: ``"head"``, ``"body"`` or ``""``.
        self.phase = ""
        #: The part of a request the parser is in: ``""``, ``"head"`` or ``"body"``.
        self.receiving = ""
        #: Requests received whole on this connection.
        self.completed = 0
        #: A head (or trailers) passed a bound.
        self.head_too_large = False
        #: A head is refused: the 431 waits for earlier answers, later bytes are dropped.
        self.refusing = False
        self._size = 0  # of the head or trailers being counted
        self._count = 0
        self._head_bytes = 0  # of the head being received, after the chunk it began in

    @property
    def progress(self) -> Progress:
        """Where the parser stands now (taken before a chunk is parsed)."""
        return Progress(self.receiving, self.completed)

    # ------------------------------------------------------------------ the deadline

    def _arm(self, phase: str, now: float, seconds: float) -> None:
        self.phase = phase
        self.deadline = now + seconds

    def _disarm(self) -> None:
        self.phase = ""
        self.deadline = None

    def opened(self, now: float) -> Verdict:
        """A connection opened at ``now``: its first head is due ``header_timeout`` later."""
        self._arm("head", now, self.header_timeout)
        return Verdict.NEED_MORE

    def expire(self, now: float, answering: Answering) -> Verdict:
        """The deadline's timer fired at ``now``: 408, closing, or (early) reading on."""
        if self.deadline is None or now < self.deadline:
            return Verdict.NEED_MORE
        phase = self.phase
        self._disarm()
        if answering is Answering.WRITING or (answering is Answering.NONE and phase == "body"):
            # An answer is being written, or was given without reading the whole body:
            # nothing to add, the connection just ends.
            return Verdict.CLOSE
        return Verdict.ANSWER_408

    def closed(self) -> None:
        """The connection is gone: nothing runs any more."""
        self._disarm()

    # ------------------------------------------------------------------ what the parser found

    def head_began(self) -> None:
        """The parser began a request head."""
        self.receiving = "head"
        self._size = self._count = 0

    def target(self, length: int) -> None:
        """Count ``length`` bytes of request target (:class:`HeadTooLarge` past the bound)."""
        self._size += length
        if self._size > self.max_head:
            self._too_large()

    def header(self, name: bytes, value: bytes) -> None:
        """Count one header or trailer (:class:`HeadTooLarge` past a bound)."""
        self._count += 1
        self._size += len(name) + len(value) + _HEADER_LINE
        if self._size > self.max_head or self._count > self.max_headers:
            self._too_large()

    def _too_large(self) -> None:
        self.head_too_large = True
        raise HeadTooLarge

    def head_complete(self) -> None:
        """The head is complete: the body follows (a chunked body's trailers counted anew)."""
        self.receiving = "body"
        self._size = self._count = 0

    def request_complete(self) -> None:
        """The request is received whole: its deadline ends."""
        self.receiving = ""
        self.completed += 1
        self._disarm()

    # ------------------------------------------------------------------ chunks and answers

    def received(self, now: float, size: int, before: Progress,
                 answering: Answering = Answering.NONE, held: bool = False) -> Verdict:
        """A chunk of ``size`` bytes arrived at ``now`` and was parsed; ``before`` is the
        :attr:`progress` taken before it was. ``held``: the parser keeps any bytes after
        the request it received until that request is answered (h11), so they begin no
        deadline yet."""
        state = self.receiving
        if held:
            self._disarm()
            return Verdict.READY
        if state == "body":
            if self.phase != "body":
                self._arm("body", now, self.body_timeout)
            return Verdict.NEED_MORE
        if state == "" and self.completed != before.completed:
            return Verdict.READY  # requests completed, and nothing after them
        # A head not complete yet, or bytes that began none: a deadline runs from the first
        # of them. Whole chunks of one head count towards its size (the chunk it began in
        # may hold a previous request too).
        if state == "head" and before == (state, self.completed):
            self._head_bytes += size
            if self._head_bytes > self.max_head:
                self.head_too_large = True
                return self.refuse_head(answering)
        else:
            self._head_bytes = 0
        if self.phase != "head":
            self._arm("head", now, self.header_timeout)
        return Verdict.NEED_MORE

    def parse_failed(self, answering: Answering, too_large: bool = False) -> Verdict:
        """The parser refused the bytes (``too_large``: because a head it buffers passed
        its own bound): 431 for a head too large, else 400."""
        if too_large or self.head_too_large:
            self.head_too_large = True
            return self.refuse_head(answering)
        self._disarm()
        return Verdict.ANSWER_400

    def refuse_head(self, answering: Answering) -> Verdict:
        """A head is too large. Trailers end the request whose body they close (the
        application reading it sees the client disconnect); a head waits for the answers
        to the requests before it."""
        self._disarm()
        if self.receiving == "body" and answering is not Answering.NONE:
            return Verdict.CLOSE if answering is Answering.WRITING else Verdict.ANSWER_431
        self.refusing = True
        return Verdict.ANSWER_431 if answering is Answering.NONE else Verdict.ANSWER_431_LATER

    def response_complete(self, now: float) -> Verdict:
        """A response was sent at ``now``: a head refused meanwhile is answered, and a
        request the parser began behind it (pipelined and held) has its deadline from now
        if none runs."""
        if self.refusing:
            return Verdict.ANSWER_431
        if self.receiving == "body" and self.phase != "body":
            self._arm("body", now, self.body_timeout)
        elif self.receiving == "head" and self.phase != "head":
            self._arm("head", now, self.header_timeout)
        return Verdict.READY if self.receiving == "" else Verdict.NEED_MORE
