"""What the console remembers of the platforms' events in this process: recent pushes (those
of the release check's test accounts marked), recent errors, the release checks and the last
token refreshes.

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

from ...core.listener_events import PUSH_OUTCOMES, ListenerEvent, listening_to

__all__ = ["KEEP", "RUN_GAP", "Recorder", "ReleaseCheckCase", "ReleaseCheckRun", "Seen"]

#: How many pushes and errors are remembered per platform.
KEEP = 50
#: How each outcome of a push reads on the console.
_PUSHES: dict[str, str] = {
    **PUSH_OUTCOMES,
    ListenerEvent.PUSH_FAILED: "failed (503)",
    ListenerEvent.PUSH_IGNORED: "ignored (older than the account's latest authorization change)",
}
_ERRORS = (ListenerEvent.REFRESH_FAILED, ListenerEvent.PUSH_FAILED, ListenerEvent.PUSH_REFUSED,
           ListenerEvent.HANDLER_FAILED, ListenerEvent.AUTHORIZATION_EXCHANGE_FAILED,
           ListenerEvent.QUOTA_EXHAUSTED, ListenerEvent.RELEASE_CHECK_FAILED)
_TEXT = 200
_TOKENS = ("component_access_token", "authorizer_access_token", "jsapi_ticket")
_RELEASE_CHECKS = (ListenerEvent.RELEASE_CHECK, ListenerEvent.RELEASE_CHECK_ANSWERED,
                   ListenerEvent.RELEASE_CHECK_FAILED)
#: Release-check events further apart than this belong to different checks (WeChat runs
#: all its cases within a few minutes).
RUN_GAP = 600.0
_CASES = ("event", "text", "query_auth_code")
#: Events that only put earlier errors right.
_RESOLVING = (ListenerEvent.TICKET_RECEIVED, ListenerEvent.AUTHORIZER_SAVED,
              ListenerEvent.AUTHORIZER_REVOKED)
#: Every event the recorder keeps something of.
_KEPT = frozenset((*_PUSHES, *_ERRORS, *_RELEASE_CHECKS, *_RESOLVING,
                   ListenerEvent.TOKEN_REFRESHED))


def _resolved(name: str, fields: Mapping[str, Any]) -> Callable[[Seen], bool] | None:
    """Which earlier errors the event ``name`` shows to be put right (None: none)."""
    appid = str(fields.get("appid", ""))
    if name == ListenerEvent.TOKEN_REFRESHED:
        kind = str(fields.get("kind", ""))
        return lambda e: (e.name == ListenerEvent.REFRESH_FAILED and e.fields.get("kind") == kind
                          and e.fields.get("appid") == appid)
    if name == ListenerEvent.TICKET_RECEIVED:
        return lambda e: (e.name == ListenerEvent.REFRESH_FAILED
                          and e.fields.get("error") == "TicketNotFound")
    if name in (ListenerEvent.AUTHORIZER_SAVED, ListenerEvent.AUTHORIZER_REVOKED):
        return lambda e: (e.name in (ListenerEvent.REFRESH_FAILED,
                                     ListenerEvent.AUTHORIZATION_EXCHANGE_FAILED)
                          and e.fields.get("appid") == appid
                          and e.fields.get("kind", "authorizer_access_token")
                          == "authorizer_access_token")
    if name == ListenerEvent.PUSH_HANDLED:
        event = str(fields.get("event", ""))
        return lambda e: e.name == ListenerEvent.PUSH_FAILED and e.fields.get("event") == event
    return None


@dataclass(frozen=True)
class Seen:
    """One remembered event: when, what, and its fields (short strings only)."""

    at: float
    name: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseCheckCase:
    """One case of a release check for one test account, and what became of it:
    ``answered`` (a passive reply), ``waiting`` (the empty answer of the code case, before
    its answer through the API), ``answered through the API``, or ``failed``."""

    account: str
    kind: str
    case: str
    outcome: str
    at: float
    error: str = ""


@dataclass(frozen=True)
class ReleaseCheckRun:
    """The last release check this process saw: when it started and ended, and its cases by
    account and case."""

    started_at: float
    ended_at: float
    cases: tuple[ReleaseCheckCase, ...]

    @property
    def failed(self) -> bool:
        """True when a case failed."""
        return any(c.outcome == "failed" for c in self.cases)


def _run_of(events: list[Seen]) -> ReleaseCheckRun | None:
    """The cases of the latest run among ``events`` (oldest first)."""
    if not events:
        return None
    start = len(events) - 1
    while start > 0 and events[start].at - events[start - 1].at <= RUN_GAP:
        start -= 1
    run = events[start:]
    cases: dict[tuple[str, str], ReleaseCheckCase] = {}
    kinds: dict[str, str] = {}
    for seen in run:
        account = seen.fields.get("authorizer_appid", "")
        case = seen.fields.get("case", "")
        if seen.name == ListenerEvent.RELEASE_CHECK:
            kinds[account] = seen.fields.get("account", "test account")
            outcome = "waiting" if case == "query_auth_code" else "answered"
            cases[(account, case)] = ReleaseCheckCase(account, kinds[account], case, outcome,
                                                      seen.at)
        elif seen.name == ListenerEvent.RELEASE_CHECK_ANSWERED:
            cases[(account, case)] = ReleaseCheckCase(
                account, kinds.get(account, "test account"), case, "answered through the API",
                seen.at)
        elif seen.name == ListenerEvent.RELEASE_CHECK_FAILED:
            cases[(account, case)] = ReleaseCheckCase(
                account, kinds.get(account, "test account"), case, "failed", seen.at,
                seen.fields.get("error", ""))
    order = sorted(cases.values(), key=lambda c: (
        c.kind != "official account", c.account,
        _CASES.index(c.case) if c.case in _CASES else len(_CASES), c.case))
    return ReleaseCheckRun(run[0].at, run[-1].at, tuple(order))


@dataclass
class _Platform:
    #: (when, what became of it, its fields as told): made :class:`Seen` when read
    pushes: deque[tuple[float, str, Mapping[str, Any]]] = field(
        default_factory=lambda: deque(maxlen=KEEP))
    errors: deque[Seen] = field(default_factory=lambda: deque(maxlen=KEEP))
    release_checks: deque[Seen] = field(default_factory=lambda: deque(maxlen=KEEP))
    refreshed: dict[str, float] = field(default_factory=dict)


def _short(fields: Mapping[str, Any]) -> dict[str, str]:
    """The fields worth showing, as short strings: a field without a value is left out (a
    page shows "—" for it, never "None")."""
    return {str(k)[:40]: str(v)[:_TEXT] for k, v in fields.items()
            if isinstance(v, (str, int, float)) and not isinstance(v, bool) and v != ""}


def _short_push(fields: Mapping[str, Any]) -> dict[str, str]:
    """A push's fields as the console shows them; one of WeChat's test accounts marked."""
    short = _short(fields)
    if fields.get("release_check") is True:
        short["release_check"] = "yes"
    return short


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

        @listening_to(*_KEPT)
        def record(name: str, fields: Mapping[str, Any]) -> None:
            if name not in _KEPT:  # told of every event when called directly
                return
            resolved = _resolved(name, fields) if state.errors else None
            if resolved is not None:
                with self._lock:
                    kept = [e for e in state.errors if not resolved(e)]
                    if len(kept) < len(state.errors):
                        state.errors = deque(kept, maxlen=KEEP)
            if name in _RESOLVING:
                return
            if name == ListenerEvent.TOKEN_REFRESHED:
                kind = fields.get("kind")
                if kind in _TOKENS:
                    at = self._clock()
                    with self._lock:
                        state.refreshed[str(kind)] = at
                return
            at = self._clock()
            label = _PUSHES.get(name)
            if label is not None:  # kept as told, made short when a page reads it
                with self._lock:
                    state.pushes.append((at, label, fields))
            if name not in _ERRORS and name not in _RELEASE_CHECKS:
                return
            seen = Seen(at, label or name, _short(fields))
            with self._lock:
                if name in _ERRORS:
                    state.errors.append(Seen(seen.at, name, seen.fields))
                if name in _RELEASE_CHECKS:
                    state.release_checks.append(seen)

        return record

    def pushes(self, platform: str) -> list[Seen]:
        """The latest pushes, newest first."""
        with self._lock:
            kept = list(reversed(self._of(platform).pushes))
        return [Seen(at, label, _short_push(fields)) for at, label, fields in kept]

    def errors(self, platform: str) -> list[Seen]:
        """The latest errors not put right since, newest first."""
        with self._lock:
            return list(reversed(self._of(platform).errors))

    def release_checks(self, platform: str) -> list[Seen]:
        """The latest release-check answers, newest first."""
        with self._lock:
            return list(reversed(self._of(platform).release_checks))

    def last_release_check(self, platform: str) -> ReleaseCheckRun | None:
        """The last release check seen here (its events no more than :data:`RUN_GAP` apart),
        or None."""
        with self._lock:
            events = list(self._of(platform).release_checks)
        return _run_of(events)

    def refreshed(self, platform: str) -> dict[str, float]:
        """When each kind of token was last refreshed in this process."""
        with self._lock:
            return dict(self._of(platform).refreshed)
