"""What the control methods of :class:`~wxcomponent.emulator.Emulator` use of it, declared
once for the type checker: the emulated clock, the state, a platform by its appid and the
scheduler's wake-up. Each part of the emulator's control derives from :class:`ControlHost`;
the emulator itself supplies the real members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .clock import Clock
    from .model import Platform
    from .state import State

__all__ = ["ControlHost"]


class ControlHost:
    """The members of the emulator its control methods use (declared, not implemented)."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def state(self) -> State: ...

        def platform(self, appid: str) -> Platform: ...

        def wake_scheduler(self) -> None: ...
