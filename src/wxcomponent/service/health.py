"""``/healthz``: is the store reachable, how old is each platform's ticket, which refreshes fail.

The answer is 503 when the store cannot be read, when a platform's ticket is older than
``ticket_max_age`` (WeChat's pushes stopped reaching the service: tokens cannot be renewed
for long), or when the last refresh of a platform's component token failed. A platform that
has *never* received a ticket is reported as ``waiting_for_ticket`` and does not fail the
check: a fresh deployment behind a load balancer that routes only to healthy instances would
otherwise never receive its first push. Authorizer refresh failures are listed but do not fail
the check (one merchant's revoked authorization is not the service's illness).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..stores.base import AsyncStore

__all__ = ["HealthTracker"]

_STORE_TIMEOUT = 3.0
_COMPONENT = "component_access_token"


class HealthTracker:
    """Remembers the last failed refresh of each token (until it succeeds again)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str, str], dict[str, Any]] = {}

    def listener(self, platform: str) -> Callable[[str, Mapping[str, Any]], None]:
        """A platform event listener tracking refresh failures until the next success (a
        ``TicketNotFound`` failure also ends when a ticket arrives)."""

        def record(name: str, fields: Mapping[str, Any]) -> None:
            if name == "ticket_received":
                self._forget(platform, "TicketNotFound")
                return
            if name not in ("refresh_failed", "token_refreshed"):
                return
            key = (platform, str(fields.get("kind", "")), str(fields.get("appid", "")))
            with self._lock:
                if name == "token_refreshed":
                    self._failures.pop(key, None)
                else:
                    self._failures[key] = {"kind": key[1], "appid": key[2],
                                           "error": str(fields.get("error", "")),
                                           "at": round(self._clock(), 3)}

        return record

    def _forget(self, platform: str, error: str) -> None:
        with self._lock:
            for key in [k for k, v in self._failures.items()
                        if k[0] == platform and v["error"] == error]:
                del self._failures[key]

    def failures(self, platform: str) -> list[dict[str, Any]]:
        """The platform's current refresh failures, oldest first."""
        with self._lock:
            found = [dict(v) for k, v in self._failures.items() if k[0] == platform]
        return sorted(found, key=lambda item: float(item["at"]))

    async def report(self, store: AsyncStore, platforms: list[str],
                     ticket_max_age: float) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON report) after reading every platform's ticket from ``store``."""
        now = self._clock()
        healthy = True
        store_error: str | None = None
        entries: dict[str, Any] = {}
        for appid in platforms:
            entry: dict[str, Any] = {"ticket": "unknown", "ticket_age_seconds": None}
            if store_error is None:
                try:
                    ticket = await asyncio.wait_for(store.load_ticket(appid), _STORE_TIMEOUT)
                except Exception as exc:
                    store_error = (f"{type(exc).__name__}: {exc}" if str(exc)
                                   else type(exc).__name__)
                else:
                    if ticket is None:
                        entry["ticket"] = "waiting_for_ticket"
                    else:
                        age = max(0.0, now - ticket.received_at)
                        entry["ticket_age_seconds"] = round(age, 1)
                        entry["ticket"] = "ok" if age <= ticket_max_age else "stale"
            failures = self.failures(appid)
            entry["refresh_errors"] = failures
            component_failed = any(f["kind"] == _COMPONENT and f["error"] != "TicketNotFound"
                                   for f in failures)
            entry["healthy"] = entry["ticket"] in ("ok", "waiting_for_ticket") \
                and not component_failed
            healthy = healthy and bool(entry["healthy"])
            entries[appid] = entry
        if store_error is not None:
            healthy = False
        report = {
            "status": "ok" if healthy else "unhealthy",
            "store": {"ok": store_error is None, "error": store_error},
            "platforms": entries,
        }
        return healthy, report
