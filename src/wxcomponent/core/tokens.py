"""The tokens: the component access token, authorizers' access tokens, JS-SDK tickets.

Each is kept in the volatile store under :meth:`Context.token_key` and fetched through
:func:`~.singleflight.ensure_token`, so one upstream call refreshes it fleet-wide. The flows
return the :class:`~wxcomponent.stores.CachedToken` itself (value and expiry).

* **Durable first**: a refresh token returned by WeChat is written to the durable store before
  the new access token is cached or handed out.
* **61023**: the refresh token is re-read (store, then ``api_get_authorizer_list``) and the
  refresh tried once more; if that fails the authorizer is marked revoked and
  :class:`~wxcomponent.errors.RefreshTokenInvalid` raised. All of it only while the refresh's
  lease holds: a holder that paused past its lease leaves the account to the next holder.
* **61003** while refreshing: the account revoked the platform; it is marked revoked.

:class:`Tokens` is what the call engine asks for the token an endpoint carries.

Internal module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..errors import (
    InvalidArgument,
    NotAuthorized,
    RefreshTokenInvalid,
    TicketNotFound,
    TransportError,
)
from ..stores.base import CachedToken, Store
from . import accounts
from .context import Context, TokenKind
from .effects import Emit, Flow, store_call
from .endpoints.component import (
    AUTHORIZER_TOKEN,
    COMPONENT_TOKEN,
    LIST_PAGE_MAX,
    authorizer_list_page,
    next_offset,
)
from .engine import JSON, call, endpoint
from .listener_events import ListenerEvent
from .singleflight import ensure_token

__all__ = [
    "Tokens",
    "authorizer_token",
    "component_token",
    "get_token",
    "jsapi_ticket",
    "refresh_token",
]

log = logging.getLogger("wxcomponent")

_COMPONENT_KIND = TokenKind.COMPONENT_ACCESS_TOKEN.value

JSAPI_TICKET = endpoint("GET", "/cgi-bin/ticket/getticket", JSON,
                        token=TokenKind.AUTHORIZER_ACCESS_TOKEN)


def _token_from(data: Mapping[str, Any], name: str, started: float) -> CachedToken:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise TransportError(f"the answer has no {name}")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    return CachedToken(value, started + expires_in, started)


# --------------------------------------------------------------------------- component token


def component_token(ctx: Context, *, stale: str | None = None,
                    lead: float = 0.0) -> Flow[CachedToken]:
    """The component access token, fetched from the stored verify ticket when needed."""

    def fetch(ctx: Context) -> Flow[CachedToken]:
        ticket = yield from store_call(Store.load_ticket, ctx.appid)
        if ticket is None:
            raise TicketNotFound(ctx.appid)
        started = ctx.clock()
        data = yield from call(ctx, COMPONENT_TOKEN, body={
            "component_appid": ctx.appid,
            "component_appsecret": ctx.config.secret,
            "component_verify_ticket": ticket.value,
        })
        return _token_from(data, "component_access_token", started)

    return ensure_token(ctx, ctx.token_key(TokenKind.COMPONENT_ACCESS_TOKEN), fetch,
                        stale=stale, lead=lead, kind=_COMPONENT_KIND)


# --------------------------------------------------------------------------- authorizer token


def _recover_refresh_token(ctx: Context, authorizer_appid: str, used: str) -> Flow[str | None]:
    """After 61023: a refresh token other than ``used``, from the store or WeChat's list."""
    record = yield from store_call(Store.get_authorizer, ctx.appid, authorizer_appid)
    if record is not None and record.refresh_token and record.refresh_token != used:
        return str(record.refresh_token)
    offset: int | None = 0
    while offset is not None:
        page = yield from authorizer_list_page(ctx, offset, LIST_PAGE_MAX)
        for item in page.items:
            if item.authorizer_appid == authorizer_appid:
                if item.refresh_token and item.refresh_token != used:
                    yield from store_call(
                        Store.replace_refresh_token, ctx.appid, authorizer_appid, used,
                        item.refresh_token)
                    return item.refresh_token
                return None
        offset = next_offset(page, offset)
    return None


