"""WeChat's own addresses as the emulator answers them (``getcallbackip``,
``get_api_domain_ip``), set through :meth:`AddressControl.set_callback_ips`, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API under ``/__emulator__/``).
"""

from __future__ import annotations

import ipaddress

from ..errors import InvalidArgument
from .control_host import ControlHost

__all__ = ["AddressControl"]


def _network(value: object, field: str) -> str:
    """``value`` if it is an IP address or network, else :class:`InvalidArgument`."""
    try:
        return str(ipaddress.ip_network(str(value), strict=False)) if "/" in str(value) \
            else str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise InvalidArgument(field, f"{value!r} is not an IP address or network") from None


class AddressControl(ControlHost):
    """The control of the addresses WeChat answers with."""

    def set_callback_ips(self, ip_list: list[str],
                         api_ip_list: list[str] | None = None) -> list[str]:
        """Set the addresses ``getcallbackip`` answers (and ``get_api_domain_ip``'s, when
        given): addresses or networks (``198.51.100.0/24``). Returns the callback list."""
        checked = [_network(i, "ip_list") for i in ip_list]
        apis = None if api_ip_list is None else [_network(i, "api_ip_list") for i in api_ip_list]
        with self.state.lock:
            self.state.callback_ips = tuple(checked)
            if apis is not None:
                self.state.api_ips = tuple(apis)
        return checked
