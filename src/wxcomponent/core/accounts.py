"""The durable records of a platform: its verify ticket and its authorizers.

Everything here writes the durable store, and every write happens before anything depends on
it (a refresh token is stored before the access token it came with is cached or handed out).

Internal module.
"""

from __future__ import annotations

import logging

from ..errors import AuthorizerNotFound
from ..stores.base import AuthorizerRecord, CachedToken, Store
from .context import Context, TokenKind
from .effects import Emit, Flow, store_call
from .listener_events import ListenerEvent
from .models import AuthorizationInfo
from .release_accounts import TEST_ACCOUNTS, is_release_check_account

__all__ = [
    "clear_release_check_records",
    "event_time",
    "forget_authorizer",
    "give_up_refresh_token",
    "ignore_change",
    "is_stale",
    "load_authorizer",
    "persist_authorization",
    "revoke_on_push",
    "save_ticket",
]

log = logging.getLogger("wxcomponent")


def save_ticket(ctx: Context, ticket: str, created_at: int) -> Flow[bool]:
    """Store a pushed verify ticket (an older push never replaces a newer one)."""
    kept: bool = yield from store_call(Store.save_ticket, ctx.appid, ticket, created_at)
    yield Emit(ListenerEvent.TICKET_RECEIVED, {"appid": ctx.appid, "created_at": created_at,
                                               "kept": kept})
    return kept


def load_authorizer(ctx: Context, authorizer_appid: str) -> Flow[AuthorizerRecord]:
    """The stored record of an authorized account; :class:`AuthorizerNotFound` otherwise."""
    record: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, authorizer_appid)
    if record is None:
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=False)
    if record.status != "authorized":
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=True)
    return record


def persist_authorization(ctx: Context, info: AuthorizationInfo, started: float,
                          event_at: int = 0) -> Flow[bool]:
    """Store an authorizer from an exchanged code: the record first, then its access token.

    ``event_at`` is the ``CreateTime`` of the push that brought the code (0 for a code
    exchanged without one, such as the browser redirect: the exchange's own time stands for
    it). The record is not written when the store holds a later authorization change (an
    ``unauthorized`` newer than this code's push); False then, and nothing is cached.
    """
    if is_release_check_account(info.authorizer_appid):
        yield from _keep_release_check_token(ctx, info, started)
        return True
    existing: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, info.authorizer_appid)
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
        auth_event_at=event_at or int(started),
    )
    saved: bool = yield from store_call(Store.save_authorizer, record)  # durable first
    if not saved:
        yield from ignore_change(ctx, info.authorizer_appid, "authorization", record.auth_event_at)
        return False
    if token is not None:
        yield from store_call(
            Store.set_token,
            ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, info.authorizer_appid), token)
    yield Emit(ListenerEvent.AUTHORIZER_SAVED, {"appid": info.authorizer_appid,
                                                "func_info": list(info.func_info)})
    return True


def clear_release_check_records(ctx: Context) -> Flow[int]:
    """Remove the authorizer records an older version kept of the release check's test
    accounts (they are no merchants; their cached tokens are left to expire). Returns how
    many were removed."""
    removed = 0
    for appid in TEST_ACCOUNTS:
        if (yield from store_call(Store.delete_authorizer, ctx.appid, appid)):
            removed += 1
            log.warning("the record of %s, a test account of WeChat's release check, is "
                        "removed: it is no merchant", appid)
            yield Emit(ListenerEvent.AUTHORIZER_REMOVED, {"appid": appid,
                                                          "reason": "release_check_account"})
    return removed


def _keep_release_check_token(ctx: Context, info: AuthorizationInfo,
                              started: float) -> Flow[None]:
    """A release-check account's exchanged code: its token goes to the volatile cache with
    its expiry, and nothing else is kept (no record: it is WeChat's account, no merchant)."""
    if info.authorizer_access_token:
        token = CachedToken(info.authorizer_access_token, started + info.expires_in, started)
        yield from store_call(
            Store.set_token,
            ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, info.authorizer_appid), token)
    log.info("release check: the token of test account %s is cached, no record kept",
             info.authorizer_appid)
    yield Emit(ListenerEvent.RELEASE_CHECK_AUTHORIZED, {"authorizer_appid": info.authorizer_appid})


def ignore_change(ctx: Context, authorizer_appid: str, change: str,
                  event_at: int) -> Flow[None]:
    """Log and emit (``authorization_change_ignored``) that ``change`` of the account, from
    ``event_at``, is older than its latest recorded authorization change."""
    log.info("%s of %s from %d is older than its latest authorization change: ignored",
             change, authorizer_appid, event_at)
    yield Emit(ListenerEvent.AUTHORIZATION_CHANGE_IGNORED, {
        "appid": authorizer_appid, "change": change, "create_time": event_at})


#: The largest CreateTime kept (the stores take times a double holds exactly).
_LAST_EVENT_TIME = 2**53 - 1


def event_time(create_time: int) -> int:
    """A push's ``CreateTime`` as the time of an authorization change: 0 (unknown) when it
    is missing or out of range, so a malformed time neither blocks nor orders anything."""
    return create_time if 0 < create_time <= _LAST_EVENT_TIME else 0


def is_stale(ctx: Context, authorizer_appid: str, event_at: int) -> Flow[bool]:
    """True when the store holds an authorization change of the account later than
    ``event_at`` (a push's ``CreateTime``): a change from ``event_at`` must do nothing."""
    record: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, authorizer_appid)
    return record is not None and event_at < record.auth_event_at


def revoke_on_push(ctx: Context, authorizer_appid: str, event_at: int) -> Flow[bool]:
    """An ``unauthorized`` push of ``CreateTime`` ``event_at``: the authorizer is revoked and
    its tokens dropped, unless the store holds a later authorization change of it (a replayed
    or late push): then nothing changes and the answer is False."""
    changed: bool = yield from store_call(
        Store.mark_revoked, ctx.appid, authorizer_appid, event_at=event_at)
    if not changed and (yield from is_stale(ctx, authorizer_appid, event_at)):
        yield from ignore_change(ctx, authorizer_appid, "unauthorized", event_at)
        return False
    yield from _revoked(ctx, authorizer_appid, changed)
    return True


def _revoked(ctx: Context, authorizer_appid: str, changed: bool) -> Flow[None]:
    """What follows marking an account revoked for its ``unauthorized``: its cached tokens
    dropped, and the revocation told when the record changed."""
    for kind in (TokenKind.AUTHORIZER_ACCESS_TOKEN, TokenKind.JSAPI_TICKET):
        yield from store_call(Store.delete_token, ctx.token_key(kind, authorizer_appid))
    if changed:
        yield Emit(ListenerEvent.AUTHORIZER_REVOKED, {"appid": authorizer_appid,
                                                      "reason": "unauthorized"})


def forget_authorizer(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Mark an authorizer revoked and drop its cached tokens (on ``unauthorized`` or 61003).

    True when the store holds a record of it (revoked now); False for an unknown appid.
    """
    changed: bool = yield from store_call(Store.mark_revoked, ctx.appid, authorizer_appid)
    yield from _revoked(ctx, authorizer_appid, changed)
    return changed


def give_up_refresh_token(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """The refresh token is dead for good (61023 after recovery): the account is revoked."""
    yield from store_call(Store.mark_revoked, ctx.appid, authorizer_appid)
    yield Emit(ListenerEvent.AUTHORIZER_REVOKED, {"appid": authorizer_appid,
                                                  "reason": "refresh_token_invalid"})
    log.error("refresh token of %s is invalid; the account must authorize again",
              authorizer_appid)
