"""Liveness, readiness and the health report.

* **Liveness** (``/healthz`` on both listeners): the process serves requests; always 200.
* **Readiness** (``/readyz``): the store can be read *and written* now
  (:func:`probe_store`); 503 otherwise. The public listener answers only the verdict; the
  admin listener says which step failed and why. A stale ticket does not make an instance
  unready: a load balancer that took every instance out because WeChat's pushes stopped
  would make sure they never come back.
* **The report** (``/status`` on the admin listener): readiness plus each platform's ticket
  and refresh failures, for monitoring. It is 503 when the store fails, when a platform's
  ticket is older than ``ticket_max_age`` (WeChat's pushes stopped reaching the service:
  tokens cannot be renewed for long), or when the last refresh of a platform's component
  token failed. A platform that has *never* received a ticket is ``waiting_for_ticket``
  and does not fail it. Authorizer refresh failures are listed but do not fail it (one
  merchant's revoked authorization is not the service's illness). An account that is
  revoked (61003, or its refresh token given up) leaves the list: it is not failing to
  refresh, it is gone, and the console shows it revoked. The list keeps the
  :data:`MAX_FAILURES` most recent failures (a component token's is never dropped).
  ``ticket_requested`` says when a host of the fleet last asked WeChat to push a ticket
  because it was missing or old (the refresher does, once per interval), and whether WeChat
  took the request; null when none was asked for in the last day. ``alerts`` lists, for a
  day, each account and path whose daily quota WeChat said was spent (45009, with the rid
  of the call), until a call of that path for that account succeeds; they do not fail the
  report (one account's spent quota is not the service's illness). The service adds
  ``retention``: the retention settings in effect and the last purges of old deliveries and
  finished code exchanges (:meth:`~wxcomponent.service.app.Service.retention_report`).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..core.listener_events import ListenerEvent, listening_to
from ..core.refresher import last_ticket_request, ticket_request_key
from ..errors import StoreError
from ..stores.base import AsyncStore, CachedToken

__all__ = ["HealthTracker", "ReadinessProbe", "probe_store"]

_STORE_TIMEOUT = 3.0
_PROBE_TTL = 10.0
#: Most refresh failures remembered (the oldest give way): a fleet of 100,000 accounts with a
#: bad day, or callers asking for accounts that do not exist, cannot grow the report for ever.
MAX_FAILURES = 1000
#: Failures that end with the account revoked (its record says so): not listed.
#: Most alerts remembered (the oldest give way), and how long one is shown (seconds).
MAX_ALERTS = 100
ALERT_AGE = 86400.0
_REVOKING = frozenset({"NotAuthorized", "RefreshTokenInvalid"})
_COMPONENT = "component_access_token"


class HealthTracker:
    """Remembers the last failed refresh of each token (until it succeeds again)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._alerts: dict[tuple[str, str, str], dict[str, Any]] = {}

    def listener(self, platform: str) -> Callable[[str, Mapping[str, Any]], None]:
        """A platform event listener tracking refresh failures until the next success (a
        ``TicketNotFound`` failure also ends when a ticket arrives)."""

        @listening_to(ListenerEvent.API_CALLED, ListenerEvent.QUOTA_EXHAUSTED,
                      ListenerEvent.TICKET_RECEIVED, ListenerEvent.AUTHORIZER_REVOKED,
                      ListenerEvent.REFRESH_FAILED, ListenerEvent.TOKEN_REFRESHED)
        def record(name: str, fields: Mapping[str, Any]) -> None:
            if name == ListenerEvent.API_CALLED:
                if self._alerts and fields.get("errcode") == 0:
                    self._alert_over(platform, fields)
                return
            if name == ListenerEvent.QUOTA_EXHAUSTED:
                self._alert(platform, fields)
                return
            if name == ListenerEvent.TICKET_RECEIVED:
                self._forget(platform, lambda _key, failure: failure["error"] ==
                             "TicketNotFound")
                return
            if name == ListenerEvent.AUTHORIZER_REVOKED:
                appid = str(fields.get("appid", ""))
                self._forget(platform, lambda key, _failure: key[2] == appid)
                return
            if name not in (ListenerEvent.REFRESH_FAILED, ListenerEvent.TOKEN_REFRESHED):
                return
            key = (platform, str(fields.get("kind", "")), str(fields.get("appid", "")))
            error = str(fields.get("error", ""))
            with self._lock:
                self._failures.pop(key, None)  # a failure again moves to the newest end
                if name == ListenerEvent.TOKEN_REFRESHED or error in _REVOKING:
                    return
                self._failures[key] = {"kind": key[1], "appid": key[2], "error": error,
                                       "at": round(self._clock(), 3)}
                if len(self._failures) > MAX_FAILURES:  # the oldest account's failure goes
                    del self._failures[next(k for k in self._failures if k[1] != _COMPONENT)]

        return record

    def _forget(self, platform: str,
                which: Callable[[tuple[str, str, str], dict[str, Any]], bool]) -> None:
        if not self._failures:  # the usual case on every push: nothing to look at
            return
        with self._lock:
            for key in [k for k, v in self._failures.items() if k[0] == platform and which(k, v)]:
                del self._failures[key]

    def _alert(self, platform: str, fields: Mapping[str, Any]) -> None:
        account, path = str(fields.get("authorizer_appid") or ""), str(fields.get("path", ""))
        with self._lock:
            self._alerts.pop((platform, account, path), None)  # the newest at the end
            self._alerts[(platform, account, path)] = {
                "alert": "quota_exhausted", "authorizer_appid": account, "path": path,
                "errcode": fields.get("errcode"), "rid": str(fields.get("rid") or ""),
                "at": round(self._clock(), 3)}
            if len(self._alerts) > MAX_ALERTS:
                del self._alerts[next(iter(self._alerts))]

    def _alert_over(self, platform: str, fields: Mapping[str, Any]) -> None:
        key = (platform, str(fields.get("authorizer_appid") or ""), str(fields.get("path", "")))
        with self._lock:
            self._alerts.pop(key, None)

    def alerts(self, platform: str) -> list[dict[str, Any]]:
        """The platform's alerts of the last day, oldest first: an API's daily quota spent
        (45009, or 48006: no quota clears left this month) for an account and path, until a
        call of that path for that account succeeds."""
        since = self._clock() - ALERT_AGE
        with self._lock:
            return [dict(v) for k, v in self._alerts.items()
                    if k[0] == platform and v["at"] >= since]

    def failures(self, platform: str) -> list[dict[str, Any]]:
        """The platform's current refresh failures, oldest first."""
        with self._lock:
            found = [dict(v) for k, v in self._failures.items() if k[0] == platform]
        return sorted(found, key=lambda item: float(item["at"]))

    async def report(self, store: AsyncStore, platforms: list[str], ticket_max_age: float,
                     *, probe: dict[str, Any] | None = None) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON report): the store's probe (:func:`probe_store`, made here
        unless given), each platform's ticket age and refresh failures."""
        probe = probe if probe is not None else await probe_store(store, platforms[0],
                                                                  self._clock)
        now = self._clock()
        healthy = bool(probe["ok"])
        entries: dict[str, Any] = {}
        for appid in platforms:
            entry: dict[str, Any] = {"ticket": "unknown", "ticket_age_seconds": None,
                                     "ticket_requested": None}
            if probe["ok"]:
                try:
                    ticket = await asyncio.wait_for(store.load_ticket(appid), _STORE_TIMEOUT)
                    requested = last_ticket_request(await asyncio.wait_for(
                        store.get_token(ticket_request_key(appid)), _STORE_TIMEOUT))
                except Exception as exc:
                    probe = {**probe, "ok": False, "error": _describe(exc)}
                    healthy = False
                else:
                    if requested is not None:
                        entry["ticket_requested"] = {"at": round(requested.at, 3),
                                                     "ok": requested.ok,
                                                     "error": requested.error}
                    if ticket is None:
                        entry["ticket"] = "waiting_for_ticket"
                    else:
                        age = max(0.0, now - ticket.received_at)
                        entry["ticket_age_seconds"] = round(age, 1)
                        entry["ticket"] = "ok" if age <= ticket_max_age else "stale"
            failures = self.failures(appid)
            entry["refresh_errors"] = failures
            entry["alerts"] = self.alerts(appid)
            component_failed = any(f["kind"] == _COMPONENT and f["error"] != "TicketNotFound"
                                   for f in failures)
            entry["healthy"] = entry["ticket"] in ("ok", "waiting_for_ticket") \
                and not component_failed
            healthy = healthy and bool(entry["healthy"])
            entries[appid] = entry
        report = {
            "status": "ok" if healthy else "unhealthy",
            "store": probe,
            "platforms": entries,
        }
        return healthy, report


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return f"TimeoutError: no answer within {_STORE_TIMEOUT:g}s"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def probe_store(store: AsyncStore, appid: str,
                      clock: Callable[[], float]) -> dict[str, Any]:
    """Whether the store can be read and written now: ``{"ok", "read", "write", "error"}``.

    It reads the platform's ticket (a durable read), then takes a short lease, writes a
    value under it, reads it back and releases it (the writes every push and refresh
    make). Each step has a deadline; the first failure is named in ``error``. A store with a
    durable store beside it (``RedisStore(url, durable=…)``, whose ``durable`` names it) is
    ready only when that store passes the same probe too: a push writes its ticket there.
    """
    result = await _probe_one(store, appid, clock)
    durable = getattr(store, "durable", None)
    if result["ok"] and isinstance(durable, AsyncStore):
        beside = await _probe_one(durable, appid, clock)
        if not beside["ok"]:
            result = {**beside, "error": f"durable store: {beside['error']}"}
    return result


