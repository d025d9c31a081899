"""Prometheus metrics of the service, one registry per application.

Fed by the platforms' event listeners (pushes, token refreshes, authorizer changes, every call
to WeChat's API by account, path and errcode) and by a response hook on the HTTP client that
calls WeChat (``errcode`` answers). Without
``prometheus-client`` (the ``service`` extra) every method does nothing and :attr:`Metrics.enabled`
is False.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from ..core.compliance_state import CODES
from ..core.listener_events import PUSH_OUTCOMES, ListenerEvent

__all__ = ["MAX_LABEL_VALUES", "Metrics"]

#: How many values of each of the calls' account, path and errcode labels a platform gets;
#: any further one is counted as ``other`` (a fleet of 100,000 accounts, or paths taken
#: from users, cannot grow the registry for ever).
MAX_LABEL_VALUES = 200

_AUTHORIZER_EVENTS = (ListenerEvent.AUTHORIZER_SAVED, ListenerEvent.AUTHORIZER_REVOKED,
                      ListenerEvent.REFRESH_TOKEN_ROTATED,
                      ListenerEvent.AUTHORIZATION_EXCHANGE_FAILED, ListenerEvent.HANDLER_FAILED,
                      ListenerEvent.QUOTA_EXHAUSTED)
#: States of a shipped mini program counted by ``wxcomponent_ship_apps``.
_SHIP_STATES = frozenset({"released", "rejected", "failed", "retrying"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's counters and histograms, in a registry of their own."""

    def __init__(self) -> None:
        try:
            import prometheus_client as prom
        except ImportError:
            self.enabled = False
            self.registry: Any = None
            return
        self.enabled = True
        self._prom = prom
        self.registry = prom.CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.pushes = prom.Counter(
            "wxcomponent_pushes", "Pushes received on the callback URLs, by type and result.",
            ("platform", "type", "result"), registry=reg)
        self.refreshes = prom.Counter(
            "wxcomponent_token_refreshes", "Token refreshes against WeChat, by kind and result.",
            ("platform", "kind", "result"), registry=reg)
        self.refresh_seconds = prom.Histogram(
            "wxcomponent_token_refresh_seconds", "Duration of successful token refreshes.",
            ("platform", "kind"), buckets=_LATENCY_BUCKETS, registry=reg)
        self.api_calls = prom.Counter(
            "wxcomponent_api_calls", "Calls to WeChat's API (each try), by account "
            "(``component``: the platform's own), path and errcode (0: success; transport: "
            "no answer).", ("platform", "authorizer", "path", "errcode"), registry=reg)
        self.api_errors = prom.Counter(
            "wxcomponent_api_errors", "Error answers from WeChat's API, by errcode "
            "(http_<status> for HTTP 5xx).", ("platform", "errcode"), registry=reg)
        self.deliveries = prom.Counter(
            "wxcomponent_push_deliveries", "Pushes handed on to webhooks, by outcome.",
            ("webhook", "outcome"), registry=reg)
        self.events = prom.Counter(
            "wxcomponent_events", "Authorizer and handler events, by name.",
            ("platform", "event"), registry=reg)
        self.ticket_time = prom.Gauge(
            "wxcomponent_ticket_received_timestamp_seconds",
            "When the platform's last verify ticket was received (epoch seconds).",
            ("platform",), registry=reg)
        self.ship_apps = prom.Counter(
            "wxcomponent_ship_apps", "Mini programs of shipments that reached an outcome, or "
            "whose step is retried, by state.", ("platform", "state"), registry=reg)
        self.compliance_merchants = prom.Gauge(
            "wxcomponent_compliance_merchants", "Mini programs by what blocks them, as the "
            "compliance board counts them when metrics are read (reason: a blocker or warning "
            "code, or blocked for those with any blocker).", ("platform", "reason"),
            registry=reg)
        self.token_api = prom.Counter(
            "wxcomponent_token_api_requests", "Requests to the internal token API, by status.",
            ("endpoint", "status"), registry=reg)

    # ------------------------------------------------------------------ feeding

    def listener(self, platform: str) -> Callable[[str, Mapping[str, Any]], None]:
        """A platform event listener recording that platform's events."""

        pushes: dict[tuple[str, str], Any] = {}  # label children, looked up once
        # when the last ticket came (epoch seconds): the gauge reads it when scraped, so that
        # a push pays an assignment, not the gauge's lock
        ticket_at = [0.0]
        if self.enabled:
            self.ticket_time.labels(platform).set_function(lambda: ticket_at[0])
        accounts, paths, errcodes = (_Bounded(), _Bounded(), _Bounded())

        def record(name: str, fields: Mapping[str, Any]) -> None:
            if not self.enabled:
                return
            if name == ListenerEvent.API_CALLED:
                self.api_calls.labels(
                    platform, accounts.label(str(fields.get("authorizer_appid") or "component")),
                    paths.label(str(fields.get("path", ""))),
                    errcodes.label(str(fields.get("errcode", "")))).inc()
                return
            result = PUSH_OUTCOMES.get(name)
            if result is not None:
                kind = "unknown" if result == "refused" else str(fields.get("event") or "unknown")
                child = pushes.get((kind, result))
                if child is None:
                    child = pushes[(kind, result)] = self.pushes.labels(platform, kind, result)
                child.inc()
            elif name == ListenerEvent.TOKEN_REFRESHED:
                kind = str(fields.get("kind", "token"))
                self.refreshes.labels(platform, kind, "ok").inc()
                seconds = fields.get("seconds")
                if isinstance(seconds, (int, float)):
                    self.refresh_seconds.labels(platform, kind).observe(max(0.0, seconds))
            elif name == ListenerEvent.REFRESH_FAILED:
                self.refreshes.labels(platform, str(fields.get("kind", "token")), "failed").inc()
            elif name == ListenerEvent.TICKET_RECEIVED:
                ticket_at[0] = time.time()
            elif name in _AUTHORIZER_EVENTS:
                self.events.labels(platform, name).inc()
            elif name == ListenerEvent.SHIP_APP and fields.get("state") in _SHIP_STATES:
                self.ship_apps.labels(platform, str(fields["state"])).inc()

        return record

    def response_hook(self, platform: str) -> Callable[[httpx.Response], Awaitable[None]]:
        """An httpx response hook counting WeChat's error answers for ``platform``."""

        async def hook(response: httpx.Response) -> None:
            if not self.enabled:
                return
            if response.status_code >= 500:
                self.api_errors.labels(platform, f"http_{response.status_code}").inc()
                return
            content = await response.aread()
            if b'"errcode"' not in content:
                return
            try:
                errcode = int(json.loads(content).get("errcode") or 0)
            except (ValueError, TypeError, AttributeError):
                return
            if errcode:
                self.api_errors.labels(platform, str(errcode)).inc()

        return hook

    def push_refused(self, platform: str, status: int) -> None:
        """Count a request to a callback URL refused before it was read: ``forbidden``
        (403, not from WeChat's addresses) or ``unavailable`` (503)."""
        if self.enabled:
            result = "forbidden" if status == 403 else "unavailable"
            self.pushes.labels(platform, "unknown", result).inc()

    def delivery(self, webhook: str, outcome: str, kind: str) -> None:
        """Count a push delivery to ``webhook`` by outcome (delivered, retried, dead,
        skipped)."""
        if self.enabled:
            self.deliveries.labels(webhook, outcome).inc()

    def token_api_request(self, endpoint: str, status: int) -> None:
        """Count one request to the token API."""
        if self.enabled:
            self.token_api.labels(endpoint, str(status)).inc()

    def compliance(self, platform: str, counts: Mapping[str, int]) -> None:
        """Set the compliance gauges of ``platform`` from the board's counts
        (:meth:`~wxcomponent.stores.base.Store.count_compliance`): every code, 0 when none."""
        if not self.enabled:
            return
        for code in CODES:
            self.compliance_merchants.labels(platform, code).set(counts.get(code, 0))
        self.compliance_merchants.labels(platform, "blocked").set(counts.get("any", 0))

    # ------------------------------------------------------------------ exposition

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of the registry and its content type."""
        if not self.enabled:
            return b"", "text/plain"
        prom = self._prom
        return prom.generate_latest(self.registry), str(prom.CONTENT_TYPE_LATEST)


class _Bounded:
    """The values one label of a platform may take: the first :data:`MAX_LABEL_VALUES`
    seen, then ``other``."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def label(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= MAX_LABEL_VALUES:
            return "other"
        self._seen.add(value)
        return value
