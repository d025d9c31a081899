"""A real store that counts what each call read, for tests that a page reads one page."""

from __future__ import annotations

import threading
from typing import Any

from wxcomponent.stores import SQLiteStore

__all__ = ["CountingStore"]


class CountingStore:
    """A real store that counts what each method call read (records returned)."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any], int]] = []

    def __getattr__(self, name: str) -> Any:
        if name == "aio":  # the service then runs this store's calls on threads, counted
            raise AttributeError(name)
        target = getattr(self._store, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            size = len(result) if isinstance(result, list) else 1
            with self._lock:
                self.calls.append((name, kwargs, size))
            return result

        return counted

    def take(self) -> list[tuple[str, dict[str, Any], int]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls
