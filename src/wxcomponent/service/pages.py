"""The authorization pages of the public listener: the start page and the result page.

``GET /{component_appid}/authorize?link=…`` opens an authorization link (see
:mod:`wxcomponent.service.authorization`) and answers an HTML page whose link leads to WeChat's
authorization page: WeChat checks the ``Referer`` of the page that links to it against the
platform's authorization domain, which a bare redirect does not send. Without a link the
page is refused (403) unless ``open_authorize`` is set; then ``auth_type`` (1 to 8),
``biz_appid``, ``category_ids`` (``|``-separated) and ``mobile=1`` are taken from the query.

``GET /{component_appid}/authorized?state=…&auth_code=…`` is where WeChat sends the merchant
back: it completes the authorization the state names (once), exchanges the code and names
the account that authorized.

Both need the ``public_url`` setting (503 without it): the ``redirect_uri`` given to WeChat is
never built from a request's ``Host``. Every page carries a Content-Security-Policy (no
script, no framing), a referrer policy (the start page sends only its origin, the others
nothing) and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..core.authurl import AuthType
from ..errors import AuthCodeInvalid, InvalidArgument, WxComponentError
from .authorization import AuthorizationFlows, LinkSpent, PageOptions, StateUsed
from .errors import error_status
from .links import LinkExpired, LinkInvalid, check_appid

if TYPE_CHECKING:
    from ..client import AsyncComponent

__all__ = ["SECURITY_HEADERS", "authorization_result", "authorization_start", "page"]

log = logging.getLogger("wxcomponent.service")

#: Headers of every HTML page of the service.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
}
_MAX_PARAM = 4096


def page(title: str, heading: str, body_html: str, status: int = 200, *,
         referrer: str = "no-referrer", headers: dict[str, str] | None = None) -> HTMLResponse:
    """A minimal HTML page; ``title`` and ``heading`` are escaped, ``body_html`` is not."""
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="referrer" content="{html.escape(referrer)}">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;"
        "padding:0 1em;color:#222}h1{font-size:1.4em}code{background:#f3f3f3;padding:0 .2em}"
        "a.go{display:inline-block;padding:.7em 1.4em;background:#07c160;color:#fff;"
        "border-radius:4px;text-decoration:none;font-size:1.1em}</style></head>"
        f"<body><h1>{html.escape(heading)}</h1>{body_html}</body></html>"
    )
    return HTMLResponse(text, status_code=status,
                        headers={**SECURITY_HEADERS, "Referrer-Policy": referrer,
                                 **(headers or {})})


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The page of a refused or failed authorization step."""
    return page("授权失败 Authorization failed", "授权失败 Authorization failed",
                f"<p>{html.escape(message)}</p>", status, headers=headers)


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if len(value) > _MAX_PARAM:
        raise InvalidArgument(name, "is too long")
    return value


def _open_options(request: Request) -> PageOptions:
    """The authorization page's options from the query of an open start."""
    raw = _param(request, "auth_type") or "3"
    auth_type = int(raw) if raw.isdigit() and len(raw) < 3 else 0
    if auth_type not in AuthType.VALID:
        raise InvalidArgument("auth_type", "must be one of 1, 2, 3, 4, 5, 6, 8")
    biz_appid = _param(request, "biz_appid") or None
    if biz_appid is not None:
        check_appid(biz_appid, "biz_appid")
    categories = [c for c in _param(request, "category_ids").split("|") if c]
    if len(categories) > 32 or not all(c.isdigit() and len(c) < 10 for c in categories):
        raise InvalidArgument("category_ids", "must be numbers separated by |")
    return PageOptions(auth_type, biz_appid, tuple(int(c) for c in categories),
                       _param(request, "mobile") in ("1", "true", "yes"))


def pages_off() -> HTMLResponse:
    """The answer of the pages while ``public_url`` is not configured."""
    return problem(503, "The authorization pages are not configured on this service "
                        "(public_url is not set).")


async def authorization_start(flows: AuthorizationFlows, component: AsyncComponent,
                              request: Request, *, open_start: bool,
                              now: float) -> Response:
    """The start page: a link to WeChat's authorization page, for a link or an open start."""
    if flows.public_url is None:
        return pages_off()
    try:
        token = _param(request, "link")
        if token:
            link = flows.signer(component.appid).open_link(token, now)
            url = await flows.start(component, link, PageOptions.of(link))
        elif open_start:
            url = await flows.start(component, None, _open_options(request))
        else:
            return problem(403, "Authorization starts with a link given by the platform's "
                                "operator; this page was opened without one.")
    except LinkExpired as exc:
        return problem(410, "This authorization link was already used or has expired: ask "
                            "for a new one." if isinstance(exc, LinkSpent)
                       else "This authorization link has expired: ask for a new one.")
    except (LinkInvalid, InvalidArgument) as exc:
        return problem(400, str(exc) if not isinstance(exc, LinkInvalid)
                       else "This authorization link is not valid.")
    except WxComponentError as exc:
        log.warning("authorization start of %s failed: %s", component.appid, exc)
        return problem(error_status(exc), f"WeChat could not start the authorization now "
                                          f"({type(exc).__name__}); try again shortly.")
    target = html.escape(url)
    body = (f"<p>第三方平台 <code>{html.escape(component.appid)}</code> 请求授权。"
            "请点击下面的按钮，在微信的页面上选择要授权的公众号或小程序。</p>"
            f"<p>The platform <code>{html.escape(component.appid)}</code> asks for your "
            "authorization. Continue to WeChat's page to choose the account to authorize.</p>"
            f'<p><a class="go" href="{target}" rel="noopener">前往微信授权 '
            "Continue to WeChat</a></p>")
    # The origin only: what WeChat checks, and nothing of the link in this page's URL.
    return page("授权 Authorize", "授权 Authorize", body, referrer="strict-origin")


async def authorization_result(flows: AuthorizationFlows, component: AsyncComponent,
                               request: Request) -> Response:
    """Complete the authorization the state names and show which account authorized."""
    if flows.public_url is None:
        return pages_off()
    try:
        code = _param(request, "auth_code")
        state = _param(request, "state")
    except InvalidArgument:
        return problem(400, "The request is malformed.")
    if not code or not state:
        return problem(400, "This page is opened by WeChat after an authorization started "
                            "here; it was opened without one.")
    try:
        info, _tenant = await flows.complete(component, state, code)
    except LinkExpired:
        return problem(410, "This authorization has expired: start again with a new link.")
    except LinkInvalid:
        return problem(400, "This authorization was not started here.")
    except StateUsed:
        return problem(409, "This authorization was already completed.")
    except AuthCodeInvalid:
        return problem(400, "The authorization code is invalid or expired.")
    except WxComponentError as exc:
        log.warning("exchange of an auth code of %s failed: %s", component.appid, exc)
        return problem(error_status(exc), f"The authorization could not be completed now "
                                          f"({type(exc).__name__}); try again.")
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
