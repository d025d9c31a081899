"""How a shipment runs: :class:`ShipOptions`.

Internal module: exported by :mod:`wxcomponent`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigurationError, InvalidArgument
from ..endpoints import audit
from ..models_wxa import AuditItem, parts_json

__all__ = ["ShipOptions"]

@dataclass(frozen=True)
class ShipOptions:
    """How a shipment runs (seconds unless named otherwise).

    ``concurrency`` bounds the mini programs worked on at once; ``lease`` is how long a step
    may run before another worker (after a crash) may take it over; ``privacy_interval`` and
    ``poll_interval`` space the privacy-check and audit-status reads; ``idle_interval`` is the
    longest wait when nothing is due (a push for a shipped mini program ends it at once);
    transient failures are retried ``max_attempts`` times with backoff from ``retry_base``;
    an audit of the same version submitted up to ``adopt_window`` before the shipment started
    is taken as the shipment's own (clocks differ). ``audit_items`` go with every submission.

    With ``preflight`` (the default) a shipment plans no more audits than the month's quota
    holds and checks each mini program before committing (:mod:`.preflight`): one that would
    fail for sure ends ``blocked`` with its reason, without a commit or an audit spent.
    ``require_filing`` blocks a mini program whose ICP filing is not done (turn it off for
    mini programs outside the mainland); ``privacy_keys`` are the privacy keys the shipped
    code collects (``UserInfo``, ``Location`` …), each of which must be declared in the mini
    program's privacy guide; ``privacy_interfaces`` the privacy interfaces it uses
    (``wx.getLocation`` …), each of which must be approved for the mini program.
    """

    concurrency: int = 16
    lease: float = 300.0
    privacy_interval: float = 30.0
    poll_interval: float = 600.0
    idle_interval: float = 1.0
    retry_base: float = 2.0
    max_attempts: int = 8
    adopt_window: float = 600.0
    audit_items: tuple[AuditItem | Mapping[str, Any], ...] = ()
    preflight: bool = True
    require_filing: bool = True
    privacy_keys: tuple[str, ...] = ()
    privacy_interfaces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) \
                or not 1 <= self.concurrency <= 256:
            raise ConfigurationError("concurrency", "must be an integer from 1 to 256")
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise ConfigurationError("max_attempts", "must be an integer of at least 1")
        for name in ("lease", "privacy_interval", "poll_interval", "idle_interval",
                     "retry_base", "adopt_window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise ConfigurationError(name, "must be a finite number of seconds >= 0")
        if self.lease < 1:
            raise ConfigurationError("lease", "must be at least 1 second")
        try:
            items = tuple(self.audit_items)
            parts_json(items, "audit_items")
        except (TypeError, InvalidArgument) as exc:
            raise ConfigurationError("audit_items", str(exc)) from None
        if len(items) > audit.ITEMS_MAX:
            raise ConfigurationError("audit_items", f"at most {audit.ITEMS_MAX} items")
        object.__setattr__(self, "audit_items", items)
        for name in ("preflight", "require_filing"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigurationError(name, "must be True or False")
        for name, example in (("privacy_keys", "UserInfo, Location …"),
                              ("privacy_interfaces", "wx.getLocation, wx.chooseAddress …")):
            value = getattr(self, name)
            if isinstance(value, str):
                raise ConfigurationError(name, f"must be a list of names ({example})")
            names = tuple(value)
            if not all(isinstance(k, str) and k.strip() and len(k) <= 64 for k in names):
                raise ConfigurationError(name, f"each is a non-empty name ({example})")
            object.__setattr__(self, name, names)
