"""The authorization pages: PC ``componentloginpage`` and mobile ``bindcomponent``.

GET shows the accounts the merchant may authorize (after checking every parameter); the form
POSTs back to the same path, which uses the pre-auth code, records the consent, pushes
``authorized`` (or ``updateauthorized``) from a worker thread and redirects (302) to
``redirect_uri?auth_code=…&expires_in=600`` (plus ``state`` when given).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .model import Account, Authorization, Platform
from .state import State

__all__ = ["PAGE_PATHS", "UNPUBLISHED", "USED_BY_ANOTHER", "PageHost", "authorization_page"]

PC_PAGE = "/cgi-bin/componentloginpage"
MOBILE_PAGE = "/wxaopen/safe/bindcomponent"
#: The older mobile path (``mp.weixin.qq.com/safe/bindcomponent``), still used by some SDKs.
LEGACY_MOBILE_PAGE = "/safe/bindcomponent"
PAGE_PATHS = (PC_PAGE, MOBILE_PAGE, LEGACY_MOBILE_PAGE)

#: Account kinds offered for each ``auth_type``.
_AUTH_TYPES = {
    1: ("official_account",),
    2: ("mini_program",),
    3: ("official_account", "mini_program"),
    4: ("mini_program",),
    5: ("official_account", "mini_program"),
    6: ("official_account", "mini_program"),
    8: ("official_account", "mini_program"),
}

#: Parameters carried from the page to its form.
_CARRIED = ("component_appid", "pre_auth_code", "redirect_uri", "auth_type", "biz_appid",
            "category_id_list", "state", "action", "no_scan")


#: What WeChat's page says to an account bringing a pre-auth code another account used (it
#: names no errcode).
USED_BY_ANOTHER = "预授权码已经被授权过，不能重复使用，请重新从源头页面进入授权页。"
#: The refusal of an account that is not a test account of a platform not yet live. WeChat
#: documents 61028 for the APIs of an unpublished platform; its page's words are not
#: documented, so the page names that errcode.
UNPUBLISHED = "61028 component is unpublished: only its test accounts may authorize it"


class PageError(Exception):
    """A parameter of the authorization page is wrong; shown to the merchant, HTTP 400."""


class PageHost(Protocol):
    """What the pages need of the emulator: its state and a way to record a consent."""

    @property
    def state(self) -> State:
        """The current state; its lock is held while the parameters are checked."""
        ...

    def consent(self, platform: Platform, account: Account, func_info: Iterable[int] | None,
                pre_auth_code: str, *,
                push: Literal["wait", "background"] | None = "wait",
                renew: bool = True) -> Authorization:
        """Record the merchant's consent, issue the auth code and push ``authorized``."""
        ...


@dataclass
class _Page:
    platform: Platform
    accounts: list[Account]
    params: dict[str, str]


