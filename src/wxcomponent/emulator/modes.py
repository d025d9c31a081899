"""The control methods that turn on ways WeChat behaves in production, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API under ``/__emulator__/``):
refresh tokens rotated at random, tickets repeated across pushes, ticket pushes that stop
until ``api_start_push_ticket``, bursts of ``-1 system error`` over a span of emulated time,
and a platform that has not gone live yet. A reset turns every one of them off.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from ..errors import InvalidArgument
from .behaviours import Burst
from .control_host import ControlHost
from .state import normalize_path

__all__ = ["ModesControl"]


def _seconds(name: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or (positive and value == 0):
        raise InvalidArgument(name, "must be a positive number of seconds" if positive
                              else "must be a number of seconds, 0 or more")
    return float(value)


class ModesControl(ControlHost):
    """The behaviour switches of :class:`~wxcomponent.emulator.Emulator`."""

    def rotate_refresh_tokens_at_random(self, probability: float,
                                        seed: int | None = None) -> float:
        """Rotate the refresh token on ``probability`` of the refreshes (0 to 1; 1 is
        :attr:`~wxcomponent.emulator.Emulator.rotate_refresh_tokens`), drawn from a random
        source seeded with ``seed`` (repeatable runs). A rotation follows the rule of
        ``rotate_refresh_tokens``: the replaced token stays accepted for ``token_overlap``
        seconds, without rotating again. Returns the probability."""
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) \
                or not 0.0 <= probability <= 1.0:
            raise InvalidArgument("probability", "must be a number from 0 to 1")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise InvalidArgument("seed", "must be an integer")
        with self.state.lock:
            behaviours = self.state.behaviours
            behaviours.rotation = float(probability)
            behaviours.rng = random.Random(seed)
            return behaviours.rotation

    def repeat_tickets(self, seconds: float) -> float:
        """Push the same verify ticket again for ``seconds`` after it was issued, as WeChat
        often does (its pushes every 10 minutes may carry one value for a while); 0 turns it
        off. Only pushes repeat: :meth:`issue_ticket` always issues a new one. Returns the
        setting."""
        value = _seconds("seconds", seconds)
        with self.state.lock:
            self.state.behaviours.ticket_repeat = value
            return value

    def stop_ticket_pushes(self, component_appid: str, stopped: bool = True) -> bool:
        """Stop the scheduled ticket pushes of a platform (a WeChat outage, a URL that failed
        for a while) until it calls ``api_start_push_ticket`` — or until called with
        ``stopped=False``. :meth:`push_ticket` still pushes. Returns the setting."""
        if not isinstance(stopped, bool):
            raise InvalidArgument("stopped", "must be true or false")
        with self.state.lock:
            self.platform(component_appid).ticket_pushes_stopped = stopped
            return stopped

    def system_error_burst(
        self,
        seconds: float,
        *,
        path: str | None = None,
        every: float | None = None,
        start_in: float = 0.0,
        errcode: int = -1,
    ) -> dict[str, Any]:
        """Answer ``errcode`` (``-1 system error``) to every call of ``path`` (of every path
        when None) for ``seconds`` of emulated time, starting ``start_in`` seconds from now;
        with ``every``, the burst comes back every ``every`` seconds. A burst is measured on
        the clock, not in calls, and clears by itself; :meth:`clear_faults` forgets it. An
        injected fault of the path is used before a burst. Returns the burst."""
        length = _seconds("seconds", seconds, positive=True)
        delay = _seconds("start_in", start_in)
        if every is not None and _seconds("every", every, positive=True) <= length:
            raise InvalidArgument("every", "must be longer than the burst")
        if isinstance(errcode, bool) or not isinstance(errcode, int) or errcode == 0:
            raise InvalidArgument("errcode", "must be a non-zero integer")
        burst = Burst(self.clock.now() + delay, length, errcode,
                      normalize_path(path) if path is not None else None,
                      float(every) if every is not None else None)
        with self.state.lock:
            self.state.behaviours.bursts.append(burst)
        return burst.to_dict()

    def set_live(self, component_appid: str, live: bool,
                 test_accounts: Iterable[str] | None = None) -> dict[str, Any]:
        """Whether the platform has gone live (全网发布; it has unless told otherwise).

        Before, only its test accounts (``test_accounts``, appids; kept when None) may
        authorize it: any other account is refused on the consent page (and by
        :meth:`authorize`) with 61028, and fast registration answers 61028 ("component is
        unpublished", which WeChat documents for registrations of an unpublished platform;
        what its consent page shows then is not documented, so the page names the same
        errcode). Returns the platform's setting."""
        if not isinstance(live, bool):
            raise InvalidArgument("live", "must be true or false")
        if isinstance(test_accounts, str):
            raise InvalidArgument("test_accounts", "must be a list of appids")
        with self.state.lock:
            platform = self.platform(component_appid)
            platform.live = live
            if test_accounts is not None:
                platform.test_accounts = {str(a) for a in test_accounts}
            return {"live": platform.live, "test_accounts": sorted(platform.test_accounts)}
