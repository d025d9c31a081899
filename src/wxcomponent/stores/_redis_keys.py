"""Where the Redis store keeps what, and how it writes records and tokens there.

Key layout (``p`` is the prefix, ``c`` a component appid, ``a`` an authorizer appid; appids
never contain ``:``, so no appid can spell another platform's key). Every key of a platform
carries its hash tag ``{c}``, so every script touches one slot and the store runs on Redis
Cluster; a token or lease key is tagged with the component appid it starts with (the token
layer's keys are ``c:…``), or with a digest of itself (``{~…}``)::

    p:{c}:ticket                  hash: value, created_at, received_at
    p:{c}:authorizer:a            hash: refresh_token, status, func_info, *_at, tenant, name,
                                  name_key (base.name_key of the name), refresh_at,
                                  account_type, auth_event_at
    p:{c}:authorizers             sorted set of every authorizer appid (score 0: lexical order)
    p:{c}:authorizers:<status>    the same, by status
    p:{c}:due                     sorted set of the authorized appids, scored by refresh_at
    p:{c}:names                   sorted set of "<name_key>\\0<appid>" per named record (score
                                  0: ZRANGE BYLEX finds a name's beginning, in name order)
    p:{c}:mirror-epoch            counter bumped by every write of a durable authorizer record
    p:{c}:layout                  "4" once the platform's keys of older versions were moved,
                                  its records indexed by schedule and name, and its per-key
                                  fence counters folded into ``fences``
    p:{c}:token:<key>             string "expires_at obtained_at value", PX expiry
    p:{c}:lease:<key>             string: the fence of the current holder, PX expiry
    p:{c}:fences                  counter: the last fence granted for any key of the tag
    p:{c}:q:…                     the job queue (see :mod:`._redis_queue`)

Tokens and leases expire by ``PX``; the one counter per hash tag is all a lease leaves behind,
so a platform keeps one key for fences however many keys it leases (a key without an appid,
tagged by its digest, keeps a counter of its own). Fences never repeat for a key: its next
grant takes the tag's counter, which only grows, even once the lease key has expired.

The scripts that write a record keep ``due`` and ``names`` in step with it, atomically. With
a durable store beside Redis, searches and due records are read from the durable store, and
the mirror's indexes only follow the mirrored records.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from ..errors import StoreCorrupt
from .base import (
    ACCOUNT_TYPES,
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Ticket,
    name_key,
)

__all__ = [
    "RedisKeys",
    "decode_record",
    "decode_ticket",
    "encode_record",
    "fields_of",
    "ms",
    "num",
    "pack_token",
    "text",
    "unpack_token",
]


class RedisKeys:
    """The names of the keys of one prefix (see the module docs for the layout)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def platform(self, c: str) -> str:
        """The start of every key of platform ``c``: its hash tag puts them in one slot."""
        return f"{self.prefix}:{{{c}}}:"

    def ticket_key(self, c: str) -> str:
        """The hash of ``c``'s ticket."""
        return f"{self.platform(c)}ticket"

    def record_key(self, c: str, a: str) -> str:
        """The hash of one authorizer record."""
        return f"{self.platform(c)}authorizer:{a}"

    def record_keys(self, c: str, a: str) -> tuple[str, ...]:
        """The keys a record's scripts take: the record, the index of every appid, those by
        status (authorized, revoked), the mirror epoch, and the due and names indexes."""
        return (
            self.record_key(c, a),
            self.index_key(c, None),
            self.index_key(c, "authorized"),
            self.index_key(c, "revoked"),
            f"{self.platform(c)}mirror-epoch",
            self.due_key(c),
            self.names_key(c),
        )

    def due_key(self, c: str) -> str:
        """The authorized appids of ``c``, scored by ``refresh_at``."""
        return f"{self.platform(c)}due"

    def names_key(self, c: str) -> str:
        """The ``name_key + "\\0" + appid`` of each named record of ``c``."""
        return f"{self.platform(c)}names"

    def index_key(self, c: str, status: AuthorizerStatus | None) -> str:
        """The appids of ``c``'s records (of one ``status``, or all of them)."""
        index = f"{self.platform(c)}authorizers"
        return index if status is None else f"{index}:{status}"

    @staticmethod
    def tag(key: str) -> str:
        """The hash tag of a token or lease key: the component appid it starts with (the token
        layer's keys are ``<component appid>:…``), else a digest of the key."""
        head, sep, _rest = key.partition(":")
        if sep and head and "{" not in head and "}" not in head:
            return head
        return "~" + hashlib.sha1(key.encode()).hexdigest()[:16]  # noqa: S324 (a name)

    def token_key(self, key: str) -> str:
        """The string holding a cached token."""
        return f"{self.platform(self.tag(key))}token:{key}"

    def lease_key(self, key: str) -> str:
        """The string holding the current lease on ``key``."""
        return f"{self.platform(self.tag(key))}lease:{key}"

    def fences_key(self, key: str) -> str:
        """The counter of fences granted for every key of ``key``'s hash tag."""
        return f"{self.platform(self.tag(key))}fences"

    def old_fence_key(self, key: str) -> str:
        """The per-key counter of fences versions before layout 4 kept for ``key``."""
        return f"{self.platform(self.tag(key))}fence:{key}"


