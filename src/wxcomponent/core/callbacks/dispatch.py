"""One push from request to answer: :func:`handle_callback` (the checks, the dedupe lease, the
built-ins, the release check, the user's handlers, the answer) and :func:`dispatch_message`
(the same for a push decrypted elsewhere); a refused request reaches the refused-request
hooks.

Internal module.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any

from ...errors import AppIdMismatch, CallbackError, InvalidArgument, StoreError, XMLError
from ...events import AuthorizerMessage, ComponentEvent, Event, parse_event
from ...stores.base import Store
from .. import outbox, release_check
from ..context import Context
from ..effects import CallHandler, Emit, Flow, Spawn, store_call
from ..listener_events import ListenerEvent
from ..xml import DEFAULT_MAX_BODY
from .answers import (
    _EMPTY,
    _EMPTY_ANSWER,
    _NOT_ALLOWED,
    _SUCCESS,
    _UNAVAILABLE,
    APPLICATION_XML,
    CallbackResponse,
    _is_empty_reply,
    _reply_xml,
)
from .built_ins import _builtins, repeatable
from .checks import _echo, _open, _Opened, _params
from .options import CallbackOptions
from .router import Callbacks, Handler, Push, RefusedRequest, _handler_name

__all__ = ["dispatch_message", "handle_callback"]

log = logging.getLogger("wxcomponent")

_REASON_MAX = 200


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


def _refuse(callbacks: Callbacks, exc: CallbackError, method: object,
            authorizer_appid: str | None) -> Flow[CallbackResponse]:
    reason = " ".join(str(exc).split())[:_REASON_MAX] or type(exc).__name__
    log.info("push refused with HTTP %d: %s", exc.http_status, reason)
    yield Emit(ListenerEvent.PUSH_REFUSED, {"status": exc.http_status, "code": exc.code,
                                            "error": type(exc).__name__})
    request = RefusedRequest(str(method)[:16], authorizer_appid, exc.http_status, reason)
    for hook in callbacks.refused_hooks:
        try:
            yield CallHandler(hook, (exc, request))
        except Exception:
            log.error("refused-request hook %s failed", _handler_name(hook), exc_info=True)
    return CallbackResponse.text(exc.http_status, reason)


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
    event = opened.event
    kind = _describe(event)
    handlers = callbacks.handlers_for(event)
    fence: int | None = None
    if handlers or not repeatable(options, event) or _release_check_case(
            options, event, authorizer_appid):
        try:
            fence = yield from store_call(
                Store.acquire_lease, opened.dedupe_key, options.dedupe_ttl)
        except Exception as exc:
            log.warning("push %s not handled: the store failed (%s)", kind, type(exc).__name__)
            yield Emit(ListenerEvent.PUSH_FAILED, {"event": kind, "error": type(exc).__name__})
            return CallbackResponse.text(503, _UNAVAILABLE)
        if fence is None:
            log.info("push %s already handled (a retry by WeChat): answered success", kind)
            yield Emit(ListenerEvent.PUSH_DUPLICATE, {"event": kind})
            return _SUCCESS
    # else the push leaves the same state however often it is handled: no lease to take
    try:
        applied = yield from _builtins(ctx, options, event, authorizer_appid)
        if not applied:
            # an authorization change older than the account's latest: nothing else runs
            yield Emit(ListenerEvent.PUSH_IGNORED, {"event": kind, "appid": ctx.appid,
                                                    "authorizer_appid": authorizer_appid})
            return _SUCCESS
        if options.forward_topics:
            yield from outbox.enqueue_push(ctx, options.forward_topics, event,
                                           authorizer_appid=authorizer_appid,
                                           dedupe_key=opened.dedupe_key)
    except GeneratorExit:
        raise
    except BaseException as exc:  # cancelled too: WeChat's retry must find the lease free
        if fence is not None:
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
        yield Emit(ListenerEvent.PUSH_FAILED, {"event": kind, "error": type(exc).__name__})
        return CallbackResponse.text(503, _UNAVAILABLE)
    reply = yield from _respond(ctx, callbacks, event, opened.push, kind, handlers)
    if reply is _EMPTY:
        return _EMPTY_ANSWER
    if reply is None:
        return _SUCCESS
    return _encrypted_reply(ctx, opened, reply)


def _release_check_case(options: CallbackOptions, event: Event,
                        authorizer_appid: str | None) -> bool:
    """True for a message of one of the release check's test accounts (when answered)."""
    return (options.release_check and isinstance(event, AuthorizerMessage)
            and release_check.is_test_account(event, authorizer_appid))


def _respond(ctx: Context, callbacks: Callbacks, event: Event, push: Push,
             kind: str, handlers: tuple[Handler, ...] | None = None) -> Flow[Any]:
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
            yield Emit(ListenerEvent.RELEASE_CHECK, {"case": answer.case, "appid": ctx.appid,
                                                     "authorizer_appid": account,
                                                     "account": account_kind})
            reply = answer.reply
            if answer.code is not None:
                yield Spawn(functools.partial(release_check.answer_with_api, ctx, answer.code,
                                              event.from_user_name, account),
                            "release check: exchange the code and answer through the API")
                reply = _EMPTY
    if not answered:
        reply = yield from _run_handlers(
            callbacks.handlers_for(event) if handlers is None else handlers, event, push, kind)
    # a message names its account by its URL; an authorization push in its fields
    handled: dict[str, Any] = {"event": kind, "appid": ctx.appid,
                               "authorizer_appid": push.authorizer_appid
                               or getattr(event, "authorizer_appid", None) or None}
    if answered:
        handled["release_check"] = True
    yield Emit(ListenerEvent.PUSH_HANDLED, handled)
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
    if not (yield from _builtins(ctx, callbacks.options, event, authorizer_appid)):
        yield Emit(ListenerEvent.PUSH_IGNORED, {"event": _describe(event), "appid": ctx.appid,
                                                "authorizer_appid": authorizer_appid})
        return None
    reply = yield from _respond(ctx, callbacks, event, push, _describe(event))
    if reply is _EMPTY:
        return b""
    if reply is None:
        return None
    assert isinstance(event, AuthorizerMessage)
    return _reply_xml(ctx, event, reply).encode("utf-8")


def _run_handlers(handlers: tuple[Handler, ...], event: Event, push: Push,
                  kind: str) -> Flow[Any]:
    """Run the matching handlers; return the first passive reply one of them gave (or None)."""
    reply: Any = None
    for handler in handlers:
        try:
            result = yield CallHandler(handler, (event, push))
        except Exception as exc:
            name = _handler_name(handler)
            log.error("push handler %s failed on %s; answered success anyway", name, kind,
                      exc_info=True)
            yield Emit(ListenerEvent.HANDLER_FAILED, {"handler": name, "event": kind,
                                                      "error": type(exc).__name__})
            continue
        if reply is None and not _is_empty_reply(result):
            reply = result
    return reply


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
