"""The emulated mini-program management APIs and their control methods.

Handlers (one per path, registered in :data:`~wxcomponent.emulator.endpoints.ENDPOINTS`) act
on the model of :mod:`.wxa_state`: the platform's template library and domains, and each mini
program's code, audits, releases, domains, testers, privacy guide, categories and account.
Wrong states answer WeChat's errcodes and errmsg texts. :class:`MiniProgramControl` is the
part of :class:`~wxcomponent.emulator.Emulator` that plans audit outcomes, adds drafts,
finishes registrations and nickname or category reviews, and inspects a mini program.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from .calls import MP, OA, OK, Binary, Call, Endpoint, Upload
from .model import Account, Delivery, NotFound, Platform, WxError
from .wxa_state import (
    AUDITING,
    WITHDRAWN,
    Audit,
    AuditPush,
    Draft,
    MiniProgram,
    Registration,
    Step,
    TemplateRecord,
    Version,
    WxaPlatform,
    day_of,
    month_of,
    parse_plan,
)

if TYPE_CHECKING:
    from .clock import Clock
    from .model import Authorization
    from .state import State

__all__ = ["WXA_ENDPOINTS", "MiniProgramControl", "png"]

_DEFAULT_PAGES = ("pages/index/index", "pages/order/list", "pages/order/detail",
                  "pages/me/index")
#: A domain name (no IP address: the last label is letters).
_HOST = re.compile(r"(?=.{1,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}")
_DOMAIN_SCHEMES = {"requestdomain": "https", "wsrequestdomain": "wss",
                   "uploaddomain": "https", "downloaddomain": "https", "udpdomain": "udp",
                   "tcpdomain": "tcp"}
_DOMAINS_PER_KIND = 200
_PRIVACY_KEYS = ("UserInfo", "Location", "Address", "Invoice", "RunData", "Record", "Album",
                 "Camera", "PhoneNumber", "Contact", "DeviceInfo", "EXIDNumber",
                 "EXOrderInfo", "EXUserPublishContent", "EXUserFollowAcct", "EXUserOpLog",
                 "AlbumWriteOnly", "LicensePlate", "BlueTooth", "CalendarWriteOnly", "Email",
                 "MessageFile", "ChooseLocation", "Accelerometer", "Compass",
                 "DeviceMotion", "Gyroscope", "Clipboard")
#: A small category tree: (id, name, level, father, sensitive).
_CATEGORIES = (
    (287, "工具", 1, 0, 0), (612, "备忘录", 2, 287, 0), (613, "信息查询", 2, 287, 0),
    (304, "商家自营", 1, 0, 0), (321, "美妆/洗护", 2, 304, 0), (322, "食品", 2, 304, 1),
    (150, "教育", 1, 0, 0), (151, "在线教育", 2, 150, 1),
)
_CATEGORY_NAMES = {c[0]: c[1] for c in _CATEGORIES}
_CATEGORY_LIMIT = 5
_REVIEWED_WORDS = ("官方", "品牌")


def png(seed: str) -> bytes:
    """A small valid PNG (8x8, grey), different per ``seed``: what the QR code images are."""
    shade = hashlib.sha256(seed.encode()).digest()[0]
    rows = b"".join(b"\x00" + bytes([shade]) * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------- helpers


def _program(call: Call) -> tuple[MiniProgram, Account]:
    platform, _, account = call.owned()
    return call.state.wxa.program(platform.appid, account.appid), account


def _home(call: Call) -> WxaPlatform:
    return call.state.wxa.platform(call.platform.appid)


def _int(call: Call, name: str, errcode: int = 47001) -> int:
    value = call.params.get(name)
    if isinstance(value, bool):
        raise WxError(errcode, f"{name} must be a number")
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WxError(errcode, f"{name} must be a number") from None


def _list(call: Call, name: str) -> list[Any]:
    value = call.params.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise WxError(47001, f"{name} must be a list")
    return value


def _action(call: Call) -> str:
    action = call.text("action")
    if action not in ("add", "delete", "set", "get"):
        raise WxError(47001, "action must be add, delete, set or get")
    return action


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


# --------------------------------------------------------------------------- templates


def _drafts(call: Call) -> dict[str, Any]:
    home = _home(call)
    drafts = sorted(home.drafts.values(), key=lambda d: d.draft_id)
    return {**OK, "draft_list": [d.to_dict() for d in drafts]}


def _add_to_template(call: Call) -> dict[str, Any]:
    home = _home(call)
    draft = home.drafts.get(_int(call, "draft_id"))
    if draft is None:
        raise WxError(85064, "no such draft")
    kind = call.number("template_type", 0)
    if kind not in (0, 1):
        raise WxError(47001, "template_type must be 0 or 1")
    if len(home.templates) >= call.state.wxa.limits.template_limit:
        raise WxError(85065)
    template_id = call.state.wxa.new_id()
    home.templates[template_id] = TemplateRecord(template_id, draft, kind, int(call.now))
    return dict(OK)


def _template_list(call: Call) -> dict[str, Any]:
    home = _home(call)
    wanted = call.text("template_type")
    templates = [t for t in sorted(home.templates.values(), key=lambda t: t.template_id)
                 if wanted == "" or str(t.template_type) == wanted]
    return {**OK, "template_list": [t.to_dict() for t in templates]}


def _delete_template(call: Call) -> dict[str, Any]:
    if _home(call).templates.pop(_int(call, "template_id"), None) is None:
        raise WxError(85064)
    return dict(OK)


# --------------------------------------------------------------------------- code


def _ext_pages(ext_json: object, template_pages: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(ext_json, str):
        raise WxError(85013, "ext_json must be a JSON string")
    try:
        ext = json.loads(ext_json)
    except (ValueError, RecursionError):
        raise WxError(85013) from None
    if not isinstance(ext, dict):
        raise WxError(85013)
    pages = ext.get("pages")
    if pages is None:
        return template_pages
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        raise WxError(85013)
    if not pages:
        raise WxError(85047)
    unknown = [p for p in pages if p not in template_pages]
    if unknown:
        raise WxError(85045, f"{unknown[0][:60]} is not a page of the template")
    return tuple(pages)


def _commit(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    template = _home(call).templates.get(_int(call, "template_id", 85014))
    if template is None:
        raise WxError(85014)
    pages = _ext_pages(call.params.get("ext_json"), template.draft.pages)
    user_version = call.text("user_version")
    if not user_version or len(user_version) > 64:
        raise WxError(47001, "user_version must be 1 to 64 characters")
    program.experience = Version(template.template_id, str(call.params["ext_json"]),
                                 user_version, call.text("user_desc"), call.now, pages)
    program.privacy_ready_at = call.now + call.state.wxa.limits.privacy_check_delay
    program.commits += 1
    program.commit_times.append(call.now)
    return dict(OK)


def _experience(program: MiniProgram) -> Version:
    if program.experience is None:
        raise WxError(86001)
    return program.experience


def _get_page(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "page_list": list(_experience(program).pages)}


def _qrcode(call: Call) -> Binary:
    program, account = _program(call)
    version = _experience(program)
    seed = f"{account.appid}:{version.committed_at}:{call.text('path')}"
    return Binary(png(seed), "image/png")


def _privacy_info(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    _experience(program)
    if call.now < program.privacy_ready_at:
        raise WxError(61039)
    return {**OK, "without_auth_list": [], "without_conf_list": []}


def _version_info(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    answer: dict[str, Any] = dict(OK)
    if program.experience is not None:
        exp = program.experience
        answer["exp_info"] = {"exp_time": int(exp.committed_at), "exp_version": exp.user_version,
                              "exp_desc": exp.user_desc}
    if program.released is not None:
        rel = program.released
        answer["release_info"] = {"release_time": int(rel.released_at),
                                  "release_version": rel.user_version,
                                  "release_desc": rel.user_desc}
    return answer


def _released(program: MiniProgram, version: Version, now: float) -> None:
    """Make ``version`` the online version (privacy guide draft goes live with it)."""
    if program.released is not None:
        program.history.insert(0, program.released)
        del program.history[5:]
    program.released = version
    program.reverted = False
    program.gray = None
    if 2 in program.privacy:
        program.privacy[1] = dict(program.privacy[2])


def _release(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    audit = program.latest_audit()
    if audit is None:
        raise WxError(85019)
    if audit.status(call.now) != 0:
        raise WxError(85020)
    if audit.released:
        raise WxError(85052)
    version = replace(audit.version, app_version=call.state.wxa.new_id(),
                      released_at=call.now)
    audit.released = True
    _released(program, version, call.now)
    return dict(OK)


def _revert(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    if call.text("action") == "get_history_version":
        return {**OK, "version_list": [
            {"app_version": v.app_version, "user_version": v.user_version,
             "user_desc": v.user_desc, "commit_time": int(v.committed_at)}
            for v in program.history]}
    if call.text("action"):
        raise WxError(40097, "action must be get_history_version")
    if not program.history or program.reverted:
        raise WxError(87012)
    target = 0
    if call.text("app_version"):
        wanted = _int(call, "app_version", 40097)
        indexes = [i for i, v in enumerate(program.history) if v.app_version == wanted]
        if not indexes:
            raise WxError(87012)
        target = indexes[0]
    version = program.history.pop(target)
    program.released = version
    program.reverted = True
    program.gray = None
    return dict(OK)


def _gray_release(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    if program.released is None:
        raise WxError(85079)
    audit = program.latest_audit()
    if audit is None or audit.status(call.now) != 0 or audit.released:
        raise WxError(85080)
    percentage = _int(call, "gray_percentage", 85081)
    debugger = bool(call.params.get("support_debuger_first"))
    experiencer = bool(call.params.get("support_experiencer_first"))
    if not 0 <= percentage <= 100 or (percentage == 0 and not (debugger or experiencer)):
        raise WxError(85081)
    if program.gray is not None and percentage < program.gray["gray_percentage"]:
        raise WxError(85082)
    program.gray = {"status": 1, "create_timestamp": int(call.now),
                    "gray_percentage": percentage, "support_debuger_first": debugger,
                    "support_experiencer_first": experiencer}
    return dict(OK)


def _gray_plan(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    plan = program.gray or {"status": 0, "create_timestamp": 0, "gray_percentage": 0,
                            "support_debuger_first": False, "support_experiencer_first": False}
    return {**OK, "gray_release_plan": plan}


def _revert_gray(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    if program.gray is None:
        raise WxError(85079, "no gray release is running")
    program.gray = None
    return dict(OK)


def _change_visit(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    action = call.text("action")
    if action not in ("open", "close"):
        raise WxError(47001, "action must be open or close")
    if program.released is None:
        raise WxError(85079)
    program.visible = action == "open"
    return dict(OK)


def _visit_status(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "status": 1 if program.visible else 0}


def _support_version(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    items = [{"percentage": 0.5, "version": "2.19.0"}, {"percentage": 12.4, "version": "2.20.0"},
             {"percentage": 87.1, "version": "3.0.0"}]
    return {**OK, "now_version": program.support_version, "uv_info": {"items": items}}


def _set_support_version(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    version = call.text("version")
    if not re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}", version):
        raise WxError(89014)
    program.support_version = version
    return dict(OK)


# --------------------------------------------------------------------------- audits


def _check_items(program: MiniProgram, items: list[Any]) -> None:
    if len(items) > 5:
        raise WxError(85023)
    approved = {(c["first"], c["second"]) for c in program.categories if c["audit_status"] == 3}
    for item in items:
        if not isinstance(item, dict):
            raise WxError(47001, "item_list holds objects")
        if "first_id" in item or "second_id" in item:
            key = (item.get("first_id"), item.get("second_id"))
            if key not in approved:
                raise WxError(85008)


def _submit_audit(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    version = program.experience
    if version is None:
        raise WxError(85086)
    if call.now < program.privacy_ready_at:
        raise WxError(61039)
    latest = program.latest_audit()
    if latest is not None and latest.running(call.now):
        raise WxError(85009)
    _check_items(program, _list(call, "item_list"))
    home = _home(call)
    limits = call.state.wxa.limits
    month = month_of(call.now)
    if home.audit_used[month] >= limits.audit_quota:
        raise WxError(85085)
    home.audit_used[month] += 1
    audit = Audit(call.state.wxa.new_id(), replace(version), call.now, [])
    audit.schedule(call.state.wxa.plan_for(call.platform.appid, program), call.now)
    program.audits.append(audit)
    call.hooks.wake_scheduler()
    return {**OK, "auditid": audit.auditid}


def _audit_of(call: Call, program: MiniProgram) -> Audit:
    wanted = _int(call, "auditid", 85012)
    found = next((a for a in program.audits if a.auditid == wanted), None)
    if found is None:
        raise WxError(85012)
    return found


def _status_answer(audit: Audit, now: float, latest: bool) -> dict[str, Any]:
    step = audit.current(now)
    answer: dict[str, Any] = {**OK, "status": audit.status(now),
                              "reason": step.reason if step else ""}
    if step is not None and step.screenshot:
        answer["ScreenShot" if latest else "screenshot"] = step.screenshot
    if latest:
        answer.update(auditid=audit.auditid, user_version=audit.version.user_version,
                      user_desc=audit.version.user_desc,
                      submit_audit_time=int(audit.submitted_at))
    return answer


def _audit_status(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return _status_answer(_audit_of(call, program), call.now, latest=False)


def _latest_audit(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    audit = program.latest_audit()
    if audit is None:
        raise WxError(85012, "no audit was submitted")
    return _status_answer(audit, call.now, latest=True)


def _withdraw(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    audit = program.latest_audit()
    if audit is None or not audit.running(call.now):
        raise WxError(85019)
    limits = call.state.wxa.limits
    today, month = day_of(call.now), month_of(call.now)
    if (sum(day_of(t) == today for t in program.withdrawals) >= limits.withdrawals_per_day
            or sum(month_of(t) == month for t in program.withdrawals)
            >= limits.withdrawals_per_month):
        raise WxError(87013)
    program.withdrawals.append(call.now)
    audit.steps = [s for s in audit.steps if s.at <= call.now]
    audit.steps.append(Step(call.now, WITHDRAWN, pushed=True))
    return dict(OK)


def _speed_up(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    audit = _audit_of(call, program)
    if audit.status(call.now) != AUDITING:
        raise WxError(89402)
    if audit.sped_up:
        raise WxError(89404)
    home = _home(call)
    month = month_of(call.now)
    if home.speedups_used[month] >= call.state.wxa.limits.speedup_quota:
        raise WxError(89405)
    home.speedups_used[month] += 1
    audit.sped_up = True
    for step in audit.steps:
        if step.at > call.now:
            step.at = call.now + (step.at - call.now) / 2
    call.hooks.wake_scheduler()
    return dict(OK)


def _query_quota(call: Call) -> dict[str, Any]:
    home, limits, month = _home(call), call.state.wxa.limits, month_of(call.now)
    return {**OK, "rest": max(limits.audit_quota - home.audit_used[month], 0),
            "limit": limits.audit_quota,
            "speedup_rest": max(limits.speedup_quota - home.speedups_used[month], 0),
            "speedup_limit": limits.speedup_quota}


def _upload_audit_media(call: Call) -> dict[str, Any]:
    media = call.params.get("media")
    if not isinstance(media, Upload) or not media.content:
        raise WxError(41005)
    if media.content_type.startswith("image/"):
        kind, limit = "image", 2 << 20
    elif media.content_type == "video/mp4":
        kind, limit = "video", 10 << 20
    else:
        raise WxError(40005)
    if len(media.content) > limit:
        raise WxError(40006)
    media_id = call.state.keep_media(call.owner, media.filename, media.content_type,
                                     media.content)
    return {**OK, "type": kind, "mediaid": media_id}


# --------------------------------------------------------------------------- domains


def _domain_lists(call: Call, allowed: list[str] | None) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    for kind, scheme in _DOMAIN_SCHEMES.items():
        urls = [_valid_url(u, scheme) for u in _list(call, kind)]
        if allowed is not None and any(_host(u) not in allowed for u in urls):
            raise WxError(85017)
        given[kind] = urls
    return given


def _count_change(call: Call, program: MiniProgram) -> None:
    month = month_of(call.now)
    if program.domain_changes[month] >= call.state.wxa.limits.domain_changes_per_month:
        raise WxError(85022)
    program.domain_changes[month] += 1


def _modify_domain(direct: bool) -> Callable[[Call], dict[str, Any]]:
    def handler(call: Call) -> dict[str, Any]:
        program, _ = _program(call)
        action = _action(call)
        target = program.direct_domains if direct else program.domains
        if action != "get":
            home = _home(call)
            given = _domain_lists(call, None if direct else home.server_domains)
            changed = {k: _apply(target[k], action, given[k]) for k in target}
            if any(len(v) > _DOMAINS_PER_KIND for v in changed.values()):
                raise WxError(85016)
            _count_change(call, program)
            target.update(changed)
        return {**OK, **{k: list(v) for k, v in target.items()}}

    return handler


def _webview_domain(direct: bool) -> Callable[[Call], dict[str, Any]]:
    def handler(call: Call) -> dict[str, Any]:
        program, _ = _program(call)
        action = _action(call)
        if action != "get":
            urls = [_valid_url(u, "https") for u in _list(call, "webviewdomain")]
            jump = _home(call).jump_domains
            if not direct and any(_host(u) not in jump for u in urls):
                raise WxError(89021)
            program.webview = _apply(program.webview, action, urls)
        return {**OK, "webviewdomain": list(program.webview)}

    return handler


def _effective_domains(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    union = {k: list(dict.fromkeys(program.domains[k] + program.direct_domains[k]))
             for k in program.domains}
    empty: dict[str, list[str]] = {k: [] for k in program.domains}
    return {**OK, "mp_domain": empty, "third_domain": program.domains,
            "direct_domain": program.direct_domains, "effective_domain": union}


def _confirm_file(seed: str) -> dict[str, Any]:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return {**OK, "file_name": digest[:10] + ".txt", "file_content": digest[10:42]}


def _webview_confirm_file(call: Call) -> dict[str, Any]:
    _, account = _program(call)
    return _confirm_file("webview:" + account.appid)


def _set_prefetch(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    entries = _list(call, "prefetch_dns_domain")
    if len(entries) > 5:
        raise WxError(47001, "at most 5 prefetch domains")
    urls = [_valid_url(e.get("url") if isinstance(e, dict) else e, "https") for e in entries]
    program.prefetch = list(dict.fromkeys(urls))
    return dict(OK)


def _get_prefetch(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "prefetch_dns_domain": [{"url": u, "status": 1} for u in program.prefetch],
            "size_limit": 5}


def _platform_domains(field: str, name: str) -> Callable[[Call], dict[str, Any]]:
    """The platform's own server (or jump) domains: bare host names, comma-separated."""

    def handler(call: Call) -> dict[str, Any]:
        home = _home(call)
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


