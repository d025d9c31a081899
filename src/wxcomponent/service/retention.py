"""How long the service keeps the finished jobs of its queue: :class:`Retention`.

The store's queue keeps every push handed to a webhook (``deliver:<name>``) and every code
exchange (``exchange``) after it finished, so ``wxcomponent pushes`` and the console can show
and replay them. Past their retention they are purged, in bounded batches
(:mod:`wxcomponent.core.retention`): delivered pushes by the forwarder, dead ones too, and
finished code exchanges by the refresher (``Policy.exchange_retention``).

A retried push is recognised by the key of the job it made while that job is kept, so the
retention of delivered pushes and of exchanges must cover the push dedupe window
(``CallbackOptions.dedupe_ttl``, 3900 s by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..core.retention import PurgeRun
from ..errors import ConfigurationError

__all__ = ["DAY", "Retention", "purge_json"]

DAY = 86400.0


@dataclass(frozen=True)
class Retention:
    """How long finished jobs are kept, in seconds: ``delivered`` pushes (3 days by default),
    ``dead`` ones (30 days: there is time to see and replay them), and finished code
    ``exchanges`` (3 days). The settings name them ``delivered_retention``,
    ``dead_retention`` and ``exchange_retention``."""

    delivered: float = 3 * DAY
    dead: float = 30 * DAY
    exchanges: float = 3 * DAY

    def __post_init__(self) -> None:
        for name, value in self.settings().items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ConfigurationError(name, "must be a positive number of seconds")

    def settings(self) -> dict[str, float]:
        """The values by the names of their settings."""
        return {"delivered_retention": self.delivered, "dead_retention": self.dead,
                "exchange_retention": self.exchanges}

    def check_dedupe(self, dedupe_ttl: float) -> None:
        """Refuse a retention of delivered pushes or exchanges shorter than the push dedupe
        window (:class:`~wxcomponent.errors.ConfigurationError` naming the setting)."""
        for name in ("delivered_retention", "exchange_retention"):
            if self.settings()[name] < dedupe_ttl:
                raise ConfigurationError(
                    name, f"must be at least the push dedupe window ({dedupe_ttl:g} s): a "
                          "retried push is recognised by its job while the job is kept")


def purge_json(run: PurgeRun | None) -> dict[str, Any] | None:
    """A purge's last run as ``/status`` shows it: ``{"at", "deleted"}``, or None."""
    return None if run is None else {"at": round(run.at, 3), "deleted": run.deleted}
