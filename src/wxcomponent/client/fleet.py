"""``component.fleet``: shipping a template to many mini programs (the flow of
:mod:`wxcomponent.core.shipping`), on either shell.

The group's ``ship`` method drives the shipment flow and lends it a waker: while it runs, an
audit push (``weapp_audit_*``) this platform receives ends the flow's waits at once, so a
result arrives with its push and polling is only the fallback.

Internal module.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import shipping
from ..core.callbacks import Push
from ..core.effects import Flow
from ..core.shipping import ShipOptions, ShipReport
from ..events import WeappAuditResult
from ._methods import AsyncGroup, SyncGroup, flow_method

__all__ = ["AsyncFleetGroup", "FleetAPI", "FleetGroup"]


class _Waker:
    """Audit pushes seen while a shipment runs (see :class:`wxcomponent.core.shipping.Waker`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pushed: set[str] = set()
        self.event: Any = threading.Event()

    def pushed(self, appid: str) -> None:
        with self._lock:
            self._pushed.add(appid)
        self._set()

    def _set(self) -> None:
        self.event.set()

    def take(self) -> set[str]:
        with self._lock:
            taken, self._pushed = self._pushed, set()
            self.event.clear()
        return taken


class _AsyncWaker(_Waker):
    """The asyncio flavour: the event is set on its loop, whichever thread the push came in."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def _set(self) -> None:
        self._loop.call_soon_threadsafe(self.event.set)


#: The wakers of the shipments running on each platform (its callbacks object).
_WAKERS: weakref.WeakKeyDictionary[Any, set[_Waker]] = weakref.WeakKeyDictionary()


def _listen(owner: Any, waker: _Waker) -> None:
    callbacks = owner._ctx.callbacks
    wakers = _WAKERS.get(callbacks)
    if wakers is None:
        wakers = _WAKERS[callbacks] = set()
        running = wakers

        def audit_pushed(event: WeappAuditResult, push: Push) -> None:
            for each in list(running):
                each.pushed(push.authorizer_appid or event.to_user_name)

        owner.on(WeappAuditResult)(audit_pushed)
    wakers.add(waker)


def _forget(owner: Any, waker: _Waker) -> None:
    _WAKERS.get(owner._ctx.callbacks, set()).discard(waker)


def _shipment(group: Any, waker: _Waker, template_id: int,
              ext_json: str | Mapping[str, Any], user_version: str, user_desc: str,
              appids: Sequence[str] | None, shipment: str | None,
              ext_json_for: Mapping[str, str | Mapping[str, Any]] | None,
              options: ShipOptions | None) -> Flow[ShipReport]:
    """The shipment's flow (arguments checked now), with ``waker`` listening for pushes."""
    flow = shipping.ship(group._flow_args[0], template_id, ext_json, user_version, user_desc,
                         appids=appids, shipment=shipment, ext_json_for=ext_json_for,
                         options=options, waker=waker)
    _listen(group._owner, waker)
    return flow


class FleetAPI:
    """Shipping to the platform's mini programs (``component.fleet``)."""

    report = flow_method(shipping.report)
    shipments = flow_method(shipping.shipments)


class FleetGroup(FleetAPI, SyncGroup):
    """Shipping to the platform's mini programs, blocking."""

    def ship(self, template_id: int, ext_json: str | Mapping[str, Any], user_version: str,
             user_desc: str = "", *, appids: Sequence[str] | None = None,
             shipment: str | None = None,
             ext_json_for: Mapping[str, str | Mapping[str, Any]] | None = None,
             options: ShipOptions | None = None) -> ShipReport:
        """Ship a template to many mini programs and return when each has an outcome (see
        :func:`wxcomponent.core.shipping.ship`): commit, privacy check, audit, its result
        (pushed to this platform, else polled) and release, ``options.concurrency`` at a time,
        every step durable in the store so that running it again resumes it."""
        waker = _Waker()
        flow = _shipment(self, waker, template_id, ext_json, user_version, user_desc,
                         appids, shipment, ext_json_for, options)
        try:
            return self._drive(flow)
        finally:
            _forget(self._owner, waker)


class AsyncFleetGroup(FleetAPI, AsyncGroup):
    """Shipping to the platform's mini programs, awaited."""

    async def ship(self, template_id: int, ext_json: str | Mapping[str, Any],
                   user_version: str, user_desc: str = "", *,
                   appids: Sequence[str] | None = None, shipment: str | None = None,
                   ext_json_for: Mapping[str, str | Mapping[str, Any]] | None = None,
                   options: ShipOptions | None = None) -> ShipReport:
        """Ship a template to many mini programs and return when each has an outcome; see
        :meth:`FleetGroup.ship`."""
        waker = _AsyncWaker()
        flow = _shipment(self, waker, template_id, ext_json, user_version, user_desc,
                         appids, shipment, ext_json_for, options)
        try:
            return await self._drive(flow)
        finally:
            _forget(self._owner, waker)
