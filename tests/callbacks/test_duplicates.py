"""A retried push is no error: it is answered ``success``, runs nothing, and listeners hear of
it as the ``push_duplicate`` event (no exception class stands for it)."""

from __future__ import annotations

from typing import Any

from .conftest import RecordingStore, call
from .wire import Sender


async def test_a_duplicate_is_reported_to_listeners_not_refused(
    shells: Any, shell_kind: str, sender: Sender, store: RecordingStore
) -> None:
    emitted: list[tuple[str, Any]] = []
    shell = shells(shell_kind, listeners=(lambda name, fields: emitted.append((name, fields)),))
    seen: list[str] = []
    shell.on("component_verify_ticket")(lambda e, p: seen.append(e.ticket))
    push = sender.ticket_push("ticket@@@twice")

    first = await call(shell, "POST", *push)
    second = await call(shell, "POST", *push)

    assert (first.status, first.body) == (second.status, second.body) == (200, b"success")
    assert seen == ["ticket@@@twice"]
    names = [name for name, _ in emitted if name.startswith("push_")]
    assert names == ["push_handled", "push_duplicate"]
    assert dict(emitted)["push_duplicate"] == {"event": "component_verify_ticket"}
