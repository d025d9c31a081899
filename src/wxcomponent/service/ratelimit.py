"""Rate limits per client address: a token bucket per address, with an injected clock.

Each address has a bucket of ``per_minute`` tokens that refills at ``per_minute / 60`` tokens
a second; a request takes one token, and an empty bucket answers how long until the next
token (the ``Retry-After``). IPv6 clients are counted per ``/64`` (one subscriber's
network), so an attacker cannot escape the limit by walking through one prefix.

Memory is bounded: at most ``max_addresses`` buckets are kept; when a new address comes in
and the table is full, the least recently seen bucket is dropped (a full bucket carries no
information anyway).
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import Scope

__all__ = ["RateLimiter", "client_address", "limit_key"]

#: How many addresses a limiter remembers at most.
MAX_ADDRESSES = 100_000


def client_address(scope: Scope) -> str:
    """The client's address of an ASGI request (after any trusted proxy's
    ``X-Forwarded-For`` was applied by the server); ``"unknown"`` when the server gave none."""
    client = scope.get("client")
    if client and client[0]:
        return str(client[0])
    return "unknown"


def limit_key(address: str) -> str:
    """What an address is counted under: itself for IPv4, its ``/64`` network for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class RateLimiter:
    """Token buckets per address: ``per_minute`` requests a minute, in bursts of as many.

    ``per_minute=0`` turns the limiter off (:meth:`take` always allows). Thread-safe.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float], *,
                 max_addresses: int = MAX_ADDRESSES) -> None:
        if per_minute < 0:
            raise ValueError("per_minute must not be negative")
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max = max(1, max_addresses)
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    @property
    def enabled(self) -> bool:
        """Whether the limiter limits anything."""
        return self.per_minute > 0

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + max(0.0, now - at) * self._rate)

    def take(self, address: str) -> int:
        """Take one token for ``address``: 0 when allowed, else the whole seconds to wait."""
        return self._consult(address, take=True)

    def blocked(self, address: str) -> int:
        """Seconds until ``address`` may act again (0: now), without taking a token."""
        return self._consult(address, take=False)

    def _consult(self, address: str, *, take: bool) -> int:
        if not self.enabled:
            return 0
        key = limit_key(address)
        now = self._clock()
        with self._lock:
            if not take and key not in self._buckets:
                return 0
            tokens = self._level(key, now)
            wait = self._wait(tokens)
            if take:
                self._put(key, tokens - 1.0 if wait == 0 else tokens, now)
            return wait

    def _wait(self, tokens: float) -> int:
        """0 when a token is there, else the whole seconds until one is."""
        return 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self._rate))

    def _put(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)

    @property
    def tracked(self) -> int:
        """How many addresses the limiter remembers now."""
        with self._lock:
            return len(self._buckets)