def authorizer_token(ctx: Context, authorizer_appid: str, *, stale: str | None = None,
                     lead: float = 0.0, wait: bool = True) -> Flow[CachedToken]:
    """An authorizer's access token, refreshed with its stored refresh token when needed
    (``wait=False``: :class:`~.singleflight.Busy` when a refresh is under way elsewhere)."""

    def refresh_with(ctx: Context, refresh_token: str) -> Flow[dict[str, Any]]:
        return call(ctx, AUTHORIZER_TOKEN, body={
            "component_appid": ctx.appid, "authorizer_appid": authorizer_appid,
            "authorizer_refresh_token": refresh_token})

    def fetch(ctx: Context) -> Flow[CachedToken]:
        record = yield from accounts.load_authorizer(ctx, authorizer_appid)
        used = record.refresh_token
        started = ctx.clock()
        try:
            data = yield from refresh_with(ctx, used)
        except NotAuthorized:
            yield from accounts.forget_authorizer(ctx, authorizer_appid)
            raise
        except RefreshTokenInvalid:
            # The recovery, and giving the account up, only under a lease still held: a
            # holder that paused past it would race the next holder's rotation.
            ctx.hold()
            recovered = yield from _recover_refresh_token(ctx, authorizer_appid, used)
            if recovered is None:
                ctx.hold()
                yield from accounts.give_up_refresh_token(ctx, authorizer_appid)
                raise
            used = recovered
            try:
                data = yield from refresh_with(ctx, used)
            except RefreshTokenInvalid:
                ctx.hold()
                yield from accounts.give_up_refresh_token(ctx, authorizer_appid)
                raise
        token = _token_from(data, "authorizer_access_token", started)
        new_refresh = data.get("authorizer_refresh_token")
        if isinstance(new_refresh, str) and new_refresh and new_refresh != used:
            # Durable first: the rotated refresh token is stored before the access token is
            # cached or handed out.
            kept = yield from store_call(
                Store.replace_refresh_token, ctx.appid, authorizer_appid, used, new_refresh)
            if kept:
                yield Emit(ListenerEvent.REFRESH_TOKEN_ROTATED, {"appid": authorizer_appid})
            else:
                log.warning("refresh token of %s changed in the store during a refresh",
                            authorizer_appid)
        return token

    kind = TokenKind.AUTHORIZER_ACCESS_TOKEN
    return ensure_token(ctx, ctx.token_key(kind, authorizer_appid), fetch, stale=stale,
                        lead=lead, kind=kind.value, subject=authorizer_appid, wait=wait)


def jsapi_ticket(ctx: Context, authorizer_appid: str, *, stale: str | None = None,
                 lead: float = 0.0) -> Flow[CachedToken]:
    """An official account's JS-SDK ticket, cached and single-flighted like a token."""

    def fetch(ctx: Context) -> Flow[CachedToken]:
        started = ctx.clock()
        data = yield from call(ctx, JSAPI_TICKET, authorizer_appid=authorizer_appid,
                               params={"type": "jsapi"})
        return _token_from(data, "ticket", started)

    kind = TokenKind.JSAPI_TICKET
    return ensure_token(ctx, ctx.token_key(kind, authorizer_appid), fetch, stale=stale,
                        lead=lead, kind=kind.value, subject=authorizer_appid)


# --------------------------------------------------------------------------- by kind


def get_token(ctx: Context, kind: TokenKind, authorizer_appid: str = "", *,
              stale: str | None = None, lead: float = 0.0) -> Flow[CachedToken]:
    """A fresh token of ``kind`` (for ``authorizer_appid`` when it is an authorizer's)."""
    ctx.token_key(kind, authorizer_appid)  # checks the appid fits the kind
    if kind is TokenKind.COMPONENT_ACCESS_TOKEN:
        return component_token(ctx, stale=stale, lead=lead)
    if kind is TokenKind.AUTHORIZER_ACCESS_TOKEN:
        return authorizer_token(ctx, authorizer_appid, stale=stale, lead=lead)
    return jsapi_ticket(ctx, authorizer_appid, stale=stale, lead=lead)


