"""Push handlers named in the service's settings (``handlers = "…handlers_module:register"``)."""

from __future__ import annotations

from typing import Any

from wxcomponent import AsyncComponent, events
from wxcomponent.replies import TextReply

SEEN: list[str] = []


def register(component: AsyncComponent) -> None:
    """Called by the service with each platform at start."""

    @component.on(events.TextMessage)
    async def pong(message: events.TextMessage, push: Any) -> TextReply:
        SEEN.append(message.content)
        return TextReply("pong")
