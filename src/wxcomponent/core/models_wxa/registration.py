"""The answers of fast registration: personal, trial and reused registrations
(``core/endpoints/registration.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel

__all__ = [
    "PersonalRegistration",
    "PersonalRegistrationStatus",
    "ReusedRegistration",
    "TrialRegistration",
]


@dataclass(frozen=True)
class PersonalRegistration(WxaModel):
    """A personal mini program registration task: send ``authorize_url`` to the user."""

    taskid: str = ""
    authorize_url: str = ""
    status: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PersonalRegistrationStatus(WxaModel):
    """The state of a personal registration task (``status`` 0 done; see WeChat's table)."""

    status: int = 0
    appid: str = ""
    authorization_code: str = field(default="", repr=False)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TrialRegistration(WxaModel):
    """A trial mini program request: send ``authorize_url`` to the user."""

    unique_id: str = ""
    authorize_url: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ReusedRegistration(WxaModel):
    """A mini program registered with an official account's subject, authorized at once:
    exchange ``authorization_code`` with :meth:`query_auth`."""

    appid: str = ""
    authorization_code: str = field(default="", repr=False)
    is_wx_verify_succ: bool = False
    is_link_succ: bool = False
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
