"""The records a store keeps and hands back: :class:`Ticket`, :class:`AuthorizerRecord`,
:class:`CachedToken` and :class:`Job`, with the kinds of their fields and the rule of
names (:func:`name_key`). The protocols that keep them are in :mod:`.base`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from ..redaction import redact

__all__ = [
    "ACCOUNT_TYPES",
    "MAX_ACCOUNT_NAME_LENGTH",
    "AccountType",
    "AuthorizerRecord",
    "AuthorizerStatus",
    "CachedToken",
    "Job",
    "JobState",
    "Ticket",
    "name_key",
]

AuthorizerStatus = Literal["authorized", "revoked"]
#: What kind of account authorized: an official account or a mini program.
AccountType = Literal["official_account", "mini_program"]
ACCOUNT_TYPES: tuple[AccountType, ...] = ("official_account", "mini_program")
#: Where a queued job stands: waiting (or claimed), finished, or given up.
JobState = Literal["pending", "done", "dead"]


@dataclass(frozen=True)
class Ticket:
    """The latest verify ticket of a platform. ``created_at`` is the push's CreateTime."""

    component_appid: str
    value: str = field(repr=False)
    created_at: int
    received_at: float

    def __repr__(self) -> str:
        return (
            f"Ticket(component_appid={self.component_appid!r}, value={redact(self.value)}, "
            f"created_at={self.created_at}, received_at={self.received_at})"
        )


@dataclass(frozen=True)
class AuthorizerRecord:
    """An account that authorized the platform, with its (secret) refresh token.

    ``tenant`` is the platform's own reference of the customer whose authorization link brought
    the account (at most 128 printable characters; not a secret), or None. Saving a record
    whose ``tenant`` is None keeps the tenant already stored: a new code exchange or a rotated
    refresh token never drops it; :meth:`Store.set_authorizer_tenant` changes or clears it.

    ``name`` is the account's name as WeChat shows it (``nick_name``), kept so that operators
    can find an account by name; None on save keeps the stored name
    (:meth:`Store.set_authorizer_name` changes it). ``account_type`` (``"official_account"``
    or ``"mini_program"``, from the same lookup) is kept with it; None (not known yet) on save
    keeps the stored one.

    ``refresh_at`` is when the background refresher should next look at the account's access
    token (epoch seconds; 0: at once). It is the store's refresh schedule: an index lets a
    refresher read only the accounts that are due (:meth:`Store.due_authorizers`), so a round
    costs what is due, not what is stored. 0 on save keeps the stored time;
    :meth:`Store.schedule_refresh` moves it.

    ``auth_event_at`` is the ``CreateTime`` (epoch seconds) of the latest authorization change
    applied to the record (``authorized``, ``updateauthorized``, ``unauthorized``; for a code
    exchanged without a push, the time of the exchange), 0 when none is known. A change older
    than it never applies (:meth:`Store.save_authorizer`, :meth:`Store.mark_revoked`), so a
    replayed or late push cannot move an account backwards. 0 on save keeps the stored time.
    """

    component_appid: str
    authorizer_appid: str
    refresh_token: str = field(repr=False)
    status: AuthorizerStatus = "authorized"
    func_info: tuple[int, ...] = ()
    authorized_at: float = 0.0
    updated_at: float = 0.0
    revoked_at: float | None = None
    tenant: str | None = None
    name: str | None = None
    refresh_at: float = 0.0
    account_type: AccountType | None = None
    auth_event_at: int = 0

    def __repr__(self) -> str:
        return (
            f"AuthorizerRecord(component_appid={self.component_appid!r}, "
            f"authorizer_appid={self.authorizer_appid!r}, "
            f"refresh_token={redact(self.refresh_token)}, status={self.status!r}, "
            f"func_info={self.func_info!r}, authorized_at={self.authorized_at}, "
            f"updated_at={self.updated_at}, revoked_at={self.revoked_at}, "
            f"tenant={self.tenant!r}, name={self.name!r}, refresh_at={self.refresh_at}, "
            f"account_type={self.account_type!r}, auth_event_at={self.auth_event_at})"
        )


#: Longest account name a store keeps (WeChat's are at most 30 characters).
MAX_ACCOUNT_NAME_LENGTH = 256


def name_key(name: str) -> str:
    """How names are compared and ordered by :meth:`Store.search_authorizers`: NFKC, then
    case-folded (so ``"ＡＢＣ"``, ``"abc"`` and ``"ABC"`` are one)."""
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass(frozen=True)
class CachedToken:
    """A cached access token (or ticket) and when it stops being usable (epoch seconds)."""

    value: str = field(repr=False)
    expires_at: float
    obtained_at: float = 0.0

    def __repr__(self) -> str:
        return (
            f"CachedToken(value={redact(self.value)}, expires_at={self.expires_at}, "
            f"obtained_at={self.obtained_at})"
        )


@dataclass(frozen=True)
class Job:
    """A job of a store's durable queue (see :meth:`Store.enqueue`).

    ``id`` grows with every enqueue in a store, so it is the order of enqueueing. Jobs of one
    ``(component_appid, topic, group)`` run one at a time, oldest first; groups proceed
    independently. ``payload`` is opaque to the store and never shown in the repr.
    ``attempts`` counts the claims; ``claim`` is the fence of the current claim (None when the
    job is not claimed), which :meth:`Store.ack_job`, :meth:`Store.retry_job` and
    :meth:`Store.bury_job` must present. ``key`` is the idempotency key given to
    :meth:`Store.enqueue`, if any.
    """

    id: int
    component_appid: str
    topic: str
    group: str
    payload: bytes = field(repr=False)
    state: JobState
    attempts: int
    available_at: float
    created_at: float
    updated_at: float
    last_error: str
    key: str | None
    claim: int | None

    def __repr__(self) -> str:
        return (
            f"Job(id={self.id}, component_appid={self.component_appid!r}, "
            f"topic={self.topic!r}, group={self.group!r}, payload=<{len(self.payload)} bytes>, "
            f"state={self.state!r}, attempts={self.attempts}, "
            f"available_at={self.available_at}, created_at={self.created_at}, "
            f"updated_at={self.updated_at}, last_error={self.last_error!r}, key={self.key!r}, "
            f"claim={self.claim})"
        )
