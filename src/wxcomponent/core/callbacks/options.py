"""How pushes are handled: :class:`CallbackOptions`.

Internal module: import it from :mod:`wxcomponent`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigurationError
from ..xml import DEFAULT_MAX_BODY

__all__ = ["CallbackOptions"]

@dataclass(frozen=True)
class CallbackOptions:
    """How pushes are handled.

    * ``store_ticket`` — store each ``component_verify_ticket`` (before answering).
    * ``exchange_codes`` — exchange the code of ``authorized`` / ``updateauthorized`` and of a
      successful fast registration in the background, and persist the authorizer.
    * ``forget_on_unauthorized`` — on ``unauthorized``, mark the authorizer revoked and drop
      its tokens (before answering), unless the authorizer's record holds a later
      authorization change.
    * ``timestamp_window`` — refuse (403) pushes whose ``timestamp`` is further than this many
      seconds from the clock (30 minutes by default; None turns it off). Together with the
      dedupe window it makes a captured push useless: replayed within the window it is a
      duplicate, later it is stale. Keep the host's clock synchronized (NTP).
    * ``dedupe_ttl`` — how long a handled push is remembered, so WeChat's retries of it are
      answered ``success`` without running anything again. It must cover the timestamp
      window on both sides (at least twice ``timestamp_window``); by default it does.
    * ``release_check`` — answer WeChat's release check (全网发布) for its two test accounts,
      and only for them (see :mod:`wxcomponent.core.release_check`).
    * ``durable_exchanges`` — record each code exchange as a job of the store's durable queue
      before WeChat is answered, so a crash cannot lose it (the next worker, or another host's
      refresher, finishes it); off, the exchange only runs in the background of this process.
    * ``forward_topics`` — queue topics (``deliver:<webhook>``) every accepted push is written
      to, durably and before WeChat is answered (the service's webhooks deliver them).
    * ``max_body`` — the largest POST body accepted (413 above; 64 KiB by default). The
      platform's message crypto is built with the same limit, so a larger value lets larger
      pushes through decryption too (a :class:`~wxcomponent.core.crypto.MessageCrypto` built
      directly keeps its own ``max_body``, 64 KiB by default).
    * ``exchange_attempts`` / ``exchange_backoff`` — tries of a background code exchange, and
      the first pause between them in seconds (doubling each time).
    * ``track_compliance`` — filing, verification, privacy-interface, violation and appeal
      pushes update the account's compliance record (the compliance board) before any handler.
    """

    store_ticket: bool = True
    exchange_codes: bool = True
    forget_on_unauthorized: bool = True
    timestamp_window: float | None = 1800.0
    dedupe_ttl: float = 3900.0
    max_body: int = DEFAULT_MAX_BODY
    exchange_attempts: int = 5
    exchange_backoff: float = 1.0
    release_check: bool = True
    durable_exchanges: bool = True
    forward_topics: tuple[str, ...] = ()
    track_compliance: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.forward_topics, str) or not all(
                isinstance(t, str) and t for t in self.forward_topics):
            raise ConfigurationError("forward_topics", "must be a tuple of non-empty names")
        if self.timestamp_window is not None and not self.timestamp_window > 0:
            raise ConfigurationError("timestamp_window",
                                     "must be positive (or None to turn it off)")
        if not self.dedupe_ttl > 0:
            raise ConfigurationError("dedupe_ttl", "must be positive")
        if self.timestamp_window is not None and self.dedupe_ttl < 2 * self.timestamp_window:
            raise ConfigurationError(
                "dedupe_ttl", f"must be at least twice timestamp_window "
                f"({2 * self.timestamp_window:g} s), or a push replayed inside the window "
                "would be handled again")
        if isinstance(self.max_body, bool) or not isinstance(self.max_body, int) \
                or self.max_body < 1:
            raise ConfigurationError("max_body", "must be a positive int")
        if self.exchange_attempts < 1:
            raise ConfigurationError("exchange_attempts", "must be at least 1")
        if not self.exchange_backoff >= 0:
            raise ConfigurationError("exchange_backoff", "must not be negative")
