"""Typed answers and request parts of the mini-program management APIs (code, audit, release,
templates, domains, testers, privacy, categories, basic information, fast registration and
open accounts).

Every answer is a frozen dataclass read by one reader, :meth:`WxaModel.from_json`, which
never raises: each field is looked up under its JSON name (or a path into nested objects),
converted to its annotated type, and a missing or malformed value becomes the field's empty
default. ``raw`` keeps the JSON as received, so nothing WeChat adds later is lost. Request
parts (:class:`AuditItem`, :class:`OwnerSetting` …) turn into JSON with ``to_json()``.

The public names are exported by :mod:`wxcomponent`.

Internal module.
"""

from __future__ import annotations

import enum
import math
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar, Union

from ..errors import InvalidArgument

__all__ = [
    "AccountBasicInfo",
    "AccountCategories",
    "AccountCategory",
    "AllCategories",
    "AuditCategories",
    "AuditCategory",
    "AuditItem",
    "AuditMedia",
    "AuditQuota",
    "AuditState",
    "AuditStatus",
    "Category",
    "CategoryRequest",
    "CodePages",
    "CodePrivacyInfo",
    "DomainConfirmFile",
    "EffectiveDomains",
    "GrayReleasePlan",
    "HistoryVersion",
    "JumpDomains",
    "MiniProgramDomains",
    "NicknameAudit",
    "NicknameCheck",
    "NicknameResult",
    "OpenAccount",
    "OwnerSetting",
    "PersonalRegistration",
    "PersonalRegistrationStatus",
    "PrefetchDomain",
    "PrefetchDomains",
    "PrivacyExtFile",
    "PrivacyItem",
    "PrivacySetting",
    "PrivacySettingItem",
    "ReusedRegistration",
    "SearchStatus",
    "ServerDomains",
    "SubmittedAudit",
    "SupportVersion",
    "Template",
    "TemplateDraft",
    "TemplateDraftList",
    "TemplateList",
    "Tester",
    "TesterList",
    "TrialRegistration",
    "UgcDeclare",
    "VersionHistory",
    "VersionInfo",
    "VersionShare",
    "VisitStatus",
    "WebviewDomains",
    "WxaModel",
]

JSON = Mapping[str, Any]
M = TypeVar("M", bound="WxaModel")
_Step = tuple[str, tuple[Any, ...], Callable[[Any], Any], Any]


# --------------------------------------------------------------------------- the reader


def key(*names: str | tuple[str, ...], sep: str | None = None) -> dict[str, Any]:
    """Field metadata: the JSON names a field is read from, first found wins (a tuple is a
    path into nested objects), and for a tuple of strings the separator of a joined string
    (WeChat sends some lists as ``"a|b"`` or ``"a,b"``)."""
    return {"json": names, "sep": sep}


def _lookup(raw: JSON, names: tuple[str | tuple[str, ...], ...]) -> Any:
    for name in names:
        path = (name,) if isinstance(name, str) else name
        value: Any = raw
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                break
        if value is not None:
            return value
    return None


def _to_str(value: Any) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and abs(value) < 2**63 else 0
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return 0.0
    return 0.0


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    if isinstance(value, (bool, int, float)):
        return bool(value)
    return False


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: _to_str, int: _to_int, float: _to_float, bool: _to_bool}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, WxaModel)


