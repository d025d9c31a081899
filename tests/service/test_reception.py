"""The rules of a connection's request deadlines and head bounds (``service/reception.py``),
on their own: bytes fed in, the time given, the verdict read. No socket and no real second:
the time is whatever the test says. Real parsers (h11, httptools) report what they find in
the bytes as the service's protocols make them; ``test_hostile.py`` proves that wiring over
real HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import h11
import httptools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent.service.protocol import _BoundedConnection
from wxcomponent.service.reception import (
    MAX_HEAD,
    MAX_HEADERS,
    Answering,
    HeadTooLarge,
    Reception,
    Verdict,
)

HEAD_TIMEOUT = 10.0
BODY_TIMEOUT = 20.0

GET = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
POST = (b"POST /wx/events?signature=abc HTTP/1.1\r\nHost: a\r\nContent-Type: text/xml\r\n"
        b"Content-Length: 26\r\n\r\n<xml><Encrypt>x</Encrypt>\n")
CHUNKED = (b"POST /api/links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"2\r\n{}\r\n3\r\n   \r\n0\r\nX-Trailer: t\r\n\r\n")
REQUESTS = {"GET": GET, "POST": POST, "chunked": CHUNKED}


class H11Feed:
    """h11 and a reception, fed as the service's h11 protocol feeds them."""

    def __init__(self, reception: Reception) -> None:
        self.reception = reception
        self.conn = _BoundedConnection(reception)

    def __call__(self, now: float, piece: bytes) -> Verdict:
        before = self.reception.progress
        self.conn.receive_data(piece)
        try:
            while self.conn.next_event() not in (h11.NEED_DATA, h11.PAUSED):
                pass
        except h11.RemoteProtocolError:
            return self.reception.parse_failed(Answering.NONE, self.conn.head_too_large)
        held = self.conn.held()
        return self.reception.received(now, len(piece), before, Answering.NONE, held)

    def answered(self, now: float) -> Verdict:
        """The request received is answered; h11 goes on to the bytes it held."""
        self.conn.send(h11.Response(status_code=200, headers=[("content-length", "0")]))
        self.conn.send(h11.EndOfMessage())
        self.conn.start_next_cycle()
        while self.conn.next_event() not in (h11.NEED_DATA, h11.PAUSED):
            pass
        self.conn.held()
        return self.reception.response_complete(now)


