"""A mini program's testers (experiencers), bound by WeChat id and known by their userstr.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import program_of

__all__ = ["bind_tester", "member_auth", "unbind_tester"]


def _userstr(appid: str, wechat_id: str) -> str:
    return hashlib.sha256(f"{appid}:{wechat_id}".encode()).hexdigest()[:32]


def bind_tester(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
    wechat_id = call.text("wechatid")
    if not re.fullmatch(r"[A-Za-z][-_A-Za-z0-9]{5,19}|\+?\d{6,15}", wechat_id):
        raise WxError(85001)
    if wechat_id in program.testers:
        raise WxError(85004)
    if len(program.testers) >= call.state.wxa.limits.max_testers:
        raise WxError(85002)
    program.testers[wechat_id] = _userstr(account.appid, wechat_id)
    return {**OK, "userstr": program.testers[wechat_id]}


def unbind_tester(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    by_userstr = {v: k for k, v in program.testers.items()}
    wechat_id = call.text("wechatid") or by_userstr.get(call.text("userstr"), "")
    if wechat_id not in program.testers:
        raise WxError(85001)
    del program.testers[wechat_id]
    return dict(OK)


def member_auth(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    call.expect("action", "get_experiencer", 40097)
    return {**OK, "members": [{"userstr": u} for u in program.testers.values()]}