def _reader(tp: Any, sep: str | None) -> Callable[[Any], Any]:
    """A function turning a JSON value into ``tp`` (never raising)."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):  # X | None: None when absent
        inner = _reader(next(a for a in args if a is not type(None)), sep)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _reader(args[0], None)

        def read_items(value: Any) -> tuple[Any, ...]:
            if isinstance(value, str) and sep is not None:
                value = [part for part in value.split(sep) if part]
            if not isinstance(value, list):
                return ()
            if _is_model(args[0]):
                return tuple(item(v) for v in value if isinstance(v, Mapping))
            return tuple(item(v) for v in value)

        return read_items
    if _is_model(tp):
        return lambda value: tp.from_json(value if isinstance(value, Mapping) else {})
    return lambda value: value if isinstance(value, Mapping) else {}  # Mapping[str, Any]


@dataclass(frozen=True)
class WxaModel:
    """Base of the typed answers: :meth:`from_json` reads any JSON object into the model."""

    #: Per class: (field name, JSON names, reader, default) per field, and whether it
    #: keeps ``raw``; built on first use.
    _plans: ClassVar[dict[type, tuple[list[_Step], bool]]] = {}

    @classmethod
    def _plan(cls) -> tuple[list[_Step], bool]:
        plan = WxaModel._plans.get(cls)
        if plan is None:
            hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
            steps: list[_Step] = []
            for f in fields(cls):
                if f.name == "raw":
                    continue
                default = (f.default if f.default is not MISSING
                           else f.default_factory() if f.default_factory is not MISSING
                           else None)
                steps.append((f.name, f.metadata.get("json", (f.name,)),
                              _reader(hints[f.name], f.metadata.get("sep")), default))
            plan = WxaModel._plans[cls] = (steps, any(f.name == "raw" for f in fields(cls)))
        return plan

    @classmethod
    def from_json(cls: type[M], raw: JSON) -> M:
        """Read an answer (or a nested object of one) into the model; never raises."""
        if not isinstance(raw, Mapping):
            raw = {}
        steps, keeps_raw = cls._plan()
        values: dict[str, Any] = {}
        for name, names, read, default in steps:
            value = _lookup(raw, names)
            values[name] = default if value is None else read(value)
        if keeps_raw:
            values["raw"] = raw
        return cls(**values)


# --------------------------------------------------------------------------- code and audit


class AuditState(enum.IntEnum):
    """An audit's ``status``: 0 approved, 1 rejected, 2 under audit, 3 withdrawn, 4 delayed."""

    APPROVED = 0
    REJECTED = 1
    AUDITING = 2
    WITHDRAWN = 3
    DELAYED = 4


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
class SubmittedAudit(WxaModel):
    """A submitted audit: its id, for :meth:`status` calls and the audit pushes."""

    auditid: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditMedia(WxaModel):
    """Audit material uploaded with ``/wxa/uploadmedia`` (valid three days)."""

    type: str = ""
    mediaid: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditStatus(WxaModel):
    """An audit's state (``get_auditstatus``, or ``get_latest_auditstatus`` with the id,
    version and submit time too). ``reason`` is the rejection or delay reason; ``screenshot``
    the media ids of the rejection's example screenshots."""

    status: int = -1
    reason: str = ""
    screenshot: tuple[str, ...] = field(default=(), metadata=key("screenshot", "ScreenShot",
                                                                  sep="|"))
    auditid: int = 0
    user_version: str = ""
    user_desc: str = ""
    submit_audit_time: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> AuditState | None:
        """``status`` as an :class:`AuditState` (None for a value WeChat has not documented)."""
        try:
            return AuditState(self.status)
        except ValueError:
            return None

    @property
    def finished(self) -> bool:
        """True once the audit has an outcome (approved, rejected or withdrawn)."""
        return self.status in (AuditState.APPROVED, AuditState.REJECTED, AuditState.WITHDRAWN)


@dataclass(frozen=True)
class AuditQuota(WxaModel):
    """The platform's monthly audit quota and speed-up quota, shared by its mini programs."""

    rest: int = 0
    limit: int = 0
    speedup_rest: int = 0
    speedup_limit: int = 0
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


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplateDraft(WxaModel):
    """A draft in the platform's draft box (uploaded from the developer tools)."""

    draft_id: int = 0
    user_version: str = ""
    user_desc: str = ""
    create_time: int = 0
    source_miniprogram_appid: str = ""
    source_miniprogram: str = ""
    developer: str = ""


