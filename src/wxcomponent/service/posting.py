"""POSTing a delivery to a webhook: one request, one deadline for the whole exchange, and its
outcome as ``None`` (a 2xx answer) or the short reason it failed (``timeout``, ``HTTP 503``,
the name of a connection error).

Two clients do it, behind one :class:`Poster` face:

* :class:`AiohttpPoster`, aiohttp's client (the ``service`` extra brings it), the default of
  the service: its pool of kept-alive connections costs a small part of httpx's a request
  (httpx's pool asks every idle connection whether the server closed it, a system call each,
  on every request it places), and deliveries are the service's most frequent requests;
* :class:`HttpxPoster`, over an httpx client the caller gives (or when aiohttp is missing).

Neither follows redirects, reads proxies from the environment or keeps cookies; an answer's
body is read up to :data:`MAX_ANSWER` bytes (what a receiver sends beyond that is dropped with
its connection).
"""

from __future__ import annotations

import asyncio
import importlib.util
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import httpx

if TYPE_CHECKING:
    import aiohttp

__all__ = ["MAX_ANSWER", "AiohttpPoster", "HttpxPoster", "Poster", "webhook_poster"]

#: The most bytes of a receiver's answer read (the status decides; the body is dropped).
MAX_ANSWER = 64 * 1024
_KEPT_ERROR = 200


@runtime_checkable
class Poster(Protocol):
    """What delivers a request: :meth:`post`, and :meth:`aclose` at the end."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   timeout: float) -> str | None:
        """POST ``body``; None for a 2xx answer, else why it failed (at most 200 characters).
        ``timeout`` bounds the whole exchange: connecting, sending, the answer's last byte."""
        ...

    async def aclose(self) -> None:
        """Close what this poster opened."""
        ...


def _outcome(status: int) -> str | None:
    return None if 200 <= status < 300 else f"HTTP {status}"[:_KEPT_ERROR]


class HttpxPoster:
    """A :class:`Poster` over an httpx client the caller owns (and closes)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   timeout: float) -> str | None:
        """See :meth:`Poster.post`."""
        try:
            # httpx's own timeout bounds each step (each read of a slowly dripped answer),
            # not their sum: wait_for bounds the whole.
            answer = await asyncio.wait_for(
                self.client.post(url, content=body, headers=dict(headers), timeout=timeout),
                timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            return "timeout"
        except httpx.HTTPError as exc:
            return type(exc).__name__[:_KEPT_ERROR]
        return _outcome(answer.status_code)

    async def aclose(self) -> None:
        """Nothing: the client is the caller's."""


class AiohttpPoster:
    """A :class:`Poster` on aiohttp: one session (its own pool of at most ``limit``
    connections) per event loop that posts, made at its first request."""

    def __init__(self, *, limit: int = 100) -> None:
        self.limit = limit
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                  aiohttp.ClientSession] = \
            weakref.WeakKeyDictionary()

    def _session(self) -> aiohttp.ClientSession:
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = self._sessions[loop] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.limit),
                cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False)
        return session

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   timeout: float) -> str | None:
        """See :meth:`Poster.post`."""
        import aiohttp

        try:
            return await asyncio.wait_for(self._exchange(url, body, headers), timeout)
        except asyncio.TimeoutError:
            return "timeout"
        except (aiohttp.ClientError, OSError) as exc:
            return type(exc).__name__[:_KEPT_ERROR]

    async def _exchange(self, url: str, body: bytes, headers: Mapping[str, str]) -> str | None:
        async with self._session().post(url, data=body, headers=dict(headers),
                                        allow_redirects=False) as answer:
            seen = 0
            async for chunk in answer.content.iter_any():
                seen += len(chunk)
                if seen > MAX_ANSWER:  # more than a receiver should say: not kept alive
                    answer.close()
                    break
            return _outcome(answer.status)

    async def aclose(self) -> None:
        """Close the session of the running loop (the others close with their loops)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(loop, None)
        if session is not None:
            await session.close()


def webhook_poster(fallback: httpx.AsyncClient) -> Poster:
    """The service's poster of deliveries: aiohttp's when installed, else ``fallback``."""
    if importlib.util.find_spec("aiohttp") is not None:
        return AiohttpPoster()
    return HttpxPoster(fallback)
