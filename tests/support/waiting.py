"""Waiting for an event in tests: poll a condition until it holds.

The deadline only turns a hang into a failure; no test depends on how long the wait takes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: Pause between two looks at the condition.
INTERVAL = 0.01


def wait_for(condition: Callable[[], T], message: str = "the condition never held",
             timeout: float = 20.0) -> T:
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(INTERVAL)


async def wait_for_async(condition: Callable[[], T | Awaitable[T]],
                         message: str = "the condition never held", timeout: float = 20.0) -> T:
    """:func:`wait_for` inside an event loop (the loop keeps running while it waits); the
    condition may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(INTERVAL)


class Releases:
    """Lease releases as events, for threads contending for leases: a thread that did not get
    a lease waits for the next release (:meth:`wait_after`) instead of pausing a while."""

    def __init__(self) -> None:
        import threading

        self._changed = threading.Condition()
        self.count = 0

    def released(self) -> None:
        """A holder released its lease: wake the threads waiting for one."""
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_after(self, seen: int, timeout: float = 60.0) -> None:
        """Wait until a release after the ``seen``-th (read before trying to acquire)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.count > seen, timeout):
                raise AssertionError("no lease was released")


class AsyncReleases:
    """:class:`Releases` for asyncio tasks of one loop."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self.count = 0

    async def released(self) -> None:
        """A holder released its lease: wake the tasks waiting for one."""
        async with self._changed:
            self.count += 1
            self._changed.notify_all()

    async def wait_after(self, seen: int, timeout: float = 60.0) -> None:
        """Wait until a release after the ``seen``-th (read before trying to acquire)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.count > seen), timeout)
