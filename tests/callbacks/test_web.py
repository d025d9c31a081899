"""The ASGI and WSGI applications: routes, several platforms, body limits, never a 500."""

from __future__ import annotations

import io
import socket
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.web import asgi_app, wsgi_app

from ..support.serving import serve
from .conftest import UNUSED_API, RecordingStore, config
from .wire import APPID, APPID2, AUTHORIZER, KEY2, Sender


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def post(http: httpx.AsyncClient, path: str, push: tuple[dict[str, str], bytes]
               ) -> httpx.Response:
    query, body = push
    return await http.post(path, params=query, content=body)


async def test_single_platform_routes(component: Component, store: RecordingStore,
                                      sender: Sender) -> None:
    seen: list[str | None] = []
    component.on_default(lambda e, p: seen.append(p.authorizer_appid))
    component.on("component_verify_ticket")(lambda e, p: seen.append(p.authorizer_appid))
    async with client(component.asgi_app()) as http:
        for n, path in enumerate(["/events", "/", f"/{APPID}/events", f"/{APPID}",
                                  "/events/"]):
            answer = await post(http, path, sender.ticket_push(nonce=f"e{n}"))
            assert (answer.status_code, answer.content) == (200, b"success"), path
        for n, path in enumerate([f"/messages/{AUTHORIZER}", f"/{APPID}/messages/{AUTHORIZER}"]):
            answer = await post(http, path, sender.message_push({"MsgType": "text"},
                                                                nonce=f"m{n}"))
            assert answer.content == b"success", path
        answer = await post(http, "/messages", sender.message_push({"MsgType": "text"},
                                                                   nonce="m9"))
        assert answer.content == b"success"
        for path in ["/nothing", "/wxe0000000000000ff/events", "/messages/a/b",
                     f"/{APPID}/events/extra", "/messages/bad%20appid"]:
            answer = await post(http, path, sender.ticket_push(nonce="404"))
            assert answer.status_code == 404, path
        echo = await http.get("/events", params=sender.echo_query("hello-echo"))
        assert (echo.status_code, echo.text) == (200, "hello-echo")
        put = await http.put("/events", content=b"x")
        assert (put.status_code, put.headers["allow"]) == (405, "GET, POST")
    assert seen == [None] * 5 + [AUTHORIZER, AUTHORIZER, None]


async def test_several_platforms_in_one_app(store: RecordingStore, sender: Sender) -> None:
    one = Component(config(), store, api_base=UNUSED_API)  # type: ignore[arg-type]
    two = AsyncComponent(config(APPID2, KEY2), store.inner.aio, api_base=UNUSED_API)
    other = Sender(appid=APPID2, encoding_aes_key=KEY2)
    got: list[tuple[str, str | None]] = []
    two.on("text")(lambda e, p: got.append((p.component_appid, p.authorizer_appid)))
    try:
        async with client(asgi_app(one, two)) as http:
            assert (await post(http, f"/{APPID}/events", sender.ticket_push("t@@@1"))
                    ).content == b"success"
            assert (await post(http, f"/{APPID2}/events", other.ticket_push("t@@@2"))
                    ).content == b"success"
            answer = await post(http, f"/{APPID2}/messages/{AUTHORIZER}",
                                other.message_push({"MsgType": "text"}))
            assert answer.content == b"success"
            # the wrong platform's URL refuses the push, the app-wide shortcuts do not exist
            wrong = await post(http, f"/{APPID}/events", other.ticket_push("t@@@x", nonce="8"))
            assert wrong.status_code in (400, 403)
            assert (await post(http, "/events", sender.ticket_push(nonce="9"))
                    ).status_code == 404
        tickets = [store.inner.load_ticket(a) for a in (APPID, APPID2)]
        assert [t.value if t else None for t in tickets] == ["t@@@1", "t@@@2"]
        assert got == [(APPID2, AUTHORIZER)]
    finally:
        one.close()
        await two.aclose()


def test_app_arguments_are_checked(component: Component) -> None:
    with pytest.raises(ValueError):
        asgi_app()
    with pytest.raises(ValueError):
        asgi_app(component, component)
    with pytest.raises(TypeError):
        asgi_app("not a component")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wsgi_app(AsyncComponent(config(), None, api_base=UNUSED_API))  # type: ignore[arg-type]


class _Endless:
    """An ASGI receive() giving 8 KiB chunks forever, counting them."""

    def __init__(self) -> None:
        self.chunks = 0

    async def __call__(self) -> dict[str, Any]:
        self.chunks += 1
        return {"type": "http.request", "body": b"x" * 8192, "more_body": True}


async def _asgi(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]],
                receive: Any) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "query_string": b"timestamp=1&nonce=2&msg_signature=3", "headers": headers}
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_body_limit_is_enforced_while_reading(component: Component,
                                                    store: RecordingStore) -> None:
    app = component.asgi_app()
    endless = _Endless()
    status, body = await _asgi(app, "POST", "/events", [], endless)
    assert status == 413 and body == b"request body too large"
    assert endless.chunks == 65536 // 8192 + 1  # stopped right after passing the limit

    declared = _Endless()
    status, _ = await _asgi(app, "POST", "/events", [(b"content-length", b"1000000000")],
                            declared)
    assert status == 413 and declared.chunks == 0  # refused on the header alone
    assert store.calls == []


