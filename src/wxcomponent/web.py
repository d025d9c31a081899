"""The callback URLs as ASGI and WSGI applications (the seed's ``ServerFrontend``).

Both serve any :class:`CallbackPlatform`: :class:`~wxcomponent.Component` and
:class:`~wxcomponent.AsyncComponent` are ones, and so is any object with an ``appid``, the
``callback_options`` and a ``handle_callback`` method. Both serve the same routes:

* ``/{component_appid}/events`` (also ``/{component_appid}``): the authorization-event URL;
* ``/{component_appid}/messages/{authorizer_appid}``: the message URL, configured in WeChat's
  console as ``…/messages/$APPID$``; ``/{component_appid}/messages`` serves a message URL
  configured without ``$APPID$``;
* when the application serves exactly one platform, the same without the component appid:
  ``/events``, ``/messages/{authorizer_appid}``, ``/messages`` and ``/``.

An unknown platform or path is answered 404. A POST body over the platform's
:attr:`~wxcomponent.core.callbacks.CallbackOptions.max_body` is answered 413 as soon as the
``Content-Length`` or the bytes read so far exceed it, without reading the rest. No request
gets a 500: a failure that escapes the callback logic is logged and answered 503, which makes
WeChat retry.

Mount the application under any prefix (Starlette's ``Mount``, FastAPI's ``app.mount``,
werkzeug's ``DispatcherMiddleware``): routes are matched below the mount point.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

import anyio.to_thread

from .core.callbacks import CallbackOptions, CallbackResponse
from .errors import InvalidArgument

__all__ = [
    "BlockingCallbackPlatform",
    "CallbackASGIApp",
    "CallbackPlatform",
    "CallbackWSGIApp",
    "asgi_app",
    "route",
    "wsgi_app",
]

log = logging.getLogger("wxcomponent")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
StartResponse = Callable[..., Any]

_SEGMENT = re.compile(r"[A-Za-z0-9_.$-]{1,128}")
_NOT_FOUND = CallbackResponse.text(404, "not found")
_TOO_LARGE = "request body too large"
_UNAVAILABLE = CallbackResponse.text(503, "temporarily unavailable; try again")


class CallbackPlatform(Protocol):
    """What the applications need from a platform.

    ``handle_callback(method, query, body, authorizer_appid=...)`` answers one request to a
    callback URL (``query`` is the raw query string, ``body`` the raw body). A blocking
    platform defines it as a plain method returning the :class:`CallbackResponse`; an asyncio
    platform as a coroutine function (``async def``) whose result is awaited. The two are told
    apart with :func:`inspect.iscoroutinefunction`. ``callback_options.max_body`` bounds the
    POST bodies read.
    """

    @property
    def appid(self) -> str:
        """The component appid, the first segment of the platform's callback URLs."""
        ...

    @property
    def callback_options(self) -> CallbackOptions:
        """The push handling options; ``max_body`` is the largest POST body read."""
        ...

    def handle_callback(self, method: str, query: str, body: bytes, /, *,
                        authorizer_appid: str | None = None
                        ) -> CallbackResponse | Awaitable[CallbackResponse]:
        """Answer one request (a coroutine function on an asyncio platform)."""
        ...


class BlockingCallbackPlatform(CallbackPlatform, Protocol):
    """A :class:`CallbackPlatform` whose ``handle_callback`` blocks and returns the answer:
    what the WSGI application serves (e.g. a :class:`~wxcomponent.Component`)."""

    def handle_callback(self, method: str, query: str, body: bytes, /, *,
                        authorizer_appid: str | None = None) -> CallbackResponse:
        """Answer one request."""
        ...


P = TypeVar("P", bound=CallbackPlatform)


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


def _is_async(platform: CallbackPlatform) -> bool:
    """Whether ``platform.handle_callback`` is a coroutine function (an asyncio platform)."""
    return inspect.iscoroutinefunction(platform.handle_callback)


def _is_platform(candidate: object) -> bool:
    """Whether ``candidate`` has what :class:`CallbackPlatform` promises (checked once)."""
    options = getattr(candidate, "callback_options", None)
    return (isinstance(getattr(candidate, "appid", None), str)
            and isinstance(getattr(options, "max_body", None), int)
            and callable(getattr(candidate, "handle_callback", None)))


