"""The emulated API endpoints, declared as data, and the one dispatcher that serves them all.

Every endpoint is an :class:`Endpoint`: method, path, which token it takes, which fields it
requires, which account kinds it serves and a small handler that builds the answer. The
dispatcher does what they share, in WeChat's order: method, body, token, required fields,
platform and authorizer, account kind, quota; then the handler; then the quota is charged.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from email.parser import BytesParser
from typing import Any

from .calls import MP as _MP
from .calls import OA as _OA
from .calls import OK as _OK
from .calls import Binary, Call, Endpoint, Hooks, TokenUse, Upload
from .model import Account, Credential, Grant, WxError
from .openapi import OPENAPI_ENDPOINTS
from .state import OPTIONS, State
from .wxa.endpoints import WXA_ENDPOINTS

__all__ = ["ENDPOINTS", "Binary", "Call", "Endpoint", "Hooks", "Upload", "dispatch"]

#: Token kinds accepted by each kind of endpoint.
_TOKEN_KINDS: dict[TokenUse, tuple[str, ...]] = {
    "none": (),
    "component": ("component",),
    "authorizer": ("authorizer",),
    "any": ("component", "authorizer"),
    "user": ("oauth",),
}

#: errcode answered when a required field is missing (47001 for the others).
_MISSING: dict[str, int] = {
    "component_appid": 41002,
    "authorizer_appid": 41002,
    "appid": 41002,
    "component_appsecret": 41004,
    "component_secret": 41004,
    "appsecret": 41004,
    "component_verify_ticket": 61006,
    "authorization_code": 41008,
    "code": 41008,
    "js_code": 41008,
    "authorizer_refresh_token": 41003,
    "refresh_token": 41003,
    "openid": 41009,
    "option_name": 61012,
    "option_value": 61013,
}

# --------------------------------------------------------------------------- dispatcher


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields and files of a multipart/form-data body (41005 when it is not one)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise WxError(41005, "media data missing: send multipart/form-data")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise WxError(41005, "media data missing")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = content.decode("utf-8", "replace")
        else:
            fields[name] = Upload(filename, part.get_content_type(), content)
    return fields


def _params(endpoint: Endpoint, method: str, query: Mapping[str, str], body: bytes,
            content_type: str = "") -> dict[str, Any]:
    if method == "GET":
        return dict(query)
    if endpoint.multipart:
        return {**query, **_multipart(content_type, body)}
    if not body.strip():
        if endpoint.any_method:
            return dict(query)
        raise WxError(44002)
    try:
        params = json.loads(body)
    except (ValueError, RecursionError):
        raise WxError(47001, "body is not JSON") from None
    if not isinstance(params, dict):
        raise WxError(47001, "body is not a JSON object")
    return params


def _token(state: State, endpoint: Endpoint, query: Mapping[str, str]) -> Credential | None:
    """The endpoint's access token from the query, checked (41001, 40001, 61003)."""
    if endpoint.token == "none":
        return None
    names = ("component_access_token", "access_token")
    value = next((query[n] for n in names[endpoint.token != "component" :] if query.get(n)), None)
    token = state.find_token(value, _TOKEN_KINDS[endpoint.token])
    platform = state.platforms.get(token.component_appid)
    if platform is None:
        raise WxError(40001)
    if token.authorizer_appid is not None and not platform.active_grant(token.authorizer_appid):
        raise WxError(61003)
    now = state.clock.now()
    if not state.valid(token, now):
        # WeChat: 42001 for a token past its lifetime, 40001 for one invalid or not latest
        raise WxError(42001 if now >= token.expires_at and not token.invalidated else 40001)
    return token


def _authenticate(
    state: State, hooks: Hooks, endpoint: Endpoint, query: Mapping[str, str],
    params: dict[str, Any],
) -> Call:
    token = _token(state, endpoint, query)
    for name in endpoint.needed:
        if params.get(name) in (None, ""):
            raise WxError(_MISSING.get(name, 47001), f"missing {name}")
    given = params.get("component_appid")
    appid = token.component_appid if token is not None else str(given)
    platform = state.platforms.get(appid)
    if platform is None or (given is not None and given != appid):
        raise WxError(40013)
    call = Call(state, hooks, params, state.clock.now(), platform, token, query=query)
    authorizer = token.authorizer_appid if token is not None else None
    if endpoint.authorizer is not None:
        authorizer = call.text(endpoint.authorizer)
    if authorizer is not None:
        call.grant = platform.active_grant(authorizer)
        if call.grant is None:
            revoked = authorizer in platform.grants
            raise WxError(endpoint.revoked_errcode if revoked else 61003)
        call.account = platform.accounts[authorizer]
        if endpoint.kinds is not None and call.account.kind not in endpoint.kinds:
            raise WxError(48001, f"not available to a {call.account.kind}")
    return call


