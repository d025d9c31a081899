"""A mini program's links, on its behalf: URL Schemes (``weixin://dl/business/?t=…``, to
open the mini program from outside WeChat), URL Links (``https://wxaurl.cn/…``), Short Links
(``#小程序://…``, shared inside WeChat), and what a scheme or URL Link opens.

Links come back as strings. Every scheme and URL Link expires within 30 days
(:class:`~wxcomponent.LinkExpiry`; 30 days when none is given): WeChat stopped making links
that never expire, and takes ``is_expire`` false as true.

Internal module.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidArgument, UnexpectedAnswer
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import JSON, call, endpoint, model
from ..models_wxa import CloudBase, LinkExpiry, LinkInfo
from ._checks import choice, flag, optional_text, text
from .codes import ENV_VERSIONS, PATH_MAX

__all__ = ["check_target", "query_scheme", "query_url_link", "scheme", "short_link", "url_link"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

GENERATE_SCHEME = endpoint("POST", "/wxa/generatescheme", JSON, token=_A)
GENERATE_URLLINK = endpoint("POST", "/wxa/generate_urllink", JSON, token=_A)
GENERATE_SHORTLINK = endpoint("POST", "/wxa/genwxashortlink", JSON, token=_A)
QUERY_SCHEME = endpoint("POST", "/wxa/queryscheme", model(LinkInfo), token=_A)
QUERY_URLLINK = endpoint("POST", "/wxa/query_urllink", model(LinkInfo), token=_A)

#: The characters a link's query may hold, and its longest.
QUERY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "!#$&'()*+,/:;=?@-._~%")
QUERY_MAX = 1024


def check_target(path: object, query: object, env_version: object) -> dict[str, str]:
    """What a scheme or URL Link opens, checked: a path without query, a query of the
    characters WeChat takes (up to 1024), a known version."""
    path = optional_text(path, "path", max_len=PATH_MAX)
    if "?" in path:
        raise InvalidArgument("path", "takes no query: give it as query")
    query = optional_text(query, "query", max_len=QUERY_MAX)
    if not QUERY_CHARS.issuperset(query):
        raise InvalidArgument("query", "may hold only 0-9, A-Z, a-z and "
                                       "!#$&'()*+,/:;=?@-._~% (percent-encode the rest)")
    return {"path": path, "query": query,
            "env_version": choice(env_version, "env_version", ENV_VERSIONS)}


def _expiry(expiry: LinkExpiry | None) -> dict[str, Any]:
    if expiry is None:
        return LinkExpiry.after_days(30).to_json()
    if not isinstance(expiry, LinkExpiry):
        raise InvalidArgument("expiry", "must be a LinkExpiry (LinkExpiry.at or "
                                        "LinkExpiry.after_days)")
    return expiry.to_json()


def _link(answer: dict[str, Any], name: str, path: str) -> str:
    link = answer.get(name)
    if not isinstance(link, str) or not link:
        raise UnexpectedAnswer(f"the answer has no {name}", path=path)
    return link


def scheme(ctx: Context, authorizer_appid: str, path: str = "", query: str = "", *,
           env_version: str = "release", expiry: LinkExpiry | None = None) -> Flow[str]:
    """A URL Scheme opening ``path`` (a released page, no query; the home page when "")
    with ``query`` (up to 1024 characters of ``0-9A-Za-z!#$&'()*+,/:;=?@-._~%``).

    ``env_version`` (``release``, ``trial``, ``develop``) applies when opened outside
    WeChat; ``expiry`` says when the scheme stops working (30 days by default, at most).
    """
    body = {"jump_wxa": check_target(path, query, env_version), **_expiry(expiry)}
    answer = yield from call(ctx, GENERATE_SCHEME, authorizer_appid=authorizer_appid,
                             body=body)
    return _link(answer, "openlink", GENERATE_SCHEME.path)


def url_link(ctx: Context, authorizer_appid: str, path: str = "", query: str = "", *,
             env_version: str = "release", expiry: LinkExpiry | None = None,
             cloud_base: CloudBase | None = None) -> Flow[str]:
    """A URL Link (an https address) opening ``path`` with ``query``, as :meth:`scheme`;
    ``cloud_base`` opens through a static website of a cloud environment."""
    body = {**check_target(path, query, env_version), **_expiry(expiry)}
    if cloud_base is not None:
        if not isinstance(cloud_base, CloudBase):
            raise InvalidArgument("cloud_base", "must be a CloudBase")
        body["cloud_base"] = cloud_base.to_json()
    answer = yield from call(ctx, GENERATE_URLLINK, authorizer_appid=authorizer_appid,
                             body=body)
    return _link(answer, "url_link", GENERATE_URLLINK.path)


def short_link(ctx: Context, authorizer_appid: str, page_url: str, page_title: str = "", *,
               permanent: bool = False) -> Flow[str]:
    """A Short Link to share inside WeChat, opening ``page_url`` (a released page with its
    query, up to 1024 characters) under ``page_title``. A temporary link lives 30 days;
    WeChat limits how many ``permanent`` ones a mini program makes."""
    body = {"page_url": text(page_url, "page_url", max_len=PATH_MAX),
            "page_title": optional_text(page_title, "page_title"),
            "is_permanent": flag(permanent, "permanent")}
    answer = yield from call(ctx, GENERATE_SHORTLINK, authorizer_appid=authorizer_appid,
                             body=body)
    return _link(answer, "link", GENERATE_SHORTLINK.path)


def query_scheme(ctx: Context, authorizer_appid: str, scheme: str) -> Flow[LinkInfo]:
    """What the URL Scheme opens and when it expires
    (:class:`~wxcomponent.errors.LinkNotFound` for one this mini program did not make)."""
    if not isinstance(scheme, str) or not scheme.startswith("weixin://"):
        raise InvalidArgument("scheme", "must be a URL Scheme (weixin://dl/business/?t=…)")
    return call(ctx, QUERY_SCHEME, authorizer_appid=authorizer_appid, body={"scheme": scheme})


def query_url_link(ctx: Context, authorizer_appid: str, url_link: str) -> Flow[LinkInfo]:
    """What the URL Link opens and when it expires
    (:class:`~wxcomponent.errors.LinkNotFound` for one this mini program did not make)."""
    if not isinstance(url_link, str) or not url_link.startswith("https://"):
        raise InvalidArgument("url_link", "must be a URL Link (https://wxaurl.cn/…)")
    return call(ctx, QUERY_URLLINK, authorizer_appid=authorizer_appid,
                body={"url_link": url_link})