async def _probe_one(store: AsyncStore, appid: str,
                     clock: Callable[[], float]) -> dict[str, Any]:
    result: dict[str, Any] = {"ok": False, "read": False, "write": False, "error": None}
    key = f"{appid}:health:{secrets.token_hex(8)}"
    try:
        await asyncio.wait_for(store.load_ticket(appid), _STORE_TIMEOUT)
        result["read"] = True
        fence = await asyncio.wait_for(store.acquire_lease(key, _PROBE_TTL), _STORE_TIMEOUT)
        if fence is None:
            raise StoreError("a fresh lease could not be taken")
        try:
            value = secrets.token_hex(8)
            landed = await asyncio.wait_for(
                store.set_token(key, CachedToken(value, clock() + _PROBE_TTL, clock()),
                                fence=fence), _STORE_TIMEOUT)
            back = await asyncio.wait_for(store.get_token(key), _STORE_TIMEOUT)
            if not landed or back is None or back.value != value:
                raise StoreError("a value written could not be read back")
            await asyncio.wait_for(store.delete_token(key), _STORE_TIMEOUT)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(store.release_lease(key, fence), _STORE_TIMEOUT)
        result["write"] = True
        result["ok"] = True
    except Exception as exc:
        result["error"] = _describe(exc)
    return result


