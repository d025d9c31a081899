"""An ICP filing application (``apply_icp_filing``): the subject, the mini program and the
materials, as frozen dataclasses that check themselves and turn into WeChat's JSON with
``to_json()``. Every problem raises :class:`~wxcomponent.errors.InvalidArgument` naming the
field by its path in the request (``icp_subject.principal_info.mobile``), before anything is
sent. Media fields take the ``media_id`` of ``upload_icp_media``.

Internal module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import InvalidArgument

__all__ = [
    "IcpApplets",
    "IcpAppletsBaseInfo",
    "IcpApplication",
    "IcpLegalPersonInfo",
    "IcpMaterials",
    "IcpOrganizeInfo",
    "IcpPersonalInfo",
    "IcpPrincipalInfo",
    "IcpPriorApproval",
    "IcpSubject",
    "IcpSubjectBaseInfo",
]

_DATE = re.compile(r"\d{8}")
_CODE = re.compile(r"\d{6}")
#: The end of a certificate that does not expire.
LONG_TERM = "长期"
#: At most five second-level service content types.
SERVICE_TYPES_MAX = 5


def _text(value: object, path: str, *, optional: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(path, "must be a string")
    if not optional and not value.strip():
        raise InvalidArgument(path, "must not be empty")
    return value


def _number(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(path, "must be a positive integer (from the dictionaries)")
    return value


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


@dataclass(frozen=True)
class IcpSubjectBaseInfo:
    """The subject: its type (``query_icp_subject_types``), name, district codes (six digits,
    as ``query_icp_district_code`` gives them), address without the province, city and
    district, and a comment."""

    type: int
    name: str
    province: str
    city: str
    district: str
    address: str
    comment: str = ""

    def to_json(self, path: str = "icp_subject.base_info") -> dict[str, Any]:
        """As the application takes it."""
        for name in ("province", "city", "district"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _CODE.fullmatch(value):
                raise InvalidArgument(f"{path}.{name}", "must be a six-digit district code "
                                                        "as text, such as '110000'")
        return _clean({"type": _number(self.type, f"{path}.type"),
                       "name": _text(self.name, f"{path}.name"),
                       "province": self.province, "city": self.city, "district": self.district,
                       "address": _text(self.address, f"{path}.address"),
                       "comment": _text(self.comment, f"{path}.comment", optional=True)})


@dataclass(frozen=True)
class IcpPersonalInfo:
    """An individual subject living outside their registered residence: the residence
    permit's media id."""

    residence_permit: str

    def to_json(self, path: str = "icp_subject.personal_info") -> dict[str, Any]:
        """As the application takes it."""
        return {"residence_permit": _text(self.residence_permit, f"{path}.residence_permit")}


@dataclass(frozen=True)
class IcpOrganizeInfo:
    """An organisation's certificate: its type, number, address and photo (required for every
    subject but an individual)."""

    certificate_type: int
    certificate_number: str
    certificate_address: str
    certificate_photo: str = ""

    def to_json(self, path: str = "icp_subject.organize_info") -> dict[str, Any]:
        """As the application takes it."""
        return _clean({
            "certificate_type": _number(self.certificate_type, f"{path}.certificate_type"),
            "certificate_number": _text(self.certificate_number, f"{path}.certificate_number"),
            "certificate_address": _text(self.certificate_address,
                                         f"{path}.certificate_address"),
            "certificate_photo": _text(self.certificate_photo, f"{path}.certificate_photo",
                                       optional=True)})


