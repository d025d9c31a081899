"""The background refresher of each shell: a thread, or an asyncio task, running the
refresher loop of :mod:`wxcomponent.core.refresher` until stopped.

Internal module: the classes are returned by ``start_refresher()``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Protocol

from ..core.context import Context
from ..core.effects import Flow
from ..core.refresher import RefresherStats, run_refresher


class _Blocking(Protocol):
    _ctx: Context

    def _drive(self, flow: Flow[None], /) -> None: ...


class _Awaiting(Protocol):
    _ctx: Context

    def _drive(self, flow: Flow[None], /) -> Coroutine[Any, Any, None]: ...

__all__ = ["AsyncRefresher", "Refresher"]


class _Rounds:
    """What both refreshers share: their settings, their statistics and the loop of rounds
    they run until ``stop`` is set."""

    def __init__(self, ctx: Context, stop: object, *, interval: float, concurrency: int) -> None:
        self.interval = interval
        self.concurrency = concurrency
        self.stats = RefresherStats()
        self._loop = run_refresher(ctx, self.stats, stop, interval=interval,
                                   concurrency=concurrency)

    @property
    def rounds(self) -> int:
        """Rounds completed so far."""
        return self.stats.rounds

    @property
    def last_failed(self) -> int:
        """Refreshes that failed in the last round."""
        return self.stats.last_failed


class Refresher(_Rounds):
    """A daemon thread keeping every token fresh; :meth:`stop` ends it cleanly."""

    def __init__(self, component: _Blocking, *, interval: float, concurrency: int) -> None:
        self.component = component
        self._stop = threading.Event()
        super().__init__(component._ctx, self._stop, interval=interval, concurrency=concurrency)
        self._thread = threading.Thread(target=component._drive, args=(self._loop,),
                                        name="wxcomponent-refresher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()


class AsyncRefresher(_Rounds):
    """A task keeping every token fresh; ``await stop()`` ends it cleanly."""

    def __init__(self, component: _Awaiting, *, interval: float, concurrency: int) -> None:
        self.component = component
        self._stopping = asyncio.Event()
        super().__init__(component._ctx, self._stopping, interval=interval,
                         concurrency=concurrency)
        self._task = asyncio.get_running_loop().create_task(component._drive(self._loop),
                                                            name="wxcomponent-refresher")

    async def stop(self) -> None:
        """Ask the task to stop and wait for it."""
        self._stopping.set()
        await self._task

    @property
    def running(self) -> bool:
        """True while the task runs."""
        return not self._task.done()
