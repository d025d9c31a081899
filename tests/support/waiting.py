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
