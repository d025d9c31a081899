"""Cached tokens and leases of the memory store, and the batch of its purge (the rule is
:mod:`._purge`'s): those past their end, found in order of expiry through a heap.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from typing import Any

from . import _args
from ._purge import Purge
from .base import CachedToken


def _drop_ended(ends: list[tuple[float, str]], table: dict[str, Any],
                end_of: Callable[[Any], float], now: float, batch: int) -> int:
    """Pop up to ``batch`` keys from the heap ``ends`` whose end has passed, and drop each
    from ``table`` unless it was written again meanwhile (a later end); how many were popped."""
    for popped in range(batch):
        if not ends or ends[0][0] >= now:
            return popped
        _, key = heapq.heappop(ends)
        entry = table.get(key)
        if entry is not None and end_of(entry) < now:
            del table[key]
    return batch


class _MemoryTokens:
    """The token and lease operations of :class:`~.memory.MemoryStore`, over the dicts its
    constructor makes."""

    _clock: Callable[[], float]
    _lock: threading.Lock
    _tokens: dict[str, CachedToken]
    _leases: dict[str, tuple[int, float]]
    _last_fence: int
    _token_ends: list[tuple[float, str]]
    _lease_ends: list[tuple[float, str]]
    _purge: Purge

    # ------------------------------------------------------------------ tokens

    def _get_token(self, a: _args.GetToken) -> CachedToken | None:
        key = a.key
        token = self._tokens.get(key)
        if token is None or self._clock() >= token.expires_at:
            return None
        return token

    def _set_token(self, a: _args.SetToken) -> bool:
        key, token, fence = a
        with self._lock:
            if fence is not None and not self._holds(key, fence):
                return False
            self._tokens[key] = token
            heapq.heappush(self._token_ends, (token.expires_at, key))
            self._purge_if_due()
            return True

    def _delete_token(self, a: _args.DeleteToken) -> bool:
        key, if_value = a
        with self._lock:
            token = self._tokens.get(key)
            if token is None or (if_value is not None and token.value != if_value):
                return False
            del self._tokens[key]
            return self._clock() < token.expires_at

    # ------------------------------------------------------------------ leases

    def _holds(self, key: str, fence: int) -> bool:
        lease = self._leases.get(key)
        return lease is not None and lease[0] == fence and self._clock() < lease[1]

    def _acquire_lease(self, a: _args.AcquireLease) -> int | None:
        key, ttl = a
        with self._lock:
            now = self._clock()
            last, until = self._leases.get(key, (0, 0.0))
            if now < until:
                return None
            fence = self._last_fence = max(self._last_fence, last) + 1
            self._leases[key] = (fence, now + ttl)
            heapq.heappush(self._lease_ends, (now + ttl, key))
            self._purge_if_due()
            return fence

    def _release_lease(self, a: _args.ReleaseLease) -> bool:
        key, fence = a
        with self._lock:
            if not self._holds(key, fence):
                return False
            self._leases[key] = (fence, 0.0)
            return True

    def _purge_if_due(self) -> None:
        """Count a token or lease write (under the lock), and purge when :mod:`._purge` says."""
        self._purge.run(self._drop_expired)

    def _drop_expired(self, batch: int) -> int:
        """Drop up to ``batch`` tokens and as many leases whose end has passed."""
        now = self._clock()
        return max(
            _drop_ended(self._token_ends, self._tokens, lambda token: token.expires_at, now,
                        batch),
            _drop_ended(self._lease_ends, self._leases, lambda lease: lease[1], now, batch),
        )