# ---------------------------------------------------------------------- encoding


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def fields_of(reply: Any) -> dict[str, str]:
    """A hash as a dict of str, from HGETALL (dict) or from Lua (flat list)."""
    if isinstance(reply, dict):
        return {text(k): text(v) for k, v in reply.items()}
    items = list(reply or ())
    return {text(items[i]): text(items[i + 1]) for i in range(0, len(items) - 1, 2)}


def num(value: float) -> str:
    return repr(float(value))


def pack_token(token: CachedToken) -> str:
    """The Redis string of a token: ``"expires_at obtained_at value"``."""
    return f"{num(token.expires_at)} {num(token.obtained_at)} {token.value}"


def unpack_token(raw: Any) -> CachedToken:
    """Inverse of :func:`pack_token`."""
    try:
        expires_at, obtained_at, value = text(raw).split(" ", 2)
        return CachedToken(value, float(expires_at), float(obtained_at))
    except ValueError as exc:
        raise StoreCorrupt("Redis holds an unreadable cached token") from exc


def encode_record(record: AuthorizerRecord) -> list[str]:
    """A record as the script ``lua/save_authorizer.lua`` takes it: its tenant, name and name
    key ('' for none), ``refresh_at``, the account type ('' for none) and ``auth_event_at``,
    then the field/value pairs of the rest of its hash."""
    return [
        record.tenant or "",
        record.name or "",
        "" if record.name is None else name_key(record.name),
        num(record.refresh_at),
        record.account_type or "",
        str(record.auth_event_at),
        "refresh_token", record.refresh_token,
        "status", record.status,
        "func_info", ",".join(str(i) for i in record.func_info),
        "authorized_at", num(record.authorized_at),
        "updated_at", num(record.updated_at),
        "revoked_at", "" if record.revoked_at is None else num(record.revoked_at),
    ]  # fmt: skip


_ACCOUNT_TYPES: dict[str, AccountType] = {kind: kind for kind in ACCOUNT_TYPES}


def decode_record(c: str, a: str, fields: dict[str, str]) -> AuthorizerRecord:
    """An authorizer record from its hash."""
    try:
        status: AuthorizerStatus = "revoked" if fields["status"] == "revoked" else "authorized"
        return AuthorizerRecord(
            component_appid=c,
            authorizer_appid=a,
            refresh_token=fields["refresh_token"],
            status=status,
            func_info=tuple(int(i) for i in fields["func_info"].split(",") if i),
            authorized_at=float(fields["authorized_at"]),
            updated_at=float(fields["updated_at"]),
            revoked_at=float(fields["revoked_at"]) if fields["revoked_at"] else None,
            # absent in records of older versions
            tenant=fields.get("tenant") or None,
            name=fields.get("name") or None,
            refresh_at=float(fields.get("refresh_at") or 0.0),
            account_type=_ACCOUNT_TYPES.get(fields.get("account_type") or ""),
            auth_event_at=int(fields.get("auth_event_at") or 0),
        )
    except (KeyError, ValueError) as exc:
        raise StoreCorrupt(f"Redis holds an unreadable record of authorizer {a}") from exc


def decode_ticket(c: str, fields: dict[str, str]) -> Ticket:
    """A ticket from its hash."""
    try:
        return Ticket(c, fields["value"], int(fields["created_at"]), float(fields["received_at"]))
    except (KeyError, ValueError) as exc:
        raise StoreCorrupt(f"Redis holds an unreadable ticket of {c}") from exc


def ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
