"""The web applications serve any CallbackPlatform, not only the two shells."""

from __future__ import annotations

import ast
import inspect
import io
import threading
from typing import Any

import httpx
import pytest

from wxcomponent import web
from wxcomponent.core.callbacks import CallbackOptions, CallbackResponse
from wxcomponent.errors import InvalidArgument
from wxcomponent.web import asgi_app, wsgi_app

APPID = "wx0000000000000a01"


class BlockingPlatform:
    """A platform that is neither Component nor AsyncComponent: a plain blocking handler."""

    def __init__(self, appid: str = APPID, max_body: int = 1000) -> None:
        self.appid = appid
        self.callback_options = CallbackOptions(max_body=max_body)
        self.calls: list[tuple[str, str, bytes, str | None, int]] = []

    def handle_callback(self, method: str, query: str, body: bytes, /, *,
                        authorizer_appid: str | None = None) -> CallbackResponse:
        self.calls.append((method, query, body, authorizer_appid, threading.get_ident()))
        return CallbackResponse.text(200, f"blocking {method}")


class AsyncPlatform(BlockingPlatform):
    """The same, with a coroutine handler (an asyncio platform)."""

    async def handle_callback(  # type: ignore[override]
            self, method: str, query: str, body: bytes, /, *,
            authorizer_appid: str | None = None) -> CallbackResponse:
        self.calls.append((method, query, body, authorizer_appid, threading.get_ident()))
        return CallbackResponse.text(200, f"async {method}")


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_asgi_runs_a_blocking_platform_on_a_thread_and_an_async_one_in_the_loop() -> None:
    blocking = BlockingPlatform()
    running = AsyncPlatform("wx0000000000000a02")
    loop_thread = threading.get_ident()
    async with client(asgi_app(blocking, running)) as http:
        one = await http.post(f"/{APPID}/messages/wx00000000000000b1?a=1", content=b"<xml/>")
        two = await http.get("/wx0000000000000a02/events?b=2")
    assert (one.status_code, one.text) == (200, "blocking POST")
    assert (two.status_code, two.text) == (200, "async GET")
    (method, query, body, authorizer, thread), = blocking.calls
    assert (method, query, body, authorizer) == ("POST", "a=1", b"<xml/>", "wx00000000000000b1")
    assert thread != loop_thread
    (method, query, body, authorizer, thread), = running.calls
    assert (method, query, body, authorizer) == ("GET", "b=2", b"", None)
    assert thread == loop_thread


async def test_asgi_reads_max_body_from_the_platform_options() -> None:
    platform = BlockingPlatform(max_body=10)
    async with client(asgi_app(platform)) as http:
        small = await http.post("/events", content=b"x" * 10)
        large = await http.post("/events", content=b"x" * 11)
    assert (small.status_code, large.status_code) == (200, 413)
    assert [call[2] for call in platform.calls] == [b"x" * 10]


def test_wsgi_serves_a_blocking_platform_and_refuses_an_async_one() -> None:
    platform = BlockingPlatform(max_body=10)
    app = wsgi_app(platform)
    status: list[str] = []
    body = b"<xml/>"
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/messages/wx00000000000000b1",
               "QUERY_STRING": "q=1", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    answer = app(environ, lambda s, h: status.append(s))
    assert (status, answer) == (["200 OK"], [b"blocking POST"])
    assert platform.calls[0][:4] == ("POST", "q=1", body, "wx00000000000000b1")
    with pytest.raises(TypeError, match="expected a Component, got AsyncPlatform"):
        wsgi_app(AsyncPlatform())  # type: ignore[arg-type]


def test_objects_without_the_protocol_are_refused() -> None:
    class NoHandler:
        appid = APPID
        callback_options = CallbackOptions()

    for thing in (object(), NoHandler(), "wx0000000000000a01"):
        with pytest.raises(TypeError):
            asgi_app(thing)  # type: ignore[arg-type]


def test_bad_platform_lists_raise_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as none:
        asgi_app()
    assert none.value.argument == "components"
    with pytest.raises(InvalidArgument, match="given twice") as twice:
        wsgi_app(BlockingPlatform(), BlockingPlatform())
    assert twice.value.argument == "components"


def test_web_does_not_import_the_shells() -> None:
    tree = ast.parse(inspect.getsource(web))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {".client", "wxcomponent.client", "..client"} & imported, imported
