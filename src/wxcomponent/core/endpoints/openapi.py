"""WeChat's openapi endpoints, for the platform and for its authorizers: a path's daily quota
and its clearing, what WeChat kept of a failed call (its rid), and WeChat's own addresses.

Each account has its own quota and its own rids: a call with an authorizer's token spends that
authorizer's quota, and only that authorizer's token may read its rid. So each lookup here
comes in two forms, the platform's (the component token) and an authorizer's.

Quotas are cleared three ways (10 clears a month per account, shared by the three; past them
48006, :class:`~wxcomponent.errors.QuotaResetsExhausted`):

* ``clear_quota/v2`` with the app secret, for the platform or one authorizer: works when the
  token endpoint's own quota is spent, so it is the one to reach for first;
* ``/cgi-bin/component/clear_quota`` with the component token, for the platform;
* ``/cgi-bin/clear_quota`` with an authorizer's token, for that authorizer.

A clear also ends the account's quota backoffs (:mod:`wxcomponent.core.backoff`).

Internal module.
"""

from __future__ import annotations

import re

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model, split_path
from ..models import IPList, Quota, RidInfo

__all__ = [
    "api_domain_ips",
    "authorizer_api_domain_ips",
    "authorizer_clear_quota",
    "authorizer_quota",
    "authorizer_rid",
    "callback_ips",
    "clear_component_quota",
    "clear_quota",
    "get_quota",
    "get_rid",
]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN
_QUOTA = "/cgi-bin/openapi/quota/get"
_RID_GET = "/cgi-bin/openapi/rid/get"
_API_IPS = "/cgi-bin/get_api_domain_ip"

CLEAR_QUOTA_V2 = endpoint("POST", "/cgi-bin/component/clear_quota/v2", NOTHING, token=None)
CLEAR_COMPONENT_QUOTA = endpoint("POST", "/cgi-bin/component/clear_quota", NOTHING)
CLEAR_AUTHORIZER_QUOTA = endpoint("POST", "/cgi-bin/clear_quota", NOTHING, token=_A)
# WeChat's openapi pages name the component token ``access_token``.
GET_QUOTA = endpoint("POST", _QUOTA, model(Quota), token_param="access_token")
AUTHORIZER_QUOTA = endpoint("POST", _QUOTA, model(Quota), token=_A)
GET_RID = endpoint("POST", _RID_GET, model(RidInfo), token_param="access_token")
AUTHORIZER_RID = endpoint("POST", _RID_GET, model(RidInfo), token=_A)
CALLBACK_IPS = endpoint("GET", "/cgi-bin/getcallbackip", model(IPList),
                        token_param="access_token")
API_DOMAIN_IPS = endpoint("GET", _API_IPS, model(IPList), token_param="access_token")
AUTHORIZER_API_DOMAIN_IPS = endpoint("GET", _API_IPS, model(IPList), token=_A)

_RID = re.compile(r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*")


def _rid(rid: object) -> str:
    if not isinstance(rid, str) or not _RID.fullmatch(rid) or len(rid) > 64:
        raise InvalidArgument("rid", "must be a request id such as 61725984-6126f6f9-040f19c4 "
                                     "(the end of a failed call's errmsg)")
    return rid


def _cgi_path(cgi_path: object) -> str:
    if not isinstance(cgi_path, str) or not cgi_path.startswith("/") or len(cgi_path) > 256:
        raise InvalidArgument("cgi_path", "must be an API path such as "
                                          "/cgi-bin/message/custom/send")
    path, _ = split_path(cgi_path)
    return path


# --------------------------------------------------------------------------- quotas


def get_quota(ctx: Context, cgi_path: str) -> Flow[Quota]:
    """The platform's daily quota of one API path (``/cgi-bin/...``, no host or query):
    its limit, what is used today and what remains."""
    return call(ctx, GET_QUOTA, body={"cgi_path": _cgi_path(cgi_path)})


def authorizer_quota(ctx: Context, authorizer_appid: str, cgi_path: str) -> Flow[Quota]:
    """An authorizer's daily quota of one API path (what calls on its behalf spend)."""
    return call(ctx, AUTHORIZER_QUOTA, authorizer_appid=authorizer_appid,
                body={"cgi_path": _cgi_path(cgi_path)})


def clear_quota(ctx: Context, authorizer_appid: str | None = None) -> Flow[None]:
    """Reset the daily API quotas, of the platform or of one authorizer, with the app secret
    (``clear_quota/v2``: no token needed, so it works when the token's own quota is spent)."""
    body = {"component_appid": ctx.appid, "appsecret": ctx.config.secret}
    if authorizer_appid:
        body["appid"] = authorizer_appid
    yield from call(ctx, CLEAR_QUOTA_V2, body=body)
    ctx.backoff.cleared(authorizer_appid or ctx.appid)


def clear_component_quota(ctx: Context) -> Flow[None]:
    """Reset the platform's daily API quotas with the component token
    (``/cgi-bin/component/clear_quota``)."""
    yield from call(ctx, CLEAR_COMPONENT_QUOTA, body={"component_appid": ctx.appid})
    ctx.backoff.cleared(ctx.appid)


def authorizer_clear_quota(ctx: Context, authorizer_appid: str) -> Flow[None]:
    """Reset an authorizer's daily API quotas with its own token (``/cgi-bin/clear_quota``)."""
    yield from call(ctx, CLEAR_AUTHORIZER_QUOTA, authorizer_appid=authorizer_appid,
                    body={"appid": authorizer_appid})
    ctx.backoff.cleared(authorizer_appid)


# --------------------------------------------------------------------------- rids


def get_rid(ctx: Context, rid: str) -> Flow[RidInfo]:
    """What WeChat kept of one of the platform's failed calls, by the rid its errmsg ended
    with (:attr:`~wxcomponent.errors.APIError.rid`). WeChat keeps rids for 7 days (76001
    after) and shows them only to the account that made the call (76003 for another)."""
    return call(ctx, GET_RID, body={"rid": _rid(rid)})


def authorizer_rid(ctx: Context, authorizer_appid: str, rid: str) -> Flow[RidInfo]:
    """What WeChat kept of a failed call made on an authorizer's behalf, by its rid."""
    return call(ctx, AUTHORIZER_RID, authorizer_appid=authorizer_appid, body={"rid": _rid(rid)})


# --------------------------------------------------------------------------- WeChat's addresses


def callback_ips(ctx: Context) -> Flow[tuple[str, ...]]:
    """The addresses WeChat pushes from (``getcallbackip``): addresses or networks, for a
    firewall's rules. WeChat advises fetching them once a day, as they change."""
    answer = yield from call(ctx, CALLBACK_IPS)
    return answer.ip_list


def api_domain_ips(ctx: Context) -> Flow[tuple[str, ...]]:
    """The addresses of ``api.weixin.qq.com`` (``get_api_domain_ip``), for outbound rules."""
    answer = yield from call(ctx, API_DOMAIN_IPS)
    return answer.ip_list


def authorizer_api_domain_ips(ctx: Context, authorizer_appid: str) -> Flow[tuple[str, ...]]:
    """:func:`api_domain_ips` with an authorizer's token (spending its quota)."""
    answer = yield from call(ctx, AUTHORIZER_API_DOMAIN_IPS, authorizer_appid=authorizer_appid)
    return answer.ip_list
