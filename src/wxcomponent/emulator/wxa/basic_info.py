"""A mini program's account: its basic information, nickname (names with reviewed words wait
for an audit), head image, signature and whether search finds it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import int_param, one_of, program_of

__all__ = ["basic_info", "check_nickname", "nickname_status", "search_status", "set_head_image",
           "set_nickname", "set_search_status", "set_signature"]

_REVIEWED_WORDS = ("官方", "品牌")


def _image_url(kind: str, seed: str) -> str:
    return f"http://wx.qlogo.cn/{kind}/{hashlib.sha256(seed.encode()).hexdigest()[:40]}/0"


def basic_info(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
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


def set_nickname(call: Call) -> dict[str, Any]:
    program, account = program_of(call)
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


def nickname_status(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    found = program.nickname_audits.get(int_param(call, "audit_id", 40097))
    if found is None:
        raise WxError(40097, "no such audit_id")
    return {**OK, **found}


def check_nickname(call: Call) -> dict[str, Any]:
    name = _valid_nickname(call)
    hit = _reviewed(name)
    return {**OK, "hit_condition": hit,
            "wording": "该名称需要提交商标或授权证明" if hit else ""}


def set_head_image(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    media_id = call.text("head_img_media_id")
    if media_id not in call.state.media:
        raise WxError(40007)
    program.head_image = media_id
    return dict(OK)


def set_signature(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    signature = call.text("signature")
    if not signature or len(signature) > 120:
        raise WxError(47001, "signature must be 1 to 120 characters")
    program.signature = signature
    return dict(OK)


def search_status(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "status": 0 if program.searchable else 1}


def set_search_status(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    status = one_of("status", call.params.get("status"), (0, 1))
    program.searchable = status == 0
    return dict(OK)
