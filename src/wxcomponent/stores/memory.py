"""A store in process memory: for tests and single-process scripts.

Nothing survives the process, so it suits neither a fleet nor a service whose refresh tokens
must outlive a restart: use :class:`~wxcomponent.stores.SQLiteStore` (one host) or
:class:`~wxcomponent.stores.RedisStore` with a durable store (several hosts) there.

One lock guards every dict, so a :class:`MemoryStore` is safe under threads, and its async
flavour (:class:`AsyncMemoryStore`, over the same dicts) is safe under asyncio: no call ever
waits for anything but that lock, held for a few microseconds (half a millisecond when a write
drops a full batch of expired entries, below).

Cached tokens and leases do not pile up: every :data:`PURGE_EVERY` token or lease writes, the
write also drops up to :data:`PURGE_BATCH` entries past their end (found in order of expiry,
through a heap, without scanning), by the rule of :mod:`._purge`. Fences come from one counter
of the store, so a key whose lease entry was dropped is granted again with a fence above every
earlier one.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from . import _args
from ._aio import AsyncOverSync
from ._checked import CheckedStore
from ._memory_compliance import _MemoryCompliance
from ._memory_pages import earliest, page_after
from ._memory_queue import _Group, _JobRow, _MemoryQueue
from ._memory_tokens import _MemoryTokens
from ._purge import PURGE_BATCH, PURGE_EVERY, Purge
from .base import (
    AuthorizerRecord,
    CachedToken,
    ComplianceRecord,
    Ticket,
    name_key,
)

__all__ = ["PURGE_BATCH", "PURGE_EVERY", "AsyncMemoryStore", "MemoryStore"]


class MemoryStore(_MemoryTokens, _MemoryQueue, _MemoryCompliance, CheckedStore):
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
        # the compliance records, the same way
        self._compliance: dict[str, dict[str, ComplianceRecord]] = {}
        self._compliance_order: dict[str, list[str]] = {}
        self._tokens: dict[str, CachedToken] = {}
        # key -> (fence of the current or last grant, held until)
        self._leases: dict[str, tuple[int, float]] = {}
        # the last fence granted for any key: fences never repeat, even for a dropped entry
        self._last_fence = 0
        # (end, key) of every token and lease written, earliest first (an entry may be stale:
        # the purge checks the current one); and the writes counted toward the next purge
        self._token_ends: list[tuple[float, str]] = []
        self._lease_ends: list[tuple[float, str]] = []
        self._purge = Purge()
        # the job queue: rows by id, ids per platform (increasing), idempotency keys, groups
        self._jobs: dict[int, _JobRow] = {}
        self._job_ids: dict[str, list[int]] = {}
        self._job_keys: dict[tuple[str, str, str], int] = {}
        self._groups: dict[tuple[str, str], dict[str, _Group]] = {}
        self._last_job = 0
        self._last_claim = 0

    def __repr__(self) -> str:
        return f"MemoryStore(tickets={len(self._tickets)}, tokens={len(self._tokens)})"

    @property
    def aio(self) -> AsyncMemoryStore:
        """An :class:`AsyncMemoryStore` over the same data."""
        return AsyncMemoryStore.over(self)

    # ------------------------------------------------------------------ tickets

    def _save_ticket(self, a: _args.SaveTicket) -> bool:
        component_appid, ticket, created_at = a
        with self._lock:
            current = self._tickets.get(component_appid)
            if current is not None and current.created_at > created_at:
                return False
            self._tickets[component_appid] = Ticket(
                component_appid, ticket, created_at, self._clock()
            )
            return True

    def _load_ticket(self, a: _args.LoadTicket) -> Ticket | None:
        component_appid = a.component_appid
        with self._lock:
            return self._tickets.get(component_appid)

    # ------------------------------------------------------------------ authorizers

    def _save_authorizer(self, a: _args.SaveAuthorizer) -> bool:
        record = a.record
        with self._lock:
            records = self._authorizers.setdefault(record.component_appid, {})
            current = records.get(record.authorizer_appid)
            if current is None:
                bisect.insort(
                    self._order.setdefault(record.component_appid, []), record.authorizer_appid
                )
            else:
                if record.auth_event_at and record.auth_event_at < current.auth_event_at:
                    return False
                record = replace(
                    record,
                    tenant=current.tenant if record.tenant is None else record.tenant,
                    name=current.name if record.name is None else record.name,
                    account_type=record.account_type or current.account_type,
                    refresh_at=record.refresh_at or current.refresh_at,
                    auth_event_at=record.auth_event_at or current.auth_event_at,
                )
            records[record.authorizer_appid] = record
            return True

    def _get_authorizer(self, a: _args.GetAuthorizer) -> AuthorizerRecord | None:
        component_appid, authorizer_appid = a
        with self._lock:
            return self._authorizers.get(component_appid, {}).get(authorizer_appid)

    def _list_authorizers(self, a: _args.ListAuthorizers) -> list[AuthorizerRecord]:
        component_appid, status, after, limit = a
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            return page_after(self._order.get(component_appid, []), after, limit,
                              records.__getitem__, lambda r: status in (None, r.status))

    def _count_authorizers(self, a: _args.CountAuthorizers) -> int:
        component_appid, status = a
        with self._lock:
            records = self._authorizers.get(component_appid, {}).values()
            return sum(1 for r in records if status is None or r.status == status)

    def _replace_refresh_token(self, a: _args.ReplaceRefreshToken) -> bool:
        component_appid, authorizer_appid, expected, new = a
        return self._change(component_appid, authorizer_appid,
                            lambda r: expected in (None, r.refresh_token),
                            refresh_token=new, updated_at=self._clock())

    def _mark_revoked(self, a: _args.MarkRevoked) -> bool:
        component_appid, authorizer_appid, event_at = a
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None or (event_at and event_at < record.auth_event_at):
                return False
            if record.status != "revoked":
                now = self._clock()
                record = replace(record, status="revoked", revoked_at=now, updated_at=now)
            if event_at:
                record = replace(record, auth_event_at=event_at)
            records[authorizer_appid] = record
            return True

    def _delete_authorizer(self, a: _args.DeleteAuthorizer) -> bool:
        """Remove the record; False if there is none."""
        component_appid, authorizer_appid = a
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            if records.pop(authorizer_appid, None) is None:
                return False
            order = self._order[component_appid]
            del order[bisect.bisect_left(order, authorizer_appid)]
            return True

    def _set_authorizer_tenant(self, a: _args.SetAuthorizerTenant) -> bool:
        component_appid, authorizer_appid, tenant = a
        return self._change(component_appid, authorizer_appid, tenant=tenant,
                            updated_at=self._clock())

    def _set_authorizer_name(self, a: _args.SetAuthorizerName) -> bool:
        component_appid, authorizer_appid, name, account_type = a
        if account_type is None:
            return self._change(component_appid, authorizer_appid, name=name)
        return self._change(component_appid, authorizer_appid, name=name,
                            account_type=account_type)

    def _search_authorizers(self, a: _args.SearchAuthorizers) -> list[AuthorizerRecord]:
        """Records whose name starts with ``prefix`` (by :func:`name_key`), in name order."""
        component_appid, prefix, after, limit = a
        wanted = name_key(prefix)
        with self._lock:
            found = sorted(
                (name_key(r.name), r.authorizer_appid, r)
                for r in self._authorizers.get(component_appid, {}).values()
                if r.name is not None and name_key(r.name).startswith(wanted)
            )
        return [r for key, appid, r in found if after is None or (key, appid) > after][:limit]

    def _schedule_refresh(self, a: _args.ScheduleRefresh) -> bool:
        component_appid, authorizer_appid, at = a
        return self._change(component_appid, authorizer_appid, refresh_at=at)

    def _due_authorizers(self, a: _args.DueAuthorizers) -> list[AuthorizerRecord]:
        """Authorized records due by ``before``, earliest first (a scan: memory is small)."""
        component_appid, before, limit = a
        with self._lock:
            records = list(self._authorizers.get(component_appid, {}).values())
        return earliest(records, lambda r: r.refresh_at, before, limit,
                        lambda r: r.status == "authorized")

    def _change(self, component_appid: str, authorizer_appid: str,
                when: Callable[[AuthorizerRecord], bool] | None = None, **fields: Any) -> bool:
        """Replace ``fields`` of the record (if ``when`` holds of it); False if there is no
        record, or ``when`` does not hold."""
        with self._lock:
            records = self._authorizers.get(component_appid, {})
            record = records.get(authorizer_appid)
            if record is None or (when is not None and not when(record)):
                return False
            records[authorizer_appid] = replace(record, **fields)
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
