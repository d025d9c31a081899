"""The shells' in-process locks by key, kept only while someone holds or waits for one.

A lock per token key, made on first use and never dropped, grows with every account a
long-running process ever refreshed: about 300 bytes each, 29 MiB for 100,000 accounts.
Here each lock counts its users (the holder and the waiters) and is forgotten when the last
one leaves, so the table holds only the keys being refreshed right now.

Internal module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

__all__ = ["KeyedLocks"]


class _Lock(Protocol):
    def release(self) -> None: ...


L = TypeVar("L", bound=_Lock)


class _Entry(Generic[L]):
    __slots__ = ("lock", "users")

    def __init__(self, lock: L) -> None:
        self.lock = lock
        self.users = 0


class KeyedLocks(Generic[L]):
    """Locks made by ``factory``, one per key while it has users."""

    def __init__(self, factory: Callable[[], L]) -> None:
        self._factory = factory
        self._guard = threading.Lock()
        self._entries: dict[Hashable, _Entry[L]] = {}

    def enter(self, key: Hashable) -> L:
        """The lock of ``key``, counting the caller as a user until :meth:`leave`."""
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(self._factory())
            entry.users += 1
            return entry.lock

    def leave(self, key: Hashable, *, release: bool = False) -> None:
        """The caller no longer waits for the lock of ``key`` (it gave up), or, with
        ``release``, gives back the lock it holds."""
        with self._guard:
            entry = self._entries[key]
            if release:
                entry.lock.release()
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)