def dispatch(
    state: State, hooks: Hooks, endpoint: Endpoint, method: str, query: Mapping[str, str],
    body: bytes, content_type: str = "", client_ip: str = "127.0.0.1",
) -> dict[str, Any] | Binary:
    """Serve one request of ``endpoint``; errors become ``{"errcode", "errmsg"}`` answers,
    each kept under its rid for the account whose token the request carried."""
    started = time.monotonic()
    call: Call | None = None
    try:
        if method != endpoint.method and not (endpoint.any_method
                                               and method in ("GET", "POST")):
            raise WxError(43001 if endpoint.method == "GET" else 43002)
        params = _params(endpoint, method, query, body, content_type)
        with state.lock:
            call = _authenticate(state, hooks, endpoint, query, params)
            state.check_quota(call.owner, endpoint.path)
            answer = endpoint.handler(call)
            state.use_quota(call.owner, endpoint.path)
            return answer
    except WxError as exc:
        with state.lock:
            owner = call.owner if call is not None else state.token_owner(query)
            return state.rids.answer_error(
                exc, owner=owner, now=state.clock.now(), query=query, body=body,
                cost_ms=int((time.monotonic() - started) * 1000), client_ip=client_ip)


# --------------------------------------------------------------------------- component APIs


def _func_info(grant: Grant) -> list[dict[str, Any]]:
    return [{"funcscope_category": {"id": i}} for i in grant.func_info]


def _component_token(call: Call) -> dict[str, Any]:
    call.check_secret("component_appsecret")
    issued = call.platform.tickets.get(call.text("component_verify_ticket"))
    if issued is None:
        raise WxError(61006)
    if call.now >= issued + call.state.settings.ticket_lifetime:
        raise WxError(61005)
    token = call.state.issue_token("component", call.platform.appid)
    return {"component_access_token": token.value, "expires_in": call.lifetime}


def _create_preauthcode(call: Call) -> dict[str, Any]:
    code = call.state.issue_code("pre_auth", call.platform.appid, prefix="preauthcode@@@")
    return {"pre_auth_code": code.value, "expires_in": int(code.expires_at - code.issued_at)}


def _authorizer_answer(call: Call, grant: Grant, token_name: str) -> dict[str, Any]:
    token = call.state.issue_token("authorizer", call.platform.appid, grant.authorizer_appid)
    return {
        token_name: token.value,
        "expires_in": call.lifetime,
        "authorizer_refresh_token": grant.refresh_token,
    }


def _query_auth(call: Call) -> dict[str, Any]:
    code = call.state.consume_code(
        call.params["authorization_code"], "auth", call.platform.appid, (61009, 61010, 61010)
    )
    assert code.authorizer_appid is not None
    grant = call.platform.active_grant(code.authorizer_appid)
    if grant is None:
        raise WxError(61003)
    info: dict[str, Any] = {"authorizer_appid": grant.authorizer_appid}
    info.update(_authorizer_answer(call, grant, "authorizer_access_token"))
    info["func_info"] = _func_info(grant)
    return {"authorization_info": info}


def _authorizer_token(call: Call) -> dict[str, Any]:
    _, grant, _ = call.owned()
    call.state.use_refresh_token(grant, call.params["authorizer_refresh_token"])
    return _authorizer_answer(call, grant, "authorizer_access_token")


def _image(kind: str, appid: str) -> str:
    return f"http://wx.qlogo.cn/{kind}/{hashlib.sha256(appid.encode()).hexdigest()[:40]}/0"


def _authorizer_info(call: Call) -> dict[str, Any]:
    _, grant, account = call.owned()
    official = account.kind == "official_account"
    info: dict[str, Any] = {
        "nick_name": account.nick_name,
        "head_img": _image("mmopen", account.appid),
        "service_type_info": {"id": 2 if official else 0},
        "verify_type_info": {"id": 0},
        "user_name": account.user_name,
        "alias": "",
        "qrcode_url": _image("mmbiz_jpg", account.appid),
        "principal_name": account.principal_name,
        "signature": "wxcomponent 模拟账号",
        "business_info": dict.fromkeys(
            ("open_store", "open_scan", "open_pay", "open_card", "open_shake"), 0
        ),
        "account_status": 1,
    }
    if not official:
        info["MiniProgramInfo"] = {
            "network": {
                name: []
                for name in ("RequestDomain", "WsRequestDomain", "UploadDomain",
                             "DownloadDomain", "BizDomain", "UDPDomain")
            },
            "categories": [{"first": "工具", "second": "备忘录"}],
            "visit_status": 0,
        }
        info["basic_config"] = {"is_phone_configured": True, "is_email_configured": True}
    return {
        "authorizer_info": info,
        "authorization_info": {
            "authorizer_appid": account.appid,
            "authorizer_refresh_token": grant.refresh_token,
            "func_info": _func_info(grant),
        },
    }


