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