def _platforms(components: Iterable[P], *, blocking_only: bool) -> dict[str, P]:
    platforms: dict[str, P] = {}
    for component in components:
        if not _is_platform(component) or (blocking_only and _is_async(component)):
            names = "Component" if blocking_only else "Component or AsyncComponent"
            raise TypeError(f"expected a {names}, got {type(component).__name__}")
        if component.appid in platforms:
            raise InvalidArgument("components", f"platform {component.appid} is given twice")
        platforms[component.appid] = component
    if not platforms:
        raise InvalidArgument("components", "give at least one platform")
    return platforms


def route(path: str, platforms: Mapping[str, P]) -> tuple[P, str | None] | None:
    """The platform and authorizer appid a request path names, or None (404)."""
    parts = [part for part in path.split("/") if part]
    if parts and parts[0] in platforms:
        component, rest = platforms[parts[0]], parts[1:]
    elif len(platforms) == 1:
        component, rest = next(iter(platforms.values())), parts
    else:
        return None
    if rest in ([], ["events"], ["messages"]):
        return component, None
    if len(rest) == 2 and rest[0] == "messages" and _SEGMENT.fullmatch(rest[1]):
        return component, rest[1]
    return None


def _max_body(component: CallbackPlatform) -> int:
    return component.callback_options.max_body


def _declared_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() else None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _headers(response: CallbackResponse) -> list[tuple[str, str]]:
    return [*response.headers, ("Content-Length", str(len(response.body)))]


@functools.lru_cache(maxsize=256)
def _asgi_headers(headers: tuple[tuple[str, str], ...], length: int
                  ) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in (*headers, ("Content-Length", str(length)))]