class ReadinessProbe:
    """:func:`probe_store` for the ``/readyz`` routes, at most once per ``ttl`` seconds.

    Concurrent callers share the probe in flight, and a result younger than ``ttl`` (measured
    on ``monotonic``) is answered again: a flood of ``/readyz`` requests costs the store at
    most one probe a ``ttl``. ``ttl=0`` probes on every call (still one at a time).
    """

    def __init__(self, store: AsyncStore, appid: str, clock: Callable[[], float], *,
                 ttl: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._appid = appid
        self._clock = clock
        self.ttl = ttl
        self._monotonic = monotonic
        self._last: tuple[float, dict[str, Any]] | None = None
        self._running: asyncio.Future[dict[str, Any]] | None = None
        self.probes = 0

    async def result(self) -> dict[str, Any]:
        """The store's probe result (see :func:`probe_store`), fresh within ``ttl``."""
        if self._running is not None and not self._running.done():
            return dict(await asyncio.shield(self._running))
        if self._last is not None and self._monotonic() - self._last[0] < self.ttl:
            return dict(self._last[1])
        self.probes += 1
        self._running = asyncio.ensure_future(probe_store(self._store, self._appid,
                                                          self._clock))
        result = await asyncio.shield(self._running)
        self._last = (self._monotonic(), result)
        return dict(result)
