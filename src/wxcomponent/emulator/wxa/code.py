"""A mini program's code: the commit of a template with its ext.json, the experience version's
pages, QR code and privacy check, releases and reverts, gray releases, visibility and the
lowest base library version.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from ..calls import OK, Binary, Call
from ..model import WxError
from ._handlers import home_of, int_param, one_of, program_of
from .codes import experience_qrcode
from .icp import require_filed
from .model import MiniProgram, Version

__all__ = ["change_visit", "commit", "get_page", "gray_plan", "gray_release", "privacy_info",
           "qrcode", "release", "revert", "revert_gray", "set_support_version", "support_version",
           "version_info", "visit_status"]


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


def commit(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    template = home_of(call).templates.get(int_param(call, "template_id", 85014))
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


def get_page(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "page_list": list(_experience(program).pages)}


def qrcode(call: Call) -> Binary:
    program, _ = program_of(call)
    _experience(program)
    return experience_qrcode(program, call.text("path"))


def privacy_info(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    version = _experience(program)
    if call.now < program.privacy_ready_at:
        raise WxError(61039)
    return {**OK, "without_auth_list": program.compliance.unapproved(version.ext_json,
                                                                      call.now),
            "without_conf_list": []}


def version_info(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
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


def release(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    audit = program.latest_audit()
    if audit is None:
        raise WxError(85019)
    if audit.status(call.now) != 0:
        raise WxError(85020)
    if audit.released:
        raise WxError(85052)
    require_filed(call, program)
    version = replace(audit.version, app_version=call.state.wxa.new_id(),
                      released_at=call.now)
    audit.released = True
    _released(program, version, call.now)
    return dict(OK)


def revert(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
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
        wanted = int_param(call, "app_version", 40097)
        indexes = [i for i, v in enumerate(program.history) if v.app_version == wanted]
        if not indexes:
            raise WxError(87012)
        target = indexes[0]
    version = program.history.pop(target)
    program.released = version
    program.reverted = True
    program.gray = None
    return dict(OK)


def gray_release(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    if program.released is None:
        raise WxError(85079)
    audit = program.latest_audit()
    if audit is None or audit.status(call.now) != 0 or audit.released:
        raise WxError(85080)
    percentage = int_param(call, "gray_percentage", 85081)
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


def gray_plan(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    plan = program.gray or {"status": 0, "create_timestamp": 0, "gray_percentage": 0,
                            "support_debuger_first": False, "support_experiencer_first": False}
    return {**OK, "gray_release_plan": plan}


def revert_gray(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    if program.gray is None:
        raise WxError(85079, "no gray release is running")
    program.gray = None
    return dict(OK)


def change_visit(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    action = one_of("action", call.text("action"), ("open", "close"))
    if program.released is None:
        raise WxError(85079)
    program.visible = action == "open"
    return dict(OK)


def visit_status(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "status": 1 if program.visible else 0}


def support_version(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    items = [{"percentage": 0.5, "version": "2.19.0"}, {"percentage": 12.4, "version": "2.20.0"},
             {"percentage": 87.1, "version": "3.0.0"}]
    return {**OK, "now_version": program.support_version, "uv_info": {"items": items}}


def set_support_version(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    version = call.text("version")
    if not re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}", version):
        raise WxError(89014)
    program.support_version = version
    return dict(OK)
