"""The push router of one platform: :class:`Callbacks` (handlers by InfoType, message route
key or event class, the default handlers and the refused-request hooks), and what a
handler or a hook is given (:class:`Push`, :class:`RefusedRequest`).

Internal module: import :class:`Push` from :mod:`wxcomponent`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

from ...errors import InvalidArgument
from ...events import AuthorizerMessage, ComponentEvent, Event
from .options import CallbackOptions

__all__ = ["Callbacks", "Handler", "HandlerKey", "Push", "RefusedRequest", "route_names"]

#: A push handler: ``handler(event, push)``, a plain function or a coroutine function.
Handler = Callable[[Event, "Push"], Any]
#: What :meth:`Callbacks.on` accepts: an InfoType, a message route key, or an event class.
HandlerKey = Union[str, "type[Event]"]

H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True)
class Push:
    """What a handler knows about the push besides its event.

    ``authorizer_appid`` comes from the message URL (``…/messages/$APPID$``) and is None on the
    authorization-event URL and on a message URL configured without ``$APPID$``. ``xml`` is
    the decrypted XML; ``used_previous_key`` tells that the previous EncodingAESKey decrypted
    it (a sender not yet rotated). ``openid`` is the ``openid`` query parameter WeChat adds to
    the pushes of a user's message (None when absent).
    """

    component_appid: str
    authorizer_appid: str | None
    timestamp: str
    nonce: str
    xml: bytes = field(repr=False)
    used_previous_key: bool = False
    openid: str | None = None


def _normalize_key(key: object) -> str | type[Event]:
    if isinstance(key, str):
        name = key.strip().lower()
        if not name:
            raise InvalidArgument("key", "a handler key must not be empty")
        return name
    if isinstance(key, type) and issubclass(key, Event):
        return key
    raise TypeError("a handler key is an InfoType, a message type such as 'text' or "
                    "'event:weapp_audit_success', or an event class")


def route_names(event: Event) -> frozenset[str]:
    """The string keys an event answers to: its InfoType, or its route key and MsgType."""
    if isinstance(event, ComponentEvent):
        return frozenset({event.info_type.lower()})
    if isinstance(event, AuthorizerMessage):
        return frozenset({event.route_key.lower(), event.msg_type.lower()})
    return frozenset()


class Callbacks:
    """The push router of one platform, with its :class:`CallbackOptions`.

    Keys of :meth:`on`: an InfoType (``"component_verify_ticket"``, ``"authorized"``,
    ``"unauthorized"``…), a message route key (``"text"``, ``"event:weapp_audit_success"``,
    or ``"event"`` for every event), compared case-insensitively, or an event class matched
    with ``isinstance`` (``events.WeappAuditResult``). Every matching handler runs, once, in
    registration order; when none matches, the :meth:`on_default` handlers run.
    """

    def __init__(self, options: CallbackOptions | None = None) -> None:
        self.options = options or CallbackOptions()
        self._lock = threading.Lock()
        self._routes: tuple[tuple[str | type[Event], Handler], ...] = ()
        self._defaults: tuple[Handler, ...] = ()
        #: Called as ``hook(error, request)`` for every refused request (the seed's
        #: invalid-request handler); see :meth:`on_refused`.
        self.refused_hooks: tuple[Callable[..., Any], ...] = ()

    def __repr__(self) -> str:
        return f"<Callbacks handlers={len(self._routes)} defaults={len(self._defaults)}>"

    def on(self, key: HandlerKey) -> Callable[[H], H]:
        """Register a handler for ``key`` (decorator); it is called as ``handler(event, push)``.

        Plain functions are called, coroutine functions awaited. For a message of an
        authorizer a handler may return a passive reply: XML (str or bytes), or a mapping
        written as XML (with ``ToUserName``, ``FromUserName`` and ``CreateTime`` filled in
        when missing).
        """
        normalized = _normalize_key(key)

        def register(handler: H) -> H:
            _check_callable(handler)
            with self._lock:
                self._routes = (*self._routes, (normalized, handler))
            return handler

        return register

    def on_default(self, handler: H) -> H:
        """Register a handler for pushes no :meth:`on` handler matches (usable as a decorator)."""
        _check_callable(handler)
        with self._lock:
            self._defaults = (*self._defaults, handler)
        return handler

    def on_refused(self, hook: H) -> H:
        """Register ``hook(error, request)``, called for every refused request with its
        :class:`~wxcomponent.errors.CallbackError` and a :class:`RefusedRequest` (usable as a
        decorator). The answer stays the refusal; a hook that raises is logged."""
        _check_callable(hook)
        with self._lock:
            self.refused_hooks = (*self.refused_hooks, hook)
        return hook

    def handlers_for(self, event: Event) -> tuple[Handler, ...]:
        """The handlers to run for ``event``, in order (the defaults when none matches)."""
        if not self._routes:
            return self._defaults
        names = route_names(event)
        matched: list[Handler] = []
        for key, handler in self._routes:
            hit = key in names if isinstance(key, str) else isinstance(event, key)
            if hit and handler not in matched:
                matched.append(handler)
        return tuple(matched) if matched else self._defaults


def _check_callable(handler: object) -> None:
    if not callable(handler):
        raise TypeError("a handler must be callable as handler(event, push)")


@dataclass(frozen=True)
class RefusedRequest:
    """What a refused-request hook learns of the request (never its body or signature)."""

    method: str
    authorizer_appid: str | None
    status: int
    reason: str


def _handler_name(handler: Callable[..., Any]) -> str:
    name = getattr(handler, "__qualname__", None) or getattr(handler, "__name__", None)
    return str(name) if name else type(handler).__name__