@dataclass(frozen=True)
class IcpPrincipalInfo:
    """A person in charge (of the subject, or of the mini program): contact details, the
    certificate with its validity (``YYYYMMDD``, the end may be ``"长期"``), the photos of
    its two sides, an authorization letter when needed, and ``verify_task_id``, the face
    verification of ``create_icp_verifytask`` (only the mini program's person in charge is
    verified)."""

    name: str
    mobile: str
    email: str
    emergency_contact: str
    certificate_type: int
    certificate_number: str
    certificate_validity_date_start: str
    certificate_validity_date_end: str
    certificate_photo_front: str
    certificate_photo_back: str
    authorization_letter: str = ""
    verify_task_id: str = ""

    def to_json(self, path: str) -> dict[str, Any]:
        """As the application takes it."""
        mobile = _text(self.mobile, f"{path}.mobile")
        if not mobile.isdigit() or len(mobile) != 11:
            raise InvalidArgument(f"{path}.mobile", "must be an eleven-digit mobile number")
        email = _text(self.email, f"{path}.email")
        if "@" not in email.strip("@"):
            raise InvalidArgument(f"{path}.email", "must be an email address")
        start = self.certificate_validity_date_start
        end = self.certificate_validity_date_end
        if not isinstance(start, str) or not _DATE.fullmatch(start):
            raise InvalidArgument(f"{path}.certificate_validity_date_start",
                                  "must be a date written YYYYMMDD")
        if not isinstance(end, str) or not (_DATE.fullmatch(end) or end == LONG_TERM):
            raise InvalidArgument(f"{path}.certificate_validity_date_end",
                                  "must be a date written YYYYMMDD, or '长期'")
        if end != LONG_TERM and end <= start:
            raise InvalidArgument(f"{path}.certificate_validity_date_end",
                                  "must come after the start")
        return _clean({
            "name": _text(self.name, f"{path}.name"), "mobile": mobile, "email": email,
            "emergency_contact": _text(self.emergency_contact, f"{path}.emergency_contact"),
            "certificate_type": _number(self.certificate_type, f"{path}.certificate_type"),
            "certificate_number": _text(self.certificate_number, f"{path}.certificate_number"),
            "certificate_validity_date_start": start, "certificate_validity_date_end": end,
            "certificate_photo_front": _text(self.certificate_photo_front,
                                             f"{path}.certificate_photo_front"),
            "certificate_photo_back": _text(self.certificate_photo_back,
                                            f"{path}.certificate_photo_back"),
            "authorization_letter": _text(self.authorization_letter,
                                          f"{path}.authorization_letter", optional=True),
            "verify_task_id": _text(self.verify_task_id, f"{path}.verify_task_id",
                                    optional=True)})


@dataclass(frozen=True)
class IcpLegalPersonInfo:
    """The legal person, when not the subject's person in charge."""

    name: str
    certificate_number: str

    def to_json(self, path: str = "icp_subject.legal_person_info") -> dict[str, Any]:
        """As the application takes it."""
        return {"name": _text(self.name, f"{path}.name"),
                "certificate_number": _text(self.certificate_number,
                                            f"{path}.certificate_number")}


@dataclass(frozen=True)
class IcpSubject:
    """The subject of the filing (备案主体)."""

    base_info: IcpSubjectBaseInfo
    principal_info: IcpPrincipalInfo
    organize_info: IcpOrganizeInfo | None = None
    personal_info: IcpPersonalInfo | None = None
    legal_person_info: IcpLegalPersonInfo | None = None

    def to_json(self, path: str = "icp_subject") -> dict[str, Any]:
        """As the application takes it."""
        data = {"base_info": self.base_info.to_json(f"{path}.base_info"),
                "principal_info": self.principal_info.to_json(f"{path}.principal_info")}
        if self.organize_info is not None:
            data["organize_info"] = self.organize_info.to_json(f"{path}.organize_info")
        if self.personal_info is not None:
            data["personal_info"] = self.personal_info.to_json(f"{path}.personal_info")
        if self.legal_person_info is not None:
            data["legal_person_info"] = self.legal_person_info.to_json(
                f"{path}.legal_person_info")
        return data


@dataclass(frozen=True)
class IcpPriorApproval:
    """A prior approval (前置审批) the service needs: its type (``query_icp_nrlx_types``; the
    type saying none applies when none does), the approval's number and its media id."""

    type: int
    code: str = ""
    media: str = ""

    def to_json(self, path: str) -> dict[str, Any]:
        """As the application takes it."""
        return _clean({"type": _number(self.type, f"{path}.type"),
                       "code": _text(self.code, f"{path}.code", optional=True),
                       "media": _text(self.media, f"{path}.media", optional=True)})


