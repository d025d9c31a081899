"""The ``callback_allowlist`` setting: pushes accepted only from WeChat's callback addresses.

Each platform's list comes from :func:`wxcomponent.core.callback_addresses.callback_addresses`
(``getcallbackip``, fetched once a day fleet-wide and kept in the store); each process keeps
it in memory until it is due again, so a push costs no store read. The client's address is the
connection's, or the one a trusted proxy named (``trusted_proxies``: the service applies
``X-Forwarded-For`` from them before this check).

A push from another address gets 403 before anything is read or stored. When the list cannot
be had:

* before the platform's first verify ticket is stored there is no token to ask WeChat with, so
  pushes are let through (their signatures are still checked): that is how the first ticket
  comes in;
* when WeChat cannot be asked now (unreachable, an error), the last list this process had is
  used; without one the push gets 503 and WeChat pushes it again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.types import Receive, Scope, Send

from ..client import AsyncComponent
from ..core.callback_addresses import CallbackAddresses
from ..errors import TicketNotFound, WxComponentError
from .ratelimit import client_address

__all__ = ["CallbackAllowlist", "refuse"]

log = logging.getLogger("wxcomponent.service")


class CallbackAllowlist:
    """Which clients may push to each platform (``clock`` is the service's)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lists: dict[str, CallbackAddresses] = {}

    async def refusal(self, component: AsyncComponent, scope: Scope) -> int | None:
        """None when the request may go on, else the HTTP status refusing it (403: not one
        of WeChat's addresses; 503: WeChat's list cannot be had now)."""
        address = client_address(scope)
        known = self._lists.get(component.appid)
        if known is None or self._clock() >= known.fresh_until:
            try:
                known = self._lists[component.appid] = await component.callback_addresses()
            except TicketNotFound:
                if known is None:
                    return None  # the first ticket: no token to ask WeChat with yet
            except WxComponentError as exc:
                log.warning("WeChat's callback addresses of %s cannot be fetched (%s)%s",
                            component.appid, exc,
                            "; the last list is used" if known else "; the push gets 503")
                if known is None:
                    return 503
        assert known is not None
        if known.allows(address):
            return None
        log.info("a request from %s to %s's callback URL was refused: not one of WeChat's "
                 "callback addresses", address, component.appid)
        return 403


async def refuse(status: int, send: Send, receive: Receive) -> None:
    """Answer a refused push: a short plain-text body, nothing else."""
    body = (b"forbidden: not one of WeChat's callback addresses\n" if status == 403
            else b"temporarily unavailable\n")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
