"""URL Schemes, URL Links and Short Links: made for released pages, each with its expiry on
the emulated clock, and queried back; :meth:`Emulator.open_link` opens them.

Internal module.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..calls import Call
from ..model import WxError
from ._handlers import program_of
from .codes import ENV_VERSIONS, split_path
from .model import Link, MiniProgram

__all__ = ["generate_scheme", "generate_short_link", "generate_url_link", "query_scheme",
           "query_url_link"]

DAY = 86400
#: The longest a scheme or URL Link lives, and a temporary Short Link.
MAX_DAYS = 30
_QUERY_CHARS = frozenset(string.ascii_letters + string.digits + "!#$&'()*+,/:;=?@-._~%")
_ALPHABET = string.ascii_letters + string.digits
#: Visits of the mini program's schemes and URL Links a day.
DAILY_VISITS = 500_000


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _released_page(program: MiniProgram, path: str) -> str:
    if program.released is None:
        raise WxError(85079)
    page = path.lstrip("/")
    if page and page not in program.released.pages:
        raise WxError(40165)
    return path


def _expiry(call: Call, params: dict[str, Any]) -> int:
    now = int(call.now)
    kind = params.get("expire_type", 0)
    if kind == 1:
        days = params.get("expire_interval")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise WxError(85401)
        return now + days * DAY
    at = params.get("expire_time")
    if kind != 0 or (at is not None and (isinstance(at, bool) or not isinstance(at, int))):
        raise WxError(40097, "invalid expire_type or expire_time")
    if at is None:
        return now + MAX_DAYS * DAY  # is_expire is always true now: 30 days
    if not now + 60 <= at <= now + MAX_DAYS * DAY:
        raise WxError(85401)
    return at


def _target(program: MiniProgram, jump: Any) -> tuple[str, str, str]:
    if not isinstance(jump, dict):
        jump = {}
    path = str(jump.get("path") or "")
    query = str(jump.get("query") or "")
    version = str(jump.get("env_version") or "release")
    if version not in ENV_VERSIONS:
        raise WxError(85402)
    if "?" in path or len(query) > 1024 or not _QUERY_CHARS.issuperset(query):
        raise WxError(40097, "invalid path or query")
    return _released_page(program, path), query, version


def _keep(call: Call, link: str, kind: Any, target: tuple[str, str, str], expires_at: int,
          **extra: Any) -> str:
    platform, _, account = call.owned()
    path, query, version = target
    call.state.wxa.links[link] = Link(kind, platform.appid, account.appid, path, query,
                                      version, int(call.now), expires_at, dict(extra))
    return link


def generate_scheme(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    target = _target(program, call.params.get("jump_wxa"))
    link = _keep(call, f"weixin://dl/business/?t={_token(11)}", "scheme", target,
                 _expiry(call, call.params))
    return {"errcode": 0, "errmsg": "ok", "openlink": link}


def generate_url_link(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    target = _target(program, call.params)
    cloud_base = call.params.get("cloud_base")
    if cloud_base is not None and (not isinstance(cloud_base, dict) or not cloud_base.get("env")):
        raise WxError(40097, "invalid cloud_base")
    link = _keep(call, f"https://wxaurl.cn/{_token(11)}", "url_link", target,
                 _expiry(call, call.params), cloud_base=cloud_base)
    return {"errcode": 0, "errmsg": "ok", "url_link": link}


def generate_short_link(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    page_url = call.text("page_url")
    if not page_url or len(page_url) > 1024:
        raise WxError(40097, "invalid page_url")
    path, query = split_path(page_url)
    _released_page(program, path)
    permanent = call.params.get("is_permanent") is True
    if permanent:
        if program.permanent_links >= call.state.wxa.limits.permanent_short_links:
            raise WxError(85400)
        program.permanent_links += 1
    name = program.nickname or account.appid
    link = _keep(call, f"#小程序://{name}/{_token(15)}", "short_link",
                 (path, query, "release"), 0 if permanent else int(call.now) + MAX_DAYS * DAY,
                 title=call.text("page_title"))
    return {"errcode": 0, "errmsg": "ok", "link": link}


def _query(call: Call, name: str, kind: str, info: str) -> dict[str, Any]:
    platform, _, account = call.owned()
    found = call.state.wxa.links.get(call.text(name))
    if found is None or found.kind != kind or found.appid != account.appid \
            or found.component_appid != platform.appid:
        raise WxError(85403)
    details: dict[str, Any] = {"appid": found.appid, "path": found.path, "query": found.query,
                               "create_time": found.created_at,
                               "expire_time": found.expires_at,
                               "env_version": found.env_version}
    if kind == "url_link" and found.extra.get("cloud_base"):
        details["cloud_base"] = found.extra["cloud_base"]
    return {"errcode": 0, "errmsg": "ok", info: details, "visit_openid": "",
            "quota_info": {"remain_visit_quota": DAILY_VISITS}}


def query_scheme(call: Call) -> dict[str, Any]:
    program_of(call)
    return _query(call, "scheme", "scheme", "scheme_info")


def query_url_link(call: Call) -> dict[str, Any]:
    program_of(call)
    return _query(call, "url_link", "url_link", "url_link_info")
