"""Domains: the platform's own server and jump domains and its confirm file, and a mini
program's server, web-view and prefetch domains (through the platform's, or directly), with
WeChat's checks of schemes, host names, counts and monthly changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import home_of, list_param, one_of, program_of, spend_monthly

__all__ = ["effective_domains", "effective_webview_domains", "get_prefetch", "modify_domain",
           "platform_confirm_file", "platform_domains", "set_prefetch", "webview_confirm_file",
           "webview_domain"]

#: A domain name (no IP address: the last label is letters).
_HOST = re.compile(r"(?=.{1,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}")
_DOMAIN_SCHEMES = {"requestdomain": "https", "wsrequestdomain": "wss",
                   "uploaddomain": "https", "downloaddomain": "https", "udpdomain": "udp",
                   "tcpdomain": "tcp"}
_DOMAINS_PER_KIND = 200


def _action(call: Call) -> str:
    return one_of("action", call.text("action"), ("add", "delete", "set", "get"))


def _apply(current: list[str], action: str, given: list[str]) -> list[str]:
    if action == "add":
        return current + [d for d in given if d not in current]
    if action == "delete":
        return [d for d in current if d not in given]
    if action == "set":
        return list(dict.fromkeys(given))
    return current


def _valid_url(url: object, scheme: str) -> str:
    if not isinstance(url, str):
        raise WxError(85301, "domains are strings")
    prefix = scheme + "://"
    host = url[len(prefix):] if url.startswith(prefix) else ""
    host = host.split(":", 1)[0] if scheme in ("udp", "tcp") else host
    if not host or not _HOST.fullmatch(host) or host.endswith(".localhost"):
        raise WxError(85301, f"{url[:80]} is not a valid {scheme} domain")
    return url


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split(":", 1)[0].split("/", 1)[0]


def _domain_lists(call: Call, allowed: list[str] | None) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    for kind, scheme in _DOMAIN_SCHEMES.items():
        urls = [_valid_url(u, scheme) for u in list_param(call, kind)]
        if allowed is not None and any(_host(u) not in allowed for u in urls):
            raise WxError(85017)
        given[kind] = urls
    return given


def modify_domain(direct: bool) -> Callable[[Call], dict[str, Any]]:
    def handler(call: Call) -> dict[str, Any]:
        program, _ = program_of(call)
        action = _action(call)
        target = program.direct_domains if direct else program.domains
        if action != "get":
            home = home_of(call)
            given = _domain_lists(call, None if direct else home.server_domains)
            changed = {k: _apply(target[k], action, given[k]) for k in target}
            if any(len(v) > _DOMAINS_PER_KIND for v in changed.values()):
                raise WxError(85016)
            spend_monthly(program.domain_changes, call.now,
                          call.state.wxa.limits.domain_changes_per_month, 85022)
            target.update(changed)
        return {**OK, **{k: list(v) for k, v in target.items()}}

    return handler


def webview_domain(direct: bool) -> Callable[[Call], dict[str, Any]]:
    def handler(call: Call) -> dict[str, Any]:
        program, _ = program_of(call)
        action = _action(call)
        if action != "get":
            urls = [_valid_url(u, "https") for u in list_param(call, "webviewdomain")]
            jump = home_of(call).jump_domains
            if not direct and any(_host(u) not in jump for u in urls):
                raise WxError(89021)
            if direct:
                program.direct_webview = _apply(program.direct_webview, action, urls)
            else:
                program.webview = _apply(program.webview, action, urls)
        return {**OK, "webviewdomain": _union(program.webview, program.direct_webview)}

    return handler


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys(first + second))


def effective_domains(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    union = {k: _union(program.domains[k], program.direct_domains[k]) for k in program.domains}
    empty: dict[str, list[str]] = {k: [] for k in program.domains}
    return {**OK, "mp_domain": empty, "third_domain": program.domains,
            "direct_domain": program.direct_domains, "effective_domain": union}


def effective_webview_domains(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "mp_webviewdomain": [], "third_webviewdomain": list(program.webview),
            "direct_webviewdomain": list(program.direct_webview),
            "effective_webviewdomain": _union(program.webview, program.direct_webview)}


def _confirm_file(seed: str) -> dict[str, Any]:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return {**OK, "file_name": digest[:10] + ".txt", "file_content": digest[10:42]}


def webview_confirm_file(call: Call) -> dict[str, Any]:
    _, account = program_of(call)
    return _confirm_file("webview:" + account.appid)


def set_prefetch(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    entries = list_param(call, "prefetch_dns_domain")
    if len(entries) > 5:
        raise WxError(47001, "at most 5 prefetch domains")
    urls = [_valid_url(e.get("url") if isinstance(e, dict) else e, "https") for e in entries]
    program.prefetch = list(dict.fromkeys(urls))
    return dict(OK)


def get_prefetch(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "prefetch_dns_domain": [{"url": u, "status": 1} for u in program.prefetch],
            "size_limit": 5}


def platform_domains(field: str, name: str) -> Callable[[Call], dict[str, Any]]:
    """The platform's own server (or jump) domains: bare host names, comma-separated."""

    def handler(call: Call) -> dict[str, Any]:
        home = home_of(call)
        action = _action(call)
        current: list[str] = getattr(home, field)
        if action != "get":
            given = [d.strip().lower() for d in call.text(f"wxa_{name}").split(",")
                     if d.strip()]
            for host in given:
                if not _HOST.fullmatch(host):
                    raise WxError(85301, f"{host[:80]} is not a domain")
            setattr(home, field, _apply(current, action, given))
        listed = ",".join(getattr(home, field))
        return {**OK, f"published_wxa_{name}": listed, f"testing_wxa_{name}": listed,
                f"invalid_wxa_{name}": ""}

    return handler


def platform_confirm_file(call: Call) -> dict[str, Any]:
    name, content = home_of(call).confirm_file
    return {**OK, "file_name": name, "file_content": content}
