"""Opening a mini program by scanning ordinary links: its rules (a link prefix to a page),
their check file, publishing and deleting; :meth:`Emulator.open_link` follows them.

Internal module.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from ..calls import OK, Call
from ..model import WxError
from ._handlers import list_param, program_of
from .model import JumpRule, MiniProgram, month_of

__all__ = ["add_rule", "check_file", "delete_rule", "get_rules", "publish_rule"]

#: The most rules a mini program has.
MAX_RULES = 5000


def _prefix(call: Call) -> str:
    prefix = call.text("prefix")
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WxError(85066)
    return prefix


def _rule(program: MiniProgram, prefix: str) -> JumpRule:
    rule = program.jump_rules.get(prefix)
    if rule is None:
        raise WxError(85066)
    return rule


def _number(call: Call, name: str, choices: tuple[int, ...]) -> int:
    try:
        value = int(call.params.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WxError(40097, f"invalid {name}") from None
    if value not in choices:
        raise WxError(40097, f"invalid {name}")
    return value


def add_rule(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    prefix = _prefix(call)
    debug = [str(u) for u in list_param(call, "debug_url")]
    if len(debug) > 5 or any(not u.startswith(prefix) for u in debug):
        raise WxError(85068)
    for (_, other), elsewhere in call.state.wxa.programs.items():
        if other != program.appid and prefix in elsewhere.jump_rules:
            raise WxError(85072)
    editing = call.params.get("is_edit") in (1, "1")
    if editing:
        _rule(program, prefix)
    elif prefix in program.jump_rules:
        raise WxError(85071)
    elif len(program.jump_rules) >= MAX_RULES:
        raise WxError(85073)
    path = call.text("path")
    if not path:
        raise WxError(40097, "invalid path")
    program.jump_rules[prefix] = JumpRule(prefix, path, _number(call, "open_version", (1, 2, 3)),
                                          _number(call, "permit_sub_rule", (1, 2)), debug)
    return dict(OK)


def get_rules(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    rules = [rule.to_json() for rule in program.jump_rules.values()]
    left = max(0, call.state.wxa.limits.qrcode_jump_publications
               - program.jump_publications[month_of(call.now)])
    return {**OK, "rule_list": rules, "qrcodejump_open": 1, "qrcodejump_pub_quota": left,
            "list_size": len(rules)}


def publish_rule(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    rule = _rule(program, _prefix(call))
    if program.released is None:
        raise WxError(85074)
    month = month_of(call.now)
    if program.jump_publications[month] >= call.state.wxa.limits.qrcode_jump_publications:
        raise WxError(45009, "the publications of this month are spent")
    program.jump_publications[month] += 1
    rule.published = True
    return dict(OK)


def delete_rule(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    prefix = _prefix(call)
    _rule(program, prefix)
    del program.jump_rules[prefix]
    return dict(OK)


def check_file(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    digest = hashlib.sha256(f"{call.platform.appid}:{program.appid}".encode()).hexdigest()
    return {**OK, "file_name": f"{digest[:10]}.txt", "file_content": digest[10:42]}
