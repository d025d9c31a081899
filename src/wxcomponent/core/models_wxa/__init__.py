"""Typed answers and request parts of the mini-program management APIs (code, audit, release,
templates, domains, testers, privacy, categories, basic information, fast registration,
open accounts, order shipping, codes and links, and ICP filing).

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
from .codes import (
    CloudBase,
    LineColor,
    LinkExpiry,
    LinkInfo,
    QrcodeJumpFile,
    QrcodeJumpRule,
    QrcodeJumpRules,
)
from .domains import (
    DomainConfirmFile,
    EffectiveDomains,
    EffectiveWebviewDomains,
    JumpDomains,
    MiniProgramDomains,
    PrefetchDomain,
    PrefetchDomains,
    ServerDomains,
    WebviewDomains,
)
from .icp import (
    FilingStatus,
    IcpAuditData,
    IcpCertificateType,
    IcpDistrict,
    IcpEntranceInfo,
    IcpFilingApplied,
    IcpMedia,
    IcpOnlineOrder,
    IcpPriorApprovalType,
    IcpServiceContentType,
    IcpSubjectType,
    IcpVerifyTask,
    IcpVerifyTaskStatus,
)
from .icp_application import (
    IcpApplets,
    IcpAppletsBaseInfo,
    IcpApplication,
    IcpLegalPersonInfo,
    IcpMaterials,
    IcpOrganizeInfo,
    IcpPersonalInfo,
    IcpPrincipalInfo,
    IcpPriorApproval,
    IcpSubject,
    IcpSubjectBaseInfo,
)
from .open_account import (
    OpenAccount,
)
from .orders import (
    DeliveryMode,
    LogisticsType,
    OrderKey,
    OrderState,
    ShippedPackage,
    ShippingItem,
    SubOrderShipping,
    TradeOrder,
    TradeOrderPage,
    TradeOrderShipping,
)
from .parts import (
    AuditItem,
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
from .reader import (
    WxaModel,
)
from .registration import (
    EnterpriseRegistration,
    EnterpriseRegistrationStatus,
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
    "CloudBase",
    "CodePages",
    "CodePrivacyInfo",
    "DeliveryMode",
    "DomainConfirmFile",
    "EffectiveDomains",
    "EffectiveWebviewDomains",
    "EnterpriseRegistration",
    "EnterpriseRegistrationStatus",
    "FilingStatus",
    "GrayReleasePlan",
    "HistoryVersion",
    "IcpApplets",
    "IcpAppletsBaseInfo",
    "IcpApplication",
    "IcpAuditData",
    "IcpCertificateType",
    "IcpDistrict",
    "IcpEntranceInfo",
    "IcpFilingApplied",
    "IcpLegalPersonInfo",
    "IcpMaterials",
    "IcpMedia",
    "IcpOnlineOrder",
    "IcpOrganizeInfo",
    "IcpPersonalInfo",
    "IcpPrincipalInfo",
    "IcpPriorApproval",
    "IcpPriorApprovalType",
    "IcpServiceContentType",
    "IcpSubject",
    "IcpSubjectBaseInfo",
    "IcpSubjectType",
    "IcpVerifyTask",
    "IcpVerifyTaskStatus",
    "JumpDomains",
    "LineColor",
    "LinkExpiry",
    "LinkInfo",
    "LogisticsType",
    "MiniProgramDomains",
    "NicknameAudit",
    "NicknameCheck",
    "NicknameResult",
    "OpenAccount",
    "OrderKey",
    "OrderState",
    "OwnerSetting",
    "PersonalRegistration",
    "PersonalRegistrationStatus",
    "PrefetchDomain",
    "PrefetchDomains",
    "PrivacyExtFile",
    "PrivacyItem",
    "PrivacySetting",
    "PrivacySettingItem",
    "QrcodeJumpFile",
    "QrcodeJumpRule",
    "QrcodeJumpRules",
    "ReusedRegistration",
    "SearchStatus",
    "ServerDomains",
    "ShippedPackage",
    "ShippingItem",
    "SubOrderShipping",
    "SubmittedAudit",
    "SupportVersion",
    "Template",
    "TemplateDraft",
    "TemplateDraftList",
    "TemplateList",
    "Tester",
    "TesterList",
    "TradeOrder",
    "TradeOrderPage",
    "TradeOrderShipping",
    "TrialRegistration",
    "UgcDeclare",
    "VersionHistory",
    "VersionInfo",
    "VersionShare",
    "VisitStatus",
    "WebviewDomains",
    "WxaModel",
]
