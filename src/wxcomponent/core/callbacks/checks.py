"""The checks of a request that need no store: the query's parameters, the echo of a GET, and
for a POST the size, the signature, the decryption, the event, its AppId and the timestamp
window, which give the push and its dedupe key.

Internal module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import parse_qsl

from ...errors import AppIdMismatch, BodyTooLarge, CallbackError, StalePush, XMLError
from ...events import ComponentEvent, Event, parse_event
from ..context import Context
from ..crypto import Decrypted
from ..xml import DEFAULT_MAX_BODY
from .answers import CallbackResponse
from .options import CallbackOptions
from .router import Push


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