def refresh_token(ctx: Context, kind: TokenKind, authorizer_appid: str = "",
                  stale: str | None = None) -> Flow[CachedToken]:
    """Compare-and-refresh a token: renewed only while ``stale`` is still the stored one;
    ``stale=None`` renews whatever is stored."""
    if stale is not None and (not isinstance(stale, str) or not stale):
        raise InvalidArgument("stale", "must be the token that failed, as a non-empty string")
    if not isinstance(ctx.tokens, Tokens):  # another source (a service): its own rule
        ctx.token_key(kind, authorizer_appid)
        return (yield from ctx.tokens.refresh(ctx, kind, authorizer_appid, stale or ""))
    if stale is None:
        cached: CachedToken | None = yield from store_call(
            Store.get_token, ctx.token_key(kind, authorizer_appid))
        stale = cached.value if cached else ""
    return (yield from get_token(ctx, kind, authorizer_appid, stale=stale))


def _current(ctx: Context, kind: TokenKind, authorizer_appid: str = "",
             stale: str | None = None) -> Flow[CachedToken]:
    """A token from the context's source (the store and WeChat, or a service)."""
    ctx.token_key(kind, authorizer_appid)  # checks the appid fits the kind
    if stale is not None:
        return (yield from refresh_token(ctx, kind, authorizer_appid, stale))
    return (yield from ctx.tokens.current(ctx, kind, authorizer_appid))


class Tokens:
    """The :class:`~.context.TokenProvider` of the shells: the flows above."""

    def current(self, ctx: Context, kind: TokenKind, authorizer_appid: str) -> Flow[CachedToken]:
        """A fresh token of ``kind``."""
        return get_token(ctx, kind, authorizer_appid)

    def refresh(self, ctx: Context, kind: TokenKind, authorizer_appid: str,
                stale: str) -> Flow[CachedToken]:
        """Compare-and-refresh after WeChat refused ``stale``."""
        return get_token(ctx, kind, authorizer_appid, stale=stale)


# --------------------------------------------------------------------------- as methods


def component_access_token(ctx: Context) -> Flow[str]:
    """The component access token (the seed's ``Token``)."""
    return (yield from _current(ctx, TokenKind.COMPONENT_ACCESS_TOKEN)).value


def refresh_component_token(ctx: Context, stale: str | None = None) -> Flow[str]:
    """Compare-and-refresh the component token after WeChat refused ``stale`` (the seed's
    ``TokenRefresh``); ``stale=None`` renews the stored one."""
    kind = TokenKind.COMPONENT_ACCESS_TOKEN
    return (yield from refresh_token(ctx, kind, "", stale)).value


def authorizer_access_token(ctx: Context, authorizer_appid: str) -> Flow[str]:
    """The authorizer's access token."""
    return (yield from _current(ctx, TokenKind.AUTHORIZER_ACCESS_TOKEN, authorizer_appid)).value


def refresh_authorizer_token(ctx: Context, authorizer_appid: str,
                             stale: str | None = None) -> Flow[str]:
    """Compare-and-refresh the authorizer's access token after WeChat refused ``stale``;
    ``stale=None`` renews the stored one."""
    kind = TokenKind.AUTHORIZER_ACCESS_TOKEN
    return (yield from refresh_token(ctx, kind, authorizer_appid, stale)).value


def jsapi_ticket_value(ctx: Context, authorizer_appid: str, *,
                       stale: str | None = None) -> Flow[str]:
    """The official account's JS-SDK ticket, cached and single-flighted like a token."""
    return (yield from _current(ctx, TokenKind.JSAPI_TICKET, authorizer_appid, stale)).value


def token(ctx: Context, kind: TokenKind | str, authorizer_appid: str = "", *,
          stale: str | None = None) -> Flow[CachedToken]:
    """A fresh token of ``kind`` with its expiry: the platform's, or with ``authorizer_appid``
    an authorizer's. ``stale``, a token WeChat refused, is never returned."""
    return _current(ctx, TokenKind.parse(kind), authorizer_appid, stale)


def renew_token(ctx: Context, kind: TokenKind | str, authorizer_appid: str = "",
                stale: str | None = None) -> Flow[CachedToken]:
    """Compare-and-refresh a token of ``kind`` and return it with its expiry: renewed only
    while ``stale`` is still the stored one, so many callers reporting the same refused token
    cause one refresh; ``stale=None`` renews whatever is stored."""
    return refresh_token(ctx, TokenKind.parse(kind), authorizer_appid, stale)
