"""Domains: the platform's own server and jump domains (component token as
``access_token``), and each mini program's server, web-view and DNS-prefetch domains, set
through the platform's domains or directly.

Internal module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    DomainConfirmFile,
    EffectiveDomains,
    EffectiveWebviewDomains,
    JumpDomains,
    MiniProgramDomains,
    PrefetchDomains,
    ServerDomains,
    WebviewDomains,
)
from ._checks import choice, flag, texts

__all__ = [
    "confirm_file",
    "effective",
    "effective_webview",
    "get",
    "modify",
    "modify_jump",
    "modify_server",
    "modify_webview",
    "prefetch",
    "set_prefetch",
    "webview_confirm_file",
]

_C = TokenKind.COMPONENT_ACCESS_TOKEN
_A = TokenKind.AUTHORIZER_ACCESS_TOKEN
_AS = "access_token"

SERVER_DOMAIN = endpoint("POST", "/cgi-bin/component/modify_wxa_server_domain",
                         model(ServerDomains), token=_C, token_param=_AS)
JUMP_DOMAIN = endpoint("POST", "/cgi-bin/component/modify_wxa_jump_domain", model(JumpDomains),
                       token=_C, token_param=_AS)
CONFIRM_FILE = endpoint("POST", "/cgi-bin/component/get_domain_confirmfile",
                        model(DomainConfirmFile), token=_C, token_param=_AS)
MODIFY = endpoint("POST", "/wxa/modify_domain", model(MiniProgramDomains), token=_A)
MODIFY_DIRECTLY = endpoint("POST", "/wxa/modify_domain_directly", model(MiniProgramDomains),
                           token=_A)
WEBVIEW = endpoint("POST", "/wxa/setwebviewdomain", model(WebviewDomains), token=_A)
WEBVIEW_DIRECTLY = endpoint("POST", "/wxa/setwebviewdomain_directly", model(WebviewDomains),
                            token=_A)
WEBVIEW_CONFIRM = endpoint("POST", "/wxa/get_webviewdomain_confirmfile",
                           model(DomainConfirmFile), token=_A)
EFFECTIVE = endpoint("POST", "/wxa/get_effective_domain", model(EffectiveDomains), token=_A)
EFFECTIVE_WEBVIEW = endpoint("POST", "/wxa/get_effective_webviewdomain",
                             model(EffectiveWebviewDomains), token=_A)
SET_PREFETCH = endpoint("POST", "/wxa/set_prefetchdnsdomain", NOTHING, token=_A)
GET_PREFETCH = endpoint("GET", "/wxa/get_prefetchdnsdomain", model(PrefetchDomains), token=_A)

Action = Literal["add", "delete", "set", "get"]
_ACTIONS = ("add", "delete", "set", "get")


# --------------------------------------------------------------------------- the platform's


def _platform_body(action: str, domains: Sequence[str], published_together: bool,
                   name: str) -> dict[str, object]:
    chosen = choice(action, "action", _ACTIONS)
    listed = texts(domains, "domains")
    body: dict[str, object] = {"action": chosen,
                               "is_modify_published_together":
                                   flag(published_together, "published_together")}
    if chosen != "get":
        body[name] = ",".join(listed)
    return body


def modify_server(ctx: Context, action: Action, domains: Sequence[str] = (), *,
                  published_together: bool = False) -> Flow[ServerDomains]:
    """Add, delete, set or get the platform's own server domains (those its mini programs
    may use through :meth:`modify`); ``published_together`` changes the published list too,
    not only the test one."""
    body = _platform_body(action, domains, published_together, "wxa_server_domain")
    return call(ctx, SERVER_DOMAIN, body=body)


def modify_jump(ctx: Context, action: Action, domains: Sequence[str] = (), *,
                published_together: bool = False) -> Flow[JumpDomains]:
    """Add, delete, set or get the platform's own jump (web-view) domains."""
    body = _platform_body(action, domains, published_together, "wxa_jump_h5_domain")
    return call(ctx, JUMP_DOMAIN, body=body)


