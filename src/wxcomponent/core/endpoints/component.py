"""The platform's own endpoints (``/cgi-bin/component/...``), performed with the component
token unless noted.

Internal module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, TypeVar

from ...errors import APIError, InvalidArgument, TransportError
from ...stores.base import AccountType, AuthorizerRecord, CachedToken, Store
from .. import accounts
from ..authurl import mobile_authorization_url, pc_authorization_url
from ..context import Context, TokenKind
from ..effects import Flow, store_call
from ..engine import JSON, NOTHING, Endpoint, call, endpoint, model
from ..models import (
    AuthorizationInfo,
    AuthorizerInfo,
    AuthorizerListItem,
    AuthorizerListPage,
    AuthorizerOption,
    PreAuthCode,
)
from ..paging import Page, Pages
from ..singleflight import ensure_token
from ._checks import text

__all__ = [
    "AUTHORIZER_TOKEN",
    "COMPONENT_TOKEN",
    "authorization_url",
    "authorizer_list_page",
    "create_pre_auth_code",
    "exchange_authorization_code",
    "get_authorizer_info",
    "get_authorizer_option",
    "iter_authorizers",
    "query_auth",
    "set_authorizer_option",
    "start_push_ticket",
]

R = TypeVar("R")

_C = "/cgi-bin/component"

COMPONENT_TOKEN = endpoint("POST", f"{_C}/api_component_token", JSON, token=None)
AUTHORIZER_TOKEN = endpoint("POST", f"{_C}/api_authorizer_token", JSON)
PRE_AUTH_CODE = endpoint("POST", f"{_C}/api_create_preauthcode", model(PreAuthCode))
QUERY_AUTH = endpoint("POST", f"{_C}/api_query_auth", model(AuthorizationInfo))
AUTHORIZER_INFO = endpoint("POST", f"{_C}/api_get_authorizer_info", model(AuthorizerInfo))
GET_OPTION = endpoint("POST", f"{_C}/get_authorizer_option", model(AuthorizerOption),
                      token=TokenKind.AUTHORIZER_ACCESS_TOKEN)
SET_OPTION = endpoint("POST", f"{_C}/set_authorizer_option", NOTHING,
                      token=TokenKind.AUTHORIZER_ACCESS_TOKEN)
OLD_GET_OPTION = endpoint("POST", f"{_C}/api_get_authorizer_option", model(AuthorizerOption))
OLD_SET_OPTION = endpoint("POST", f"{_C}/api_set_authorizer_option", NOTHING)
#: What WeChat answers for a path it does not serve: the gateway's not found, "invalid url",
#: "api unauthorized". On these the options fall back to the old paths.
PATH_NOT_SERVED = frozenset({404, 40066, 48001})
AUTHORIZER_LIST = endpoint("POST", f"{_C}/api_get_authorizer_list", model(AuthorizerListPage))
START_PUSH_TICKET = endpoint("POST", f"{_C}/api_start_push_ticket", NOTHING, token=None)

#: The largest page ``api_get_authorizer_list`` serves.
LIST_PAGE_MAX = 500


def create_pre_auth_code(ctx: Context) -> Flow[PreAuthCode]:
    """A fresh one-use pre-authorization code."""
    return call(ctx, PRE_AUTH_CODE, body={"component_appid": ctx.appid})


def authorization_url(
    ctx: Context,
    redirect_uri: str,
    *,
    auth_type: int = 3,
    biz_appid: str | None = None,
    category_ids: Iterable[int | str] | None = None,
    mobile: bool = False,
) -> Flow[str]:
    """A fresh pre-auth code, built into the PC (or ``mobile``) authorization page URL."""
    code = yield from create_pre_auth_code(ctx)
    build, base = ((mobile_authorization_url, ctx.mobile_auth_url) if mobile
                   else (pc_authorization_url, ctx.pc_auth_url))
    return build(ctx.appid, code.pre_auth_code, redirect_uri, auth_type=auth_type,
                 biz_appid=biz_appid, category_ids=category_ids, base=base)


def query_auth(ctx: Context, authorization_code: str) -> Flow[AuthorizationInfo]:
    """Exchange an authorization code and persist the authorizer (once per code, fleet-wide).

    WeChat delivers the same code twice (the ``authorized`` push and the browser redirect);
    the second exchange reads the first one's result instead of failing with 61010.
    """
    return exchange_authorization_code(ctx, authorization_code)


def exchange_authorization_code(ctx: Context, authorization_code: str, *,
                                event_at: int = 0) -> Flow[AuthorizationInfo]:
    """:func:`query_auth` for a code a push brought, ``event_at`` being the push's
    ``CreateTime``: the authorizer is not stored when the store holds a later authorization
    change of it (see :func:`~wxcomponent.core.accounts.persist_authorization`)."""
    if not isinstance(authorization_code, str) or not authorization_code:
        raise InvalidArgument("authorization_code", "must be a non-empty string")
    exchanged: list[AuthorizationInfo] = []

    def fetch(ctx: Context) -> Flow[CachedToken]:
        started = ctx.clock()
        info = yield from call(ctx, QUERY_AUTH, body={"component_appid": ctx.appid,
                                                      "authorization_code": authorization_code})
        if not info.authorizer_appid or not info.authorizer_refresh_token:
            raise TransportError("api_query_auth answered without an appid or refresh token")
        yield from accounts.persist_authorization(ctx, info, started, event_at)
        exchanged.append(info)
        # What the code key holds: the appid it was exchanged for, long after the code died.
        return CachedToken(info.authorizer_appid, started + 3600, started)

    marker = yield from ensure_token(ctx, ctx.auth_code_key(authorization_code), fetch,
                                     kind="authorization_code")
    if exchanged:
        return exchanged[0]
    authorizer_appid = marker.value
    record: AuthorizerRecord | None = yield from store_call(
        Store.get_authorizer, ctx.appid, authorizer_appid)
    cached: CachedToken | None = yield from store_call(
        Store.get_token, ctx.token_key(TokenKind.AUTHORIZER_ACCESS_TOKEN, authorizer_appid))
    now = ctx.clock()
    return AuthorizationInfo(
        authorizer_appid=authorizer_appid,
        authorizer_access_token=cached.value if cached else "",
        expires_in=max(0, int(cached.expires_at - now)) if cached else 0,
        authorizer_refresh_token=record.refresh_token if record else "",
        func_info=record.func_info if record else (),
        raw={},
    )


def get_authorizer_info(ctx: Context, authorizer_appid: str) -> Flow[AuthorizerInfo]:
    """An authorizer's account details. The account's name and type (official account or
    mini program) are kept in its stored record (when there is one), so operators can find it
    by name and tell the kinds apart."""
    info: AuthorizerInfo = yield from call(ctx, AUTHORIZER_INFO, body={
        "component_appid": ctx.appid, "authorizer_appid": authorizer_appid})
    name = info.nick_name.strip()
    if name:
        kind: AccountType = "mini_program" if info.is_mini_program else "official_account"
        # A name the store does not keep (too long, unprintable) is left out, not an error.
        with contextlib.suppress(InvalidArgument):
            yield from store_call(
                Store.set_authorizer_name, ctx.appid, authorizer_appid, name, account_type=kind)
    return info


def _option_call(ctx: Context, current: Endpoint[R], old: Endpoint[R], authorizer_appid: str,
                 option: dict[str, str]) -> Flow[R]:
    """One option call: WeChat's current path, or the old ``api_*`` one when the current
    answers that it is not served (:data:`PATH_NOT_SERVED`); any other error is raised.

    WeChat's documents disagree on the current paths' token (the Chinese page says the
    component token, the English page the authorizer's); their body names no account, so
    only the authorizer's token can say which one is meant, and that is what is sent.
    """
    try:
        return (yield from call(ctx, current, authorizer_appid=authorizer_appid, body=option))
    except APIError as exc:
        if exc.errcode not in PATH_NOT_SERVED:
            raise
    return (yield from call(ctx, old, body={"component_appid": ctx.appid,
                                            "authorizer_appid": authorizer_appid, **option}))


def get_authorizer_option(ctx: Context, authorizer_appid: str,
                          option_name: str) -> Flow[AuthorizerOption]:
    """Read an authorizer option (``location_report``, ``voice_recognize``,
    ``customer_service``) through ``/cgi-bin/component/get_authorizer_option``, or the old
    ``api_get_authorizer_option`` where that is not served."""
    appid = text(authorizer_appid, "authorizer_appid")
    option = {"option_name": text(option_name, "option_name")}
    return _option_call(ctx, GET_OPTION, OLD_GET_OPTION, appid, option)


def set_authorizer_option(ctx: Context, authorizer_appid: str, option_name: str,
                          option_value: str | int) -> Flow[None]:
    """Set an authorizer option through ``/cgi-bin/component/set_authorizer_option``, or the
    old ``api_set_authorizer_option`` where that is not served."""
    appid = text(authorizer_appid, "authorizer_appid")
    if isinstance(option_value, bool) or not isinstance(option_value, (str, int)) \
            or option_value == "":
        raise InvalidArgument("option_value", "must be a non-empty string or an integer")
    option = {"option_name": text(option_name, "option_name"),
              "option_value": str(option_value)}
    return _option_call(ctx, SET_OPTION, OLD_SET_OPTION, appid, option)


def authorizer_list_page(
    ctx: Context, offset: int = 0, count: int = LIST_PAGE_MAX
) -> Flow[AuthorizerListPage]:
    """One page of WeChat's list of authorizers (``count`` at most 500)."""
    if not isinstance(offset, int) or offset < 0:
        raise InvalidArgument("offset", "must be an integer >= 0")
    if not isinstance(count, int) or not 1 <= count <= LIST_PAGE_MAX:
        raise InvalidArgument("count", f"must be an integer between 1 and {LIST_PAGE_MAX}")
    return call(ctx, AUTHORIZER_LIST, body={"component_appid": ctx.appid, "offset": offset,
                                            "count": count})


def next_offset(page: AuthorizerListPage, offset: int) -> int | None:
    """Where the next page of ``api_get_authorizer_list`` starts, or None at the end."""
    offset += len(page.items)
    if not page.items or offset >= page.total_count:
        return None
    return offset


def iter_authorizers(ctx: Context, page_size: int = LIST_PAGE_MAX) -> Pages[AuthorizerListItem]:
    """Every authorizer WeChat lists for the platform, page by page."""
    if not isinstance(page_size, int) or not 1 <= page_size <= LIST_PAGE_MAX:
        raise InvalidArgument("page_size", f"must be an integer between 1 and {LIST_PAGE_MAX}")

    def fetch(cursor: Any) -> Flow[Page[AuthorizerListItem]]:
        offset = cursor or 0
        page = yield from authorizer_list_page(ctx, offset, page_size)
        return Page(page.items, next_offset(page, offset))

    return Pages(fetch)


def start_push_ticket(ctx: Context) -> Flow[None]:
    """Ask WeChat to start (again) pushing verify tickets (no token: the secret)."""
    return call(ctx, START_PUSH_TICKET, body={"component_appid": ctx.appid,
                                              "component_secret": ctx.config.secret})
