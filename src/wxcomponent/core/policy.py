"""Token freshness and retry policy: plain numbers and pure functions.

Internal module: import :class:`Policy` from :mod:`wxcomponent`.
"""

from __future__ import annotations

import random as _random
from dataclasses import dataclass

from ..errors import ConfigurationError
from ..stores.base import CachedToken

__all__ = ["Policy", "is_fresh"]


@dataclass(frozen=True)
class Policy:
    """Every tunable of the token and retry rules.

    * ``max_margin`` / ``margin_ratio`` — a token counts as fresh while
      ``now < expires_at - margin`` with ``margin = min(max_margin, lifetime * margin_ratio)``:
      10 minutes for a 7200 s token, less for short-lived ones.
    * ``refresh_lead`` — how long before the margin the background refresher renews a token.
    * ``lease_ttl`` — how long a refresh lease lives; a dead holder blocks others at most this.
    * ``wait_timeout`` — how long a caller waits for another worker's refresh before
      :class:`~wxcomponent.errors.LeaseTimeout`.
    * ``poll_initial`` / ``poll_max`` — the waiters' polling backoff.
    * ``attempts`` / ``backoff_base`` / ``backoff_max`` — transient failures (-1, HTTP 5xx,
      connection errors, timeouts) are tried ``attempts`` times in all, with exponential backoff
      and full jitter.
    * ``timeout`` — per-request HTTP timeout in seconds.
    * ``reconcile_interval`` — how often the background refresher compares the store with
      WeChat's list of authorizers and adds any account it lacks (seconds; None: never).
    * ``ticket_request_age`` / ``ticket_request_interval`` — when the stored verify ticket is
      missing or older than ``ticket_request_age`` (WeChat pushes one every 10 minutes), the
      background refresher asks WeChat to push one (``api_start_push_ticket``), at most once
      per ``ticket_request_interval`` across the fleet (seconds; an age of None: never).
    * ``dictionary_ttl`` — how long the ICP filing dictionaries (subject and certificate
      types, districts, service content types, prior approvals), which change rarely, are kept
      per platform in the store's token cache (seconds; 0: never kept).
    * ``compliance_check_age`` / ``compliance_check_batch`` — the background refresher reads a
      mini program's filing, privacy interfaces and violations from WeChat again once its
      compliance record is older than ``compliance_check_age`` (seconds; None: never), at most
      ``compliance_check_batch`` accounts per round across the fleet.
    * ``exchange_retention`` — how long a finished code exchange (a job of the store's queue)
      is kept before the background refresher purges it (3 days by default). While it is
      kept, WeChat's retry of the push that brought the code is recognised by the job's
      key; keep it at least the callbacks' ``dedupe_ttl``.
    """

    max_margin: float = 600.0
    margin_ratio: float = 1.0 / 12.0
    refresh_lead: float = 300.0
    lease_ttl: float = 30.0
    wait_timeout: float = 35.0
    poll_initial: float = 0.02
    poll_max: float = 0.5
    attempts: int = 3
    backoff_base: float = 0.2
    backoff_max: float = 3.0
    timeout: float = 10.0
    reconcile_interval: float | None = 3600.0
    ticket_request_age: float | None = 1200.0
    ticket_request_interval: float = 600.0
    dictionary_ttl: float = 86400.0
    compliance_check_age: float | None = 86400.0
    compliance_check_batch: int = 20
    exchange_retention: float = 3 * 86400.0

    def __post_init__(self) -> None:
        for name in ("lease_ttl", "wait_timeout", "poll_initial", "poll_max", "timeout"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(name, "must be positive")
        if self.attempts < 1:
            raise ConfigurationError("attempts", "must be at least 1")
        if self.reconcile_interval is not None and not self.reconcile_interval > 0:
            raise ConfigurationError("reconcile_interval", "must be positive (or None)")
        if self.ticket_request_age is not None and not self.ticket_request_age > 0:
            raise ConfigurationError("ticket_request_age", "must be positive (or None)")
        if not self.ticket_request_interval > 0:
            raise ConfigurationError("ticket_request_interval", "must be positive")
        if not self.dictionary_ttl >= 0:
            raise ConfigurationError("dictionary_ttl", "must be 0 or more")
        if self.compliance_check_age is not None and not self.compliance_check_age > 0:
            raise ConfigurationError("compliance_check_age", "must be positive (or None)")
        if not 1 <= self.compliance_check_batch <= 1000:
            raise ConfigurationError("compliance_check_batch", "must be from 1 to 1000")
        if not self.exchange_retention > 0:
            raise ConfigurationError("exchange_retention", "must be positive")

    def margin(self, lifetime: float) -> float:
        """Seconds before ``expires_at`` at which a token of ``lifetime`` stops being fresh."""
        return max(0.0, min(self.max_margin, lifetime * self.margin_ratio))

    def refresh_time(self, token: CachedToken) -> float:
        """When the background refresher renews ``token``: the moment it would stop being
        fresh with ``lead=refresh_lead`` (see :func:`is_fresh`)."""
        return token.expires_at - self.margin(token.expires_at - token.obtained_at) \
            - self.refresh_lead

    def backoff(self, attempt: int, rng: _random.Random) -> float:
        """Pause before try ``attempt + 1`` (``attempt`` >= 1): full jitter, capped."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)

    def poll_delays(self, rng: _random.Random) -> _PollDelays:
        """The growing pauses of a waiter polling the store."""
        return _PollDelays(self.poll_initial, self.poll_max, rng)


class _PollDelays:
    __slots__ = ("_current", "_max", "_rng")

    def __init__(self, initial: float, maximum: float, rng: _random.Random) -> None:
        self._current = initial
        self._max = maximum
        self._rng = rng

    def next(self) -> float:
        delay = self._current * self._rng.uniform(0.75, 1.25)
        self._current = min(self._max, self._current * 1.6)
        return delay


def is_fresh(
    token: CachedToken | None,
    now: float,
    policy: Policy,
    *,
    stale: str | None = None,
    lead: float = 0.0,
) -> bool:
    """True when ``token`` can be handed out: present, not ``stale``, and before its margin."""
    if token is None or (stale is not None and token.value == stale):
        return False
    lifetime = token.expires_at - token.obtained_at
    return now < token.expires_at - policy.margin(lifetime) - lead