@dataclass(frozen=True)
class TemplateDraftList(WxaModel):
    """The platform's draft box."""

    drafts: tuple[TemplateDraft, ...] = field(default=(), metadata=key("draft_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Template(WxaModel):
    """A code template of the platform's library (``template_type`` 0 normal, 1 standard)."""

    template_id: int = 0
    draft_id: int = 0
    user_version: str = ""
    user_desc: str = ""
    create_time: int = 0
    template_type: int = 0
    source_miniprogram_appid: str = ""
    source_miniprogram: str = ""
    developer: str = ""
    audit_status: int = 0
    reason: str = ""


@dataclass(frozen=True)
class TemplateList(WxaModel):
    """The platform's template library (200 templates at most)."""

    templates: tuple[Template, ...] = field(default=(), metadata=key("template_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class ServerDomains(WxaModel):
    """The platform's own server domains: published, in test, and invalid ones."""

    published: tuple[str, ...] = field(default=(), metadata=key("published_wxa_server_domain",
                                                                sep=","))
    testing: tuple[str, ...] = field(default=(), metadata=key("testing_wxa_server_domain",
                                                              sep=","))
    invalid: tuple[str, ...] = field(default=(), metadata=key("invalid_wxa_server_domain",
                                                              sep=","))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class JumpDomains(WxaModel):
    """The platform's own jump (business) domains: published, in test, and invalid ones."""

    published: tuple[str, ...] = field(default=(), metadata=key(
        "published_wxa_jump_h5_domain", sep=","))
    testing: tuple[str, ...] = field(default=(), metadata=key("testing_wxa_jump_h5_domain",
                                                              sep=","))
    invalid: tuple[str, ...] = field(default=(), metadata=key("invalid_wxa_jump_h5_domain",
                                                              sep=","))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class DomainConfirmFile(WxaModel):
    """A domain confirm file to serve at the domain's root before it can be added."""

    file_name: str = ""
    file_content: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class MiniProgramDomains(WxaModel):
    """A mini program's server domains by kind."""

    requestdomain: tuple[str, ...] = ()
    wsrequestdomain: tuple[str, ...] = ()
    uploaddomain: tuple[str, ...] = ()
    downloaddomain: tuple[str, ...] = ()
    udpdomain: tuple[str, ...] = ()
    tcpdomain: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class WebviewDomains(WxaModel):
    """A mini program's web-view (business) domains."""

    webviewdomain: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class EffectiveDomains(WxaModel):
    """The server domains in effect, by where they were set: in the mini program's console,
    by the platform, directly, and the union that applies."""

    mp_domain: MiniProgramDomains = field(default_factory=lambda: MiniProgramDomains.from_json({}))
    third_domain: MiniProgramDomains = field(
        default_factory=lambda: MiniProgramDomains.from_json({}))
    direct_domain: MiniProgramDomains = field(
        default_factory=lambda: MiniProgramDomains.from_json({}))
    effective_domain: MiniProgramDomains = field(
        default_factory=lambda: MiniProgramDomains.from_json({}))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PrefetchDomain(WxaModel):
    """A DNS-prefetch domain (``status`` 1 in use, 2 pending or invalid)."""

    url: str = ""
    status: int = 0


@dataclass(frozen=True)
class PrefetchDomains(WxaModel):
    """The mini program's DNS-prefetch domains and how many it may have."""

    domains: tuple[PrefetchDomain, ...] = field(default=(), metadata=key("prefetch_dns_domain"))
    size_limit: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- testers


@dataclass(frozen=True)
class Tester(WxaModel):
    """A tester: WeChat names them by an opaque ``userstr``."""

    userstr: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TesterList(WxaModel):
    """The mini program's testers."""

    members: tuple[Tester, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- privacy


@dataclass(frozen=True)
class PrivacySettingItem(WxaModel):
    """One kind of user information the mini program collects, and why."""

    privacy_key: str = ""
    privacy_text: str = ""
    privacy_label: str = ""


@dataclass(frozen=True)
class PrivacySetting(WxaModel):
    """The mini program's privacy guide: what it collects, the developer's contact details
    (``owner_setting``), whether code exists, and the keys the code uses."""

    code_exist: bool = False
    privacy_list: tuple[str, ...] = ()
    setting_list: tuple[PrivacySettingItem, ...] = ()
    update_time: int = 0
    owner_setting: Mapping[str, Any] = field(default_factory=dict)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PrivacyExtFile(WxaModel):
    """An uploaded custom privacy guide file, for ``owner_setting.ext_file_media_id``."""

    ext_file_media_id: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Category(WxaModel):
    """A category of WeChat's category tree (``getallcategories``)."""

    id: int = 0
    name: str = ""
    level: int = 0
    father: int = 0
    children: tuple[int, ...] = ()
    sensitive_type: int = 0


@dataclass(frozen=True)
class AllCategories(WxaModel):
    """WeChat's whole category tree, flattened."""

    categories: tuple[Category, ...] = field(default=(), metadata=key(
        ("categories_list", "categories")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AccountCategory(WxaModel):
    """A category the mini program has (``audit_status`` 1 auditing, 2 rejected, 3 approved)."""

    first: int = 0
    first_name: str = ""
    second: int = 0
    second_name: str = ""
    audit_status: int = 0
    audit_reason: str = ""


@dataclass(frozen=True)
class AccountCategories(WxaModel):
    """The mini program's categories and its limits."""

    categories: tuple[AccountCategory, ...] = ()
    limit: int = 0
    quota: int = 0
    category_limit: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditCategory(WxaModel):
    """A category an audit item may name (``/wxa/get_category``)."""

    first_class: str = ""
    second_class: str = ""
    third_class: str = ""
    first_id: int = 0
    second_id: int = 0
    third_id: int = 0


@dataclass(frozen=True)
class AuditCategories(WxaModel):
    """The approved categories an audit item may name."""

    categories: tuple[AuditCategory, ...] = field(default=(), metadata=key("category_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- basic information


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


# --------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class PersonalRegistration(WxaModel):
    """A personal mini program registration task: send ``authorize_url`` to the user."""

    taskid: str = ""
    authorize_url: str = ""
    status: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PersonalRegistrationStatus(WxaModel):
    """The state of a personal registration task (``status`` 0 done; see WeChat's table)."""

    status: int = 0
    appid: str = ""
    authorization_code: str = field(default="", repr=False)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TrialRegistration(WxaModel):
    """A trial mini program request: send ``authorize_url`` to the user."""

    unique_id: str = ""
    authorize_url: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ReusedRegistration(WxaModel):
    """A mini program registered with an official account's subject, authorized at once:
    exchange ``authorization_code`` with :meth:`query_auth`."""

    appid: str = ""
    authorization_code: str = field(default="", repr=False)
    is_wx_verify_succ: bool = False
    is_link_succ: bool = False
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class OpenAccount(WxaModel):
    """The open platform account an authorizer is bound to (for unionids)."""

    open_appid: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


# --------------------------------------------------------------------------- request parts


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