def _redirect_ok(redirect_uri: str, domain: str | None) -> bool:
    parts = urlsplit(redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if domain is None:
        return True
    domain = domain.lower().lstrip(".")
    return host == domain or host.endswith("." + domain)


def _check(emulator: PageHost, params: dict[str, str], mobile: bool, use_code: bool) -> _Page:
    state = emulator.state
    if mobile and params.get("action") != "bindcomponent":
        raise PageError("action must be bindcomponent")
    platform = state.platforms.get(params.get("component_appid", ""))
    if platform is None:
        raise PageError("component_appid is invalid")
    _pre_auth(state, platform, params.get("pre_auth_code", ""),
              params.get("authorizer_appid"), use_code)
    if not _redirect_ok(params.get("redirect_uri", ""), platform.config.redirect_domain):
        raise PageError("redirect_uri is not an allowed http(s) URL")
    try:
        kinds = _AUTH_TYPES[int(params.get("auth_type") or 3)]
    except (KeyError, ValueError):
        raise PageError("auth_type is invalid") from None
    biz_appid = params.get("biz_appid")
    if biz_appid:
        if biz_appid not in platform.accounts:
            raise PageError("biz_appid is not an account of this platform")
        accounts = [platform.accounts[biz_appid]]
    else:
        accounts = [a for a in platform.accounts.values() if a.kind in kinds]
    if not platform.live:
        accounts = [a for a in accounts if a.appid in platform.test_accounts]
        if params.get("authorizer_appid") not in (None, *platform.test_accounts):
            raise PageError(UNPUBLISHED)
    if not accounts:
        raise PageError(UNPUBLISHED if not platform.live
                        else "no account may authorize with this auth_type")
    return _Page(platform, accounts, params)


def _pre_auth(state: State, platform: Platform, value: str, account: str | None,
              use: bool) -> None:
    """Check the pre-auth code (``use``: and use it up for ``account``)."""
    code = state.code(value, "pre_auth", platform.appid)
    if code is None:
        raise PageError("pre_auth_code is invalid")
    used_by = code.data.get("used_by")
    if code.used and used_by is not None and used_by != account:
        raise PageError(f"pre_auth_code is used: {USED_BY_ANOTHER}")
    if code.used or state.clock.now() >= code.expires_at:
        raise PageError("pre_auth_code is used or expired")
    if use:
        code.used = True
        code.data["used_by"] = account


def _redirect_target(redirect_uri: str, auth_code: str, state: str | None) -> str:
    added = {"auth_code": auth_code, "expires_in": "600"}
    if state:
        added["state"] = state
    base, hash_mark, fragment = redirect_uri.partition("#")
    joiner = "" if base.endswith(("?", "&")) else "&" if "?" in base else "?"
    return base + joiner + urlencode(added) + hash_mark + fragment


def _render(page: _Page, action: str) -> str:
    esc = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(page.params[name])}">'
        for name in _CARRIED
        if name in page.params
    )
    choices = "".join(
        f'<li><label><input type="radio" name="authorizer_appid" value="{esc(a.appid)}"'
        f'{" checked" if i == 0 else ""}> {esc(a.nick_name)} '
        f'<small>({esc(a.kind)}, {esc(a.appid)}, {esc(a.user_name)})</small></label></li>'
        for i, a in enumerate(page.accounts)
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>公众号/小程序授权 (wxcomponent emulator)</title></head><body>"
        f"<h1>授权给第三方平台 {esc(page.platform.appid)}</h1>"
        f'<form method="post" action="{esc(action)}">{hidden}<ul>{choices}</ul>'
        '<button type="submit">授权 Authorize</button></form></body></html>'
    )


def _error(message: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>授权失败</title>'
        f"</head><body><h1>请求参数错误</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=400)


async def authorization_page(emulator: PageHost, request: Request) -> Response:
    """Serve GET (the consent page) or POST (the consent) of an authorization page."""
    mobile = request.url.path in (MOBILE_PAGE, LEGACY_MOBILE_PAGE)
    if request.method == "POST":
        form = (await request.body()).decode("utf-8", "replace")
        params = dict(parse_qsl(form, keep_blank_values=True))
    elif request.method == "GET":
        params = dict(request.query_params)
    else:
        return _error("only GET and POST are accepted")
    posted = request.method == "POST"
    chosen: Account | None = None
    try:
        with emulator.state.lock:
            if posted:
                # Validate everything but the code first, so a bad choice does not burn it.
                page = _check(emulator, params, mobile, use_code=False)
                chosen = next(
                    (a for a in page.accounts if a.appid == params.get("authorizer_appid")), None
                )
                if chosen is None:
                    raise PageError("choose one of the accounts offered")
                _check(emulator, params, mobile, use_code=True)
            else:
                page = _check(emulator, params, mobile, use_code=False)
    except PageError as exc:
        return _error(str(exc))
    if chosen is None:
        return HTMLResponse(_render(page, request.url.path))
    result = emulator.consent(page.platform, chosen, None, params["pre_auth_code"],
                              push="background")
    target = _redirect_target(params["redirect_uri"], result.auth_code, params.get("state"))
    return RedirectResponse(target, status_code=302)
