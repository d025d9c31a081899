"""POSTing to the application: a delivery to a webhook, or a user's message to the reply URL.
One request, one deadline for the whole exchange (:meth:`~Poster.exchange`: the answer's
status and body, or why there is none), and for a delivery its outcome as ``None`` (a 2xx
answer) or the short reason it failed (``timeout``, ``HTTP 503``, the name of a connection
error).

Two clients do it, behind one :class:`Poster` face:

* :class:`AiohttpPoster`, aiohttp's client (the ``service`` extra brings it), the default of
  the service: its pool of kept-alive connections costs a small part of httpx's a request
  (httpx's pool asks every idle connection whether the server closed it, a system call each,
  on every request it places), and deliveries are the service's most frequent requests;
* :class:`HttpxPoster`, over an httpx client the caller gives (or when aiohttp is missing).

Neither follows redirects, reads proxies from the environment or keeps cookies; an answer's
body is read up to :data:`MAX_ANSWER` bytes (what a receiver sends beyond that is dropped with
its connection, and the answer is marked incomplete).
"""

from __future__ import annotations

import abc
import asyncio
import importlib.util
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import httpx

if TYPE_CHECKING:
    import aiohttp

__all__ = ["MAX_ANSWER", "AiohttpPoster", "Answer", "HttpxPoster", "Poster", "webhook_poster"]

#: The most bytes of an answer read (a delivery's status decides; a reply's body is used).
MAX_ANSWER = 64 * 1024
_KEPT_ERROR = 200


@dataclass(frozen=True)
class Answer:
    """What one exchange gave: the answer's ``status`` and ``body`` (at most
    :data:`MAX_ANSWER` bytes, ``complete`` False when the answer was longer), or no status and
    why (``failure``: ``timeout`` or the name of a connection error)."""

    status: int | None
    body: bytes = b""
    complete: bool = True
    failure: str | None = None

    @property
    def outcome(self) -> str | None:
        """A delivery's outcome: None for a 2xx answer, else why it failed (at most 200
        characters)."""
        if self.status is None:
            return self.failure
        return None if 200 <= self.status < 300 else f"HTTP {self.status}"[:_KEPT_ERROR]


def _failed(why: str) -> Answer:
    return Answer(None, failure=why[:_KEPT_ERROR])


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


class _Posting(abc.ABC):
    """:meth:`Poster.post` over :meth:`exchange`, which each client writes."""

    @abc.abstractmethod
    async def exchange(self, url: str, body: bytes, headers: Mapping[str, str],
                       timeout: float) -> Answer:
        """POST ``body`` and read the answer, all within ``timeout``."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str],
                   timeout: float) -> str | None:
        """See :meth:`Poster.post`."""
        return (await self.exchange(url, body, headers, timeout)).outcome


def _plain(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers``, asking for an answer as it is: a reply's body is read, never inflated."""
    return {**headers, "Accept-Encoding": "identity"}


class HttpxPoster(_Posting):
    """A :class:`Poster` over an httpx client the caller owns (and closes)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def exchange(self, url: str, body: bytes, headers: Mapping[str, str],
                       timeout: float) -> Answer:
        """See :meth:`_Posting.exchange`."""
        try:
            # httpx's own timeout bounds each step (each read of a slowly dripped answer),
            # not their sum: wait_for bounds the whole.
            return await asyncio.wait_for(self._exchange(url, body, headers, timeout), timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            return _failed("timeout")
        except httpx.HTTPError as exc:
            return _failed(type(exc).__name__)

    async def _exchange(self, url: str, body: bytes, headers: Mapping[str, str],
                        timeout: float) -> Answer:
        request = self.client.build_request("POST", url, content=body, headers=_plain(headers),
                                            timeout=timeout)
        answer = await self.client.send(request, stream=True)
        try:
            kept = bytearray()
            async for chunk in answer.aiter_raw():
                kept += chunk
                if len(kept) > MAX_ANSWER:
                    return Answer(answer.status_code, bytes(kept[:MAX_ANSWER]), complete=False)
            return Answer(answer.status_code, bytes(kept))
        finally:
            await answer.aclose()

    async def aclose(self) -> None:
        """Nothing: the client is the caller's."""


class AiohttpPoster(_Posting):
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

    async def exchange(self, url: str, body: bytes, headers: Mapping[str, str],
                       timeout: float) -> Answer:
        """See :meth:`_Posting.exchange`."""
        import aiohttp

        try:
            return await asyncio.wait_for(self._exchange(url, body, headers), timeout)
        except asyncio.TimeoutError:
            return _failed("timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return _failed(type(exc).__name__)

    async def _exchange(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        async with self._session().post(url, data=body, headers=_plain(headers),
                                        allow_redirects=False) as answer:
            kept = bytearray()
            async for chunk in answer.content.iter_any():
                kept += chunk
                if len(kept) > MAX_ANSWER:  # more than a receiver should say: not kept alive
                    answer.close()
                    return Answer(answer.status, bytes(kept[:MAX_ANSWER]), complete=False)
            return Answer(answer.status, bytes(kept))

    async def aclose(self) -> None:
        """Close the session of the running loop (the others close with their loops)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(loop, None)
        if session is not None:
            await session.close()


def webhook_poster(fallback: httpx.AsyncClient) -> AiohttpPoster | HttpxPoster:
    """The service's poster of deliveries and replies: aiohttp's when installed, else
    ``fallback``."""
    if importlib.util.find_spec("aiohttp") is not None:
        return AiohttpPoster()
    return HttpxPoster(fallback)
