"""The emulated openapi endpoints: a path's quota, the rid of a failed call, clearing the
quota (with the platform's token, an authorizer's, or the secret), and WeChat's own
addresses (``getcallbackip``, ``get_api_domain_ip``).

Each account has its own quota and its own rids: a call spends the quota of its token's
owner (an authorizer, or the platform), and only that owner may read the call's rid.
"""

from __future__ import annotations

from typing import Any

from .calls import OK, Call, Endpoint
from .model import WxError
from .state import normalize_path

__all__ = ["OPENAPI_ENDPOINTS"]


def _clear_component_quota(call: Call) -> dict[str, Any]:
    call.state.clear_quota(call.platform.appid)
    return dict(OK)


def _clear_quota(call: Call) -> dict[str, Any]:
    # WeChat: the appid must be the token's own account (40013 otherwise)
    if call.text("appid") != call.owner:
        raise WxError(40013)
    call.state.clear_quota(call.owner)
    return dict(OK)


def _clear_quota_v2(call: Call) -> dict[str, Any]:
    call.check_secret("appsecret")
    owner = call.text("appid") or call.platform.appid
    if owner != call.platform.appid and call.platform.active_grant(owner) is None:
        raise WxError(61003)
    call.state.clear_quota(owner)
    return dict(OK)


def _quota_get(call: Call) -> dict[str, Any]:
    quota = call.state.quota(call.owner, normalize_path(call.text("cgi_path")))
    return {**OK, "quota": quota}


def _rid_get(call: Call) -> dict[str, Any]:
    record = call.state.rids.lookup(call.text("rid"), call.owner, call.now)
    return {**OK, "request": record.answer()}


def _callback_ip(call: Call) -> dict[str, Any]:
    return {"ip_list": list(call.state.callback_ips)}


def _api_domain_ip(call: Call) -> dict[str, Any]:
    return {"ip_list": list(call.state.api_ips)}


_C = "/cgi-bin/component/"

#: The openapi endpoints.
OPENAPI_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _C + "clear_quota", _clear_component_quota),
    Endpoint("POST", _C + "clear_quota/v2", _clear_quota_v2, "none", ("appsecret",)),
    Endpoint("POST", "/cgi-bin/clear_quota", _clear_quota, "any", ("appid",)),
    Endpoint("POST", "/cgi-bin/openapi/quota/get", _quota_get, "any", ("cgi_path",)),
    Endpoint("POST", "/cgi-bin/openapi/rid/get", _rid_get, "any", ("rid",)),
    Endpoint("GET", "/cgi-bin/getcallbackip", _callback_ip, "any"),
    Endpoint("GET", "/cgi-bin/get_api_domain_ip", _api_domain_ip, "any"),
)