def _option_name(call: Call) -> str:
    name = call.text("option_name")
    if name not in OPTIONS:
        raise WxError(61012)
    return name


def _get_option(call: Call) -> dict[str, Any]:
    _, grant, account = call.owned()
    name = _option_name(call)
    return {
        "authorizer_appid": account.appid,
        "option_name": name,
        "option_value": grant.options[name],
    }


def _set_option(call: Call) -> dict[str, Any]:
    _, grant, _ = call.owned()
    name = _option_name(call)
    value = call.text("option_value")
    if value not in OPTIONS[name]:
        raise WxError(61013)
    grant.options[name] = value
    return dict(_OK)


def _authorizer_list(call: Call) -> dict[str, Any]:
    offset = call.number("offset", 0)
    count = call.number("count", 500)
    if not 1 <= count <= 500:
        raise WxError(47001, "count must be between 1 and 500")
    grants = sorted(
        (g for g in call.platform.grants.values() if not g.revoked),
        key=lambda g: (g.auth_time, g.authorizer_appid),
    )
    return {
        "total_count": len(grants),
        "list": [
            {
                "authorizer_appid": g.authorizer_appid,
                "refresh_token": g.refresh_token,
                "auth_time": g.auth_time,
            }
            for g in grants[offset : offset + count]
        ],
    }


def _start_push_ticket(call: Call) -> dict[str, Any]:
    call.check_secret("component_secret")
    call.platform.ticket_pushes_stopped = False
    call.hooks.push_ticket_soon(call.platform.appid)
    return dict(_OK)


# --------------------------------------------------------------------------- users (sns)


def _user_code(call: Call, field: str, kind: str) -> Account:
    """Check ``grant_type`` and use the one-use code in ``field``; return the account."""
    _, _, account = call.owned()
    call.expect("grant_type", "authorization_code", 40002)
    code = call.state.consume_code(
        call.params[field], kind, call.platform.appid, (40029, 40163, 40029), account.appid
    )
    call.params["openid"] = code.data["openid"]
    call.params["scope"] = code.data.get("scope")
    return account


def _jscode2session(call: Call) -> dict[str, Any]:
    account = _user_code(call, "js_code", "js_code")
    user = account.user(call.text("openid"))
    session_key = base64.b64encode(secrets.token_bytes(16)).decode()
    return {"openid": user.openid, "session_key": session_key, "unionid": user.unionid}


def _user_token(call: Call, openid: str, scope: str, refresh: Credential) -> dict[str, Any]:
    _, _, account = call.owned()
    token = call.state.issue_token(
        "oauth", call.platform.appid, account.appid, openid=openid, scope=scope, supersede=False
    )
    return {
        "access_token": token.value,
        "expires_in": call.lifetime,
        "refresh_token": refresh.value,
        "openid": openid,
        "scope": scope,
    }


def _oauth_access_token(call: Call) -> dict[str, Any]:
    account = _user_code(call, "code", "oauth_code")
    openid, scope = call.text("openid"), call.text("scope")
    refresh = call.state.issue_token(
        "oauth_refresh", call.platform.appid, account.appid, openid=openid, scope=scope,
        lifetime=call.state.settings.user_refresh_lifetime, supersede=False,
    )
    return _user_token(call, openid, scope, refresh)


