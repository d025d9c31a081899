"""The listener events are declared once: every name has a meaning, and the guide lists
exactly the declared names."""

from __future__ import annotations

import re
from pathlib import Path

from wxcomponent.core.effects import Emit
from wxcomponent.core.listener_events import LISTENER_EVENTS, ListenerEvent

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_event_has_a_name_and_a_meaning() -> None:
    assert len(LISTENER_EVENTS) == len(ListenerEvent)
    for event in ListenerEvent:
        assert re.fullmatch(r"[a-z]+(?:_[a-z]+)+", event.value), event
        assert event.meaning.strip(), event
        assert event == event.value and str(event) == event.value and f"{event}" == event.value
        assert ListenerEvent(event.value) is event


def test_the_guide_lists_every_declared_event_and_no_other() -> None:
    guide = (ROOT / "docs" / "guide" / "library.md").read_text(encoding="utf-8")
    section = guide.split("## Watching what happens", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z]+(?:_[a-z]+)+)`", section))
    assert listed == LISTENER_EVENTS


def test_listeners_get_the_plain_name() -> None:
    from wxcomponent import Component, ComponentConfig
    from wxcomponent.stores import MemoryStore

    config = ComponentConfig(appid="wx1111111111111111", secret="s", token="t",
                             encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    got: list[tuple[object, dict[str, object]]] = []
    with Component(config, MemoryStore(), api_base="http://127.0.0.1:9") as component:
        component.add_listener(lambda name, fields: got.append((name, dict(fields))))
        component._emit(Emit(ListenerEvent.TICKET_RECEIVED, {"kept": True}))
    assert got == [("ticket_received", {"kept": True})]
    assert type(got[0][0]) is str