@dataclass(frozen=True)
class IcpAppletsBaseInfo:
    """The mini program's service: up to five second-level service content types, its prior
    approvals (at least one entry) and a description of 20 to 200 characters. WeChat fills in
    the appid and the name."""

    service_content_types: tuple[int, ...]
    nrlx_details: tuple[IcpPriorApproval, ...]
    comment: str

    def to_json(self, path: str = "icp_applets.base_info") -> dict[str, Any]:
        """As the application takes it."""
        types = self.service_content_types
        if not isinstance(types, (tuple, list)) or not types:
            raise InvalidArgument(f"{path}.service_content_types", "give at least one type")
        if len(types) > SERVICE_TYPES_MAX:
            raise InvalidArgument(f"{path}.service_content_types",
                                  f"must have at most {SERVICE_TYPES_MAX} types")
        details = self.nrlx_details
        if not isinstance(details, (tuple, list)) or not details:
            raise InvalidArgument(f"{path}.nrlx_details", "give at least one entry (the type "
                                                          "saying none applies, if none does)")
        comment = _text(self.comment, f"{path}.comment")
        if not 20 <= len(comment) <= 200:
            raise InvalidArgument(f"{path}.comment", "must be 20 to 200 characters")
        return {"service_content_types": [_number(t, f"{path}.service_content_types")
                                          for t in types],
                "nrlx_details": [d.to_json(f"{path}.nrlx_details[{i}]")
                                 for i, d in enumerate(details)],
                "comment": comment}


@dataclass(frozen=True)
class IcpApplets:
    """The mini program being filed and its person in charge (face-verified)."""

    base_info: IcpAppletsBaseInfo
    principal_info: IcpPrincipalInfo

    def to_json(self, path: str = "icp_applets") -> dict[str, Any]:
        """As the application takes it."""
        principal = self.principal_info.to_json(f"{path}.principal_info")
        if not principal.get("verify_task_id"):
            raise InvalidArgument(f"{path}.principal_info.verify_task_id",
                                  "the mini program's person in charge needs a face "
                                  "verification (create_verify_task)")
        return {"base_info": self.base_info.to_json(f"{path}.base_info"),
                "principal_info": principal}


#: The materials of which at most one is given, and those of which at most ten are.
_SINGLE = ("commitment_letter", "business_name_change_letter",
           "party_building_confirmation_letter", "promise_video",
           "authenticity_responsibility_letter", "authenticity_commitment_letter",
           "website_construction_proposal", "holding_certificate_photo")
_MANY = ("subject_other_materials", "applets_other_materials")


@dataclass(frozen=True)
class IcpMaterials:
    """The materials, each a list of media ids (at most one each, the two "other materials"
    at most ten)."""

    commitment_letter: tuple[str, ...] = ()
    business_name_change_letter: tuple[str, ...] = ()
    party_building_confirmation_letter: tuple[str, ...] = ()
    promise_video: tuple[str, ...] = ()
    authenticity_responsibility_letter: tuple[str, ...] = ()
    authenticity_commitment_letter: tuple[str, ...] = ()
    website_construction_proposal: tuple[str, ...] = ()
    subject_other_materials: tuple[str, ...] = ()
    applets_other_materials: tuple[str, ...] = ()
    holding_certificate_photo: tuple[str, ...] = ()

    def to_json(self, path: str = "icp_materials") -> dict[str, Any]:
        """As the application takes it."""
        data: dict[str, Any] = {}
        for name in (*_SINGLE, *_MANY):
            ids = getattr(self, name)
            if isinstance(ids, str) or not isinstance(ids, (tuple, list)):
                raise InvalidArgument(f"{path}.{name}", "must be a list of media ids")
            limit = 1 if name in _SINGLE else 10
            if len(ids) > limit:
                raise InvalidArgument(f"{path}.{name}", f"must have at most {limit} media")
            if ids:
                data[name] = [_text(m, f"{path}.{name}") for m in ids]
        return data


@dataclass(frozen=True)
class IcpApplication:
    """A filing application: the subject, the mini program, the materials."""

    icp_subject: IcpSubject
    icp_applets: IcpApplets
    icp_materials: IcpMaterials = field(default_factory=IcpMaterials)

    def to_json(self) -> dict[str, Any]:
        """The body of ``apply_icp_filing``."""
        return {"icp_subject": self.icp_subject.to_json(),
                "icp_applets": self.icp_applets.to_json(),
                "icp_materials": self.icp_materials.to_json()}


def application_json(value: object) -> dict[str, Any]:
    """An application as JSON: an :class:`IcpApplication` checked, or a mapping with the
    three parts (sent as given)."""
    if isinstance(value, IcpApplication):
        return value.to_json()
    if isinstance(value, Mapping):
        for part in ("icp_subject", "icp_applets", "icp_materials"):
            if not isinstance(value.get(part), Mapping):
                raise InvalidArgument(part, "the application needs this object")
        return dict(value)
    raise InvalidArgument("application", "give an IcpApplication or a mapping, not "
                                         f"{type(value).__name__}")
