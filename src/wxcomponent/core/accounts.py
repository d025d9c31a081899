"""The durable records of a platform: its verify ticket and its authorizers.

Everything here writes the durable store, and every write happens before anything depends on
it (a refresh token is stored before the access token it came with is cached or handed out).

Internal module.
"""

from __future__ import annotations

import logging

from ..errors import AuthorizerNotFound
from ..stores.base import AuthorizerRecord, CachedToken
from .context import Context, TokenKind
from .effects import Emit, Flow, StoreCall
from .models import AuthorizationInfo

__all__ = [
    "forget_authorizer",
    "give_up_refresh_token",
    "load_authorizer",
    "persist_authorization",
    "save_ticket",
]

log = logging.getLogger("wxcomponent")


def save_ticket(ctx: Context, ticket: str, created_at: int) -> Flow[bool]:
    """Store a pushed verify ticket (an older push never replaces a newer one)."""
    kept: bool = yield StoreCall("save_ticket", (ctx.appid, ticket, created_at))
    yield Emit("ticket_received", {"appid": ctx.appid, "created_at": created_at, "kept": kept})
    return kept


def load_authorizer(ctx: Context, authorizer_appid: str) -> Flow[AuthorizerRecord]:
    """The stored record of an authorized account; :class:`AuthorizerNotFound` otherwise."""
    record: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, authorizer_appid)
    )
    if record is None:
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=False)
    if record.status != "authorized":
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=True)
    return record


def persist_authorization(ctx: Context, info: AuthorizationInfo, started: float) -> Flow[None]:
    """Store an authorizer from an exchanged code: the record first, then its access token."""
    existing: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, info.authorizer_appid)
    )
    keep_since = existing is not None and existing.status == "authorized"
    token = CachedToken(info.authorizer_access_token, started + info.expires_in, started) \
        if info.authorizer_access_token else None
    record = AuthorizerRecord(
        component_appid=ctx.appid,
        authorizer_appid=info.authorizer_appid,
        refresh_token=info.authorizer_refresh_token,
        status="authorized",
        func_info=info.func_info,
        authorized_at=existing.authorized_at if keep_since and existing else started,
        updated_at=started,
        revoked_at=None,
        # The refresher looks at it when its new token nears expiry (0: keep the schedule).
        refresh_at=ctx.policy.refresh_time(token) if token else 0.0,
    )
    yield StoreCall("save_authorizer", (record,))  # durable first
    if token is not None:
        yield StoreCall("set_token", (
            ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, info.authorizer_appid), token))
    yield Emit("authorizer_saved", {"appid": info.authorizer_appid,
                                    "func_info": list(info.func_info)})


def forget_authorizer(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Mark an authorizer revoked and drop its cached tokens (on ``unauthorized`` or 61003).

    True when the store holds a record of it (revoked now); False for an unknown appid.
    """
    changed: bool = yield StoreCall("mark_revoked", (ctx.appid, authorizer_appid))
    for kind in (TokenKind.AUTHORIZER_ACCESS_TOKEN, TokenKind.JSAPI_TICKET):
        yield StoreCall("delete_token", (ctx.token_key(kind, authorizer_appid),))
    if changed:
        yield Emit("authorizer_revoked", {"appid": authorizer_appid, "reason": "unauthorized"})
    return changed


def give_up_refresh_token(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """The refresh token is dead for good (61023 after recovery): the account is revoked."""
    yield StoreCall("mark_revoked", (ctx.appid, authorizer_appid))
    yield Emit("authorizer_revoked", {"appid": authorizer_appid, "reason": "refresh_token_invalid"})
    log.error("refresh token of %s is invalid; the account must authorize again",
              authorizer_appid)
