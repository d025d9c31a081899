"""Typed events for every push a third-party platform receives.

:func:`parse_event` turns a decrypted push into a frozen dataclass. Pushes to the
authorization-event URL dispatch on ``InfoType``; pushes to the message URL on ``MsgType`` and
``Event``. Unknown kinds are never refused: they come back as :class:`UnknownEvent` or a plain
:class:`AuthorizerMessage` with every field. Every event keeps ``raw``, the parsed XML fields as
text, so nothing is lost; numeric fields are ints.

The classes live by family (:mod:`.component`, :mod:`.compliance_filing`, :mod:`.compliance`,
:mod:`.messages`, :mod:`.account_events`, on :mod:`.base`), each with the builders of its
events, the readers of fields in :mod:`.fields`, the names of the kinds in :mod:`.names`, the
dispatch in :mod:`.parsing`.
"""

from __future__ import annotations

from .account_events import (
    LocationEvent,
    MenuClickEvent,
    MenuViewEvent,
    NicknameAuditResult,
    ScanEvent,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    UnsubscribeEvent,
    UserEnterTempsessionEvent,
    WeappAuditResult,
)
from .base import (
    AuthorizerMessage,
    ComponentEvent,
    Event,
)
from .compliance import (
    AppealMaterialPush,
    AppealRecordEvent,
    AuthAndIcpProgress,
    CategoryAuditResult,
    IllegalRecordEvent,
    MediaCheckDetail,
    MediaCheckResult,
    OrderSettlement,
    PrivacyInterfaceResult,
    PunishEvent,
    ShippingAccessReminder,
    ShippingReminder,
    VerificationExpiry,
    VerificationProgress,
)
from .compliance_filing import (
    IcpFilingResult,
    IcpVerifyResult,
)
from .component import (
    Authorized,
    BetaAppRegistered,
    BetaAppVerified,
    FastRegisterResult,
    Unauthorized,
    UnknownEvent,
    UpdateAuthorized,
    VerifyTicket,
)
from .messages import (
    FileMessage,
    ImageMessage,
    LinkMessage,
    LocationMessage,
    ShortVideoMessage,
    TextMessage,
    UserMessage,
    VideoMessage,
    VoiceMessage,
)
from .names import (
    EventType,
    InfoType,
    MsgType,
)
from .parsing import (
    event_from_fields,
    parse_event,
)

__all__ = [
    "AppealMaterialPush",
    "AppealRecordEvent",
    "AuthAndIcpProgress",
    "Authorized",
    "AuthorizerMessage",
    "BetaAppRegistered",
    "BetaAppVerified",
    "CategoryAuditResult",
    "ComponentEvent",
    "Event",
    "EventType",
    "FastRegisterResult",
    "FileMessage",
    "IcpFilingResult",
    "IcpVerifyResult",
    "IllegalRecordEvent",
    "ImageMessage",
    "InfoType",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "MediaCheckDetail",
    "MediaCheckResult",
    "MenuClickEvent",
    "MenuViewEvent",
    "MsgType",
    "NicknameAuditResult",
    "OrderSettlement",
    "PrivacyInterfaceResult",
    "PunishEvent",
    "ScanEvent",
    "ShippingAccessReminder",
    "ShippingReminder",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "TextMessage",
    "Unauthorized",
    "UnknownEvent",
    "UnsubscribeEvent",
    "UpdateAuthorized",
    "UserEnterTempsessionEvent",
    "UserMessage",
    "VerificationExpiry",
    "VerificationProgress",
    "VerifyTicket",
    "VideoMessage",
    "VoiceMessage",
    "WeappAuditResult",
    "event_from_fields",
    "parse_event",
]
