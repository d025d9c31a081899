"""The authorization pages: start (a redirect to WeChat's page) and the result after consent.

``GET /{component_appid}/authorize`` creates a fresh pre-auth code and redirects (302) to
WeChat's authorization page (the emulator's when ``api_base`` points at one), with the
``redirect_uri`` ``{public_url}/{component_appid}/authorized``. Optional query parameters are
passed on: ``auth_type`` (1 to 8), ``biz_appid``, ``category_ids`` (``|``-separated) and
``mobile=1`` (the page for WeChat's in-app browser).

``GET /{component_appid}/authorized?auth_code=…`` exchanges the code (``api_query_auth``, once
per code fleet-wide, so WeChat's ``authorized`` push exchanging the same code is harmless) and
answers a small HTML page naming the account that authorized.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..config import validate_appid
from ..errors import AuthCodeInvalid, ConfigurationError, WxComponentError
from .errors import error_status

if TYPE_CHECKING:
    from ..client import AsyncComponent

__all__ = ["authorization_result", "authorization_start", "page"]

log = logging.getLogger("wxcomponent.service")

_AUTH_TYPES = frozenset({1, 2, 3, 4, 5, 6, 8})


def page(title: str, heading: str, body_html: str, status: int = 200) -> HTMLResponse:
    """A minimal HTML page; ``title`` and ``heading`` are escaped, ``body_html`` is not."""
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;"
        "padding:0 1em;color:#222}h1{font-size:1.4em}code{background:#f3f3f3;padding:0 .2em}"
        "</style></head>"
        f"<body><h1>{html.escape(heading)}</h1>{body_html}</body></html>"
    )
    return HTMLResponse(text, status_code=status, headers={"Cache-Control": "no-store"})


def _problem(status: int, message: str, retry_url: str | None = None) -> HTMLResponse:
    again = (f'<p><a href="{html.escape(retry_url)}">重新授权 Start again</a></p>'
             if retry_url else "")
    return page("授权失败 Authorization failed", "授权失败 Authorization failed",
                f"<p>{html.escape(message)}</p>{again}", status)


def redirect_uri(request: Request, public_url: str | None, component_appid: str) -> str:
    """Where WeChat sends the merchant back: ``{base}/{component_appid}/authorized``."""
    base = public_url or str(request.base_url).rstrip("/")
    return f"{base}/{component_appid}/authorized"


async def authorization_start(component: AsyncComponent, request: Request,
                              public_url: str | None) -> Response:
    """Redirect the merchant to WeChat's authorization page with a fresh pre-auth code."""
    query = request.query_params
    try:
        auth_type = int(query.get("auth_type") or 3)
    except ValueError:
        auth_type = 0  # not a number: refused below like any unknown auth_type
    if auth_type not in _AUTH_TYPES:
        return _problem(400, "auth_type must be one of 1, 2, 3, 4, 5, 6, 8")
    biz_appid = query.get("biz_appid") or None
    categories = [c for c in (query.get("category_ids") or "").split("|") if c]
    try:
        if biz_appid is not None:
            validate_appid(biz_appid, "biz_appid")
        if not all(c.isdigit() for c in categories):
            raise ConfigurationError("category_ids", "must be numbers separated by |")
        url = await component.authorization_url(
            redirect_uri(request, public_url, component.appid), auth_type=auth_type,
            biz_appid=biz_appid, category_ids=categories or None,
            mobile=query.get("mobile", "") in ("1", "true", "yes"))
    except ConfigurationError as exc:
        return _problem(400, str(exc))
    except WxComponentError as exc:
        log.warning("authorization start of %s failed: %s", component.appid, exc)
        return _problem(error_status(exc), f"WeChat could not start the authorization now "
                                           f"({type(exc).__name__}); try again shortly.")
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


async def authorization_result(component: AsyncComponent, request: Request) -> Response:
    """Exchange the ``auth_code`` WeChat sent back and show which account authorized."""
    start = f"{request.url.path.rsplit('/', 1)[0]}/authorize"
    code = request.query_params.get("auth_code", "")
    if not code or len(code) > 512:
        return _problem(400, "auth_code is missing: open this page through the authorization "
                             "page.", start)
    try:
        info = await component.query_auth(code)
    except AuthCodeInvalid:
        return _problem(400, "The authorization code is invalid or expired.", start)
    except WxComponentError as exc:
        log.warning("exchange of an auth code of %s failed: %s", component.appid, exc)
        return _problem(error_status(exc), f"The authorization could not be completed now "
                                           f"({type(exc).__name__}); try again.", start)
    appid = info.authorizer_appid
    nick_name = ""
    try:
        nick_name = (await component.get_authorizer_info(appid)).nick_name
    except WxComponentError as exc:
        log.info("authorizer info of %s not available: %s", appid, exc)
    who = (f"<strong>{html.escape(nick_name)}</strong> (<code>{html.escape(appid)}</code>)"
           if nick_name else f"<code>{html.escape(appid)}</code>")
    scopes = ", ".join(str(i) for i in info.func_info) or "—"
    body = (f'<p class="authorized">{who} 已授权给第三方平台 '
            f"<code>{html.escape(component.appid)}</code>.</p>"
            f"<p>{who} has authorized the platform.</p>"
            f"<p>权限集 Permission sets: {html.escape(scopes)}</p>")
    return page("授权成功 Authorized", "授权成功 Authorized", body)
