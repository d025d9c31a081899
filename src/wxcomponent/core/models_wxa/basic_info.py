"""The answers of basic information: the account, nickname changes and audits, and search
status (``core/endpoints/basic_info.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key

__all__ = ["AccountBasicInfo", "NicknameAudit", "NicknameCheck", "NicknameResult", "SearchStatus"]


@dataclass(frozen=True)
class AccountBasicInfo(WxaModel):
    """The mini program's account: name, subject, introduction, avatar and verification."""

    appid: str = ""
    account_type: int = 0
    principal_type: int = 0
    principal_name: str = ""
    realname_status: int = 0
    nickname: str = field(default="", metadata=key("nickname", ("nickname_info", "nickname")))
    signature: str = field(default="", metadata=key(("signature_info", "signature")))
    head_image_url: str = field(default="", metadata=key(("head_image_info",
                                                           "head_image_url")))
    qualification_verify: bool = field(default=False, metadata=key(
        ("wx_verify_info", "qualification_verify")))
    naming_verify: bool = field(default=False, metadata=key(("wx_verify_info",
                                                              "naming_verify")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class NicknameResult(WxaModel):
    """A nickname change: applied at once (``audit_id`` 0), or under audit with ``audit_id``."""

    wording: str = ""
    audit_id: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class NicknameAudit(WxaModel):
    """A nickname audit (``audit_stat`` 1 auditing, 2 rejected, 3 approved)."""

    nickname: str = ""
    audit_stat: int = 0
    fail_reason: str = ""
    create_time: int = 0
    audit_time: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class NicknameCheck(WxaModel):
    """Whether a nickname needs supporting documents (``hit_condition``) and why."""

    hit_condition: bool = False
    wording: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SearchStatus(WxaModel):
    """Whether the mini program can be found in search (``status`` 0) or not (1)."""

    status: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def searchable(self) -> bool:
        """True when users can find the mini program in WeChat's search."""
        return self.status == 0
