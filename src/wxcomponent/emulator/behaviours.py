"""Ways WeChat behaves that a platform meets in production and an emulator must be able to
reproduce: tickets repeated across pushes, refresh tokens rotated now and then, bursts of
``-1 system error`` over a span of time. Each is off until a control method turns it on.

:class:`Behaviours` holds them inside the emulator's state (under its lock; a reset replaces
it with a fresh one) and answers the questions the state asks: whether this refresh rotates,
whether the ticket pushed now repeats the last one, which burst covers this call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Behaviours", "Burst"]


@dataclass(frozen=True)
class Burst:
    """Calls of ``path`` (of every path when None) answer ``errcode`` from ``start`` for
    ``seconds`` of emulated time; with ``every``, the burst comes back every ``every`` seconds
    after its start. Nothing counts calls: the burst clears when the clock passes it."""

    start: float
    seconds: float
    errcode: int = -1
    path: str | None = None
    every: float | None = None

    def covers(self, path: str, now: float) -> bool:
        """Whether a call of ``path`` at ``now`` falls in the burst."""
        if self.path is not None and self.path != path:
            return False
        elapsed = now - self.start
        if elapsed < 0:
            return False
        if self.every is not None:
            elapsed %= self.every
        return elapsed < self.seconds

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class Behaviours:
    """The behaviours turned on, and the random source of the ones left to chance."""

    #: Chance that a refresh presenting the current refresh token rotates it (0: never,
    #: 1: always).
    rotation: float = 0.0
    #: Seconds a ticket keeps being pushed again (0: every push carries a new ticket).
    ticket_repeat: float = 0.0
    bursts: list[Burst] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def rotates(self) -> bool:
        """Whether this refresh rotates the refresh token (drawn from :attr:`rng`)."""
        if self.rotation <= 0.0:
            return False
        return self.rotation >= 1.0 or self.rng.random() < self.rotation

    def repeats(self, issued_at: float | None, now: float) -> bool:
        """Whether a ticket issued at ``issued_at`` is pushed again rather than a new one."""
        return issued_at is not None and now - issued_at < self.ticket_repeat

    def burst(self, path: str, now: float) -> Burst | None:
        """The burst covering a call of ``path`` at ``now``, if any."""
        return next((b for b in self.bursts if b.covers(path, now)), None)

    def clear_bursts(self, path: str | None) -> None:
        """Forget the bursts of ``path`` (every burst when None)."""
        self.bursts = [b for b in self.bursts if path is not None and b.path != path]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for the state snapshot)."""
        return {"refresh_token_rotation": self.rotation, "ticket_repeat": self.ticket_repeat,
                "bursts": [b.to_dict() for b in self.bursts]}
