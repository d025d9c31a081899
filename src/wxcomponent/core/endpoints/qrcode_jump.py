"""A mini program opened by scanning ordinary links (扫普通链接二维码打开小程序), on its
behalf: rules that map a link prefix (``https://shop.example.com/q/``) to a page, the check
file to serve at the root of the prefix's domain, publishing and deleting rules.

WeChat's documents disagree on how the rules are listed (one SDK pages them by prefix, the
other sends an empty body); :meth:`rules` sends the empty body, which lists every rule.

Internal module.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import QrcodeJumpFile, QrcodeJumpRules
from ._checks import choice, flag, text, texts

__all__ = ["add_rule", "check_file", "delete_rule", "publish_rule", "rules"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

ADD = endpoint("POST", "/cgi-bin/wxopen/qrcodejumpadd", NOTHING, token=_A)
GET = endpoint("POST", "/cgi-bin/wxopen/qrcodejumpget", model(QrcodeJumpRules), token=_A)
PUBLISH = endpoint("POST", "/cgi-bin/wxopen/qrcodejumppublish", NOTHING, token=_A)
DELETE = endpoint("POST", "/cgi-bin/wxopen/qrcodejumpdelete", NOTHING, token=_A)
DOWNLOAD = endpoint("POST", "/cgi-bin/wxopen/qrcodejumpdownload", model(QrcodeJumpFile),
                    token=_A)

#: ``open_version`` by name.
OPEN_VERSIONS = {"develop": "1", "trial": "2", "release": "3"}
#: The most test links a rule has.
DEBUG_URLS_MAX = 5


def _prefix(prefix: object) -> str:
    value = text(prefix, "prefix", max_len=1024)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument("prefix", "must be an http or https link with its domain")
    return value


def add_rule(ctx: Context, authorizer_appid: str, prefix: str, path: str, *,
             open_version: str = "release", debug_urls: Sequence[str] = (),
             permit_sub_rule: bool = False, edit: bool = False) -> Flow[None]:
    """Add (or with ``edit`` change) the rule opening ``path`` of the ``open_version``
    version when WeChat scans a link that starts with ``prefix``.

    ``debug_urls`` (up to 5, each starting with ``prefix``) open the develop or trial
    version for testers before the rule is published; ``permit_sub_rule`` lets the rule take
    the links of longer prefixes too. Publish it with :meth:`publish_rule` once the check
    file (:meth:`check_file`) is served on the prefix's domain.
    """
    prefix = _prefix(prefix)
    urls = texts(debug_urls, "debug_urls", max_items=DEBUG_URLS_MAX)
    for url in urls:
        if not url.startswith(prefix):
            raise InvalidArgument("debug_urls", f"{url!r} does not start with the prefix")
    body = {"prefix": prefix,
            "path": text(path, "path", max_len=1024),
            "open_version": OPEN_VERSIONS[choice(open_version, "open_version", OPEN_VERSIONS)],
            "permit_sub_rule": "2" if flag(permit_sub_rule, "permit_sub_rule") else "1",
            "debug_url": urls,
            "is_edit": 1 if flag(edit, "edit") else 0}
    return call(ctx, ADD, authorizer_appid=authorizer_appid, body=body)


def rules(ctx: Context, authorizer_appid: str) -> Flow[QrcodeJumpRules]:
    """The mini program's rules, and the publications left this month."""
    return call(ctx, GET, authorizer_appid=authorizer_appid, body={})


def publish_rule(ctx: Context, authorizer_appid: str, prefix: str) -> Flow[None]:
    """Publish the rule of ``prefix``: scanning its links opens the mini program for
    everyone (the mini program must have a released version)."""
    return call(ctx, PUBLISH, authorizer_appid=authorizer_appid,
                body={"prefix": _prefix(prefix)})


def delete_rule(ctx: Context, authorizer_appid: str, prefix: str) -> Flow[None]:
    """Delete the rule of ``prefix``."""
    return call(ctx, DELETE, authorizer_appid=authorizer_appid,
                body={"prefix": _prefix(prefix)})


def check_file(ctx: Context, authorizer_appid: str) -> Flow[QrcodeJumpFile]:
    """The check file to serve at the root of each rule's domain before publishing."""
    return call(ctx, DOWNLOAD, authorizer_appid=authorizer_appid, body={})