def confirm_file(ctx: Context) -> Flow[DomainConfirmFile]:
    """The confirm file to serve on a jump domain before adding it to the platform."""
    return call(ctx, CONFIRM_FILE, body={})


# --------------------------------------------------------------------------- a mini program's


def modify(ctx: Context, authorizer_appid: str, action: Action, *,
           request: Sequence[str] = (), ws_request: Sequence[str] = (),
           upload: Sequence[str] = (), download: Sequence[str] = (),
           udp: Sequence[str] = (), tcp: Sequence[str] = (),
           directly: bool = False) -> Flow[MiniProgramDomains]:
    """Add, delete, set or get the mini program's server domains by kind; the answer is the
    domains after the change. Without ``directly`` the domains must be among the platform's
    server domains (:meth:`modify_server`); ``directly`` sets any valid domain."""
    chosen = choice(action, "action", _ACTIONS)
    body: dict[str, object] = {"action": chosen}
    if chosen != "get":
        body.update(requestdomain=texts(request, "request"),
                    wsrequestdomain=texts(ws_request, "ws_request"),
                    uploaddomain=texts(upload, "upload"),
                    downloaddomain=texts(download, "download"),
                    udpdomain=texts(udp, "udp"), tcpdomain=texts(tcp, "tcp"))
    spec = MODIFY_DIRECTLY if flag(directly, "directly") else MODIFY
    return call(ctx, spec, authorizer_appid=authorizer_appid, body=body)


def get(ctx: Context, authorizer_appid: str) -> Flow[MiniProgramDomains]:
    """The mini program's server domains."""
    return call(ctx, MODIFY, authorizer_appid=authorizer_appid, body={"action": "get"})


def modify_webview(ctx: Context, authorizer_appid: str, action: Action,
                   domains: Sequence[str] = (), *,
                   directly: bool = False) -> Flow[WebviewDomains]:
    """Add, delete, set or get the mini program's web-view domains (``directly``: any domain
    whose confirm file is served, not only the platform's jump domains)."""
    chosen = choice(action, "action", _ACTIONS)
    body: dict[str, object] = {"action": chosen}
    if chosen != "get":
        body["webviewdomain"] = texts(domains, "domains")
    spec = WEBVIEW_DIRECTLY if flag(directly, "directly") else WEBVIEW
    return call(ctx, spec, authorizer_appid=authorizer_appid, body=body)


def webview_confirm_file(ctx: Context, authorizer_appid: str) -> Flow[DomainConfirmFile]:
    """The confirm file to serve on a domain before adding it directly as a web-view
    domain."""
    return call(ctx, WEBVIEW_CONFIRM, authorizer_appid=authorizer_appid, body={})


def effective(ctx: Context, authorizer_appid: str) -> Flow[EffectiveDomains]:
    """The server domains in effect, and where each was set."""
    return call(ctx, EFFECTIVE, authorizer_appid=authorizer_appid, body={})


def effective_webview(ctx: Context, authorizer_appid: str) -> Flow[EffectiveWebviewDomains]:
    """The web-view domains in effect, and where each was set."""
    return call(ctx, EFFECTIVE_WEBVIEW, authorizer_appid=authorizer_appid, body={})


def set_prefetch(ctx: Context, authorizer_appid: str, urls: Sequence[str]) -> Flow[None]:
    """Replace the mini program's DNS-prefetch domains (``https://`` URLs)."""
    listed = texts(urls, "urls")
    return call(ctx, SET_PREFETCH, authorizer_appid=authorizer_appid,
                body={"prefetch_dns_domain": [{"url": url} for url in listed]})


def prefetch(ctx: Context, authorizer_appid: str) -> Flow[PrefetchDomains]:
    """The mini program's DNS-prefetch domains."""
    return call(ctx, GET_PREFETCH, authorizer_appid=authorizer_appid)
