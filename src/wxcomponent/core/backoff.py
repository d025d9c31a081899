"""Backing off an account that keeps failing the same way, so that a loop (a refresher round,
a worker retrying a job, a user's script) does not burn the day's quota:

* after 45009s on a path, calls of that path for that account are refused at home;
* after 40001/40014/42001s that the compare-and-refresh did not cure (the new token was
  refused too), every call for that account is refused at home.

One such failure is not yet a loop: the quota may have been cleared elsewhere, so the next
call is sent. From the second in a row (:attr:`CallBackoff.repeats`) calls are refused for
:attr:`CallBackoff.first` seconds; each time the account is asked again after a window and
fails the same way, the window doubles, up to :attr:`CallBackoff.longest`.
A call that succeeds ends the backoff of its path (and of the account's token); clearing an
account's quota ends its quota backoffs. A call refused at home raises the same typed error
WeChat's answer did, saying it was not sent, with no rid.

The windows live in each process's memory (one :class:`CallBackoff` per shell, shared by the
contexts it makes), at most :attr:`CallBackoff.max_entries` of them, the oldest dropped first:
each process backs off on what it saw itself.

Internal module.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["TOKEN", "CallBackoff", "Refusal"]

#: The "path" under which a token's backoff is kept: every path of the account.
TOKEN = "*token*"


@dataclass(frozen=True)
class Refusal:
    """Why a call is refused at home: the errcode that started the backoff and the seconds
    left of the window."""

    errcode: int
    seconds_left: float


@dataclass
class _Window:
    errcode: int
    failures: int
    until: float


class CallBackoff:
    """The backoff windows of one process, by (account, path). Thread-safe."""

    def __init__(self, first: float = 60.0, longest: float = 3600.0, repeats: int = 2,
                 max_entries: int = 10_000) -> None:
        self.first = first
        self.longest = longest
        self.repeats = repeats
        self.max_entries = max_entries
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._lock = threading.Lock()

    def refusal(self, account: str, path: str, now: float) -> Refusal | None:
        """The refusal of a call of ``path`` for ``account`` at ``now``, or None to send it."""
        with self._lock:
            for key in ((account, TOKEN), (account, path)):
                window = self._windows.get(key)
                if window is not None and now < window.until:
                    return Refusal(window.errcode, window.until - now)
        return None

    def failed(self, account: str, path: str, errcode: int, now: float) -> None:
        """Record a failure that may back the account off (``path`` is :data:`TOKEN` for a
        token refused after its refresh): from the :attr:`repeats`-th in a row, a window of
        :attr:`first` seconds, doubled with each further one."""
        key = (account, path)
        with self._lock:
            window = self._windows.pop(key, None)
            failures = 1 if window is None else window.failures + 1
            over = failures - self.repeats
            length = 0.0 if over < 0 else min(self.first * 2.0 ** min(over, 32), self.longest)
            self._windows[key] = _Window(errcode, failures, now + length)
            while len(self._windows) > self.max_entries:
                self._windows.popitem(last=False)

    def succeeded(self, account: str, path: str) -> None:
        """A call of ``path`` for ``account`` succeeded: its backoffs end."""
        if not self._windows:
            return
        with self._lock:
            self._windows.pop((account, path), None)
            self._windows.pop((account, TOKEN), None)

    def cleared(self, account: str) -> None:
        """The account's quota was cleared: its quota backoffs end."""
        with self._lock:
            for key in [k for k, w in self._windows.items()
                        if k[0] == account and w.errcode == 45009]:
                del self._windows[key]
