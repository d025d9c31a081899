"""What the console remembers of the platforms' events in this process: recent pushes, recent
errors, release-check answers and the last token refreshes.

An error that has since been put right leaves the list: a failed refresh when that token is
refreshed (or, failing for want of a ticket, when a ticket arrives; or its account is revoked
or saved again), a failed code exchange when its account is saved, a push that failed when a
push of its kind is handled (WeChat's retry).

It listens to each platform's events (the same ones metrics and health see). Nothing here is
durable or shared by the hosts of a fleet: the durable record of pushes is the outbox, which
the console reads from the store. Memory is bounded: the latest :data:`KEEP` of each kind.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KEEP", "Recorder", "Seen"]

#: How many pushes and errors are remembered per platform.
KEEP = 50
_PUSHES = {"push_handled": "handled", "push_duplicate": "duplicate",
           "push_failed": "failed (503)", "push_refused": "refused"}
_ERRORS = ("refresh_failed", "push_failed", "push_refused", "handler_failed",
           "authorization_exchange_failed", "quota_exhausted")
_TEXT = 200
_TOKENS = ("component_access_token", "authorizer_access_token", "jsapi_ticket")
_RELEASE_CHECKS = ("release_check", "release_check_answered")
#: Events that only put earlier errors right.
_RESOLVING = ("ticket_received", "authorizer_saved", "authorizer_revoked")
#: Every event the recorder keeps something of.
_KEPT = frozenset((*_PUSHES, *_ERRORS, *_RELEASE_CHECKS, *_RESOLVING, "token_refreshed"))


def _resolved(name: str, fields: Mapping[str, Any]) -> Callable[[Seen], bool] | None:
    """Which earlier errors the event ``name`` shows to be put right (None: none)."""
    appid = str(fields.get("appid", ""))
    if name == "token_refreshed":
        kind = str(fields.get("kind", ""))
        return lambda e: (e.name == "refresh_failed" and e.fields.get("kind") == kind
                          and e.fields.get("appid") == appid)
    if name == "ticket_received":
        return lambda e: e.name == "refresh_failed" and e.fields.get("error") == "TicketNotFound"
    if name in ("authorizer_saved", "authorizer_revoked"):
        return lambda e: (e.name in ("refresh_failed", "authorization_exchange_failed")
                          and e.fields.get("appid") == appid
                          and e.fields.get("kind", "authorizer_access_token")
                          == "authorizer_access_token")
    if name == "push_handled":
        event = str(fields.get("event", ""))
        return lambda e: e.name == "push_failed" and e.fields.get("event") == event
    return None


@dataclass(frozen=True)
class Seen:
    """One remembered event: when, what, and its fields (short strings only)."""

    at: float
    name: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Platform:
    pushes: deque[Seen] = field(default_factory=lambda: deque(maxlen=KEEP))
    errors: deque[Seen] = field(default_factory=lambda: deque(maxlen=KEEP))
    release_checks: deque[Seen] = field(default_factory=lambda: deque(maxlen=KEEP))
    refreshed: dict[str, float] = field(default_factory=dict)


def _short(fields: Mapping[str, Any]) -> dict[str, str]:
    """The fields worth showing, as short strings: a field without a value is left out (a
    page shows "—" for it, never "None")."""
    return {str(k)[:40]: str(v)[:_TEXT] for k, v in fields.items()
            if isinstance(v, (str, int, float)) and not isinstance(v, bool) and v != ""}


class Recorder:
    """Per platform: the latest pushes, errors and release-check answers, and when each kind
    of token was last refreshed. Thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._platforms: dict[str, _Platform] = {}

    def _of(self, platform: str) -> _Platform:
        state = self._platforms.get(platform)
        if state is None:
            state = self._platforms[platform] = _Platform()
        return state

    def listener(self, platform: str) -> Callable[[str, Mapping[str, Any]], None]:
        """The event listener of one platform. An event the console does not show costs a
        set lookup: every push emits several."""
        with self._lock:
            state = self._of(platform)

        def record(name: str, fields: Mapping[str, Any]) -> None:
            if name not in _KEPT:
                return
            resolved = _resolved(name, fields)
            if resolved is not None and state.errors:
                with self._lock:
                    kept = [e for e in state.errors if not resolved(e)]
                    if len(kept) < len(state.errors):
                        state.errors = deque(kept, maxlen=KEEP)
            if name in _RESOLVING:
                return
            if name == "token_refreshed":
                kind = fields.get("kind")
                if kind in _TOKENS:
                    at = self._clock()
                    with self._lock:
                        state.refreshed[str(kind)] = at
                return
            seen = Seen(self._clock(), _PUSHES.get(name, name), _short(fields))
            with self._lock:
                if name in _PUSHES:
                    state.pushes.append(seen)
                if name in _ERRORS:
                    state.errors.append(Seen(seen.at, name, seen.fields))
                if name in _RELEASE_CHECKS:
                    state.release_checks.append(seen)

        return record

    def pushes(self, platform: str) -> list[Seen]:
        """The latest pushes, newest first."""
        with self._lock:
            return list(reversed(self._of(platform).pushes))

    def errors(self, platform: str) -> list[Seen]:
        """The latest errors not put right since, newest first."""
        with self._lock:
            return list(reversed(self._of(platform).errors))

    def release_checks(self, platform: str) -> list[Seen]:
        """The latest release-check answers, newest first."""
        with self._lock:
            return list(reversed(self._of(platform).release_checks))

    def refreshed(self, platform: str) -> dict[str, float]:
        """When each kind of token was last refreshed in this process."""
        with self._lock:
            return dict(self._of(platform).refreshed)
