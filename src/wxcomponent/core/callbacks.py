"""Receiving WeChat's pushes: checks, routing, built-in handling and the answer, with no I/O.

:func:`handle_callback` is the framework-free entry point (the seed's ``ServeHTTP``). It is a
flow (see :mod:`wxcomponent.core.effects`), so :class:`~wxcomponent.Component` and
:class:`~wxcomponent.AsyncComponent` run the very same rules. For a POST it:

1. requires ``timestamp``, ``nonce`` and ``msg_signature`` (400 when one is missing;
   ``encrypt_type``, when given, must be ``aes``), refuses a body over
   :attr:`CallbackOptions.max_body` (413);
2. verifies ``msg_signature`` and decrypts (the current EncodingAESKey, then the previous
   one), which also checks the platform appid at the end of the plaintext (403 on a bad
   signature or a foreign appid, 400 on bad base64, padding or XML);
3. parses the typed event, and for a platform event (a
   :class:`~wxcomponent.events.ComponentEvent`: ticket, authorization…), on whichever URL it
   came, checks that its ``AppId`` is this platform (403);
4. with :attr:`CallbackOptions.timestamp_window` set, refuses a push whose ``timestamp`` is
   that far from the clock (403);
5. **dedupe**: takes the store lease ``<component appid>:push:<digest of msg_signature,
   timestamp and nonce>`` for :attr:`CallbackOptions.dedupe_ttl` seconds. WeChat retries a push
   it thinks failed with the same three values; when the lease is already taken the push was
   (or is being) handled, and the answer is ``success`` with nothing run again. The lease is
   taken only after every check passed, so refused input never touches the store; a store
   that fails to take it gets the push answered 503;
6. runs the built-ins (each switchable in :class:`CallbackOptions`): a verify ticket is stored
   before answering; ``authorized`` / ``updateauthorized`` and a successful fast registration
   answer WeChat first and exchange the code in the background (``api_query_auth``, retried;
   :func:`~wxcomponent.core.endpoints.component.query_auth` makes the push and the browser redirect
   exchanging the same code harmless); ``unauthorized`` marks the authorizer revoked and drops
   its tokens before answering. An ``unauthorized``, ``authorized`` or ``updateauthorized``
   older (by ``CreateTime``) than the authorizer's latest recorded authorization change does
   nothing, whatever the dedupe store holds: no handler runs, nothing is forwarded, and the
   answer is ``success`` (``push_ignored`` goes to the listeners), so a late or replayed push
   never moves an account backwards;
7. runs the user handlers registered with :meth:`Callbacks.on` (or the
   :meth:`Callbacks.on_default` ones when none matches), in registration order. The code
   exchange of an ``authorized`` push may still be running then: a handler that needs the
   authorizer calls ``query_auth(event.authorization_code)``, which waits for that exchange
   and reads its result instead of exchanging the code again;
8. answers exactly ``success`` (HTTP 200, ``text/plain``), or, for a message of an authorizer
   whose handler returned a passive reply (the first one, when several did), the reply
   encrypted with the key that decrypted the request (``success`` again when the reply
   cannot be built, which is logged).

Failures, decided once here:

* A refused push gets the ``http_status`` of its :class:`~wxcomponent.errors.CallbackError`
  and a short plain-text reason, never a traceback or a secret. No input gives a 500:
  anything unexpected while reading a push is answered 400.
* **A built-in step that fails** (typically a :class:`~wxcomponent.errors.StoreError` while
  saving the ticket) releases the dedupe lease and answers 503, so WeChat retries the push
  and nothing is lost.
* **A user handler that raises** is logged with its traceback (logger ``wxcomponent``), a
  ``handler_failed`` event is emitted to the listeners, the other handlers still run, and the
  answer is still ``success``. The built-ins already ran, so the platform's state is right;
  a retry by WeChat would not fix the handler's code, and an answer other than ``success``
  only makes WeChat count the push as failed. Handlers that need a retry should record their
  own work and pick it up again.

Internal module: import :class:`CallbackOptions`, :class:`Push` and
:class:`CallbackResponse` from :mod:`wxcomponent`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, Union
from urllib.parse import parse_qsl

from ..errors import (
    AppIdMismatch,
    BodyTooLarge,
    CallbackError,
    ConfigurationError,
    InvalidArgument,
    StalePush,
    StoreError,
    XMLError,
)
from ..events import (
    AuthorizerMessage,
    ComponentEvent,
    Event,
    Unauthorized,
    VerifyTicket,
    parse_event,
)
from ..replies import Reply, reply_fields
from ..stores.base import Store
from . import outbox, release_check
from .accounts import event_time, ignore_change, is_stale, revoke_on_push, save_ticket
from .context import Context
from .crypto import Decrypted
from .effects import CallHandler, Emit, Flow, Spawn, store_call
from .exchange import exchange_code
from .xml import DEFAULT_MAX_BODY, build_xml

__all__ = [
    "CallbackOptions",
    "CallbackResponse",
    "Callbacks",
    "Handler",
    "HandlerKey",
    "Push",
    "RefusedRequest",
    "dispatch_message",
    "exchange_code",
    "handle_callback",
]

log = logging.getLogger("wxcomponent")

#: A push handler: ``handler(event, push)``, a plain function or a coroutine function.
Handler = Callable[[Event, "Push"], Any]
#: What :meth:`Callbacks.on` accepts: an InfoType, a message route key, or an event class.
HandlerKey = Union[str, "type[Event]"]

H = TypeVar("H", bound=Callable[..., Any])

TEXT_PLAIN = "text/plain; charset=utf-8"
APPLICATION_XML = "application/xml"
SUCCESS = b"success"
_REASON_MAX = 200


# --------------------------------------------------------------------------- public models


@dataclass(frozen=True)
class CallbackOptions:
    """How pushes are handled.

    * ``store_ticket`` — store each ``component_verify_ticket`` (before answering).
    * ``exchange_codes`` — exchange the code of ``authorized`` / ``updateauthorized`` and of a
      successful fast registration in the background, and persist the authorizer.
    * ``forget_on_unauthorized`` — on ``unauthorized``, mark the authorizer revoked and drop
      its tokens (before answering), unless the authorizer's record holds a later
      authorization change.
    * ``timestamp_window`` — refuse (403) pushes whose ``timestamp`` is further than this many
      seconds from the clock (30 minutes by default; None turns it off). Together with the
      dedupe window it makes a captured push useless: replayed within the window it is a
      duplicate, later it is stale. Keep the host's clock synchronized (NTP).
    * ``dedupe_ttl`` — how long a handled push is remembered, so WeChat's retries of it are
      answered ``success`` without running anything again. It must cover the timestamp
      window on both sides (at least twice ``timestamp_window``); by default it does.
    * ``release_check`` — answer WeChat's release check (全网发布) for its two test accounts,
      and only for them (see :mod:`wxcomponent.core.release_check`).
    * ``durable_exchanges`` — record each code exchange as a job of the store's durable queue
      before WeChat is answered, so a crash cannot lose it (the next worker, or another host's
      refresher, finishes it); off, the exchange only runs in the background of this process.
    * ``forward_topics`` — queue topics (``deliver:<webhook>``) every accepted push is written
      to, durably and before WeChat is answered (the service's webhooks deliver them).
    * ``max_body`` — the largest POST body accepted (413 above; 64 KiB by default). The
      platform's message crypto is built with the same limit, so a larger value lets larger
      pushes through decryption too (a :class:`~wxcomponent.core.crypto.MessageCrypto` built
      directly keeps its own ``max_body``, 64 KiB by default).
    * ``exchange_attempts`` / ``exchange_backoff`` — tries of a background code exchange, and
      the first pause between them in seconds (doubling each time).
    """

    store_ticket: bool = True
    exchange_codes: bool = True
    forget_on_unauthorized: bool = True
    timestamp_window: float | None = 1800.0
    dedupe_ttl: float = 3900.0
    max_body: int = DEFAULT_MAX_BODY
    exchange_attempts: int = 5
    exchange_backoff: float = 1.0
    release_check: bool = True
    durable_exchanges: bool = True
    forward_topics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.forward_topics, str) or not all(
                isinstance(t, str) and t for t in self.forward_topics):
            raise ConfigurationError("forward_topics", "must be a tuple of non-empty names")
        if self.timestamp_window is not None and not self.timestamp_window > 0:
            raise ConfigurationError("timestamp_window",
                                     "must be positive (or None to turn it off)")
        if not self.dedupe_ttl > 0:
            raise ConfigurationError("dedupe_ttl", "must be positive")
        if self.timestamp_window is not None and self.dedupe_ttl < 2 * self.timestamp_window:
            raise ConfigurationError(
                "dedupe_ttl", f"must be at least twice timestamp_window "
                f"({2 * self.timestamp_window:g} s), or a push replayed inside the window "
                "would be handled again")
        if isinstance(self.max_body, bool) or not isinstance(self.max_body, int) \
                or self.max_body < 1:
            raise ConfigurationError("max_body", "must be a positive int")
        if self.exchange_attempts < 1:
            raise ConfigurationError("exchange_attempts", "must be at least 1")
        if not self.exchange_backoff >= 0:
            raise ConfigurationError("exchange_backoff", "must not be negative")


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


@dataclass(frozen=True)
class CallbackResponse:
    """The HTTP answer to give WeChat: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def text(cls, status: int, message: str | bytes,
             headers: tuple[tuple[str, str], ...] = ()) -> CallbackResponse:
        """A plain-text answer (``success``, an echo, or the reason of a refusal)."""
        body = message.encode("utf-8") if isinstance(message, str) else message
        return cls(status, (("Content-Type", TEXT_PLAIN), *headers), body)

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


_SUCCESS = CallbackResponse.text(200, SUCCESS)
_NOT_ALLOWED = CallbackResponse.text(405, "method not allowed: use GET or POST",
                                     (("Allow", "GET, POST"),))
_UNAVAILABLE = "the push could not be processed now; try again"


# --------------------------------------------------------------------------- the router


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


# --------------------------------------------------------------------------- the entry point


def handle_callback(
    ctx: Context,
    method: str,
    query: Mapping[str, Any] | str | bytes | None,
    body: bytes | bytearray | memoryview | str | None,
    *,
    authorizer_appid: str | None = None,
) -> Flow[CallbackResponse]:
    """Answer one request to a callback URL: GET echo verification, or a POST push.

    ``query`` is a mapping (values may be lists: the first item counts) or the raw query
    string (str or bytes); ``body`` the raw request body; ``authorizer_appid`` the appid in the
    message URL. Raises nothing but a cancellation: every outcome is a
    :class:`CallbackResponse` (see the module documentation).
    """
    callbacks: Callbacks = ctx.callbacks if isinstance(ctx.callbacks, Callbacks) else Callbacks()
    try:
        verb = method.upper() if isinstance(method, str) else ""
        if verb == "GET":
            return _echo(ctx, _params(query))
        if verb != "POST":
            return _NOT_ALLOWED
        return (yield from _receive(ctx, callbacks, _params(query), body, authorizer_appid))
    except CallbackError as exc:
        return (yield from _refuse(callbacks, exc, method, authorizer_appid))
    except Exception as exc:  # never a 500: whatever slipped through is a bad request
        log.warning("push refused after an unexpected %s", type(exc).__name__, exc_info=True)
        return (yield from _refuse(callbacks, XMLError("the push could not be read"), method,
                                   authorizer_appid))


@dataclass(frozen=True)
class RefusedRequest:
    """What a refused-request hook learns of the request (never its body or signature)."""

    method: str
    authorizer_appid: str | None
    status: int
    reason: str


def _refuse(callbacks: Callbacks, exc: CallbackError, method: object,
            authorizer_appid: str | None) -> Flow[CallbackResponse]:
    reason = " ".join(str(exc).split())[:_REASON_MAX] or type(exc).__name__
    log.info("push refused with HTTP %d: %s", exc.http_status, reason)
    yield Emit("push_refused", {"status": exc.http_status, "code": exc.code,
                                "error": type(exc).__name__})
    request = RefusedRequest(str(method)[:16], authorizer_appid, exc.http_status, reason)
    for hook in callbacks.refused_hooks:
        try:
            yield CallHandler(hook, (exc, request))
        except Exception:
            log.error("refused-request hook %s failed", _handler_name(hook), exc_info=True)
    return CallbackResponse.text(exc.http_status, reason)


def _first(value: object) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _params(query: object) -> dict[str, str]:
    """The query parameters as text; the first value of a repeated name wins."""
    if query is None:
        return {}
    if isinstance(query, (bytes, bytearray, memoryview)):
        query = bytes(query).decode("utf-8", "replace")
    if isinstance(query, str):
        query = query.lstrip("?")
        out: dict[str, str] = {}
        if "%" in query or "+" in query or ";" in query:
            pairs: list[tuple[str, str]] = parse_qsl(query, keep_blank_values=True,
                                                     errors="replace")
            for name, value in pairs:
                out.setdefault(name, value)
            return out
        # WeChat's query strings need no unquoting: split them directly (the hot path).
        for pair in query.split("&"):
            if pair:
                name, _, value = pair.partition("=")
                out.setdefault(name, value)
        return out
    if isinstance(query, Mapping):
        found = {name: _first(value) for name, value in query.items() if isinstance(name, str)}
        return {name: value for name, value in found.items() if value is not None}
    raise CallbackError("the query must be a mapping or a query string")


def _echo(ctx: Context, params: Mapping[str, str]) -> CallbackResponse:
    names = ("signature", "timestamp", "nonce", "echostr")
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise CallbackError(f"GET needs {', '.join(names)}; missing {', '.join(missing)}")
    ctx.crypto.check_url_signature(params["signature"], timestamp=params["timestamp"],
                                   nonce=params["nonce"])
    return CallbackResponse.text(200, params["echostr"], (("X-Content-Type-Options", "nosniff"),))


class _Opened(NamedTuple):
    push: Push
    event: Event
    decrypted: Decrypted
    dedupe_key: str


def _open(
    ctx: Context,
    options: CallbackOptions,
    params: Mapping[str, str],
    body: object,
    authorizer_appid: str | None,
) -> _Opened:
    """Every check of a POST that needs no store: parameters, size, signature, XML, appid."""
    timestamp, nonce = params.get("timestamp"), params.get("nonce")
    signature = params.get("msg_signature")
    if not (timestamp and nonce and signature):
        names = ("timestamp", "nonce", "msg_signature")
        missing = [name for name in names if not params.get(name)]
        raise CallbackError(f"missing query parameter {', '.join(missing)}")
    encrypt_type = params.get("encrypt_type")
    if encrypt_type is not None and encrypt_type.lower() != "aes":
        raise CallbackError("encrypt_type must be aes")
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise XMLError("the body must be bytes")
    data = bytes(body)
    if len(data) > options.max_body:
        raise BodyTooLarge(
            f"body of {len(data)} bytes exceeds the limit of {options.max_body} bytes"
        )
    try:
        decrypted = ctx.crypto.open_body(data, msg_signature=signature, timestamp=timestamp,
                                         nonce=nonce)
        event = parse_event(decrypted.message, max_size=max(options.max_body, DEFAULT_MAX_BODY))
    except CallbackError:
        raise
    except Exception as exc:
        raise XMLError(f"the push could not be read ({type(exc).__name__})") from None
    if isinstance(event, ComponentEvent) and event.component_appid != ctx.appid:
        raise AppIdMismatch(f"the push is for {event.component_appid[:32]!r}, not {ctx.appid!r}")
    window = options.timestamp_window
    if window is not None:
        try:
            skew = abs(ctx.clock() - int(timestamp))
        except (ValueError, OverflowError):
            raise StalePush("timestamp is not a usable number") from None
        if skew > window:
            raise StalePush(f"timestamp is more than {window:g} seconds away from now")
    digest = hashlib.sha256(f"{signature.lower()}\n{timestamp}\n{nonce}".encode()).hexdigest()
    push = Push(ctx.appid, authorizer_appid, timestamp, nonce, decrypted.message,
                decrypted.used_previous_key, params.get("openid") or None)
    return _Opened(push, event, decrypted, f"{ctx.appid}:push:{digest[:40]}")


def _describe(event: Event) -> str:
    """The longest of the event's route names (its InfoType, or its route key, which is never
    shorter than its MsgType), or its class name."""
    if isinstance(event, ComponentEvent):
        return event.info_type.lower()
    if isinstance(event, AuthorizerMessage):
        return event.route_key.lower()
    return type(event).__name__


def _receive(
    ctx: Context,
    callbacks: Callbacks,
    params: Mapping[str, str],
    body: object,
    authorizer_appid: str | None,
) -> Flow[CallbackResponse]:
    options = callbacks.options
    opened = _open(ctx, options, params, body, authorizer_appid)
    kind = _describe(opened.event)
    try:
        fence: int | None = yield from store_call(
            Store.acquire_lease, opened.dedupe_key, options.dedupe_ttl)
    except Exception as exc:
        log.warning("push %s not handled: the store failed (%s)", kind, type(exc).__name__)
        yield Emit("push_failed", {"event": kind, "error": type(exc).__name__})
        return CallbackResponse.text(503, _UNAVAILABLE)
    if fence is None:
        log.info("push %s already handled (a retry by WeChat): answered success", kind)
        yield Emit("push_duplicate", {"event": kind})
        return _SUCCESS
    try:
        applied = yield from _builtins(ctx, options, opened.event)
        if not applied:
            # an authorization change older than the account's latest: nothing else runs
            yield Emit("push_ignored", {"event": kind, "appid": ctx.appid,
                                        "authorizer_appid": authorizer_appid})
            return _SUCCESS
        if options.forward_topics:
            yield from outbox.enqueue_push(ctx, options.forward_topics, opened.event,
                                           authorizer_appid=authorizer_appid,
                                           dedupe_key=opened.dedupe_key)
    except GeneratorExit:
        raise
    except BaseException as exc:  # cancelled too: WeChat's retry must find the lease free
        try:
            yield from store_call(Store.release_lease, opened.dedupe_key, fence)
        except Exception:
            log.warning("could not release the dedupe lease of push %s", kind)
        if not isinstance(exc, Exception):
            raise
        if isinstance(exc, StoreError):
            log.warning("push %s not handled: the store failed (%s)", kind, exc)
        else:
            log.error("push %s not handled: built-in step failed", kind, exc_info=True)
        yield Emit("push_failed", {"event": kind, "error": type(exc).__name__})
        return CallbackResponse.text(503, _UNAVAILABLE)
    reply = yield from _respond(ctx, callbacks, opened.event, opened.push, kind)
    if reply is _EMPTY:
        return _EMPTY_ANSWER
    if reply is None:
        return _SUCCESS
    return _encrypted_reply(ctx, opened, reply)


#: A handler's answer asking for an empty body (no passive reply, not even ``success``).
_EMPTY = object()
_EMPTY_ANSWER = CallbackResponse(200, (("Content-Type", TEXT_PLAIN),), b"")


def _respond(ctx: Context, callbacks: Callbacks, event: Event, push: Push,
             kind: str) -> Flow[Any]:
    """After the built-ins: the release check's answer for its test accounts, or the user
    handlers' first passive reply (None when there is none)."""
    reply: Any = None
    answered = False
    if callbacks.options.release_check and isinstance(event, AuthorizerMessage):
        answer = release_check.respond(event, push.authorizer_appid)
        if answer is not None:
            answered = True
            account, account_kind = release_check.account_of(event, push.authorizer_appid)
            log.info("release check case %s from %s answered", answer.case, event.to_user_name)
            yield Emit("release_check", {"case": answer.case, "appid": ctx.appid,
                                         "authorizer_appid": account, "account": account_kind})
            reply = answer.reply
            if answer.code is not None:
                yield Spawn(functools.partial(release_check.answer_with_api, ctx, answer.code,
                                              event.from_user_name, account),
                            "release check: exchange the code and answer through the API")
                reply = _EMPTY
    if not answered:
        reply = yield from _run_handlers(callbacks, event, push, kind)
    # a message names its account by its URL; an authorization push in its fields
    handled: dict[str, Any] = {"event": kind, "appid": ctx.appid,
                               "authorizer_appid": push.authorizer_appid
                               or getattr(event, "authorizer_appid", None) or None}
    if answered:
        handled["release_check"] = True
    yield Emit("push_handled", handled)
    if not isinstance(event, AuthorizerMessage):
        return None
    return reply


def dispatch_message(
    ctx: Context,
    xml: bytes | str,
    *,
    authorizer_appid: str | None = None,
    openid: str | None = None,
) -> Flow[bytes | None]:
    """Handle a push that was already verified and decrypted elsewhere (the seed's
    ``ServeMessage``): the built-ins, the release check and the handlers run as for
    :func:`handle_callback`, without the transport checks or the dedupe. Returns the passive
    reply as plaintext XML (to encrypt and send yourself), ``b""`` when the answer must be an
    empty body, or None when WeChat should get ``success``. Raises
    :class:`~wxcomponent.errors.XMLError` for XML that is not a push; a failing built-in
    raises its error (so the caller can answer 503 and let WeChat retry)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if not isinstance(data, bytes):
        raise InvalidArgument("xml", "must be the decrypted push as bytes or str")
    callbacks: Callbacks = ctx.callbacks if isinstance(ctx.callbacks, Callbacks) else Callbacks()
    event = parse_event(data, max_size=max(callbacks.options.max_body, DEFAULT_MAX_BODY))
    if isinstance(event, ComponentEvent) and event.component_appid != ctx.appid:
        raise AppIdMismatch(f"the push is for {event.component_appid[:32]!r}, not {ctx.appid!r}")
    push = Push(ctx.appid, authorizer_appid, str(event.create_time), "", data, False, openid)
    if not (yield from _builtins(ctx, callbacks.options, event)):
        yield Emit("push_ignored", {"event": _describe(event), "appid": ctx.appid,
                                    "authorizer_appid": authorizer_appid})
        return None
    reply = yield from _respond(ctx, callbacks, event, push, _describe(event))
    if reply is _EMPTY:
        return b""
    if reply is None:
        return None
    assert isinstance(event, AuthorizerMessage)
    return _reply_xml(ctx, event, reply).encode("utf-8")


def _builtins(ctx: Context, options: CallbackOptions, event: Event) -> Flow[bool]:
    """The built-in handling of a push; False when it is an authorization change older than
    the account's latest recorded one, which must do nothing at all."""
    if isinstance(event, VerifyTicket) and options.store_ticket:
        yield from save_ticket(ctx, event.ticket, event.create_time)
    elif isinstance(event, Unauthorized) and options.forget_on_unauthorized:
        return (yield from revoke_on_push(ctx, event.authorizer_appid,
                                          event_time(event.create_time)))
    elif options.exchange_codes:
        exchange = outbox.exchange_of(event)
        if exchange is None:
            return True
        if exchange.authorizer_appid and (
                yield from is_stale(ctx, exchange.authorizer_appid, exchange.event_at)):
            # a replayed or late push: the account changed since; its code is not exchanged
            yield from ignore_change(ctx, exchange.authorizer_appid, exchange.source,
                                     exchange.event_at)
            return False
        if options.durable_exchanges:
            yield from outbox.enqueue_exchange(ctx, exchange, attempts=options.exchange_attempts)
            yield Spawn(functools.partial(outbox.drain_exchanges, ctx,
                                          backoff_base=options.exchange_backoff,
                                          max_attempts=options.exchange_attempts),
                        f"exchange of the {exchange.source} code of "
                        f"{exchange.authorizer_appid or 'an account'}")
        else:
            yield _exchange_later(ctx, options, exchange.code, exchange.authorizer_appid,
                                  exchange.source, exchange.event_at)
    return True


def _exchange_later(ctx: Context, options: CallbackOptions, code: str, authorizer_appid: str,
                    source: str, event_at: int) -> Spawn:
    factory = functools.partial(exchange_code, ctx, code, attempts=options.exchange_attempts,
                                backoff=options.exchange_backoff,
                                authorizer_appid=authorizer_appid, source=source,
                                event_at=event_at)
    return Spawn(factory, f"exchange of the {source} code of {authorizer_appid or 'an account'}")


def _handler_name(handler: Callable[..., Any]) -> str:
    name = getattr(handler, "__qualname__", None) or getattr(handler, "__name__", None)
    return str(name) if name else type(handler).__name__


def _run_handlers(callbacks: Callbacks, event: Event, push: Push, kind: str) -> Flow[Any]:
    """Run the matching handlers; return the first passive reply one of them gave (or None)."""
    reply: Any = None
    for handler in callbacks.handlers_for(event):
        try:
            result = yield CallHandler(handler, (event, push))
        except Exception as exc:
            name = _handler_name(handler)
            log.error("push handler %s failed on %s; answered success anyway", name, kind,
                      exc_info=True)
            yield Emit("handler_failed", {"handler": name, "event": kind,
                                          "error": type(exc).__name__})
            continue
        if reply is None and not _is_empty_reply(result):
            reply = result
    return reply


def _is_empty_reply(result: object) -> bool:
    if result is None:
        return True
    if isinstance(result, bytes):
        return result.strip() in (b"", SUCCESS)
    if isinstance(result, str):
        return result.strip() in ("", "success")
    return False


def _reply_xml(ctx: Context, event: AuthorizerMessage, reply: object) -> str:
    """A handler's reply as plaintext XML: a :class:`~wxcomponent.replies.Reply`, a mapping
    of fields (addressed back to the sender), or XML as it is."""
    if isinstance(reply, (Reply, Mapping)):
        return build_xml(reply_fields(reply, to_user=event.from_user_name,
                                      from_user=event.to_user_name,
                                      create_time=int(ctx.clock())))
    if isinstance(reply, bytes):
        return reply.decode("utf-8")
    if isinstance(reply, str):
        return reply
    raise TypeError(f"a passive reply is a Reply, XML (str or bytes) or a mapping, "
                    f"not {type(reply).__name__}")


def _encrypted_reply(ctx: Context, opened: _Opened, reply: object) -> CallbackResponse:
    event = opened.event
    try:
        assert isinstance(event, AuthorizerMessage)
        plaintext = _reply_xml(ctx, event, reply)
        xml = ctx.crypto.encrypt_reply(plaintext, nonce=opened.push.nonce,
                                       timestamp=int(ctx.clock()), key=opened.decrypted.key)
    except Exception:
        log.error("passive reply to %s could not be built; answered success", _describe(event),
                  exc_info=True)
        return _SUCCESS
    return CallbackResponse(200, (("Content-Type", APPLICATION_XML),), xml.encode("utf-8"))
