"""The emulator's adjustable clock: real time plus an offset that moves forward until reset."""

from __future__ import annotations

import threading
import time

from ..errors import InvalidArgument

__all__ = ["Clock"]


class Clock:
    """Wall-clock time shifted by an offset that tests move forward with :meth:`advance`
    (never backward) and set back to 0 with :meth:`reset`.

    Every lifetime in the emulator (tokens, codes, tickets, quotas, the ticket schedule) is
    measured on this clock. Thread-safe; :meth:`advance` wakes whoever waits in :meth:`wait`.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._cond = threading.Condition()
        self._generation = 0

    def __repr__(self) -> str:
        return f"<Clock offset={self._offset:+.1f}s>"

    @property
    def offset(self) -> float:
        """Seconds added to the wall clock so far."""
        return self._offset

    def now(self) -> float:
        """The emulated time, in seconds since the epoch."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward (never backward) and return the new time."""
        if seconds < 0:
            raise InvalidArgument("seconds", "the clock only moves forward")
        with self._cond:
            self._offset += float(seconds)
            self._generation += 1
            self._cond.notify_all()
        return self.now()

    def reset(self) -> None:
        """Go back to the wall clock (offset 0)."""
        with self._cond:
            self._offset = 0.0
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        """A number that grows every time the clock moves or :meth:`wake` is called."""
        return self._generation

    def wait(self, timeout: float, since: int | None = None) -> None:
        """Sleep up to ``timeout`` real seconds, returning early when the clock moves (or
        at once if it moved after :attr:`generation` was ``since``)."""
        with self._cond:
            if since is None or since == self._generation:
                self._cond.wait(timeout)

    def wake(self) -> None:
        """Wake every thread sleeping in :meth:`wait` (and make a pending ``wait(since=…)``
        return at once)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
