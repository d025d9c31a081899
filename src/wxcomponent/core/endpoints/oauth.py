"""Logging users in on an authorizer's behalf: web OAuth for official accounts and the
mini-program login (``jscode2session``). The component token is read fresh on every call.

Internal module.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ...errors import InvalidArgument
from ..context import Context
from ..effects import Flow
from ..engine import call, endpoint, model
from ..models import OAuthToken, SessionInfo, UserInfo

__all__ = [
    "OAUTH_AUTHORIZE_URL",
    "jscode2session",
    "oauth_access_token",
    "oauth_refresh_token",
    "oauth_url",
    "oauth_user_info",
]

OAUTH_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
OAUTH_SCOPES = ("snsapi_base", "snsapi_userinfo")

OAUTH_TOKEN = endpoint("GET", "/sns/oauth2/component/access_token", model(OAuthToken))
OAUTH_REFRESH = endpoint("GET", "/sns/oauth2/component/refresh_token", model(OAuthToken))
#: Carries the user's own OAuth token, passed by the caller.
OAUTH_USER_INFO = endpoint("GET", "/sns/userinfo", model(UserInfo), token=None)
JSCODE2SESSION = endpoint("GET", "/sns/component/jscode2session", model(SessionInfo))


def oauth_url(component_appid: str, authorizer_appid: str, redirect_uri: str, *,
              scope: str = "snsapi_base", state: str = "",
              base: str = OAUTH_AUTHORIZE_URL) -> str:
    """The web OAuth page URL for an official account's users, on the platform's behalf."""
    if scope not in OAUTH_SCOPES:
        raise InvalidArgument("scope", "must be snsapi_base or snsapi_userinfo")
    if not isinstance(redirect_uri, str) or not redirect_uri:
        raise InvalidArgument("redirect_uri", "must be a non-empty URL")
    query = urlencode([
        ("appid", authorizer_appid), ("redirect_uri", redirect_uri), ("response_type", "code"),
        ("scope", scope), ("state", state), ("component_appid", component_appid),
    ])
    return f"{base}?{query}#wechat_redirect"


def oauth_access_token(ctx: Context, authorizer_appid: str, code: str) -> Flow[OAuthToken]:
    """Exchange a web OAuth ``code`` of an authorized official account's user."""
    return call(ctx, OAUTH_TOKEN, params={
        "appid": authorizer_appid, "code": code, "grant_type": "authorization_code",
        "component_appid": ctx.appid})


def oauth_refresh_token(ctx: Context, authorizer_appid: str,
                        refresh_token: str) -> Flow[OAuthToken]:
    """Refresh a web OAuth access token."""
    return call(ctx, OAUTH_REFRESH, params={
        "appid": authorizer_appid, "grant_type": "refresh_token",
        "component_appid": ctx.appid, "refresh_token": refresh_token})


def oauth_user_info(ctx: Context, authorizer_appid: str, access_token: str, openid: str,
                    lang: str = "zh_CN") -> Flow[UserInfo]:
    """A web user's profile, with the user's OAuth access token."""
    return call(ctx, OAUTH_USER_INFO, params={"access_token": access_token, "openid": openid,
                                              "lang": lang})


def jscode2session(ctx: Context, authorizer_appid: str, js_code: str) -> Flow[SessionInfo]:
    """Mini-program login on behalf of an authorized mini program."""
    return call(ctx, JSCODE2SESSION, params={
        "appid": authorizer_appid, "js_code": js_code, "grant_type": "authorization_code",
        "component_appid": ctx.appid})
