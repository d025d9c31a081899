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
    "AppealReason",
    "AuditItem",
    "AuthData",
    "CategoryRequest",
    "OwnerSetting",
    "PrivacyItem",
    "UgcDeclare",
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


@dataclass(frozen=True)
class AuthData:
    """What a verification (``wxaauth``, ``reauth``, ``submit_auth_and_icp``) asks: the
    subject (``customer_type`` 1 enterprise, 12 individual business, 15 person), the contact,
    who pays (``pay_type`` 1 the platform's prepaid package, which needs ``service_appid``;
    2 the merchant), the invoice, the qualification (a media id, required unless a person,
    who names an ``auth_identification`` leaf of the identity tree instead) and the name.

    WeChat's doc says ``invoice_info`` is not needed when the platform pays; an SDK found it
    required with ``invoice_type`` 1, which is what is sent by default. The doc types
    ``auth_ident_material`` as a list, an SDK as a string: it is sent as a list.
    """

    customer_type: int
    contact_name: str
    contact_email: str
    pay_type: int = 2
    account_name: str = ""
    account_name_type: int = 1
    qualification: str = ""
    qualification_other: tuple[str, ...] = ()
    account_supplemental: tuple[str, ...] = ()
    auth_identification: str = ""
    auth_ident_material: tuple[str, ...] = ()
    third_party_phone: str = ""
    service_appid: str = ""
    invoice_info: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``auth_data`` object (checked: a bad combination raises
        :class:`~wxcomponent.errors.InvalidArgument`)."""
        if self.customer_type not in (1, 12, 15):
            raise InvalidArgument("customer_type", "must be 1 (enterprise), 12 (individual "
                                                   "business) or 15 (person)")
        if self.pay_type not in (1, 2):
            raise InvalidArgument("pay_type", "must be 1 (the platform pays) or 2 (the "
                                              "merchant pays)")
        if not self.contact_name.strip() or "@" not in self.contact_email:
            raise InvalidArgument("contact_info", "give the contact's name and email")
        if self.customer_type != 15 and not self.qualification:
            raise InvalidArgument("qualification", "a media id is required unless a person")
        if self.customer_type == 15 and not self.auth_identification:
            raise InvalidArgument("auth_identification", "a person names a leaf of the "
                                                         "identity tree")
        if self.pay_type == 1 and not self.service_appid:
            raise InvalidArgument("service_appid", "required when the platform pays")
        if len(self.qualification_other) > 10:
            raise InvalidArgument("qualification_other", "must have at most 10 entries")
        if self.account_name_type not in (1, 2):
            raise InvalidArgument("account_name_type", "must be 1 (chosen words) or 2 "
                                                       "(trademark)")
        return _clean({
            "customer_type": self.customer_type,
            "contact_info": {"name": self.contact_name, "email": self.contact_email},
            "invoice_info": dict(self.invoice_info) if self.invoice_info is not None
            else {"invoice_type": 1},
            "qualification": self.qualification,
            "qualification_other": list(self.qualification_other),
            "account_name": self.account_name,
            "account_name_type": self.account_name_type if self.account_name else None,
            "account_supplemental": list(self.account_supplemental),
            "pay_type": self.pay_type,
            "auth_identification": self.auth_identification,
            "auth_ident_material": list(self.auth_ident_material),
            "third_party_phone": self.third_party_phone,
            "service_appid": self.service_appid})


@dataclass(frozen=True)
class AppealReason:
    """The appeal of one violating material: why it is not a violation, and the media ids
    (temporary material) that prove it."""

    reason: str
    proof_material_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The entry as ``createappeal`` takes it."""
        if not self.reason.strip():
            raise InvalidArgument("appeal_materials", "every entry needs a reason")
        return {"reason": self.reason, "proof_material_ids": list(self.proof_material_ids)}


def part_json(value: object, argument: str) -> dict[str, Any]:
    """A request part as JSON: a dataclass's ``to_json()``, or a mapping as given."""
    if isinstance(value, (AuditItem, UgcDeclare, OwnerSetting, PrivacyItem, CategoryRequest,
                          AuthData, AppealReason)):
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
