"""Typed answers and request parts of the mini-program management APIs (code, audit, release,
templates, domains, testers, privacy, categories, basic information, fast registration,
open accounts, verification, privacy interfaces, violations and appeals).

Every answer is a frozen dataclass read by one reader, :meth:`WxaModel.from_json`, which
never raises: each field is looked up under its JSON name (or a path into nested objects),
converted to its annotated type, and a missing or malformed value becomes the field's empty
default. ``raw`` keeps the JSON as received, so nothing WeChat adds later is lost. Request
parts (:class:`AuditItem`, :class:`OwnerSetting` …) turn into JSON with ``to_json()``.

The answers live in one module per domain, as the endpoints do (``core/endpoints/``);
:mod:`.reader` reads them and :mod:`.parts` holds the request parts. The public names are
exported by :mod:`wxcomponent`.

Internal package.
"""

from __future__ import annotations

from .audit import (
    AuditMedia,
    AuditQuota,
    AuditState,
    AuditStatus,
    SubmittedAudit,
)
from .basic_info import (
    AccountBasicInfo,
    NicknameAudit,
    NicknameCheck,
    NicknameResult,
    SearchStatus,
)
from .categories import (
    AccountCategories,
    AccountCategory,
    AllCategories,
    AuditCategories,
    AuditCategory,
    Category,
)
from .code import (
    CodePages,
    CodePrivacyInfo,
    GrayReleasePlan,
    HistoryVersion,
    SupportVersion,
    VersionHistory,
    VersionInfo,
    VersionShare,
    VisitStatus,
)
from .domains import (
    DomainConfirmFile,
    EffectiveDomains,
    JumpDomains,
    MiniProgramDomains,
    PrefetchDomain,
    PrefetchDomains,
    ServerDomains,
    WebviewDomains,
)
from .open_account import (
    OpenAccount,
)
from .parts import (
    AppealReason,
    AuditItem,
    AuthData,
    CategoryRequest,
    OwnerSetting,
    PrivacyItem,
    UgcDeclare,
)
from .parts import part_json as part_json  # the endpoints read their request parts
from .parts import parts_json as parts_json
from .privacy import (
    PrivacyExtFile,
    PrivacySetting,
    PrivacySettingItem,
)
from .privacy_interfaces import (
    PrivacyApplication,
    PrivacyInterface,
    PrivacyInterfaceList,
    PrivacyInterfaceState,
)
from .reader import (
    WxaModel,
)
from .registration import (
    PersonalRegistration,
    PersonalRegistrationStatus,
    ReusedRegistration,
    TrialRegistration,
)
from .templates import (
    Template,
    TemplateDraft,
    TemplateDraftList,
    TemplateList,
)
from .testers import (
    Tester,
    TesterList,
)
from .verification import (
    ApplyStatus,
    AuthAndIcpStatus,
    AuthAndIcpSubmission,
    AuthDispatch,
    AuthHint,
    AuthIdentityNode,
    AuthIdentityTree,
    AuthMaterial,
    AuthStatus,
    AuthTask,
    ProcedureStatus,
)
from .violations import (
    AppealMaterial,
    AppealRecord,
    AppealRecords,
    AppealState,
    IllegalRecord,
    IllegalRecords,
)

__all__ = [
    "AccountBasicInfo",
    "AccountCategories",
    "AccountCategory",
    "AllCategories",
    "AppealMaterial",
    "AppealReason",
    "AppealRecord",
    "AppealRecords",
    "AppealState",
    "ApplyStatus",
    "AuditCategories",
    "AuditCategory",
    "AuditItem",
    "AuditMedia",
    "AuditQuota",
    "AuditState",
    "AuditStatus",
    "AuthAndIcpStatus",
    "AuthAndIcpSubmission",
    "AuthData",
    "AuthDispatch",
    "AuthHint",
    "AuthIdentityNode",
    "AuthIdentityTree",
    "AuthMaterial",
    "AuthStatus",
    "AuthTask",
    "Category",
    "CategoryRequest",
    "CodePages",
    "CodePrivacyInfo",
    "DomainConfirmFile",
    "EffectiveDomains",
    "GrayReleasePlan",
    "HistoryVersion",
    "IllegalRecord",
    "IllegalRecords",
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
    "PrivacyApplication",
    "PrivacyExtFile",
    "PrivacyInterface",
    "PrivacyInterfaceList",
    "PrivacyInterfaceState",
    "PrivacyItem",
    "PrivacySetting",
    "PrivacySettingItem",
    "ProcedureStatus",
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
