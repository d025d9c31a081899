"""Exchanging the authorization codes WeChat pushes, with retries: in this process
(:func:`exchange_code`), or one try at a time for the durable queue (:func:`exchange_once`).

Internal module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..errors import (
    APIError,
    AuthCodeInvalid,
    LeaseTimeout,
    StoreError,
    TicketNotFound,
    TransportError,
)
from .context import Context
from .effects import Emit, Flow, Sleep, StoreCall
from .endpoints.component import exchange_authorization_code
from .models import AuthorizationInfo

__all__ = ["ExchangeError", "exchange_code", "exchange_once"]

log = logging.getLogger("wxcomponent")

#: Clock skew allowed between the host that received a push and the one that stored it.
_SKEW = 60.0


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, APIError):
        return exc.retryable
    return isinstance(exc, (TransportError, StoreError, LeaseTimeout, TicketNotFound))


def exchange_code(
    ctx: Context,
    code: str,
    *,
    attempts: int = 5,
    backoff: float = 1.0,
    authorizer_appid: str = "",
    source: str = "authorized",
    event_at: int = 0,
) -> Flow[AuthorizationInfo | None]:
    """Exchange an authorization code pushed by WeChat (at ``CreateTime`` ``event_at``),
    retrying transient failures.

    Tries :func:`~wxcomponent.core.endpoints.component.query_auth` ``attempts`` times,
    pausing ``backoff`` seconds and doubling; an error that a retry cannot fix (an invalid or
    used code, a permission or configuration error) ends it at once. Returns None after a
    failure, which is logged and emitted as ``authorization_exchange_failed``.
    """
    delay = backoff
    attempt = 0
    while True:
        attempt += 1
        try:
            return (yield from exchange_authorization_code(ctx, code, event_at=event_at))
        except Exception as exc:
            if attempt < attempts and _retryable(exc):
                log.info("exchange of the %s code of %s failed (%s); try %d of %d in %.1fs",
                         source, authorizer_appid or "an account", type(exc).__name__,
                         attempt + 1, attempts, delay)
                yield Sleep(delay)
                delay *= 2
                continue
            log.error("exchange of the %s code of %s failed after %d tries: %s", source,
                      authorizer_appid or "an account", attempt, exc)
            yield Emit("authorization_exchange_failed", {
                "appid": authorizer_appid, "source": source, "attempts": attempt,
                "error": type(exc).__name__,
            })
            return None


@dataclass(frozen=True)
class ExchangeError:
    """Why one try of a code exchange failed: the error's name, and whether a retry may
    help."""

    name: str
    retryable: bool


def exchange_once(ctx: Context, code: str, *, source: str = "authorized",
                  authorizer_appid: str = "", since: float | None = None,
                  event_at: int = 0) -> Flow[ExchangeError | None]:
    """One try of exchanging a code pushed at ``CreateTime`` ``event_at`` (None when the
    authorizer is stored, or left as it is because the store holds a later change of it).

    A code WeChat calls used or expired (61009, 61010) counts as exchanged when the store
    holds the authorizer, authorized and written since ``since`` (when the push came): an
    earlier try whose answer was lost, or the merchant's redirect, exchanged it.
    """
    try:
        yield from exchange_authorization_code(ctx, code, event_at=event_at)
    except AuthCodeInvalid as exc:
        if since is not None and authorizer_appid:
            record = yield StoreCall("get_authorizer", (ctx.appid, authorizer_appid))
            if record is not None and record.status == "authorized" \
                    and record.updated_at >= since - _SKEW:
                log.info("the %s code of %s was exchanged already", source, authorizer_appid)
                return None
        return ExchangeError(type(exc).__name__, _retryable(exc))
    except Exception as exc:
        log.info("exchange of the %s code of %s failed: %s", source,
                 authorizer_appid or "an account", type(exc).__name__)
        return ExchangeError(type(exc).__name__, _retryable(exc))
    return None
