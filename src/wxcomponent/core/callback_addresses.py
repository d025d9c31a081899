"""WeChat's callback addresses, kept fleet-wide: the addresses WeChat pushes from
(``getcallbackip``), fetched at most once a day across every host sharing the store.

The list lives in the store's token cache under ``{component_appid}:callback_ips``, like a
token: one host fetches it under the single-flight rule (:mod:`.singleflight`) and the others
read it, until it comes within its margin of a day old. WeChat advises fetching it daily, as
the addresses change. An answer without a single usable address is an error and is not kept.

Internal module.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass

from ..errors import TransportError
from ..stores.base import CachedToken
from .context import Context
from .effects import Flow
from .endpoints.openapi import callback_ips
from .singleflight import ensure_token

__all__ = ["LIST_LIFETIME", "CallbackAddresses", "callback_addresses"]

log = logging.getLogger("wxcomponent.callback_addresses")

#: How long a fetched list is used (seconds): WeChat advises fetching it once a day.
LIST_LIFETIME = 86400.0

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class CallbackAddresses:
    """WeChat's callback addresses and networks, when they were fetched, and until when they
    are used before being fetched again (``fresh_until``, epoch seconds)."""

    networks: tuple[str, ...]
    fetched_at: float
    fresh_until: float

    def allows(self, address: str) -> bool:
        """Whether ``address`` (a client's IP address) is one of WeChat's."""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
            parsed = parsed.ipv4_mapped
        return any(parsed in network for network in _parsed(self.networks))


def _parsed(values: tuple[str, ...]) -> list[_Network]:
    networks: list[_Network] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            continue
    return networks


def callback_addresses(ctx: Context) -> Flow[CallbackAddresses]:
    """WeChat's callback addresses: from the store while the list kept there is fresh, else
    fetched with ``getcallbackip`` (once across the fleet) and kept for a day."""

    def fetch(ctx: Context) -> Flow[CachedToken]:
        now = ctx.clock()
        listed = yield from callback_ips(ctx)
        usable = tuple(str(n) for n in _parsed(listed))
        if len(usable) < len(listed):
            log.warning("getcallbackip listed %d value(s) that are not addresses; ignored",
                        len(listed) - len(usable))
        if not usable:
            raise TransportError("getcallbackip answered no address")
        return CachedToken(json.dumps(usable), now + LIST_LIFETIME, now)

    cached = yield from ensure_token(ctx, f"{ctx.appid}:callback_ips", fetch,
                                     kind="callback address list")
    try:
        values = json.loads(cached.value)
    except ValueError:
        values = []
    networks = tuple(str(v) for v in values) if isinstance(values, list) else ()
    lifetime = cached.expires_at - cached.obtained_at
    return CallbackAddresses(networks, cached.obtained_at,
                             cached.expires_at - ctx.policy.margin(lifetime))
