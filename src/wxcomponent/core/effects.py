"""What a flow asks its shell to do. Flows are generators that yield these and get answers back.

This is how :class:`~wxcomponent.Component` and :class:`~wxcomponent.AsyncComponent` share one
implementation of every rule (token policy, retries, compare-and-refresh, error mapping): the
rules live in generator functions with no I/O (:mod:`wxcomponent.core.flows`); each shell only
performs the effects below, with blocking or awaited calls, and sends the results back in (or
throws the exception in). The idea is the one httpx uses for its auth flows.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "CallHandler",
    "Effect",
    "Emit",
    "Flow",
    "Http",
    "HttpResult",
    "Lock",
    "Sleep",
    "Spawn",
    "StoreCall",
    "Unlock",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Http:
    """Send one HTTP request to ``api_base + path``; the answer is an :class:`HttpResult`.

    Transport failures (connection, timeout) are thrown into the flow as
    :class:`~wxcomponent.errors.TransportError`. ``params`` may carry tokens: never log them.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass(frozen=True, slots=True)
class HttpResult:
    """Status, content type and body of an HTTP answer."""

    status: int
    content: bytes
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class StoreCall:
    """Call ``store.<method>(*args, **kwargs)``; the answer is its return value."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sleep:
    """Pause for ``seconds`` (``time.sleep`` or ``asyncio.sleep``)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Lock:
    """Take the in-process lock named ``key`` (threads or tasks); answer True if taken in time."""

    key: str
    timeout: float


@dataclass(frozen=True, slots=True)
class Unlock:
    """Release the in-process lock named ``key``."""

    key: str


@dataclass(frozen=True, slots=True)
class Emit:
    """Tell the event listeners that ``name`` happened, with ``fields`` (never secrets)."""

    name: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallHandler:
    """Call a user's handler ``handler(*args)``: plain functions are called, coroutine
    functions awaited (the sync shell runs them to completion). The answer is its result;
    its exception is thrown into the flow."""

    handler: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Spawn:
    """Run ``factory()``'s flow in the background (a worker thread, or an asyncio task), after
    the current one goes on; the answer is None at once. Failures are logged."""

    factory: Callable[[], Generator[Any, Any, Any]]
    name: str = "background"


Effect = Http | StoreCall | Sleep | Lock | Unlock | Emit | CallHandler | Spawn

#: A flow: a generator that yields effects, receives their answers, and returns a ``T``.
Flow = Generator[Effect, Any, T]
