"""The last failed calls to WeChat of each account, with their rids, as this process made
them: what the console's account page lists, so an operator can ask WeChat what it kept of a
call (``wxcomponent rid RID --authorizer APPID``).

It listens to the platforms' ``api_called`` events. Memory is bounded: the latest
:data:`KEEP_PER_ACCOUNT` failures of each account, for the :data:`MAX_ACCOUNTS` accounts that
failed most recently. Nothing here is durable or shared by the hosts of a fleet.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...core.listener_events import ListenerEvent, listening_to

__all__ = ["KEEP_PER_ACCOUNT", "MAX_ACCOUNTS", "FailedCall", "FailedCalls"]

#: How many failed calls are kept per account.
KEEP_PER_ACCOUNT = 20
#: How many accounts' failed calls are kept (the least recently failed give way).
MAX_ACCOUNTS = 1000


@dataclass(frozen=True)
class FailedCall:
    """One failed call: when, which path, the errcode (``transport``: no answer) and the rid
    WeChat gave it ("" when none)."""

    at: float
    path: str
    errcode: str
    rid: str


class FailedCalls:
    """The latest failed calls by platform and account ("" for the platform's own). Thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: OrderedDict[tuple[str, str], deque[FailedCall]] = OrderedDict()

    def listener(self, platform: str) -> Callable[[str, Mapping[str, Any]], None]:
        """The event listener of one platform."""

        @listening_to(ListenerEvent.API_CALLED)
        def record(name: str, fields: Mapping[str, Any]) -> None:
            if name != ListenerEvent.API_CALLED or fields.get("errcode") == 0:
                return
            key = (platform, str(fields.get("authorizer_appid") or ""))
            failed = FailedCall(self._clock(), str(fields.get("path", ""))[:200],
                                str(fields.get("errcode", ""))[:20],
                                str(fields.get("rid") or "")[:64])
            with self._lock:
                calls = self._calls.pop(key, None)
                if calls is None:
                    calls = deque(maxlen=KEEP_PER_ACCOUNT)
                calls.append(failed)
                self._calls[key] = calls
                if len(self._calls) > MAX_ACCOUNTS:
                    self._calls.popitem(last=False)

        return record

    def of(self, platform: str, account: str) -> list[FailedCall]:
        """The account's latest failed calls, newest first."""
        with self._lock:
            return list(reversed(self._calls.get((platform, account), ())))
