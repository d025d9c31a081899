"""Adopting an authorizer from a refresh token obtained elsewhere.

A platform that moves to wxcomponent from another SDK (or restores a backup) already holds
every authorized account's refresh token; asking each merchant to authorize again is what the
move must avoid. :func:`add_authorizer` checks such a token with WeChat
(``api_authorizer_token``) and stores the account only when WeChat accepts it: a token WeChat
rejects (61023) raises :class:`~wxcomponent.errors.RefreshTokenInvalid` and nothing is stored.

Internal module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InvalidArgument, TransportError
from ..stores import _validate as valid
from ..stores.base import AuthorizerRecord, CachedToken, Store
from .context import Context, TokenKind
from .effects import Emit, Flow, store_call
from .endpoints.component import AUTHORIZER_TOKEN
from .engine import call
from .listener_events import ListenerEvent
from .release_accounts import is_release_check_account

__all__ = ["add_authorizer"]


def _func_info(value: Iterable[int] | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidArgument("func_info", "must be a sequence of permission set ids (ints)")
    items = tuple(value)
    if any(type(item) is not int or item < 0 for item in items):
        raise InvalidArgument("func_info", "must hold non-negative ints only")
    return items


def add_authorizer(
    ctx: Context,
    authorizer_appid: str,
    refresh_token: str,
    *,
    func_info: Iterable[int] | None = None,
    tenant: str | None = None,
) -> Flow[AuthorizerRecord]:
    """Add (or renew) an authorizer from a refresh token it gave the platform before.

    WeChat is asked for the account's access token with ``refresh_token`` first: a token it
    rejects raises :class:`~wxcomponent.errors.RefreshTokenInvalid` (61023) and nothing is
    stored. Then the record is stored (with the refresh token WeChat handed back, if it
    rotated it), and the access token cached. ``func_info`` (the permission set ids) and
    ``tenant`` are kept with the record; without them, those of an existing record stay.
    Returns the stored record.
    """
    valid.check_appid("authorizer_appid", authorizer_appid)
    if is_release_check_account(authorizer_appid):
        raise InvalidArgument("authorizer_appid",
                              "is a test account of WeChat's release check, not a merchant")
    valid.check_secret("refresh_token", refresh_token)
    funcs = _func_info(func_info)
    valid.check_tenant(tenant)
    started = ctx.clock()
    data: dict[str, Any] = yield from call(ctx, AUTHORIZER_TOKEN, body={
        "component_appid": ctx.appid, "authorizer_appid": authorizer_appid,
        "authorizer_refresh_token": refresh_token})
    access = data.get("authorizer_access_token")
    if not isinstance(access, str) or not access:
        raise TransportError("the answer has no authorizer_access_token")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    rotated = data.get("authorizer_refresh_token")
    kept = rotated if isinstance(rotated, str) and rotated else refresh_token
    existing: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, authorizer_appid)
    still = existing is not None and existing.status == "authorized"
    record = AuthorizerRecord(
        component_appid=ctx.appid,
        authorizer_appid=authorizer_appid,
        refresh_token=kept,
        status="authorized",
        func_info=funcs if funcs is not None else (existing.func_info if existing else ()),
        authorized_at=existing.authorized_at if still and existing else started,
        updated_at=started,
        revoked_at=None,
        tenant=tenant,
    )
    yield from store_call(Store.save_authorizer, record)  # durable first
    yield from store_call(
        Store.set_token, ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, authorizer_appid),
        CachedToken(access, started + expires_in, started))
    yield Emit(ListenerEvent.AUTHORIZER_SAVED, {"appid": authorizer_appid,
                                                "func_info": list(record.func_info),
                                                "source": "import"})
    stored: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, authorizer_appid)
    return stored if stored is not None else record
