"""The request parts of the mini-program APIs (:class:`AuditItem`, :class:`OwnerSetting` …):
frozen dataclasses that turn into JSON with ``to_json()``, and the readers of the parts a
call is given (a part, or a mapping as it is).

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import InvalidArgument

__all__ = [
    "AuditItem",
    "CategoryRequest",
    "OwnerSetting",
    "PrivacyItem",
    "UgcDeclare",
    "part_json",
    "parts_json",
]


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", (), [])}


@dataclass(frozen=True)
class AuditItem:
    """One item of an audit submission: a page, its category and optional tag and title."""

    first_class: str
    second_class: str
    first_id: int
    second_id: int
    third_class: str = ""
    third_id: int = 0
    address: str = ""
    tag: str = ""
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The item as ``submit_audit`` takes it."""
        data = _clean({"address": self.address, "tag": self.tag, "title": self.title,
                       "first_class": self.first_class, "second_class": self.second_class,
                       "third_class": self.third_class})
        data.update(first_id=self.first_id, second_id=self.second_id)
        if self.third_id:
            data["third_id"] = self.third_id
        return data


@dataclass(frozen=True)
class UgcDeclare:
    """The declaration of user-generated content of an audit submission."""

    scene: tuple[int, ...] = (0,)
    method: tuple[int, ...] = ()
    has_audit_team: int = 0
    audit_desc: str = ""
    other_scene_desc: str = ""

    def to_json(self) -> dict[str, Any]:
        """The declaration as ``submit_audit`` takes it."""
        return {"scene": list(self.scene), **_clean({
            "method": list(self.method), "has_audit_team": self.has_audit_team or None,
            "audit_desc": self.audit_desc, "other_scene_desc": self.other_scene_desc})}


@dataclass(frozen=True)
class OwnerSetting:
    """The developer's contact details in a privacy guide (one contact at least) and how users
    are told of changes."""

    notice_method: str
    contact_email: str = ""
    contact_phone: str = ""
    contact_qq: str = ""
    contact_weixin: str = ""
    ext_file_media_id: str = ""
    store_expire_timestamp: str = ""
    store_region: int = 0

    def to_json(self) -> dict[str, Any]:
        """The setting as ``setprivacysetting`` takes it."""
        if not (self.contact_email or self.contact_phone or self.contact_qq
                or self.contact_weixin):
            raise InvalidArgument("owner_setting", "give at least one contact (email, phone, "
                                                   "QQ or WeChat id)")
        return _clean({
            "contact_email": self.contact_email, "contact_phone": self.contact_phone,
            "contact_qq": self.contact_qq, "contact_weixin": self.contact_weixin,
            "ext_file_media_id": self.ext_file_media_id, "notice_method": self.notice_method,
            "store_expire_timestamp": self.store_expire_timestamp,
            "store_region": self.store_region or None})


@dataclass(frozen=True)
class PrivacyItem:
    """One kind of user information a privacy guide declares (``privacy_key`` such as
    ``UserInfo``, ``Location``, ``PhoneNumber``) and what it is used for."""

    privacy_key: str
    privacy_text: str

    def to_json(self) -> dict[str, Any]:
        """The item as ``setprivacysetting`` takes it."""
        return {"privacy_key": self.privacy_key, "privacy_text": self.privacy_text}


@dataclass(frozen=True)
class CategoryRequest:
    """A category to add: its first and second level ids and the certificates it needs, as
    (name, media id) pairs."""

    first: int
    second: int
    certificates: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The category as ``addcategory`` takes it."""
        return {"first": self.first, "second": self.second,
                "certicates": [{"key": k, "value": v} for k, v in self.certificates]}


def part_json(value: object, argument: str) -> dict[str, Any]:
    """A request part as JSON: a dataclass's ``to_json()``, or a mapping as given."""
    if isinstance(value, (AuditItem, UgcDeclare, OwnerSetting, PrivacyItem, CategoryRequest)):
        return value.to_json()
    if isinstance(value, Mapping):
        return dict(value)
    raise InvalidArgument(argument, f"give a {argument} object or a mapping, not "
                                    f"{type(value).__name__}")


def parts_json(values: Sequence[Any], argument: str) -> list[dict[str, Any]]:
    """A sequence of request parts as JSON."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise InvalidArgument(argument, "give a list")
    return [part_json(v, argument) for v in values]
