"""The answers of privacy interfaces (隐私接口), the front-end APIs a mini program must apply
for before it may use them (``core/endpoints/privacy_interfaces.py``).

Internal module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .reader import JSON, WxaModel, member

__all__ = ["PrivacyApplication", "PrivacyInterface", "PrivacyInterfaceList",
           "PrivacyInterfaceState"]


class PrivacyInterfaceState(enum.IntEnum):
    """An interface's ``status`` in ``get_privacy_interface``. The ``wxa_privacy_apply``
    push uses other, undocumented values: re-read the list when it comes."""

    NOT_APPLIED = 1
    NO_PERMISSION = 2
    APPLYING = 3
    REJECTED = 4
    APPROVED = 5


@dataclass(frozen=True)
class PrivacyInterface(WxaModel):
    """One privacy interface (``wx.getLocation`` …) and where its application stands.
    ``apply_time``, ``status`` and ``audit_id`` come after an application (WeChat sends
    them as numbers or strings), ``fail_reason`` after a rejection."""

    api_name: str = ""
    api_ch_name: str = ""
    api_desc: str = ""
    api_link: str = ""
    group_name: str = ""
    status: int = 0
    apply_time: int = 0
    audit_id: int = 0
    fail_reason: str = ""

    @property
    def state(self) -> PrivacyInterfaceState | None:
        """``status`` as a :class:`PrivacyInterfaceState` (None when not given or unknown)."""
        return member(PrivacyInterfaceState, self.status)

    @property
    def approved(self) -> bool:
        """True when the mini program may use the interface."""
        return self.status == PrivacyInterfaceState.APPROVED


@dataclass(frozen=True)
class PrivacyInterfaceList(WxaModel):
    """The privacy interfaces and their states (``get_privacy_interface``)."""

    interface_list: tuple[PrivacyInterface, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    def get(self, api_name: str) -> PrivacyInterface | None:
        """The interface named ``api_name`` (case-sensitive, as WeChat compares it)."""
        return next((i for i in self.interface_list if i.api_name == api_name), None)


@dataclass(frozen=True)
class PrivacyApplication(WxaModel):
    """An application for a privacy interface (``apply_privacy_interface``): its audit id."""

    audit_id: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
