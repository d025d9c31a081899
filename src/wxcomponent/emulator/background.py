"""The emulator's background work: a scheduler thread that pushes verify tickets every
``ticket_interval``, audit and filing results as they fall due and the failure of
registrations past their end, and the pool of workers that sends pushes without holding up
the thread that caused them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from .clock import Clock
from .model import Delivery
from .state import Settings, State
from .wxa.icp_model import FilingPush
from .wxa.model import AuditPush

__all__ = ["Background", "ScheduleHost"]

log = logging.getLogger("wxcomponent.emulator")


class ScheduleHost(Protocol):
    """What the background work needs of the emulator: its clock, settings and state, and the
    pushes it sends."""

    @property
    def clock(self) -> Clock:
        """The emulated clock; the scheduler waits on it and wakes when it moves."""
        ...

    @property
    def settings(self) -> Settings:
        """Lifetimes and intervals (``ticket_interval``)."""
        ...

    @property
    def state(self) -> State:
        """The current state (replaced by a reset)."""
        ...

    def push_ticket(self, component_appid: str) -> Delivery:
        """Issue a new ticket and push it."""
        ...

    def push_audit(self, push: AuditPush) -> Delivery:
        """Deliver one audit push."""
        ...

    def expire_registration(self, component_appid: str, task_id: str) -> list[Delivery]:
        """Fail a registration task past its end and push its failure."""
    def push_filing(self, push: FilingPush) -> Delivery:
        """Deliver one filing push."""
        ...


class Background:
    """The scheduler thread (started on demand, once) and the push workers of one emulator."""

    def __init__(self, host: ScheduleHost) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._scheduler: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        """Start the scheduler thread (idempotent)."""
        with self._lock:
            if self._scheduler is not None and self._scheduler.is_alive():
                return
            self._stopping.clear()
            self._scheduler = threading.Thread(
                target=self._loop, name="wxcomponent-emulator-scheduler", daemon=True
            )
            self._scheduler.start()

    def close(self) -> None:
        """Stop the scheduler thread and the push workers."""
        with self._lock:
            self._stopping.set()
            self._host.clock.wake()
            scheduler, self._scheduler = self._scheduler, None
            executor, self._executor = self._executor, None
        if scheduler is not None:
            scheduler.join(5.0)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def submit(self, fn: Callable[..., object], *args: Any) -> None:
        """Run ``fn(*args)`` on a push worker; a failure is logged."""

        def run() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("background push failed")

        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(8, thread_name_prefix="wxcomponent-push")
            self._executor.submit(run)

    def _loop(self) -> None:
        host = self._host
        clock = host.clock
        interval = host.settings.ticket_interval
        while not self._stopping.is_set():
            generation = clock.generation
            state = host.state
            now = clock.now()
            due: list[str] = []
            pause = 5.0
            with state.lock:
                if interval is not None:
                    for platform in state.platforms.values():
                        if platform.next_ticket_at <= now:
                            platform.next_ticket_at = now + interval
                            if platform.config.auth_event_url \
                                    and not platform.ticket_pushes_stopped:
                                due.append(platform.appid)
                        pause = min(pause, platform.next_ticket_at - now)
                pushes = state.wxa.due_pushes(now)
                expired = state.wxa.take_expired(now)
                filings = state.wxa.due_filing_pushes(now)
                next_audit = state.wxa.next_due()
            if next_audit is not None:
                pause = min(pause, next_audit - now)
            for appid in due:
                self.submit(host.push_ticket, appid)
            for push in pushes:
                self.submit(host.push_audit, push)
            for component_appid, task_id in expired:
                self.submit(host.expire_registration, component_appid, task_id)
            for filing in filings:
                self.submit(host.push_filing, filing)
            clock.wait(min(max(pause, 0.01), 5.0), since=generation)
