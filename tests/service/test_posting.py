"""Posting deliveries, with either client (aiohttp's, the service's default, and httpx's),
against a real receiver on loopback: the outcome of every kind of answer, one deadline for
the whole exchange, kept-alive connections, an oversized answer dropped, no redirect
followed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from wxcomponent.service import posting
from wxcomponent.service.posting import AiohttpPoster, HttpxPoster, Poster, webhook_poster

from ..support.servers import free_port
from ..support.serving import serve

BODY = b'{"kind":"text","fields":{"Content":"hello"}}'
HEADERS = {"Content-Type": "application/json", "X-Wxcomponent-Signature": "t=1,v1=00"}


class Seen:
    """What the receiver saw: each request's path, body and client port (its connection)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes, int]] = []
        self.cut = threading.Event()


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, Seen]]:
    seen = Seen()

    async def record(request: Request) -> bytes:
        body = await request.body()
        assert request.client is not None
        seen.requests.append((request.url.path, body, request.client.port))
        return body

    async def ok(request: Request) -> Response:
        await record(request)
        return Response(status_code=204)

    async def echo(request: Request) -> Response:
        body = await record(request)
        return Response(body + b"|" + request.headers.get("accept-encoding", "").encode(),
                        status_code=200)

    async def fail(request: Request) -> Response:
        await record(request)
        return Response("down for maintenance", status_code=503)

    async def moved(request: Request) -> Response:
        await record(request)
        return RedirectResponse("/ok", status_code=302)

    async def big(request: Request) -> Response:
        await record(request)
        return Response(b"x" * (posting.MAX_ANSWER * 4), status_code=200)

    async def drip(request: Request) -> Response:
        await record(request)

        async def forever() -> AsyncIterator[bytes]:
            try:
                yield b"."  # the answer begins, and its end never comes
                await asyncio.Event().wait()
            finally:
                seen.cut.set()

        return StreamingResponse(forever(), status_code=200)

    app = Starlette(routes=[Route(f"/{name}", handler, methods=["POST"]) for name, handler in
                            (("ok", ok), ("fail", fail), ("moved", moved), ("big", big),
                             ("drip", drip), ("echo", echo))])
    with serve(app) as url:
        yield url, seen


@pytest.fixture(params=["aiohttp", "httpx"])
async def poster(request: pytest.FixtureRequest) -> AsyncIterator[AiohttpPoster | HttpxPoster]:
    if request.param == "aiohttp":
        made = AiohttpPoster()
        yield made
        await made.aclose()
    else:
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            yield HttpxPoster(client)


async def test_each_answer_gives_its_outcome(receiver: tuple[str, Seen], poster: Poster
                                             ) -> None:
    url, seen = receiver
    assert await poster.post(f"{url}/ok", BODY, HEADERS, 5.0) is None
    assert seen.requests[-1][:2] == ("/ok", BODY)
    assert await poster.post(f"{url}/fail", BODY, HEADERS, 5.0) == "HTTP 503"
    before = len(seen.requests)
    assert await poster.post(f"{url}/moved", BODY, HEADERS, 5.0) == "HTTP 302"
    assert [path for path, _, _ in seen.requests[before:]] == ["/moved"]  # not followed


async def test_a_refused_connection_is_named(poster: Poster) -> None:
    outcome = await poster.post(f"http://127.0.0.1:{free_port()}/hook", BODY, HEADERS, 5.0)
    assert outcome is not None and outcome != "timeout" and not outcome.startswith("HTTP")


async def test_one_deadline_bounds_an_answer_that_never_ends(receiver: tuple[str, Seen],
                                                              poster: Poster) -> None:
    url, seen = receiver
    seen.cut.clear()
    assert await poster.post(f"{url}/drip", BODY, HEADERS, 0.5) == "timeout"
    assert await asyncio.to_thread(seen.cut.wait, 30)  # the connection was given up


async def test_connections_are_kept_alive_and_an_oversized_answer_drops_its_own(
        receiver: tuple[str, Seen], poster: Poster) -> None:
    url, seen = receiver
    before = len(seen.requests)
    for _ in range(3):
        assert await poster.post(f"{url}/ok", BODY, HEADERS, 5.0) is None
    ports = {port for _, _, port in seen.requests[before:]}
    assert len(ports) == 1  # one connection for the three
    assert await poster.post(f"{url}/big", BODY, HEADERS, 5.0) is None
    assert await poster.post(f"{url}/ok", BODY, HEADERS, 5.0) is None
    if isinstance(poster, AiohttpPoster):  # the oversized answer's connection was closed
        assert seen.requests[-1][2] != seen.requests[-2][2]


def test_the_service_posts_with_aiohttp_when_installed(monkeypatch: Any) -> None:
    fallback = httpx.AsyncClient()
    assert isinstance(webhook_poster(fallback), AiohttpPoster)
    real = posting.importlib.util.find_spec
    monkeypatch.setattr(posting.importlib.util, "find_spec",
                        lambda name: None if name == "aiohttp" else real(name))
    chosen = webhook_poster(fallback)  # a service installed without the extra
    assert isinstance(chosen, HttpxPoster) and chosen.client is fallback


async def test_an_exchange_gives_the_answer_as_sent_and_marks_one_cut_short(
        receiver: tuple[str, Seen], poster: AiohttpPoster | HttpxPoster) -> None:
    url, _ = receiver
    answer = await poster.exchange(f"{url}/echo", BODY, HEADERS, 5.0)
    # the body as the receiver sent it, never compressed: asked for as it is
    assert (answer.status, answer.body, answer.complete) == (200, BODY + b"|identity", True)
    big = await poster.exchange(f"{url}/big", BODY, HEADERS, 5.0)
    assert (big.status, len(big.body), big.complete) == (200, posting.MAX_ANSWER, False)
    assert big.outcome is None  # a delivery still counts it delivered
    refused = await poster.exchange(f"http://127.0.0.1:{free_port()}/hook", BODY, HEADERS, 5.0)
    assert refused.status is None and refused.failure == refused.outcome is not None
    timed_out = await poster.exchange(f"{url}/drip", BODY, HEADERS, 0.5)
    assert (timed_out.status, timed_out.failure) == (None, "timeout")
