"""The answers of code management: the uploaded code's pages and privacy check, the versions
(experience, released, history), gray releases, the service's visit status and the base
library versions (``core/endpoints/code.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reader import JSON, WxaModel, key

__all__ = [
    "CodePages",
    "CodePrivacyInfo",
    "GrayReleasePlan",
    "HistoryVersion",
    "SupportVersion",
    "VersionHistory",
    "VersionInfo",
    "VersionShare",
    "VisitStatus",
]


@dataclass(frozen=True)
class CodePages(WxaModel):
    """The page paths of the uploaded code (``/wxa/get_page``)."""

    pages: tuple[str, ...] = field(default=(), metadata=key("page_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class CodePrivacyInfo(WxaModel):
    """The result of the privacy check of uploaded code: the privacy APIs used without
    permission, and those used without being declared."""

    without_auth_list: tuple[str, ...] = ()
    without_conf_list: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class HistoryVersion(WxaModel):
    """A released version the mini program can be reverted to."""

    app_version: int = 0
    user_version: str = ""
    user_desc: str = ""
    commit_time: int = 0


@dataclass(frozen=True)
class VersionHistory(WxaModel):
    """The released versions that a revert may go back to (newest first, five at most)."""

    versions: tuple[HistoryVersion, ...] = field(default=(), metadata=key("version_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


def _plan_key(name: str) -> dict[str, Any]:
    return key(("gray_release_plan", name))


@dataclass(frozen=True)
class GrayReleasePlan(WxaModel):
    """A gray (phased) release: ``status`` 0 new, 1 running, 2 paused, 3 done, 4 deleted."""

    status: int = field(default=0, metadata=_plan_key("status"))
    create_timestamp: int = field(default=0, metadata=_plan_key("create_timestamp"))
    gray_percentage: int = field(default=0, metadata=_plan_key("gray_percentage"))
    support_debuger_first: bool = field(default=False,
                                        metadata=_plan_key("support_debuger_first"))
    support_experiencer_first: bool = field(default=False,
                                            metadata=_plan_key("support_experiencer_first"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class VisitStatus(WxaModel):
    """Whether the mini program's service is on (``status`` 1) or paused (0)."""

    status: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class VersionInfo(WxaModel):
    """The experience version and the released version (``/wxa/getversioninfo``)."""

    exp_time: int = field(default=0, metadata=key(("exp_info", "exp_time")))
    exp_version: str = field(default="", metadata=key(("exp_info", "exp_version")))
    exp_desc: str = field(default="", metadata=key(("exp_info", "exp_desc")))
    release_time: int = field(default=0, metadata=key(("release_info", "release_time")))
    release_version: str = field(default="", metadata=key(("release_info", "release_version")))
    release_desc: str = field(default="", metadata=key(("release_info", "release_desc")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class VersionShare(WxaModel):
    """One base library version and its share of the mini program's users (percent)."""

    version: str = ""
    percentage: float = 0.0


@dataclass(frozen=True)
class SupportVersion(WxaModel):
    """The minimum base library version and how users spread over base library versions."""

    now_version: str = ""
    uv_info: tuple[VersionShare, ...] = field(default=(), metadata=key(("uv_info", "items")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