def _platform_confirm_file(call: Call) -> dict[str, Any]:
    name, content = _home(call).confirm_file
    return {**OK, "file_name": name, "file_content": content}


# --------------------------------------------------------------------------- testers


def _userstr(appid: str, wechat_id: str) -> str:
    return hashlib.sha256(f"{appid}:{wechat_id}".encode()).hexdigest()[:32]


def _bind_tester(call: Call) -> dict[str, Any]:
    program, account = _program(call)
    wechat_id = call.text("wechatid")
    if not re.fullmatch(r"[A-Za-z][-_A-Za-z0-9]{5,19}|\+?\d{6,15}", wechat_id):
        raise WxError(85001)
    if wechat_id in program.testers:
        raise WxError(85004)
    if len(program.testers) >= call.state.wxa.limits.max_testers:
        raise WxError(85002)
    program.testers[wechat_id] = _userstr(account.appid, wechat_id)
    return {**OK, "userstr": program.testers[wechat_id]}


def _unbind_tester(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    by_userstr = {v: k for k, v in program.testers.items()}
    wechat_id = call.text("wechatid") or by_userstr.get(call.text("userstr"), "")
    if wechat_id not in program.testers:
        raise WxError(85001)
    del program.testers[wechat_id]
    return dict(OK)


def _member_auth(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    if call.text("action") != "get_experiencer":
        raise WxError(40097, "action must be get_experiencer")
    return {**OK, "members": [{"userstr": u} for u in program.testers.values()]}


# --------------------------------------------------------------------------- privacy


def _set_privacy(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    version = call.number("privacy_ver", 2)
    owner = call.params.get("owner_setting")
    if version not in (1, 2) or not isinstance(owner, dict):
        raise WxError(47001, "privacy_ver is 1 or 2, owner_setting an object")
    contacts = ("contact_email", "contact_phone", "contact_qq", "contact_weixin")
    if not any(owner.get(c) for c in contacts) or not owner.get("notice_method"):
        raise WxError(47001, "owner_setting needs a contact and a notice_method")
    media_id = owner.get("ext_file_media_id")
    if media_id and media_id not in call.state.media:
        raise WxError(40007)
    items = _list(call, "setting_list")
    if version == 1:
        if items:
            raise WxError(47001, "setting_list is not accepted with privacy_ver 1")
        if 1 not in program.privacy:
            raise WxError(86074)
        program.privacy[1] = {**program.privacy[1], "owner_setting": owner,
                              "update_time": int(call.now)}
        return dict(OK)
    if not items:
        raise WxError(47001, "setting_list is required with privacy_ver 2")
    for item in items:
        if not isinstance(item, dict) or item.get("privacy_key") not in _PRIVACY_KEYS \
                or not item.get("privacy_text"):
            raise WxError(47001, "each setting needs a known privacy_key and a privacy_text")
    program.privacy[2] = {"owner_setting": owner, "setting_list": items,
                          "update_time": int(call.now)}
    return dict(OK)


def _get_privacy(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    version = call.number("privacy_ver", 2)
    stored = program.privacy.get(version, {})
    settings = [{**s, "privacy_label": s.get("privacy_key", "")}
                for s in stored.get("setting_list", [])]
    return {**OK, "code_exist": 1 if program.experience else 0,
            "privacy_list": ["UserInfo", "Location"] if program.experience else [],
            "setting_list": settings, "update_time": stored.get("update_time", 0),
            "owner_setting": stored.get("owner_setting", {}),
            "privacy_desc": {"privacy_desc_list": [{"privacy_key": k, "privacy_desc": k}
                                                   for k in _PRIVACY_KEYS]}}


def _upload_privacy_file(call: Call) -> dict[str, Any]:
    media = call.params.get("file")
    if not isinstance(media, Upload) or not media.content:
        raise WxError(41005)
    if not (media.content_type.startswith("text/") or media.filename.endswith(".txt")):
        raise WxError(40005)
    if len(media.content) > 100 * 1024:
        raise WxError(40006)
    media_id = call.state.keep_media(call.owner, media.filename, media.content_type,
                                     media.content)
    return {**OK, "ext_file_media_id": media_id}


# --------------------------------------------------------------------------- categories


def _all_categories(call: Call) -> dict[str, Any]:
    tree = [{"id": cid, "name": name, "level": level, "father": father,
             "children": [c[0] for c in _CATEGORIES if c[3] == cid],
             "sensitive_type": sensitive,
             "qualify": {"exter_list": [{"inner_list": [{"name": "资质证明"}]}]
                         if sensitive else []}}
            for cid, name, level, father, sensitive in _CATEGORIES]
    return {**OK, "categories_list": {"categories": tree}}


def _account_categories(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "categories": program.categories, "limit": _CATEGORY_LIMIT,
            "quota": max(_CATEGORY_LIMIT - len(program.categories), 0),
            "category_limit": _CATEGORY_LIMIT}


def _audit_categories(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "category_list": [
        {"first_class": c["first_name"], "second_class": c["second_name"],
         "first_id": c["first"], "second_id": c["second"]}
        for c in program.categories if c["audit_status"] == 3]}


def _category_pair(item: Any) -> tuple[int, int, bool]:
    if not isinstance(item, dict):
        raise WxError(53303)
    first, second = item.get("first"), item.get("second")
    known = {c[0]: c for c in _CATEGORIES}
    if first not in known or second not in known or known[second][3] != first:
        raise WxError(53303)
    return first, second, bool(known[second][4])


def _add_category(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    items = _list(call, "categories")
    if not items:
        raise WxError(53303)
    have = {(c["first"], c["second"]) for c in program.categories}
    added = []
    for item in items:
        first, second, sensitive = _category_pair(item)
        if (first, second) in have:
            raise WxError(53304)
        if sensitive and not item.get("certicates"):
            raise WxError(53303, "this category needs certificates")
        have.add((first, second))
        added.append({"first": first, "first_name": _CATEGORY_NAMES[first], "second": second,
                      "second_name": _CATEGORY_NAMES[second],
                      "audit_status": 1 if sensitive else 3, "audit_reason": ""})
    if len(program.categories) + len(added) > _CATEGORY_LIMIT:
        raise WxError(53301)
    program.categories.extend(added)
    return dict(OK)


def _find_category(call: Call, program: MiniProgram) -> dict[str, Any]:
    first, second = call.params.get("first"), call.params.get("second")
    found = next((c for c in program.categories
                  if c["first"] == first and c["second"] == second), None)
    if found is None:
        raise WxError(53303)
    return found


def _delete_category(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    program.categories.remove(_find_category(call, program))
    return dict(OK)


def _modify_category(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    found = _find_category(call, program)
    certificates = _list(call, "certicates")
    if not certificates:
        raise WxError(53303, "give the certificates")
    found.update(audit_status=1, audit_reason="")
    return dict(OK)


# --------------------------------------------------------------------------- basic info


def _image_url(kind: str, seed: str) -> str:
    return f"http://wx.qlogo.cn/{kind}/{hashlib.sha256(seed.encode()).hexdigest()[:40]}/0"


def _basic_info(call: Call) -> dict[str, Any]:
    program, account = _program(call)
    quota = {"modify_used_count": 0, "modify_quota": 5}
    return {
        **OK,
        "appid": account.appid,
        "account_type": 2,
        "principal_type": 1,
        "principal_name": account.principal_name,
        "realname_status": 1,
        "nickname": account.nick_name,
        "registered_country": 1,
        "wx_verify_info": {"qualification_verify": False, "naming_verify": False},
        "signature_info": {"signature": program.signature, **quota},
        "head_image_info": {"head_image_url": _image_url("mmopen",
                                                         program.head_image or account.appid),
                            **quota},
        "nickname_info": {"nickname": account.nick_name, **quota},
    }


def _reviewed(name: str) -> bool:
    return any(word in name for word in _REVIEWED_WORDS)


def _valid_nickname(call: Call) -> str:
    name = call.text("nick_name")
    if not 2 <= len(name) <= 30 or name.strip() != name or "<" in name:
        raise WxError(91011)
    return name


def _set_nickname(call: Call) -> dict[str, Any]:
    program, account = _program(call)
    name = _valid_nickname(call)
    if _reviewed(name):
        audit_id = call.state.wxa.new_id()
        program.nickname_audits[audit_id] = {"nickname": name, "audit_stat": 1,
                                             "fail_reason": "", "create_time": int(call.now),
                                             "audit_time": 0}
        return {**OK, "wording": "名称需要审核，审核结果会推送给第三方平台",
                "audit_id": audit_id}
    account.nick_name = name
    return {**OK, "wording": ""}


def _nickname_status(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    found = program.nickname_audits.get(_int(call, "audit_id", 40097))
    if found is None:
        raise WxError(40097, "no such audit_id")
    return {**OK, **found}


def _check_nickname(call: Call) -> dict[str, Any]:
    name = _valid_nickname(call)
    hit = _reviewed(name)
    return {**OK, "hit_condition": hit,
            "wording": "该名称需要提交商标或授权证明" if hit else ""}


def _set_head_image(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    media_id = call.text("head_img_media_id")
    if media_id not in call.state.media:
        raise WxError(40007)
    program.head_image = media_id
    return dict(OK)


def _set_signature(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    signature = call.text("signature")
    if not signature or len(signature) > 120:
        raise WxError(47001, "signature must be 1 to 120 characters")
    program.signature = signature
    return dict(OK)


def _search_status(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    return {**OK, "status": 0 if program.searchable else 1}


def _set_search_status(call: Call) -> dict[str, Any]:
    program, _ = _program(call)
    status = call.params.get("status")
    if status not in (0, 1):
        raise WxError(47001, "status must be 0 or 1")
    program.searchable = status == 0
    return dict(OK)


# --------------------------------------------------------------------------- registration


def _registration(call: Call, kind: Any, info: dict[str, Any],
                  task_id: str | None = None) -> Registration:
    home = _home(call)
    task = Registration(task_id or secrets.token_hex(16), kind, info, call.now)
    home.registrations[task.task_id] = task
    return task


def _enterprise_info(params: Mapping[str, Any], name_field: str = "name") -> dict[str, Any]:
    def text(name: str) -> str:
        value = params.get(name)
        return value if isinstance(value, str) else ""

    info = {name_field: text(name_field), "code": text("code"),
            "code_type": params.get("code_type"),
            "legal_persona_wechat": text("legal_persona_wechat"),
            "legal_persona_name": text("legal_persona_name"),
            "component_phone": text("component_phone")}
    if not all(info[k] for k in (name_field, "code", "legal_persona_wechat",
                                 "legal_persona_name")):
        raise WxError(47001, "name, code and the legal person are required")
    if info["code_type"] not in (1, 2, 3):
        raise WxError(89255)
    return info


def _fast_register(call: Call) -> dict[str, Any]:
    action = call.query.get("action", "")
    home = _home(call)
    if action == "create":
        info = _enterprise_info(call.params)
        if any(t.kind == "enterprise" and t.status == "pending" and t.info["name"] == info["name"]
               for t in home.registrations.values()):
            raise WxError(89249)
        _registration(call, "enterprise", info)
        return dict(OK)
    if action == "search":
        wanted = (call.text("name"), call.text("legal_persona_wechat"),
                  call.text("legal_persona_name"))
        tasks = [t for t in home.registrations.values() if t.kind == "enterprise" and (
            t.info["name"], t.info["legal_persona_wechat"], t.info["legal_persona_name"])
            == wanted]
        if not tasks:
            raise WxError(89250)
        if tasks[-1].status == "pending":
            raise WxError(89251)
        if tasks[-1].status == "failed":
            raise WxError(89250, "the task failed; start a new one")
        return dict(OK)
    raise WxError(40097, "action must be create or search")


def _fast_register_personal(call: Call) -> dict[str, Any]:
    action = call.query.get("action", "")
    home = _home(call)
    if action == "create":
        if not call.text("idname") or not call.text("wxuser"):
            raise WxError(47001, "idname and wxuser are required")
        task = _registration(call, "personal", {"name": call.text("idname"),
                                                "wxuser": call.text("wxuser")})
        url = f"https://mp.weixin.qq.com/wxopen/fastregisterpersonal?taskid={task.task_id}"
        return {**OK, "taskid": task.task_id, "authorize_url": url, "status": 0}
    if action == "query":
        found = home.registrations.get(call.text("taskid"))
        if found is None or found.kind != "personal":
            raise WxError(89250)
        status = {"pending": 1000, "failed": 1001, "done": 0}[found.status]
        answer: dict[str, Any] = {**OK, "status": status}
        if found.appid:
            answer["appid"] = found.appid
            answer["authorization_code"] = found.info.get("auth_code", "")
        return answer
    raise WxError(40097, "action must be create or query")


def _fast_register_trial(call: Call) -> dict[str, Any]:
    name = call.text("name")
    if not 4 <= len(name) <= 30 or not call.text("openid"):
        raise WxError(47001, "name is 4 to 30 characters; openid is required")
    task = _registration(call, "trial", {"name": name, "openid": call.text("openid")})
    url = f"https://mp.weixin.qq.com/wxawap/fastregistertpbeta?action=show&create_token={task.task_id}"
    return {**OK, "unique_id": task.task_id, "authorize_url": url}


def _verify_trial(call: Call) -> dict[str, Any]:
    _, account = _program(call)
    info = call.params.get("verify_info")
    if not isinstance(info, dict):
        raise WxError(47001, "verify_info is required")
    details = _enterprise_info(info, "enterprise_name")
    details["appid"] = account.appid
    _registration(call, "verify", details)
    return dict(OK)


def _reuse_subject(call: Call) -> dict[str, Any]:
    _, _, account = call.owned()
    home = _home(call)
    if home.reuse_tickets.get(call.text("ticket")) != account.appid:
        raise WxError(40097, "invalid ticket")
    del home.reuse_tickets[call.text("ticket")]
    state = call.state
    created = state.add_account(call.platform, "mini_program",
                                nick_name=f"{account.nick_name}的小程序")
    state.grant(call.platform, created, None)
    code = state.issue_code("auth", call.platform.appid, created.appid, prefix="queryauthcode@@@")
    return {**OK, "appid": created.appid, "authorization_code": code.value,
            "is_wx_verify_succ": "true", "is_link_succ": "true"}


# --------------------------------------------------------------------------- open accounts


def _open_owner(call: Call) -> tuple[WxaPlatform, Account]:
    platform, _, account = call.owned()
    if call.text("appid") != account.appid:
        raise WxError(40013, "appid must be the account of the token")
    return call.state.wxa.platform(platform.appid), account


def _bound(home: WxaPlatform, appid: str) -> str | None:
    return next((o for o, members in home.open_accounts.items() if appid in members), None)


def _open_create(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    if _bound(home, account.appid):
        raise WxError(89000)
    open_appid = "wx" + secrets.token_hex(8)
    home.open_accounts[open_appid] = {account.appid}
    return {**OK, "open_appid": open_appid}


def _open_bind(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    if _bound(home, account.appid):
        raise WxError(89000)
    members = home.open_accounts.get(call.text("open_appid"))
    if members is None:
        raise WxError(89003)
    if len(members) >= 100:
        raise WxError(89004)
    members.add(account.appid)
    return dict(OK)


def _open_unbind(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    current = _bound(home, account.appid)
    if current is None:
        raise WxError(89002)
    if current != call.text("open_appid"):
        raise WxError(89003)
    home.open_accounts[current].discard(account.appid)
    return dict(OK)


def _open_get(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    current = _bound(home, account.appid)
    if current is None:
        raise WxError(89002)
    return {**OK, "open_appid": current}


# --------------------------------------------------------------------------- the endpoints

_C = "/cgi-bin/component/"

#: Every emulated mini-program management endpoint.
WXA_ENDPOINTS: tuple[Endpoint, ...] = (
    # the template library (component token, also as access_token)
    Endpoint("GET", "/wxa/gettemplatedraftlist", _drafts, names_component=False),
    Endpoint("POST", "/wxa/addtotemplate", _add_to_template, required=("draft_id",),
             names_component=False),
    Endpoint("GET", "/wxa/gettemplatelist", _template_list, names_component=False),
    Endpoint("POST", "/wxa/deletetemplate", _delete_template, required=("template_id",),
             names_component=False),
    # code, release
    Endpoint("POST", "/wxa/commit", _commit, "authorizer",
             ("template_id", "ext_json", "user_version"), kinds=MP),
    Endpoint("GET", "/wxa/get_page", _get_page, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/get_qrcode", _qrcode, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/security/get_code_privacy_info", _privacy_info, "authorizer",
             kinds=MP),
    Endpoint("POST", "/wxa/getversioninfo", _version_info, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/release", _release, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/revertcoderelease", _revert, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/grayrelease", _gray_release, "authorizer", ("gray_percentage",),
             kinds=MP),
    Endpoint("GET", "/wxa/getgrayreleaseplan", _gray_plan, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/revertgrayrelease", _revert_gray, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/change_visitstatus", _change_visit, "authorizer", ("action",),
             kinds=MP),
    Endpoint("POST", "/wxa/getvisitstatus", _visit_status, "authorizer", kinds=MP),
    Endpoint("POST", "/cgi-bin/wxopen/getweappsupportversion", _support_version,
             "authorizer", kinds=MP),
    Endpoint("POST", "/cgi-bin/wxopen/setweappsupportversion", _set_support_version,
             "authorizer", ("version",), kinds=MP),
    # audits
    Endpoint("POST", "/wxa/submit_audit", _submit_audit, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/uploadmedia", _upload_audit_media, "authorizer", kinds=MP,
             multipart=True),
    Endpoint("POST", "/wxa/get_auditstatus", _audit_status, "authorizer", ("auditid",),
             kinds=MP),
    Endpoint("GET", "/wxa/get_latest_auditstatus", _latest_audit, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/undocodeaudit", _withdraw, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/speedupaudit", _speed_up, "authorizer", ("auditid",), kinds=MP),
    Endpoint("GET", "/wxa/queryquota", _query_quota, "authorizer", kinds=MP),
    # domains
    Endpoint("POST", _C + "modify_wxa_server_domain",
             _platform_domains("server_domains", "server_domain"), required=("action",),
             names_component=False),
    Endpoint("POST", _C + "modify_wxa_jump_domain",
             _platform_domains("jump_domains", "jump_h5_domain"), required=("action",),
             names_component=False),
    Endpoint("POST", _C + "get_domain_confirmfile", _platform_confirm_file,
             names_component=False),
    Endpoint("POST", "/wxa/modify_domain", _modify_domain(False), "authorizer", ("action",),
             kinds=MP),
    Endpoint("POST", "/wxa/modify_domain_directly", _modify_domain(True), "authorizer",
             ("action",), kinds=MP),
    Endpoint("POST", "/wxa/setwebviewdomain", _webview_domain(False), "authorizer",
             ("action",), kinds=MP),
    Endpoint("POST", "/wxa/setwebviewdomain_directly", _webview_domain(True), "authorizer",
             ("action",), kinds=MP),
    Endpoint("POST", "/wxa/get_webviewdomain_confirmfile", _webview_confirm_file,
             "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/get_effective_domain", _effective_domains, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/set_prefetchdomain", _set_prefetch, "authorizer", kinds=MP),
    Endpoint("GET", "/wxa/get_prefetchdomain", _get_prefetch, "authorizer", kinds=MP),
    # testers
    Endpoint("POST", "/wxa/bind_tester", _bind_tester, "authorizer", ("wechatid",), kinds=MP),
    Endpoint("POST", "/wxa/unbind_tester", _unbind_tester, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/memberauth", _member_auth, "authorizer", ("action",), kinds=MP),
    # privacy (the mini program's token, under /cgi-bin/component/)
    Endpoint("POST", _C + "setprivacysetting", _set_privacy, "authorizer",
             ("owner_setting",), kinds=MP),
    Endpoint("POST", _C + "getprivacysetting", _get_privacy, "authorizer", kinds=MP),
    Endpoint("POST", _C + "uploadprivacyextfile", _upload_privacy_file, "authorizer",
             kinds=MP, multipart=True),
    # categories
    Endpoint("GET", "/cgi-bin/wxopen/getallcategories", _all_categories, "authorizer",
             kinds=MP),
    Endpoint("GET", "/cgi-bin/wxopen/getcategory", _account_categories, "authorizer",
             kinds=MP),
    Endpoint("GET", "/wxa/get_category", _audit_categories, "authorizer", kinds=MP),
    Endpoint("POST", "/cgi-bin/wxopen/addcategory", _add_category, "authorizer",
             ("categories",), kinds=MP),
    Endpoint("POST", "/cgi-bin/wxopen/deletecategory", _delete_category, "authorizer",
             ("first", "second"), kinds=MP),
    Endpoint("POST", "/cgi-bin/wxopen/modifycategory", _modify_category, "authorizer",
             ("first", "second"), kinds=MP),
    # basic information
    Endpoint("GET", "/cgi-bin/account/getaccountbasicinfo", _basic_info, "authorizer",
             kinds=MP),
    Endpoint("POST", "/wxa/setnickname", _set_nickname, "authorizer", ("nick_name",),
             kinds=MP),
    Endpoint("POST", "/wxa/api_wxa_querynickname", _nickname_status, "authorizer",
             ("audit_id",), kinds=MP),
    Endpoint("POST", "/cgi-bin/wxverify/checkwxverifynickname", _check_nickname,
             "authorizer", ("nick_name",), kinds=MP),
    Endpoint("POST", "/cgi-bin/account/modifyheadimage", _set_head_image, "authorizer",
             ("head_img_media_id",), kinds=MP),
    Endpoint("POST", "/cgi-bin/account/modifysignature", _set_signature, "authorizer",
             ("signature",), kinds=MP),
    Endpoint("GET", "/wxa/getwxasearchstatus", _search_status, "authorizer", kinds=MP),
    Endpoint("POST", "/wxa/changewxasearchstatus", _set_search_status, "authorizer",
             ("status",), kinds=MP),
    # registration
    Endpoint("POST", _C + "fastregisterweapp", _fast_register, names_component=False),
    Endpoint("POST", "/wxa/component/fastregisterpersonalweapp", _fast_register_personal,
             names_component=False),
    Endpoint("POST", "/wxa/component/fastregisterbetaweapp", _fast_register_trial,
             required=("name", "openid"), names_component=False),
    Endpoint("POST", "/wxa/verifybetaweapp", _verify_trial, "authorizer", ("verify_info",),
             kinds=MP),
    Endpoint("POST", "/cgi-bin/account/fastregister", _reuse_subject, "authorizer",
             ("ticket",), kinds=OA),
    # open accounts
    Endpoint("POST", "/cgi-bin/open/create", _open_create, "authorizer", ("appid",)),
    Endpoint("POST", "/cgi-bin/open/bind", _open_bind, "authorizer", ("appid", "open_appid")),
    Endpoint("POST", "/cgi-bin/open/unbind", _open_unbind, "authorizer",
             ("appid", "open_appid")),
    Endpoint("POST", "/cgi-bin/open/get", _open_get, "authorizer", ("appid",)),
)


# --------------------------------------------------------------------------- control


class MiniProgramControl:
    """The control methods of mini-program management, part of
    :class:`~wxcomponent.emulator.Emulator` (also under ``/__emulator__/``)."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def state(self) -> State: ...

        def platform(self, appid: str) -> Platform: ...

        def push_message(self, component_appid: str, authorizer_appid: str,
                         fields: Mapping[str, object]) -> Delivery: ...

        def consent(self, platform: Platform, account: Account,
                    func_info: Iterable[int] | None, pre_auth_code: str, *,
                    push: Any = "wait") -> Authorization: ...

        def _event(self, platform: Platform, info_type: str,
                   **fields: object) -> dict[str, Any]: ...

        def _push_event(self, platform: Platform, fields: dict[str, Any], *,
                        background: bool) -> Delivery: ...

        def _submit(self, fn: Callable[..., object], *args: Any) -> None: ...

    # ------------------------------------------------------------------ settings, inspection

    def configure_mini_programs(self, **limits: Any) -> dict[str, Any]:
        """Change the mini-program settings (``privacy_check_delay``, ``audit_duration``,
        ``template_limit``, ``withdrawals_per_day``, ``withdrawals_per_month``,
        ``domain_changes_per_month``, ``audit_quota``, ``speedup_quota``, ``max_testers``);
        return them all. A reset restores the defaults."""
        with self.state.lock:
            return dict(self.state.wxa.limits.update(**limits).__dict__)

    def mini_program(self, component_appid: str, authorizer_appid: str) -> dict[str, Any]:
        """A mini program's management state: commits, audits (with their steps), releases,
        domains, testers, privacy guide, categories."""
        state = self.state
        with state.lock:
            self.platform(component_appid).account(authorizer_appid)
            return state.wxa.program(component_appid, authorizer_appid).to_dict(
                self.clock.now())

    # ------------------------------------------------------------------ templates

    def add_template_draft(self, component_appid: str, user_version: str = "1.0.0",
                           user_desc: str = "", pages: list[str] | None = None,
                           source_miniprogram_appid: str | None = None) -> dict[str, Any]:
        """Upload a draft to the platform's draft box, as the developer tools would; return
        it (with its ``draft_id``). ``pages`` are the pages of its code."""
        if not isinstance(user_version, str) or not user_version or len(user_version) > 64:
            raise InvalidArgument("user_version", "must be 1 to 64 characters")
        chosen = tuple(pages) if pages is not None else _DEFAULT_PAGES
        if not chosen or not all(isinstance(p, str) and p for p in chosen):
            raise InvalidArgument("pages", "give page paths")
        state = self.state
        with state.lock:
            self.platform(component_appid)
            home = state.wxa.platform(component_appid)
            draft = Draft(state.wxa.new_id(), user_version, user_desc, int(self.clock.now()),
                          chosen, source_miniprogram_appid or "wx" + secrets.token_hex(8))
            home.drafts[draft.draft_id] = draft
            return draft.to_dict()

    # ------------------------------------------------------------------ audits

    def plan_audits(self, component_appid: str, steps: Any,
                    authorizer_appid: str | None = None) -> None:
        """Plan the outcome of audits: ``steps`` is a list of ``{"outcome": "success" |
        "fail" | "delay", "after": seconds, "reason": …, "screenshot": …}`` in time order
        (delays, then at most one success or fail), counted from the audit's start.

        With ``authorizer_appid`` the plan is that mini program's (its running audit is
        rescheduled from now, and its next audits follow the plan); without, it is the
        platform's default for mini programs without a plan of their own.
        """
        plan = parse_plan(steps)
        state = self.state
        with state.lock:
            self.platform(component_appid)
            if authorizer_appid is None:
                state.wxa.platform(component_appid).plan = plan
                return
            self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            program.plan = plan
            audit = program.latest_audit()
            now = self.clock.now()
            if audit is not None and audit.running(now):
                audit.schedule(plan, now)
        self.wake_scheduler()

    def set_audit_result(self, component_appid: str, authorizer_appid: str | None = None,
                         outcome: str = "success", reason: str = "", after: float = 0.0,
                         screenshot: str = "") -> None:
        """One-step :meth:`plan_audits`: ``outcome`` ``after`` seconds (with a ``reason``
        for a failure or a delay)."""
        self.plan_audits(component_appid, [{"outcome": outcome, "after": after,
                                            "reason": reason, "screenshot": screenshot}],
                         authorizer_appid)

    def wake_scheduler(self) -> None:
        """Have the scheduler look for due audit steps now."""
        self.clock.wake()

    def due_audit_pushes(self) -> list[AuditPush]:
        """Take the audit steps due now (marking them pushed)."""
        state = self.state
        with state.lock:
            return state.wxa.due_pushes(self.clock.now())

    def push_audit(self, push: AuditPush) -> Delivery:
        """Deliver one audit push to the mini program's message URL."""
        return self.push_message(push.component_appid, push.authorizer_appid, push.fields)

    def run_due_events(self) -> list[Delivery]:
        """Push every audit step due now, in this thread (the background scheduler does the
        same on its own when the emulator is served)."""
        return [self.push_audit(push) for push in self.due_audit_pushes()]

    # ------------------------------------------------------------------ registrations

    def registrations(self, component_appid: str) -> list[dict[str, Any]]:
        """The platform's registration tasks (enterprise, personal, trial, verify)."""
        with self.state.lock:
            self.platform(component_appid)
            home = self.state.wxa.platform(component_appid)
            return [t.to_dict() for t in home.registrations.values()]

    def complete_registration(self, component_appid: str, task_id: str | None = None, *,
                              success: bool = True, reason: str | None = None,
                              push: bool = True) -> dict[str, Any]:
        """Finish a registration task (the oldest pending one when ``task_id`` is None), as
        the merchant confirming (or failing) in WeChat would: a new mini program is created
        and authorized, and the push of its kind goes to the authorization-event URL
        (``notify_third_fasteregister`` with an auth code, ``notify_third_fastregisterbetaapp``
        then ``authorized``, ``notify_third_fastverifybetaapp``)."""
        state = self.state
        with state.lock:
            platform = self.platform(component_appid)
            home = state.wxa.platform(component_appid)
            pending = [t for t in home.registrations.values() if t.status == "pending"]
            task: Registration | None = (home.registrations.get(task_id)
                                         if task_id is not None
                                         else (pending[0] if pending else None))
            if task is None or task.status != "pending":
                raise NotFound(f"no pending registration {task_id or ''} on {component_appid}")
            fields, consent_for = self._finish(platform, task, success, reason)
            event = self._event(platform, fields.pop("InfoType"), **fields)
        deliveries = []
        if push:
            deliveries.append(self._push_event(platform, event, background=False))
        if consent_for is not None:
            result = self.consent(platform, consent_for, None, "", push="wait" if push else None)
            if result.delivery is not None:
                deliveries.append(result.delivery)
        return {**task.to_dict(), "deliveries": [d.to_dict() for d in deliveries]}

    def _finish(self, platform: Platform, task: Registration, success: bool,
                reason: str | None) -> tuple[dict[str, Any], Account | None]:
        state = self.state
        info_type = {"enterprise": "notify_third_fasteregister",
                     "personal": "notify_third_fasteregister",
                     "trial": "notify_third_fastregisterbetaapp",
                     "verify": "notify_third_fastverifybetaapp"}[task.kind]
        if not success:
            task.status = "failed"
            return ({"InfoType": info_type, "status": 100003,
                     "msg": reason or "已下发的模板消息法人并未确认且已超时(24h)",
                     "info": {k: v for k, v in task.info.items() if k != "openid"}}, None)
        task.status = "done"
        if task.kind == "verify":
            task.appid = task.info["appid"]
            return ({"InfoType": info_type, "appid": task.appid, "status": 0, "msg": "OK",
                     "info": {k: v for k, v in task.info.items() if k != "appid"}}, None)
        account = state.add_account(platform, "mini_program", nick_name=str(task.info["name"]))
        task.appid = account.appid
        if task.kind == "trial":
            return ({"InfoType": info_type, "appid": account.appid, "status": 0, "msg": "OK",
                     "info": {"unique_id": task.task_id, "name": task.info["name"]}}, account)
        state.grant(platform, account, None)
        code = state.issue_code("auth", platform.appid, account.appid,
                                prefix="queryauthcode@@@").value
        task.info["auth_code"] = code
        return ({"InfoType": info_type, "appid": account.appid, "status": 0, "auth_code": code,
                 "msg": "OK", "info": {k: v for k, v in task.info.items()
                                       if k not in ("auth_code", "wxuser")}}, None)

    def reuse_subject_ticket(self, component_appid: str, official_account_appid: str) -> str:
        """The ticket an official account's administrator gets when agreeing to register a
        mini program with the account's subject (for ``/cgi-bin/account/fastregister``)."""
        state = self.state
        with state.lock:
            account = self.platform(component_appid).account(official_account_appid)
            if account.kind != "official_account":
                raise InvalidArgument("official_account_appid", "is not an official account")
            ticket = secrets.token_urlsafe(24)
            state.wxa.platform(component_appid).reuse_tickets[ticket] = account.appid
            return ticket

    # ------------------------------------------------------------------ reviews

    def finish_nickname_audit(self, component_appid: str, authorizer_appid: str, *,
                              approve: bool = True, reason: str = "",
                              audit_id: int | None = None) -> Delivery:
        """Finish a nickname audit (the latest one unless ``audit_id``): the name is applied
        when approved; ``wxa_nickname_audit`` is pushed (``ret`` 3 approved, 2 rejected)."""
        state = self.state
        with state.lock:
            account = self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            pending = [i for i, a in program.nickname_audits.items() if a["audit_stat"] == 1]
            chosen = audit_id if audit_id is not None else (pending[-1] if pending else None)
            audit = program.nickname_audits.get(chosen) if chosen is not None else None
            if audit is None or audit["audit_stat"] != 1:
                raise NotFound(f"no nickname audit under way for {authorizer_appid}")
            audit.update(audit_stat=3 if approve else 2, audit_time=int(self.clock.now()),
                         fail_reason="" if approve else (reason or "名称不符合规范"))
            if approve:
                account.nick_name = audit["nickname"]
            fields = {"MsgType": "event", "Event": "wxa_nickname_audit",
                      "ret": 3 if approve else 2, "nickname": audit["nickname"],
                      "reason": audit["fail_reason"]}
        return self.push_message(component_appid, authorizer_appid, fields)

    def review_category(self, component_appid: str, authorizer_appid: str, first: int,
                        second: int, *, approve: bool = True, reason: str = "") -> Delivery:
        """Finish the review of a category that needed certificates; pushes
        ``wxa_category_audit``."""
        state = self.state
        with state.lock:
            self.platform(component_appid).account(authorizer_appid)
            program = state.wxa.program(component_appid, authorizer_appid)
            found = next((c for c in program.categories
                          if c["first"] == first and c["second"] == second), None)
            if found is None:
                raise NotFound(f"{authorizer_appid} has no category {first}/{second}")
            found.update(audit_status=3 if approve else 2,
                         audit_reason="" if approve else (reason or "资质不符合要求"))
            fields = {"MsgType": "event", "Event": "wxa_category_audit",
                      "ret": 3 if approve else 2, "first": first, "second": second,
                      "reason": found["audit_reason"]}
        return self.push_message(component_appid, authorizer_appid, fields)
