"""Exchanging the authorization codes WeChat pushes, with retries: in this process
(:func:`exchange_code`), or one try at a time for the durable queue (:func:`exchange_once`).
After an exchange, :func:`read_account` looks the account up (``api_get_authorizer_info``),
so its record has a name and account type at once instead of when its token next comes due.

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
from ..stores.base import Store
from .context import Context
from .effects import Emit, Flow, Sleep, store_call
from .endpoints.component import exchange_authorization_code, get_authorizer_info
from .listener_events import ListenerEvent
from .models import AuthorizationInfo
from .release_accounts import is_release_check_account

__all__ = ["ExchangeError", "exchange_code", "exchange_once", "read_account"]

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
    failure, which is logged and emitted as ``authorization_exchange_failed``. An exchanged
    account is then looked up (:func:`read_account`).
    """
    delay = backoff
    attempt = 0
    while True:
        attempt += 1
        try:
            info = yield from exchange_authorization_code(ctx, code, event_at=event_at)
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
            yield Emit(ListenerEvent.AUTHORIZATION_EXCHANGE_FAILED, {
                "appid": authorizer_appid, "source": source, "attempts": attempt,
                "error": type(exc).__name__,
            })
            return None
        yield from read_account(ctx, info.authorizer_appid, backoff=backoff)
        return info


#: Tries of the lookup of an account after its code exchange.
READ_ATTEMPTS = 3


def read_account(ctx: Context, authorizer_appid: str, *, attempts: int = READ_ATTEMPTS,
                 backoff: float = 1.0) -> Flow[bool]:
    """Look an account up right after its code exchange (``api_get_authorizer_info``, which
    keeps its name and account type in its record), so operators find a new account by name
    at once.

    Bounded: ``attempts`` tries, pausing ``backoff`` seconds and doubling, and only for errors
    a retry may fix. A failure is only logged (False): the exchange stands, and the
    refresher's lookup of unnamed accounts fills the name in later.
    """
    if not authorizer_appid or is_release_check_account(authorizer_appid):
        return False  # the release check's test accounts have no record to name
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            yield from get_authorizer_info(ctx, authorizer_appid)
        except Exception as exc:
            if attempt < attempts and _retryable(exc):
                yield Sleep(delay)
                delay *= 2
                continue
            log.warning("the details of %s were not read after its code exchange (%s); the "
                        "refresher looks it up later", authorizer_appid, type(exc).__name__)
            return False
        return True
    return False


@dataclass(frozen=True)
class ExchangeError:
    """Why one try of a code exchange failed: the error's name, and whether a retry may
    help."""

    name: str
    retryable: bool


def exchange_once(ctx: Context, code: str, *, source: str = "authorized",
                  authorizer_appid: str = "", since: float | None = None,
                  event_at: int = 0) -> Flow[ExchangeError | str]:
    """One try of exchanging a code pushed at ``CreateTime`` ``event_at``: the appid of the
    authorizer now stored (or left as it is because the store holds a later change of it), or
    why the try failed.

    A code WeChat calls used or expired (61009, 61010) counts as exchanged when the store
    holds the authorizer, authorized and written since ``since`` (when the push came): an
    earlier try whose answer was lost, or the merchant's redirect, exchanged it.
    """
    try:
        info = yield from exchange_authorization_code(ctx, code, event_at=event_at)
    except AuthCodeInvalid as exc:
        if since is not None and authorizer_appid:
            record = yield from store_call(Store.get_authorizer, ctx.appid, authorizer_appid)
            if record is not None and record.status == "authorized" \
                    and record.updated_at >= since - _SKEW:
                log.info("the %s code of %s was exchanged already", source, authorizer_appid)
                return authorizer_appid
        return ExchangeError(type(exc).__name__, _retryable(exc))
    except Exception as exc:
        log.info("exchange of the %s code of %s failed: %s", source,
                 authorizer_appid or "an account", type(exc).__name__)
        return ExchangeError(type(exc).__name__, _retryable(exc))
    return info.authorizer_appid or authorizer_appid
