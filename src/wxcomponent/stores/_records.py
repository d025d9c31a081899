"""The records a store keeps and hands back: :class:`Ticket`, :class:`AuthorizerRecord`,
:class:`CachedToken` and :class:`Job`, with the kinds of their fields and the rule of
names (:func:`name_key`). The protocols that keep them are in :mod:`.base`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

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


def _size(payload: bytes) -> str:
    return f"<{len(payload)} bytes>"


def _shown(record: Any, **written: Callable[[Any], str]) -> str:
    """The repr of the dataclass ``record``: every field in order, by its repr, but those named
    in ``written``, shown by their function (a secret redacted, a payload by its size)."""
    parts = (f"{f.name}={written[f.name](v) if f.name in written else repr(v)}"
             for f in fields(record) for v in (getattr(record, f.name),))
    return f"{type(record).__name__}({', '.join(parts)})"


@dataclass(frozen=True)
class Ticket:
    """The latest verify ticket of a platform. ``created_at`` is the push's CreateTime."""

    component_appid: str
    value: str = field(repr=False)
    created_at: int
    received_at: float

    def __repr__(self) -> str:
        return _shown(self, value=redact)


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
        return _shown(self, refresh_token=redact)


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
        return _shown(self, value=redact)


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
        return _shown(self, payload=_size)
