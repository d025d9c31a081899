"""The names WeChat gives the kinds of pushes: ``InfoType``, ``MsgType`` and ``Event`` values."""

from __future__ import annotations

__all__ = ["EventType", "InfoType", "MsgType"]


class InfoType:
    """The ``InfoType`` values of the authorization-event URL."""

    COMPONENT_VERIFY_TICKET = "component_verify_ticket"
    AUTHORIZED = "authorized"
    UPDATE_AUTHORIZED = "updateauthorized"
    UNAUTHORIZED = "unauthorized"
    NOTIFY_THIRD_FASTEREGISTER = "notify_third_fasteregister"
    NOTIFY_THIRD_FASTREGISTERBETAAPP = "notify_third_fastregisterbetaapp"
    NOTIFY_THIRD_FASTVERIFYBETAAPP = "notify_third_fastverifybetaapp"
    NOTIFY_ICPFILING_VERIFY_RESULT = "notify_icpfiling_verify_result"
    NOTIFY_APPLY_ICPFILING_RESULT = "notify_apply_icpfiling_result"
    NOTIFY_3RD_WXA_AUTH = "notify_3rd_wxa_auth"
    NOTIFY_3RD_WXA_WXVERIFY = "notify_3rd_wxa_wxverify"
    NOTIFY_3RD_WXA_AUTH_AND_ICP = "notify_3rd_wxa_auth_and_icp"


class MsgType:
    """The ``MsgType`` values of the message URL."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    SHORTVIDEO = "shortvideo"
    LOCATION = "location"
    LINK = "link"
    FILE = "file"
    EVENT = "event"
    MINIPROGRAMPAGE = "miniprogrampage"


class EventType:
    """The ``Event`` values of the message URL (as WeChat spells them)."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SCAN = "SCAN"
    LOCATION = "LOCATION"
    CLICK = "CLICK"
    VIEW = "VIEW"
    TEMPLATESENDJOBFINISH = "TEMPLATESENDJOBFINISH"
    USER_ENTER_TEMPSESSION = "user_enter_tempsession"
    WEAPP_AUDIT_SUCCESS = "weapp_audit_success"
    WEAPP_AUDIT_FAIL = "weapp_audit_fail"
    WEAPP_AUDIT_DELAY = "weapp_audit_delay"
    WXA_NICKNAME_AUDIT = "wxa_nickname_audit"
    WXA_PRIVACY_APPLY = "wxa_privacy_apply"
    WXA_CATEGORY_AUDIT = "wxa_category_audit"
    WXA_ILLEGAL_RECORD = "wxa_illegal_record"
    WXA_PUNISH_EVENT = "wxa_punish_event"
    WXA_APPEAL_RECORD = "wxa_appeal_record"
    WXA_MEDIA_CHECK = "wxa_media_check"
    TRADE_MANAGE_REMIND_ACCESS_API = "trade_manage_remind_access_api"
    TRADE_MANAGE_REMIND_SHIPPING = "trade_manage_remind_shipping"
    TRADE_MANAGE_ORDER_SETTLEMENT = "trade_manage_order_settlement"
