"""The roots of the typed events: :class:`Event` (every push), :class:`ComponentEvent` (the
authorization-event URL) and :class:`AuthorizerMessage` (the message URL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..core.xml import XMLValue

__all__ = ["AuthorizerMessage", "Builder", "ComponentEvent", "Event", "Raw"]

Raw = Mapping[str, XMLValue]
_E = TypeVar("_E", bound="Event")

#: Builds an event from the fields every event of its URL has (``base``) and the push's fields.
Builder = Callable[[dict[str, Any], Raw], _E]


@dataclass(frozen=True)
class Event:
    """Base of every event. ``raw`` holds all fields of the push as parsed."""

    create_time: int
    raw: Raw = field(repr=False, compare=False)

    def get(self, name: str, default: Any = None) -> Any:
        """A raw field by its XML name."""
        return self.raw.get(name, default)


@dataclass(frozen=True)
class ComponentEvent(Event):
    """A push to the authorization-event URL (it has ``InfoType``)."""

    component_appid: str
    info_type: str


@dataclass(frozen=True)
class AuthorizerMessage(Event):
    """A message or event of an authorized account, pushed to the message URL."""

    to_user_name: str
    from_user_name: str
    msg_type: str
    event: str | None = None

    @property
    def route_key(self) -> str:
        """``event:<Event>`` for events (lower-cased), else the ``MsgType``."""
        if self.msg_type == "event" and self.event:
            return f"event:{self.event.lower()}"
        return self.msg_type