class HttpToolsFeed:
    """httptools and a reception, fed as the service's httptools protocol feeds them."""

    def __init__(self, reception: Reception) -> None:
        self.reception = reception
        self.parser = httptools.HttpRequestParser(self)

    def on_message_begin(self) -> None:
        self.reception.head_began()

    def on_url(self, url: bytes) -> None:
        self.reception.target(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.reception.header(name, value)

    def on_headers_complete(self) -> None:
        self.reception.head_complete()

    def on_message_complete(self) -> None:
        self.reception.request_complete()

    def __call__(self, now: float, piece: bytes) -> Verdict:
        before = self.reception.progress
        try:
            self.parser.feed_data(piece)
        except httptools.HttpParserError:
            return self.reception.parse_failed(Answering.NONE)
        return self.reception.received(now, len(piece), before)

    def answered(self, now: float) -> Verdict:
        """The request received is answered (httptools parsed what followed it already)."""
        return self.reception.response_complete(now)


FEEDS: dict[str, Callable[[Reception], H11Feed | HttpToolsFeed]] = {
    "h11": H11Feed, "httptools": HttpToolsFeed}
PARSERS = pytest.mark.parametrize("parser", list(FEEDS))


def opened(at: float = 0.0) -> Reception:
    reception = Reception(HEAD_TIMEOUT, BODY_TIMEOUT)
    assert reception.opened(at) is Verdict.NEED_MORE
    return reception


def head_end(request: bytes) -> int:
    return request.index(b"\r\n\r\n") + 4


# --------------------------------------------------------------------------- whole requests


@PARSERS
@pytest.mark.parametrize("request_", list(REQUESTS.values()), ids=list(REQUESTS))
def test_a_request_in_one_piece_is_ready_and_leaves_no_deadline(parser: str,
                                                               request_: bytes) -> None:
    reception = opened()
    assert (reception.phase, reception.deadline) == ("head", HEAD_TIMEOUT)
    assert FEEDS[parser](reception)(1.0, request_) is Verdict.READY
    assert (reception.phase, reception.deadline, reception.completed) == ("", None, 1)


@PARSERS
@pytest.mark.parametrize("name", list(REQUESTS))
def test_a_request_split_at_any_byte_is_received_under_its_deadlines(parser: str,
                                                                     name: str) -> None:
    request_ = REQUESTS[name]
    for cut in range(1, len(request_)):
        reception = opened()
        feed = FEEDS[parser](reception)
        assert feed(1.0, request_[:cut]) is Verdict.NEED_MORE, cut
        phase = "head" if cut < head_end(request_) else "body"
        expected = HEAD_TIMEOUT if phase == "head" else 1.0 + BODY_TIMEOUT
        assert (reception.phase, reception.deadline) == (phase, expected), cut
        assert feed(2.0, request_[cut:]) is Verdict.READY, cut
        assert (reception.deadline, reception.completed) == (None, 1), cut


@st.composite
def pieces(draw: st.DrawFn, request_: bytes) -> list[bytes]:
    cuts = sorted(draw(st.sets(st.integers(1, len(request_) - 1), max_size=12)))
    bounds = [0, *cuts, len(request_)]
    return [request_[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), parser=st.sampled_from(list(FEEDS)), name=st.sampled_from(list(REQUESTS)),
       pause=st.floats(0.0, 0.5))
def test_pieces_arriving_in_time_make_one_request(data: st.DataObject, parser: str, name: str,
                                                   pause: float) -> None:
    """However a request is cut, every piece but the last reads on under the deadline of
    the part it ends in, nothing is refused, and the last makes the request ready."""
    request_ = REQUESTS[name]
    parts = data.draw(pieces(request_))
    reception = opened()
    feed = FEEDS[parser](reception)
    now, sent, head_done_at = 0.0, 0, None
    for index, part in enumerate(parts):
        now += pause
        sent += len(part)
        verdict = feed(now, part)
        if index == len(parts) - 1:
            assert verdict is Verdict.READY
            assert reception.deadline is None
            continue
        assert verdict is Verdict.NEED_MORE
        assert reception.expire(now, Answering.NONE) is Verdict.NEED_MORE  # not yet due
        if sent < head_end(request_):
            assert (reception.phase, reception.deadline) == ("head", HEAD_TIMEOUT)
        else:
            head_done_at = now if head_done_at is None else head_done_at
            assert (reception.phase, reception.deadline) == ("body",
                                                             head_done_at + BODY_TIMEOUT)
    assert not reception.head_too_large and not reception.refusing


@settings(max_examples=100, deadline=None)
@given(data=st.data(), parser=st.sampled_from(list(FEEDS)), name=st.sampled_from(list(REQUESTS)))
def test_a_request_cut_short_is_answered_408_when_its_deadline_falls(
        data: st.DataObject, parser: str, name: str) -> None:
    request_ = REQUESTS[name]
    cut = data.draw(st.integers(1, len(request_) - 1))
    reception = opened()
    feed = FEEDS[parser](reception)
    assert feed(1.0, request_[:cut]) is Verdict.NEED_MORE
    deadline = reception.deadline
    assert deadline is not None
    assert reception.expire(deadline - 0.001, Answering.NONE) is Verdict.NEED_MORE
    answering = Answering.WAITING if cut >= head_end(request_) else Answering.NONE
    assert reception.expire(deadline, answering) is Verdict.ANSWER_408
    assert reception.deadline is None


# --------------------------------------------------------------------------- deadlines


def test_the_first_head_is_due_from_the_connection_opening() -> None:
    reception = opened(100.0)
    assert reception.expire(109.999, Answering.NONE) is Verdict.NEED_MORE  # a timer fired early
    assert reception.deadline == 110.0
    assert reception.expire(110.0, Answering.NONE) is Verdict.ANSWER_408


@PARSERS
def test_a_trickling_head_keeps_the_deadline_of_its_first_byte(parser: str) -> None:
    reception = opened()
    feed = FEEDS[parser](reception)
    assert feed(1.0, GET) is Verdict.READY
    assert feed.answered(2.0) is Verdict.READY
    assert reception.deadline is None  # between requests: uvicorn's keep-alive timeout
    for at, byte in zip((50.0, 55.0, 59.9), (b"G", b"E", b"T"), strict=True):
        assert feed(at, byte) is Verdict.NEED_MORE
        assert (reception.phase, reception.deadline) == ("head", 60.0)
    assert reception.expire(60.0, Answering.NONE) is Verdict.ANSWER_408


@PARSERS
def test_a_trickling_body_keeps_the_deadline_of_its_head(parser: str) -> None:
    reception = opened()
    feed = FEEDS[parser](reception)
    end = head_end(POST)
    assert feed(3.0, POST[:end + 2]) is Verdict.NEED_MORE
    assert (reception.phase, reception.deadline) == ("body", 3.0 + BODY_TIMEOUT)
    for at in (5.0, 10.0, 22.9):
        assert feed(at, b"x") is Verdict.NEED_MORE
        assert reception.deadline == 3.0 + BODY_TIMEOUT
    assert reception.expire(23.0, Answering.WAITING) is Verdict.ANSWER_408


@pytest.mark.parametrize(("answering", "verdict"), [
    (Answering.WAITING, Verdict.ANSWER_408),  # the application still reads: 408, reads end
    (Answering.WRITING, Verdict.CLOSE),  # an answer is being written: nothing to add
    (Answering.NONE, Verdict.CLOSE),  # answered without reading the whole body
])
def test_a_late_body_is_answered_only_when_no_answer_was_started(answering: Answering,
                                                                 verdict: Verdict) -> None:
    reception = opened()
    H11Feed(reception)(1.0, POST[:head_end(POST)])
    assert reception.phase == "body"
    assert reception.expire(1.0 + BODY_TIMEOUT, answering) is verdict


def test_a_late_head_with_an_answer_being_written_just_closes() -> None:
    reception = opened()
    assert reception.expire(HEAD_TIMEOUT, Answering.WRITING) is Verdict.CLOSE


def test_bytes_that_begin_no_request_start_a_head_deadline() -> None:
    reception = opened()
    feed = HttpToolsFeed(reception)
    assert feed(1.0, GET) is Verdict.READY
    assert feed.answered(1.0) is Verdict.READY
    assert feed(30.0, b"\r\n") is Verdict.NEED_MORE  # llhttp skips blank lines
    assert (reception.phase, reception.deadline) == ("head", 30.0 + HEAD_TIMEOUT)


def test_h11_refuses_bytes_that_begin_no_request_with_400() -> None:
    reception = opened()
    feed = H11Feed(reception)
    assert feed(1.0, GET) is Verdict.READY
    assert feed.answered(1.0) is Verdict.READY
    assert feed(30.0, b"\r\n") is Verdict.ANSWER_400
    assert reception.deadline is None


def test_h11_holds_a_pipelined_head_until_the_answer_and_times_it_from_then() -> None:
    reception = opened()
    feed = H11Feed(reception)
    assert feed(1.0, GET + b"GET /healthz HTTP/1.1\r\nHo") is Verdict.READY
    assert reception.deadline is None  # held by h11 while the first request is answered
    assert feed.answered(5.0) is Verdict.NEED_MORE
    assert (reception.phase, reception.deadline) == ("head", 5.0 + HEAD_TIMEOUT)


def test_h11_holds_bytes_arriving_while_a_request_is_answered() -> None:
    reception = opened()
    feed = H11Feed(reception)
    assert feed(1.0, GET) is Verdict.READY
    assert feed(2.0, b"GET /healthz HTTP/1.1\r\nHo") is Verdict.READY  # held, not parsed
    assert reception.deadline is None
    assert feed.answered(5.0) is Verdict.NEED_MORE
    assert (reception.phase, reception.deadline) == ("head", 5.0 + HEAD_TIMEOUT)


def test_httptools_times_a_pipelined_head_from_its_arrival() -> None:
    reception = opened()
    feed = HttpToolsFeed(reception)
    assert feed(1.0, GET + GET + b"GET /healthz HTTP/1.1\r\nHo") is Verdict.NEED_MORE
    assert (reception.completed, reception.phase, reception.deadline) == (
        2, "head", 1.0 + HEAD_TIMEOUT)
    assert feed.answered(5.0) is Verdict.NEED_MORE
    assert reception.deadline == 1.0 + HEAD_TIMEOUT


# --------------------------------------------------------------------------- bounded heads


def test_a_head_holds_at_most_max_headers_headers() -> None:
    reception = opened()
    reception.head_began()
    for index in range(MAX_HEADERS):
        reception.header(b"x-h%d" % index, b"v")
    with pytest.raises(HeadTooLarge):
        reception.header(b"x-one-more", b"v")
    assert reception.head_too_large


def test_a_head_holds_at_most_max_head_bytes() -> None:
    reception = opened()
    reception.head_began()
    reception.target(MAX_HEAD - 4 - 1 - 10)
    reception.header(b"x", b"v" * 10)  # exactly MAX_HEAD
    with pytest.raises(HeadTooLarge):
        reception.header(b"y", b"")
    reception.head_began()  # the next head counts anew
    reception.target(MAX_HEAD)
    with pytest.raises(HeadTooLarge):
        reception.target(1)


@PARSERS
def test_a_head_arriving_in_pieces_is_refused_once_its_bytes_pass_the_bound(
        parser: str) -> None:
    reception = opened()
    feed = FEEDS[parser](reception)
    assert feed(0.0, b"GET / HTTP/1.1\r\n") is Verdict.NEED_MORE
    verdicts = [feed(0.0, b"X-Filler-%02d: %s\r\n" % (index, b"a" * 990))
                for index in range(17)]
    assert verdicts == [Verdict.NEED_MORE] * 16 + [Verdict.ANSWER_431]
    assert reception.head_too_large and reception.deadline is None


def test_a_parser_failure_is_400_unless_a_head_passed_a_bound() -> None:
    assert opened().parse_failed(Answering.NONE) is Verdict.ANSWER_400
    assert opened().parse_failed(Answering.NONE, too_large=True) is Verdict.ANSWER_431
    reception = opened()
    reception.head_began()
    with pytest.raises(HeadTooLarge):
        reception.target(MAX_HEAD + 1)
    assert reception.parse_failed(Answering.NONE) is Verdict.ANSWER_431


def test_a_head_refused_behind_a_request_being_answered_waits_for_its_answer() -> None:
    reception = opened()
    H11Feed(reception)(1.0, GET)
    reception.head_began()
    with pytest.raises(HeadTooLarge):
        reception.header(b"cookie", b"c" * MAX_HEAD)
    assert reception.parse_failed(Answering.WAITING) is Verdict.ANSWER_431_LATER
    assert reception.refusing and reception.deadline is None
    assert reception.response_complete(2.0) is Verdict.ANSWER_431


@pytest.mark.parametrize(("answering", "verdict"), [
    (Answering.WAITING, Verdict.ANSWER_431),  # the application reading the body is cut off
    (Answering.WRITING, Verdict.CLOSE),
])
def test_trailers_too_large_end_the_request_they_close(answering: Answering,
                                                       verdict: Verdict) -> None:
    reception = opened()
    reception.head_began()
    reception.head_complete()
    for index in range(MAX_HEADERS):
        reception.header(b"x-t%d" % index, b"v")  # trailers count on their own
    with pytest.raises(HeadTooLarge):
        reception.header(b"x-t", b"v")
    assert reception.parse_failed(answering) is verdict


@PARSERS
def test_an_oversized_head_in_one_piece_fails_the_parser_and_is_answered_431(
        parser: str) -> None:
    reception = opened()
    many = b"".join(b"X-H%d: v\r\n" % index for index in range(MAX_HEADERS + 1))
    assert FEEDS[parser](reception)(0.0, b"GET / HTTP/1.1\r\nHost: a\r\n" + many + b"\r\n") \
        is Verdict.ANSWER_431
    assert reception.head_too_large and reception.refusing