def _oauth_refresh_token(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    call.expect("grant_type", "refresh_token", 40002)
    refresh = call.state.tokens.get(call.text("refresh_token"))
    if (
        refresh is None
        or refresh.kind != "oauth_refresh"
        or refresh.invalidated
        or refresh.authorizer_appid != account.appid
    ):
        raise WxError(40030)
    if call.now >= refresh.expires_at:
        raise WxError(42002)
    assert refresh.openid is not None and refresh.scope is not None
    return _user_token(call, refresh.openid, refresh.scope, refresh)


def _userinfo(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    assert call.token is not None
    if call.text("openid") != call.token.openid:
        raise WxError(40003)
    if call.token.scope != "snsapi_userinfo":
        raise WxError(48001, "scope snsapi_base")
    user = account.user(call.token.openid)
    return {
        "openid": user.openid,
        "nickname": user.nickname,
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": _image("mmopen", user.openid),
        "privilege": [],
        "unionid": user.unionid,
    }


# --------------------------------------------------------------------------- authorizer APIs


def _getticket(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    kind = call.text("type")
    if kind not in ("jsapi", "wx_card"):
        raise WxError(40097, "type must be jsapi or wx_card")
    ticket = call.state.issue_token(f"{kind}_ticket", call.platform.appid, account.appid)
    return {**_OK, "ticket": ticket.value, "expires_in": call.lifetime}


def _user_info(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    user = account.users.get(call.text("openid"))
    if user is None:
        raise WxError(40003)
    return {
        "subscribe": 1,
        "openid": user.openid,
        "language": "zh_CN",
        "subscribe_time": int(call.now) - 86400,
        "unionid": user.unionid,
        "remark": "",
        "groupid": 0,
        "tagid_list": [],
        "subscribe_scene": "ADD_SCENE_QR_CODE",
        "qr_scene": 0,
        "qr_scene_str": "",
    }


#: Largest upload per media type, and the errcode for a larger one.
_MEDIA_LIMITS = {"image": (10 << 20, 40009), "voice": (2 << 20, 40007),
                 "video": (10 << 20, 40006), "thumb": (64 << 10, 40009)}


def _media_upload(call: Call) -> dict[str, Any]:
    kind = call.text("type")
    if kind not in _MEDIA_LIMITS:
        raise WxError(40004, "invalid media type")
    media = call.upload("media", "media data missing")
    limit, errcode = _MEDIA_LIMITS[kind]
    if len(media.content) > limit:
        raise WxError(errcode, "invalid media size")
    return {"type": kind, "media_id": call.keep(media), "created_at": int(call.now)}


_CUSTOM_TYPES = frozenset({"text", "image", "voice", "video", "music", "news", "mpnews",
                           "msgmenu", "wxcard", "miniprogrampage"})


def _custom_send(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    kind = call.text("msgtype")
    if kind not in _CUSTOM_TYPES:
        raise WxError(40008, "invalid message type")
    touser = call.text("touser")
    if touser not in account.users:
        raise WxError(40003, "invalid openid")
    content = call.params.get(kind)
    if not isinstance(content, dict):
        raise WxError(47001, f"missing {kind}")
    if kind == "text" and not str(content.get("content") or ""):
        raise WxError(44003, "empty content")
    call.state.record_custom_message(account.appid, dict(call.params))
    return dict(_OK)


_C = "/cgi-bin/component/"
_WHO = ("authorizer_appid",)

#: Every emulated API endpoint.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", _C + "api_component_token", _component_token, "none",
             ("component_appsecret", "component_verify_ticket")),
    Endpoint("POST", _C + "api_create_preauthcode", _create_preauthcode),
    Endpoint("POST", _C + "api_query_auth", _query_auth, required=("authorization_code",)),
    Endpoint("POST", _C + "api_authorizer_token", _authorizer_token,
             required=(*_WHO, "authorizer_refresh_token"), authorizer=_WHO[0],
             revoked_errcode=61023),
    Endpoint("POST", _C + "api_get_authorizer_info", _authorizer_info, required=_WHO,
             authorizer=_WHO[0]),
    Endpoint("POST", _C + "api_get_authorizer_option", _get_option,
             required=(*_WHO, "option_name"), authorizer=_WHO[0]),
    Endpoint("POST", _C + "api_set_authorizer_option", _set_option,
             required=(*_WHO, "option_name", "option_value"), authorizer=_WHO[0]),
    # the current option paths: the authorizer's token, a body of only the option
    Endpoint("POST", _C + "get_authorizer_option", _get_option, "authorizer", ("option_name",)),
    Endpoint("POST", _C + "set_authorizer_option", _set_option, "authorizer",
             ("option_name", "option_value")),
    Endpoint("POST", _C + "api_get_authorizer_list", _authorizer_list),
    Endpoint("POST", _C + "api_start_push_ticket", _start_push_ticket, "none",
             ("component_secret",)),
    Endpoint("GET", "/sns/component/jscode2session", _jscode2session,
             required=("appid", "js_code", "grant_type"), authorizer="appid", kinds=_MP),
    Endpoint("GET", "/sns/oauth2/component/access_token", _oauth_access_token,
             required=("appid", "code", "grant_type"), authorizer="appid", kinds=_OA),
    Endpoint("GET", "/sns/oauth2/component/refresh_token", _oauth_refresh_token,
             required=("appid", "grant_type", "refresh_token"), authorizer="appid", kinds=_OA),
    Endpoint("GET", "/sns/userinfo", _userinfo, "user", ("openid",)),
    Endpoint("GET", "/cgi-bin/ticket/getticket", _getticket, "authorizer", ("type",)),
    Endpoint("GET", "/cgi-bin/user/info", _user_info, "authorizer", ("openid",), kinds=_OA),
    Endpoint("POST", "/cgi-bin/media/upload", _media_upload, "authorizer", ("type",),
             multipart=True),
    Endpoint("POST", "/cgi-bin/message/custom/send", _custom_send, "authorizer",
             ("touser", "msgtype")),
    *OPENAPI_ENDPOINTS,
    *WXA_ENDPOINTS,
)
