"""Turning a decrypted push into its typed event: :func:`parse_event` and
:func:`event_from_fields`, dispatching on ``InfoType``, or on ``MsgType`` and ``Event``, to
the builders each family keeps beside its classes (numbers are ints; a missing required field
or a malformed number is an :class:`~wxcomponent.errors.XMLError`).
"""

from __future__ import annotations

from typing import Any

from ..core.xml import DEFAULT_MAX_BODY, _parse_flat, parse_xml
from ..errors import XMLError
from .account_events import AUDIT_EVENTS, EVENTS
from .base import AuthorizerMessage, Builder, ComponentEvent, Event, Raw
from .compliance import COMPONENT_EVENTS, MESSAGE_EVENTS
from .compliance_filing import FILING_EVENTS
from .component import AUTHORIZATION_EVENTS, UnknownEvent, VerifyTicket
from .fields import integer, need, text
from .messages import MESSAGES

__all__ = ["event_from_fields", "parse_event"]

#: The events of the authorization-event URL but the verify ticket, by ``InfoType``.
_COMPONENT: dict[str, Builder[ComponentEvent]] = {
    **AUTHORIZATION_EVENTS, **FILING_EVENTS, **COMPONENT_EVENTS}

#: The events of the message URL, by lower-cased ``Event``.
_EVENTS: dict[str, Builder[AuthorizerMessage]] = {**EVENTS, **MESSAGE_EVENTS}


_new = object.__new__


def _verify_ticket(raw: Raw, info_type: str) -> VerifyTicket:
    """The hot path (every 10 minutes per platform): the event's fields written straight into
    its ``__dict__``, which is what the frozen dataclass's ``__init__`` does one
    ``object.__setattr__`` at a time. A test checks that it has the dataclass's fields."""
    created: Any = raw.get("CreateTime")
    appid: Any = raw.get("AppId", "")
    ticket: Any = raw.get("ComponentVerifyTicket")
    if type(created) is str and created.isascii() and created.isdigit() \
            and type(appid) is str and type(ticket) is str and ticket:
        created = int(created)
    else:
        # Anything unusual (a field missing, nested, spaced or not a number) is read, or
        # refused, by the general readers.
        created = integer(raw, "CreateTime", 0)
        appid = text(raw, "AppId", "") or ""
        ticket = need(raw, "ComponentVerifyTicket")
    event = _new(VerifyTicket)
    fields = event.__dict__
    fields["create_time"] = created
    fields["raw"] = raw
    fields["component_appid"] = appid
    fields["info_type"] = info_type
    fields["ticket"] = ticket
    return event


def _component_event(raw: Raw) -> ComponentEvent:
    info_type = need(raw, "InfoType")
    if info_type == "component_verify_ticket":
        return _verify_ticket(raw, info_type)
    base: dict[str, Any] = {
        "create_time": integer(raw, "CreateTime", 0),
        "raw": raw,
        "component_appid": text(raw, "AppId", "") or "",
        "info_type": info_type,
    }
    build = _COMPONENT.get(info_type)
    return build(base, raw) if build is not None else UnknownEvent(**base)


def _authorizer_message(raw: Raw) -> AuthorizerMessage:
    msg_type = need(raw, "MsgType")
    event = text(raw, "Event") if msg_type == "event" else None
    base: dict[str, Any] = {
        "create_time": integer(raw, "CreateTime", 0),
        "raw": raw,
        "to_user_name": text(raw, "ToUserName", "") or "",
        "from_user_name": text(raw, "FromUserName", "") or "",
        "msg_type": msg_type,
        "event": event,
    }
    if event is not None:
        build_event = AUDIT_EVENTS.get(event) or _EVENTS.get(event.lower())
        return build_event(base, raw) if build_event else AuthorizerMessage(**base)
    build_message = MESSAGES.get(msg_type.lower())
    if build_message is None:
        return AuthorizerMessage(**base)
    return build_message({**base, "msg_id": integer(raw, "MsgId")}, raw)


def event_from_fields(raw: Raw) -> Event:
    """Build the typed event from already parsed XML fields."""
    if "InfoType" in raw:
        return _component_event(raw)
    if "MsgType" in raw:
        return _authorizer_message(raw)
    raise XMLError("the push has neither InfoType nor MsgType")


def parse_event(xml: bytes | str, *, max_size: int = DEFAULT_MAX_BODY) -> Event:
    """Parse a decrypted push into its typed event.

    Raises :class:`~wxcomponent.errors.XMLError` for malformed XML, a DOCTYPE or entities, a
    missing required field or a non-integer number.
    """
    if isinstance(xml, bytes) and len(xml) <= max_size:
        flat = _parse_flat(xml)  # the common flat push, without the general entry's checks
        if flat is not None:
            return event_from_fields(flat)
    return event_from_fields(parse_xml(xml, max_size=max_size))