def _response_headers(response: CallbackResponse) -> list[tuple[bytes, bytes]]:
    """A response's headers as ASGI wants them, encoded once per distinct set (nearly every
    answer is one of a few: ``success``, a refusal, a reply of some length); a copy, which
    the server may keep or change."""
    try:
        return _asgi_headers(response.headers, len(response.body)).copy()
    except TypeError:  # headers given as lists: not cached
        return [(k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in _headers(response)]


# --------------------------------------------------------------------------- ASGI


class CallbackASGIApp:
    """An ASGI application serving the callback URLs of one or several platforms.

    A blocking platform (a :class:`~wxcomponent.Component`) handles each request on a worker
    thread; an asyncio one (an :class:`~wxcomponent.AsyncComponent`, whose
    ``handle_callback`` is a coroutine function) in the server's event loop.
    """

    def __init__(self, components: Iterable[CallbackPlatform]) -> None:
        self.platforms: dict[str, CallbackPlatform] = _platforms(components,
                                                                 blocking_only=False)
        self._async = {appid: _is_async(p) for appid, p in self.platforms.items()}

    def __repr__(self) -> str:
        return f"<CallbackASGIApp platforms={sorted(self.platforms)}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await _lifespan(receive, send)
            return
        if kind != "http":
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        await self.serve(scope, receive, send, route(self._path(scope), self.platforms))

    @staticmethod
    def _path(scope: Scope) -> str:
        path = str(scope.get("path") or "/")
        root = str(scope.get("root_path") or "")
        return path[len(root):] if root and path.startswith(root) else path

    async def serve(self, scope: Scope, receive: Receive, send: Send,
                    found: tuple[CallbackPlatform, str | None] | None) -> None:
        """Answer one HTTP request whose path :func:`route` already resolved to ``found``
        (an app that routed the request itself need not route it twice)."""
        try:
            response = await self._respond(scope, receive, found)
        except _Disconnected:
            return
        except Exception:
            log.exception("callback request failed")
            response = _UNAVAILABLE
        await send({
            "type": "http.response.start",
            "status": response.status,
            "headers": _response_headers(response),
        })
        await send({"type": "http.response.body", "body": response.body})

    async def _respond(self, scope: Scope, receive: Receive,
                       found: tuple[CallbackPlatform, str | None] | None
                       ) -> CallbackResponse:
        if found is None:
            return _NOT_FOUND
        component, authorizer_appid = found
        method = str(scope.get("method") or "GET").upper()
        query = bytes(scope.get("query_string") or b"").decode("latin-1")
        body = b""
        if method == "POST":
            try:
                body = await _read_asgi_body(scope, receive, _max_body(component))
            except _TooLarge:
                return CallbackResponse.text(413, _TOO_LARGE, (("Connection", "close"),))
        if self._serves_async(component):
            answer = component.handle_callback(method, query, body,
                                               authorizer_appid=authorizer_appid)
        else:
            call = functools.partial(component.handle_callback, method, query, body,
                                     authorizer_appid=authorizer_appid)
            answer = await anyio.to_thread.run_sync(call)
        return answer if isinstance(answer, CallbackResponse) else await answer

    def _serves_async(self, component: CallbackPlatform) -> bool:
        # The platforms of this app were classified once; another (a caller of serve() that
        # routed with its own mapping) is classified now.
        known = self._async.get(component.appid)
        if known is not None and self.platforms.get(component.appid) is component:
            return known
        return _is_async(component)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message.get("type") == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message.get("type") == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_asgi_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    for name, value in scope.get("headers") or ():
        # ASGI servers give header names in lower case; another case is found too (slower).
        if name == b"content-length" or (len(name) == 14 and bytes(name).lower()
                                         == b"content-length"):
            declared = _declared_length(bytes(value).decode("latin-1"))
            if declared is not None and declared > limit:
                raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body") or b""
        if type(chunk) is not bytes:
            chunk = bytes(chunk)
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            if not chunks:
                return chunk  # the whole body came in one message (nearly always)
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


def asgi_app(*components: CallbackPlatform) -> CallbackASGIApp:
    """An ASGI application serving the callback URLs of ``components`` (see the module).

    One application may serve several platforms (``Component`` or ``AsyncComponent``, or
    any :class:`CallbackPlatform`, mixed), each under its component appid.
    """
    return CallbackASGIApp(components)


# --------------------------------------------------------------------------- WSGI


class CallbackWSGIApp:
    """A WSGI application serving the callback URLs of one or several blocking platforms.

    An asyncio platform (whose ``handle_callback`` is a coroutine function) is refused with
    :class:`TypeError`: serve it with :func:`asgi_app`.
    """

    def __init__(self, components: Iterable[BlockingCallbackPlatform]) -> None:
        self.platforms: dict[str, BlockingCallbackPlatform] = _platforms(components,
                                                                         blocking_only=True)

    def __repr__(self) -> str:
        return f"<CallbackWSGIApp platforms={sorted(self.platforms)}>"

    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse
                 ) -> list[bytes]:
        try:
            response = self._respond(environ)
        except Exception:
            log.exception("callback request failed")
            response = _UNAVAILABLE
        start_response(_status_line(response.status), _headers(response))
        return [response.body]

    def _respond(self, environ: Mapping[str, Any]) -> CallbackResponse:
        found = route(str(environ.get("PATH_INFO") or "/"), self.platforms)
        if found is None:
            return _NOT_FOUND
        component, authorizer_appid = found
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        query = str(environ.get("QUERY_STRING") or "")
        body = b""
        if method == "POST":
            try:
                body = _read_wsgi_body(environ, _max_body(component))
            except _TooLarge:
                return CallbackResponse.text(413, _TOO_LARGE, (("Connection", "close"),))
        return component.handle_callback(method, query, body, authorizer_appid=authorizer_appid)


def _read_wsgi_body(environ: Mapping[str, Any], limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    declared = _declared_length(environ.get("CONTENT_LENGTH"))
    if declared is not None and declared > limit:
        raise _TooLarge
    if declared is None and not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: reading could block; the push is refused
    want = limit + 1 if declared is None else declared
    chunks: list[bytes] = []
    size = 0
    while size < want:
        chunk = stream.read(min(65536, want - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise _TooLarge
    return b"".join(chunks)


def wsgi_app(*components: BlockingCallbackPlatform) -> CallbackWSGIApp:
    """A WSGI application serving the callback URLs of ``components`` (blocking platforms).

    Routes as :func:`asgi_app`; mount it under a prefix with werkzeug's
    ``DispatcherMiddleware`` or any WSGI router.
    """
    return CallbackWSGIApp(components)
