"""What a flow asks its shell to do. Flows are generators that yield these and get answers back.

This is how :class:`~wxcomponent.Component` and :class:`~wxcomponent.AsyncComponent` share one
implementation of every rule (token policy, retries, compare-and-refresh, error mapping): the
rules live in generator functions with no I/O (the modules of :mod:`wxcomponent.core`); each
shell only performs the effects below, with blocking or awaited calls, and sends the results
back in (or throws the exception in). The idea is the one httpx uses for its auth flows.

Internal module.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..stores.base import Store
from .listener_events import ListenerEvent

__all__ = [
    "CallHandler",
    "Effect",
    "Emit",
    "Flow",
    "Gather",
    "Http",
    "HttpResult",
    "Lock",
    "Pause",
    "ReadFile",
    "Sleep",
    "Spawn",
    "StoreCall",
    "Unlock",
    "UploadPart",
    "store_call",
]

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One file of a multipart request: the form field, the file name, its bytes and type."""

    name: str
    filename: str
    content: bytes = field(repr=False)
    content_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Http:
    """Send one HTTP request to ``api_base + path`` (or to ``path`` when it is an absolute URL);
    the answer is an :class:`HttpResult`.

    The body is ``json`` (sent as UTF-8 JSON), or with ``files`` a multipart form of the files
    and the ``form`` fields. Transport failures (connection, timeout) are thrown into the flow
    as :class:`~wxcomponent.errors.TransportError`. ``params`` may carry tokens: never log them.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    files: tuple[UploadPart, ...] = ()
    form: Mapping[str, str] = field(default_factory=dict)
    #: Extra request headers (may carry a bearer key: never shown).
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class HttpResult:
    """Status, content type and body of an HTTP answer."""

    status: int
    content: bytes
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class StoreCall:
    """Call ``store.<method>(*args, **kwargs)``; the answer is its return value.

    Flows make it with :func:`store_call`, never by hand: the operation is named by the
    store protocol's method, so its name, arguments and result are checked."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def store_call(operation: Callable[Concatenate[Store, P], T], /, *args: P.args,
               **kwargs: P.kwargs) -> Generator[StoreCall, Any, T]:
    """Perform one store operation from a flow: ``x = yield from store_call(Store.get_authorizer,
    appid, authorizer_appid)`` yields the :class:`StoreCall` and returns the store's answer.

    ``operation`` is the method of :class:`~wxcomponent.stores.base.Store` (the sync protocol,
    which every shell's store mirrors), so the type checker checks the arguments against its
    signature and types the answer by its result."""
    answer: T = yield StoreCall(operation.__name__, args, kwargs)
    return answer


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
    """Tell the event listeners that ``name`` happened, with ``fields`` (never secrets).
    ``name`` is one of :class:`~wxcomponent.core.listener_events.ListenerEvent`."""

    name: ListenerEvent
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


@dataclass(frozen=True, slots=True)
class ReadFile:
    """Read at most ``limit`` bytes from ``source`` (a path, or a binary file object read from
    its current position); the answer is the bytes read. The sync shell reads inline, the async
    one on a worker thread. Reading ``limit`` bytes is how a flow tells a file is too large:
    ask for one byte more than allowed."""

    source: Any
    limit: int


@dataclass(frozen=True, slots=True)
class Gather:
    """Run every flow made by ``factories`` with at most ``concurrency`` at a time (threads, or
    tasks); the answer is their results in order. When some raise, all still finish and the
    first exception is thrown into the flow."""

    factories: tuple[Callable[[], Generator[Any, Any, Any]], ...]
    concurrency: int = 8


@dataclass(frozen=True, slots=True)
class Pause:
    """Wait ``seconds``, or less if ``stop`` is set (a ``threading.Event`` in the sync shell, an
    ``asyncio.Event`` in the async one); the answer is True when ``stop`` is set."""

    seconds: float
    stop: Any


Effect = (Http | StoreCall | Sleep | Lock | Unlock | Emit | CallHandler | Spawn | ReadFile
          | Gather | Pause)

#: A flow: a generator that yields effects, receives their answers, and returns a ``T``.
Flow = Generator[Effect, Any, T]
