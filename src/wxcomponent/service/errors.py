"""How the service answers the library's typed errors: an HTTP status and a JSON body."""

from __future__ import annotations

from typing import Any

from ..errors import (
    APIError,
    AuthorizerNotFound,
    ConfigurationError,
    InvalidAppCredentials,
    InvalidArgument,
    IPNotWhitelisted,
    LeaseTimeout,
    NotAuthorized,
    QuotaExceeded,
    RefreshTokenInvalid,
    StoreError,
    SystemBusy,
    TicketInvalid,
    TicketNotFound,
    TransportError,
    WxComponentError,
)

__all__ = ["error_body", "error_status"]

#: (exception class, HTTP status), the first match wins.
_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigurationError, 400),
    (InvalidArgument, 400),
    (AuthorizerNotFound, 404),
    (NotAuthorized, 409),
    (RefreshTokenInvalid, 409),
    (QuotaExceeded, 429),
    (TicketNotFound, 503),
    (TicketInvalid, 503),
    (SystemBusy, 503),
    (LeaseTimeout, 503),
    (StoreError, 503),
    (TransportError, 502),
    (InvalidAppCredentials, 502),
    (IPNotWhitelisted, 502),
    (APIError, 502),
    (WxComponentError, 503),
)


def error_status(exc: BaseException) -> int:
    """The HTTP status for ``exc``: 4xx for the caller's mistakes, 502 when WeChat refused,
    503 when a retry later may work."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(exc: BaseException) -> dict[str, Any]:
    """The JSON body describing ``exc`` (never a traceback; messages carry no secrets)."""
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc) or type(exc).__name__}
    if isinstance(exc, APIError):
        body["errcode"] = exc.errcode
    return body
