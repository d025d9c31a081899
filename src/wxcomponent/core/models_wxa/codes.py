"""Codes and links of a mini program (``core/endpoints/codes.py``, ``links.py`` and
``qrcode_jump.py``): the request parts (a code's line colour, a link's expiry, the static
website a URL Link opens) and the answers (what a scheme or URL Link opens, the rules that
open the mini program from ordinary links, and their check file).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import InvalidArgument
from .reader import JSON, WxaModel, key

__all__ = [
    "CloudBase",
    "LineColor",
    "LinkExpiry",
    "LinkInfo",
    "QrcodeJumpFile",
    "QrcodeJumpRule",
    "QrcodeJumpRules",
]

#: The longest a URL Scheme or URL Link lives: 30 days.
LINK_MAX_DAYS = 30


def _channel(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise InvalidArgument("line_color", f"{name} must be an integer from 0 to 255")
    return value


@dataclass(frozen=True)
class LineColor:
    """The colour a mini-program code is drawn in (each channel 0-255); used when
    ``auto_color`` is off."""

    r: int
    g: int
    b: int

    def __post_init__(self) -> None:
        for name in ("r", "g", "b"):
            _channel(getattr(self, name), name)

    def to_json(self) -> dict[str, int]:
        """The colour as WeChat takes it."""
        return {"r": self.r, "g": self.g, "b": self.b}


@dataclass(frozen=True)
class LinkExpiry:
    """When a URL Scheme or URL Link stops opening the mini program: at a moment
    (:meth:`at`, a Unix time) or a number of days after it is made (:meth:`after_days`).

    WeChat no longer makes links that never expire: every link lives 30 days at most, and
    ``is_expire`` false is taken as true. Build one with the two constructors.
    """

    expire_time: int = 0
    expire_interval: int = 0

    def __post_init__(self) -> None:
        for name in ("expire_time", "expire_interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgument("expiry", f"{name} must be a non-negative integer")
        if bool(self.expire_time) == bool(self.expire_interval):
            raise InvalidArgument("expiry", "give either a time or a number of days")
        if self.expire_interval > LINK_MAX_DAYS:
            raise InvalidArgument("expiry", f"a link lives {LINK_MAX_DAYS} days at most")

    @classmethod
    def at(cls, expire_time: int) -> LinkExpiry:
        """Expire at ``expire_time`` (a Unix time within 30 days; WeChat checks the bound)."""
        return cls(expire_time=expire_time)

    @classmethod
    def after_days(cls, days: int) -> LinkExpiry:
        """Expire ``days`` days (1-30) after the link is made."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidArgument("expiry", "days must be an integer from 1 to 30")
        return cls(expire_interval=days)

    def to_json(self) -> dict[str, Any]:
        """The expiry fields of ``generatescheme`` and ``generate_urllink``."""
        if self.expire_time:
            return {"is_expire": True, "expire_type": 0, "expire_time": self.expire_time}
        return {"is_expire": True, "expire_type": 1, "expire_interval": self.expire_interval}


@dataclass(frozen=True)
class CloudBase:
    """The static website of a cloud environment a URL Link opens (``cloud_base``)."""

    env: str
    domain: str = ""
    path: str = ""
    query: str = ""
    resource_appid: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.env, str) or not self.env.strip():
            raise InvalidArgument("cloud_base", "env must be a non-empty string")
        for name in ("domain", "path", "query", "resource_appid"):
            if not isinstance(getattr(self, name), str):
                raise InvalidArgument("cloud_base", f"{name} must be a string")
        if "?" in self.path:
            raise InvalidArgument("cloud_base", "path takes no query: give it as query")

    def to_json(self) -> dict[str, str]:
        """The part as WeChat takes it (empty fields left out)."""
        return {k: v for k, v in (("env", self.env), ("domain", self.domain),
                                  ("path", self.path), ("query", self.query),
                                  ("resource_appid", self.resource_appid)) if v}


@dataclass(frozen=True)
class LinkInfo(WxaModel):
    """What a URL Scheme or URL Link opens (``queryscheme``, ``query_urllink``):
    ``expire_time`` is a Unix time (0: never, for links made before WeChat stopped making
    those); ``remain_visit_quota`` the visits left today to the mini program's links."""

    appid: str = field(default="", metadata=key(("scheme_info", "appid"),
                                                 ("url_link_info", "appid")))
    path: str = field(default="", metadata=key(("scheme_info", "path"),
                                                ("url_link_info", "path")))
    query: str = field(default="", metadata=key(("scheme_info", "query"),
                                                 ("url_link_info", "query")))
    create_time: int = field(default=0, metadata=key(("scheme_info", "create_time"),
                                                      ("url_link_info", "create_time")))
    expire_time: int = field(default=0, metadata=key(("scheme_info", "expire_time"),
                                                      ("url_link_info", "expire_time")))
    env_version: str = field(default="", metadata=key(("scheme_info", "env_version"),
                                                       ("url_link_info", "env_version")))
    visit_openid: str = ""
    remain_visit_quota: int = field(default=0, metadata=key(
        ("quota_info", "remain_visit_quota")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    def expired(self, now: float) -> bool:
        """True when the link no longer opens the mini program at ``now`` (a Unix time)."""
        return bool(self.expire_time) and now >= self.expire_time


@dataclass(frozen=True)
class QrcodeJumpRule(WxaModel):
    """A rule that opens the mini program when WeChat scans an ordinary link starting with
    ``prefix``: its page, the version it opens (``open_version`` 1 develop, 2 trial, 3
    release), test links, whether it takes the prefix's sub-rules (``permit_sub_rule`` 1
    no, 2 yes) and ``state`` (1 not published, 2 published)."""

    prefix: str = ""
    path: str = ""
    open_version: int = 0
    permit_sub_rule: int = 0
    debug_url: tuple[str, ...] = ()
    state: int = 0

    @property
    def published(self) -> bool:
        """True once the rule is published."""
        return self.state == 2


@dataclass(frozen=True)
class QrcodeJumpRules(WxaModel):
    """The mini program's rules (``qrcodejumpget``), whether scanning opens it at all, and
    the publications left this month."""

    rules: tuple[QrcodeJumpRule, ...] = field(default=(), metadata=key("rule_list"))
    qrcodejump_open: int = 0
    qrcodejump_pub_quota: int = 0
    list_size: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class QrcodeJumpFile(WxaModel):
    """The check file to put at the root of a rule's domain before publishing it."""

    file_name: str = ""
    file_content: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