async def test_a_declared_length_is_read_whatever_the_case_of_its_name(
        component: Component, store: RecordingStore) -> None:
    app = component.asgi_app()
    for name in (b"Content-Length", b"CONTENT-LENGTH", b"content-length"):
        declared = _Endless()
        status, _ = await _asgi(app, "POST", "/events", [(name, b"1000000000")], declared)
        assert status == 413 and declared.chunks == 0, name
    assert store.calls == []


async def test_a_body_in_several_messages_is_joined(component: Component, store: RecordingStore,
                                                    sender: Sender) -> None:
    query, body = sender.ticket_push("ticket@@@pieces")
    pieces = [body[:7], bytearray(body[7:50]), b"", body[50:]]

    async def receive() -> dict[str, Any]:
        piece = pieces.pop(0)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/events", "root_path": "",
             "query_string": urlencode(query).encode(), "headers": []}
    await component.asgi_app()(scope, receive, send)
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"success")
    assert store.inner.load_ticket(APPID).value == "ticket@@@pieces"  # type: ignore[union-attr]
    # The headers handed to the server are its own list: changing it changes no later answer.
    sent[0]["headers"].clear()
    again: list[dict[str, Any]] = []

    async def keep(message: dict[str, Any]) -> None:
        again.append(message)

    await component.asgi_app()({**scope, "query_string": b""}, receive, keep)
    assert dict(again[0]["headers"])[b"content-length"] == str(len(again[1]["body"])).encode()


async def test_disconnect_and_lifespan(component: Component) -> None:
    app = component.asgi_app()
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def gone() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await app({"type": "http", "method": "POST", "path": "/events", "headers": []}, gone, send)
    assert sent == []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def lifespan() -> Any:
        return next(messages)

    await app({"type": "lifespan"}, lifespan, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete",
                                         "lifespan.shutdown.complete"]


async def test_a_broken_shell_gets_503_not_500(component: Component,
                                               monkeypatch: pytest.MonkeyPatch,
                                               sender: Sender) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(component, "handle_callback", explode)
    async with client(component.asgi_app()) as http:
        answer = await post(http, "/events", sender.ticket_push())
    assert answer.status_code == 503 and "unexpected" not in answer.text
    environ = _environ("POST", "/events", b"<xml/>")
    assert _wsgi(wsgi_app(component), environ)[0].startswith("503")


def test_real_server_refuses_a_huge_body_without_reading_it(
    component: Component, sender: Sender, store: RecordingStore
) -> None:
    query, body = sender.ticket_push("ticket@@@served")
    with serve(component.asgi_app()) as url:
        assert httpx.post(url + "/events", params=query, content=body).text == "success"
        big = httpx.post(url + "/events", params=query, content=b"<xml>" + b" " * (1 << 20))
        assert big.status_code == 413
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST /events?" + urlencode(query).encode() + b" HTTP/1.1\r\n"
                         b"Host: x\r\nContent-Length: 500000000\r\n\r\n<xml>")
            answer = sock.recv(4096)  # answered although 500 MB were announced, 5 bytes sent
        assert answer.startswith(b"HTTP/1.1 413")
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@served"


# --------------------------------------------------------------------------- WSGI


def _environ(method: str, path: str, body: bytes, query: str = "",
             length: str | None = None) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path,
                               "QUERY_STRING": query, "wsgi.input": io.BytesIO(body),
                               "CONTENT_LENGTH": str(len(body)) if length is None else length}
    setup_testing_defaults(environ)
    return environ


def _wsgi(app: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    started: list[Any] = []
    chunks = app(environ, lambda status, headers: started.append((status, dict(headers))))
    return started[0][0], started[0][1], b"".join(chunks)


def test_wsgi_app(component: Component, sender: Sender, store: RecordingStore) -> None:
    app = component.wsgi_app()
    query, body = sender.ticket_push("ticket@@@wsgi")
    status, headers, answer = _wsgi(app, _environ("POST", "/events", body, urlencode(query)))
    assert (status, answer) == ("200 OK", b"success")
    assert headers["Content-Length"] == "7"
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@wsgi"

    echo = _wsgi(app, _environ("GET", f"/{APPID}/events", b"",
                               urlencode(sender.echo_query("wsgi-echo"))))
    assert (echo[0], echo[2]) == ("200 OK", b"wsgi-echo")
    assert _wsgi(app, _environ("GET", "/unknown/path", b""))[0] == "404 Not Found"
    assert _wsgi(app, _environ("DELETE", "/events", b""))[0] == "405 Method Not Allowed"

    stream = io.BytesIO(b"x" * 200_000)
    huge = _environ("POST", "/events", b"", urlencode(query), length="200000")
    huge["wsgi.input"] = stream
    assert _wsgi(app, huge)[0] == "413 Request Entity Too Large"
    assert stream.tell() == 0  # refused on CONTENT_LENGTH, nothing read

    lying = _environ("POST", "/events", b"y" * 200_000, urlencode(query), length="")
    lying["wsgi.input_terminated"] = True
    assert _wsgi(app, lying)[0] == "413 Request Entity Too Large"
    assert lying["wsgi.input"].tell() <= 65537
