"""A store in process memory: for tests and single-process scripts.

Nothing survives the process, so it suits neither a fleet nor a service whose refresh tokens
must outlive a restart: use :class:`~wxcomponent.stores.SQLiteStore` (one host) or
:class:`~wxcomponent.stores.RedisStore` with a durable store (several hosts) there.

One lock guards every dict, so a :class:`MemoryStore` is safe under threads, and its async
flavour (:class:`AsyncMemoryStore`, over the same dicts) is safe under asyncio: no call ever
waits for anything but that lock, held for a few microseconds.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from . import _validate as valid
from ._aio import AsyncOverSync
from .base import AuthorizerRecord, AuthorizerStatus, CachedToken, Ticket

__all__ = ["AsyncMemoryStore", "MemoryStore"]


class MemoryStore:
    """The :class:`~wxcomponent.stores.base.Store` protocol over dicts in this process.

    ``clock`` (epoch seconds) decides token expiry, lease expiry and the times recorded; tests
    may pass a fake one.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tickets: dict[str, Ticket] = {}
        # component appid -> (authorizer appid -> record), plus the sorted appids for paging
        self._authorizers: dict[str, dict[str, AuthorizerRecord]] = {}
        self._order: dict[str, list[str]] = {}
        self._tokens: dict[str, CachedToken] = {}
        # key -> (fence of the current or last grant, held until)
        self._leases: dict[str, tuple[int, float]] = {}

    def __repr__(self) -> str:
        return f"MemoryStore(tickets={len(self._tickets)}, tokens={len(self._tokens)})"

    @property
    def aio(self) -> AsyncMemoryStore:
        """An :class:`AsyncMemoryStore` over the same data."""
        return AsyncMemoryStore.over(self)

    # ------------------------------------------------------------------ tickets

    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        valid.ticket_args(component_appid, ticket, created_at)
        with self._lock:
            current = self._tickets.get(component_appid)
            if current is not None and current.created_at > created_at:
                return False
            self._tickets[component_appid] = Ticket(
                component_appid, ticket, created_at, self._clock()
            )
            return True

    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        valid.check_appid("component_appid", component_appid)
        with self._lock:
            return self._tickets.get(component_appid)

    # ------------------------------------------------------------------ authorizers

    def save_authorizer(self, record: AuthorizerRecord) -> None:
        """Insert or replace the record of ``record.authorizer_appid``.

        A record whose ``tenant`` is None keeps the tenant already stored.
        """
        record = valid.check_record(record)
        with self._lock:
            records = self._authorizers.setdefault(record.component_appid, {})
            current = records.get(record.authorizer_appid)
            if current is None:
                bisect.insort(
                    self._order.setdefault(record.component_appid, []), record.authorizer_appid
                )
            elif record.tenant is None and current.tenant is not None:
                record = replace(record, tenant=current.tenant)
            records[record.authorizer_appid] = record

    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        valid.authorizer_args(component_appid, authorizer_appid)
        with self._lock:
            return self._authorizers.get(component_appid, {}).get(authorizer_appid)

    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        valid.list_args(component_appid, status, after, limit)
        with self._lock:
            order = self._order.get(component_appid, [])
            records = self._authorizers.get(component_appid, {})
            start = 0 if after is None else bisect.bisect_right(order, after)
            page: list[AuthorizerRecord] = []
            for appid in order[start:]:
                record = records[appid]
                if status is None or record.status == status:
                    page.append(record)
                    if len(page) == limit:
                        break
            return page

    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        valid.count_args(component_appid, status)
        with self._lock:
            records = self._authorizers.get(component_appid, {}).values()
            return sum(1 for r in records if status is None or r.status == status)

    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always)."""
        valid.replace_args(component_appid, authorizer_appid, expected, new)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None or (expected is not None and record.refresh_token != expected):
                return False
            records[authorizer_appid] = replace(record, refresh_token=new, updated_at=self._clock())
            return True

    def mark_revoked(self, component_appid: str, authorizer_appid: str) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none."""
        valid.authorizer_args(component_appid, authorizer_appid)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None:
                return False
            if record.status != "revoked":
                now = self._clock()
                records[authorizer_appid] = replace(
                    record, status="revoked", revoked_at=now, updated_at=now
                )
            return True

    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record."""
        valid.tenant_args(component_appid, authorizer_appid, tenant)
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None:
                return False
            records[authorizer_appid] = replace(record, tenant=tenant, updated_at=self._clock())
            return True

    # ------------------------------------------------------------------ tokens

    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        valid.check_key(key)
        token = self._tokens.get(key)
        if token is None or self._clock() >= token.expires_at:
            return None
        return token

    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        valid.set_token_args(key, token, fence)
        with self._lock:
            if fence is not None and not self._holds(key, fence):
                return False
            self._tokens[key] = token
            return True

    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        valid.delete_token_args(key, if_value)
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

    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        ttl = valid.lease_args(key, ttl)
        with self._lock:
            now = self._clock()
            fence, until = self._leases.get(key, (0, 0.0))
            if now < until:
                return None
            self._leases[key] = (fence + 1, now + ttl)
            return fence + 1

    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        valid.release_args(key, fence)
        with self._lock:
            if not self._holds(key, fence):
                return False
            self._leases[key] = (fence, 0.0)
            return True

    def close(self) -> None:
        """Nothing to release; the data stays available to other views."""


class AsyncMemoryStore(AsyncOverSync):
    """The asyncio flavour of :class:`MemoryStore`; calls run inline (they never block)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(MemoryStore(clock=clock), owns=True)

    @classmethod
    def over(cls, store: MemoryStore) -> AsyncMemoryStore:
        """An async view of ``store``: the same dicts, seen from asyncio."""
        view = cls.__new__(cls)
        AsyncOverSync.__init__(view, store, owns=False)
        return view

    @property
    def sync(self) -> MemoryStore:
        """The :class:`MemoryStore` holding the data."""
        assert isinstance(self._store, MemoryStore)
        return self._store

    def __repr__(self) -> str:
        return f"AsyncMemoryStore({self._store!r})"
