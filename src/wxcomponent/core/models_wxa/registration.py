"""The answers of fast registration: enterprise, personal, trial and reused registrations
(``core/endpoints/registration.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel

__all__ = [
    "EnterpriseRegistration",
    "EnterpriseRegistrationStatus",
    "PersonalRegistration",
    "PersonalRegistrationStatus",
    "ReusedRegistration",
    "TrialRegistration",
]


#: The ``status`` of a task still waiting for its ``authorize_url`` to be completed.
TASK_PENDING = 1000


@dataclass(frozen=True)
class _RegistrationTask(WxaModel):
    taskid: str = ""
    authorize_url: str = field(default="", repr=False)
    status: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class _TaskStatus(WxaModel):
    status: int = 0
    appid: str = ""
    authorization_code: str = field(default="", repr=False)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def pending(self) -> bool:
        """True while the task waits for its ``authorize_url`` (``status`` 1000)."""
        return self.status == TASK_PENDING


@dataclass(frozen=True)
class EnterpriseRegistration(_RegistrationTask):
    """An enterprise mini program registration task: send ``authorize_url`` to the legal
    person, who has 24 hours to complete it; keep ``taskid`` to query the task. The result
    comes as a ``notify_third_fasteregister`` push."""


@dataclass(frozen=True)
class EnterpriseRegistrationStatus(_TaskStatus):
    """The state of an enterprise registration task (``status`` 0 done, 1000 waiting for
    the legal person; other values failed, see WeChat's table)."""


@dataclass(frozen=True)
class PersonalRegistration(_RegistrationTask):
    """A personal mini program registration task: send ``authorize_url`` to the user, the
    only way they verify now."""


@dataclass(frozen=True)
class PersonalRegistrationStatus(_TaskStatus):
    """The state of a personal registration task (``status`` 0 done, 1000 waiting for the
    user; other values failed, see WeChat's table)."""


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
