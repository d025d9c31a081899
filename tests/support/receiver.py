"""A webhook receiver for the forwarding tests: a real HTTP server that records every
delivery, checks its signature, and can be told to fail, stall or answer a reply; and the
service's webhook settings that point at it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from wxcomponent.errors import InvalidSignature
from wxcomponent.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, verify

from .serving import serve

SECRET = "webhook-secret-0123456789abcdef"


def hooks(url: str, **extra: Any) -> list[dict[str, Any]]:
    """The ``webhooks`` setting of one webhook at the receiver on ``url`` (its ``/hook``)."""
    return [{"name": "app", "url": f"{url}/hook", "secret": SECRET, **extra}]


@dataclass
class Receiver:
    """What the receiver saw, and how it answers next."""

    url: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    delivery_ids: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    fail_next: int = 0
    reply: dict[str, Any] | None = None
    stall: threading.Event | None = None
    #: When set, an answer (a reply, or a delivery's 200) is sent one byte every ``drip``
    #: seconds.
    drip: float | None = None
    dripped: int = 0
    drip_cut: threading.Event = field(default_factory=threading.Event)
    drip_finished: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Block until ``count`` deliveries arrived (an event, with a deadline only against a
        hang)."""
        with self.changed:
            ok = self.changed.wait_for(lambda: len(self.deliveries) >= count, timeout)
        assert ok, f"{len(self.deliveries)} of {count} deliveries arrived"
        return list(self.deliveries)


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A running receiver: ``/hook`` takes deliveries, ``/reply`` answers passive replies."""
    state = Receiver()

    async def hook(request: Request) -> Response:
        body = await request.body()
        try:
            verify(SECRET, request.headers.get(SIGNATURE_HEADER), body)
        except InvalidSignature:
            state.bad_signatures += 1
            return Response(status_code=401)
        if state.fail_next > 0:
            state.fail_next -= 1
            return Response("down for maintenance", status_code=503)
        if state.drip is not None:
            return StreamingResponse(drip(b'{"accepted": "slowly"}', state.drip),
                                     media_type="application/json")
        with state.changed:
            state.deliveries.append(json.loads(body))
            state.delivery_ids.append(request.headers.get(DELIVERY_HEADER, ""))
            state.changed.notify_all()
        return Response(status_code=204)

    async def reply(request: Request) -> Response:
        body = await request.body()
        verify(SECRET, request.headers.get(SIGNATURE_HEADER), body)
        if state.stall is not None:
            import asyncio

            await asyncio.to_thread(state.stall.wait, 30)
        if state.reply is None:
            return Response(status_code=204)
        if state.drip is not None:
            return StreamingResponse(drip(json.dumps({"reply": state.reply}).encode(),
                                          state.drip), media_type="application/json")
        return JSONResponse({"reply": state.reply})

    async def drip(data: bytes, pause: float) -> Any:
        import asyncio

        try:
            for index in range(len(data)):
                yield data[index:index + 1]
                state.dripped += 1
                await asyncio.sleep(pause)  # the slow application's pace
        except BaseException:
            state.drip_cut.set()  # the service closed the connection before the end
            raise
        state.drip_finished.set()

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"]),
                            Route("/reply", reply, methods=["POST"])])
    with serve(app) as url:
        state.url = url
        yield state
