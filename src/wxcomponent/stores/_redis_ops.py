"""Every rule of the Redis store, written once, free of I/O.

Each operation is a generator that yields *steps* and receives their replies:

* a ``tuple`` is one Redis command (``("GET", key)``), executed with ``execute_command``;
* a :class:`DurableCall` is a call to the durable store beside Redis (see :mod:`.redis`).

An exception raised while executing a step is thrown into the generator, so the generator
alone decides what to do about it (e.g. reload a Lua script Redis forgot); anything it does not
handle comes back out to the driver, which maps Redis errors with :func:`translate`.

:class:`~wxcomponent.stores.RedisStore` drives these generators with a blocking client,
:class:`~wxcomponent.stores.AsyncRedisStore` with an asyncio client; neither holds any rule.

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

Versions before hash tags wrote ``p:c:…`` and ``p::token:<key>``; versions before names and the
schedule wrote records without ``name``, ``name_key`` and ``refresh_at`` (read as none and 0)
and no ``due`` or ``names`` entries (and versions before authorization times, records
without ``auth_event_at``, read as 0); versions before layout 4 counted fences per key in
``p:{c}:fence:<key>``, one counter kept forever per key ever leased. The first use of a
platform moves its keys, indexes its records and folds those counters into ``fences``
(:meth:`RedisOps.layout_ready`); a lease taken meanwhile folds its key's counter itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import StoreCorrupt, StoreError, StoreUnavailable
from . import _validate as valid
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
    "LAYOUT",
    "DurableCall",
    "Op",
    "RedisOps",
    "Script",
    "Step",
    "eval_script",
    "fields_of",
    "load_script",
    "load_source",
    "num",
    "redact_url",
    "text",
    "translate",
]

log = logging.getLogger("wxcomponent.stores")

T = TypeVar("T")


@dataclass(frozen=True)
class DurableCall:
    """A step: call ``method`` of the durable store with these arguments."""

    method: str
    # The arguments may hold refresh tokens: never shown.
    args: tuple[Any, ...] = field(default=(), repr=False)
    kwargs: dict[str, Any] = field(default_factory=dict, repr=False)


Step = tuple[Any, ...] | DurableCall
#: The layout marker of a platform whose keys are all in the current layout.
LAYOUT = "4"
#: How many records one script indexes when a platform's older records are indexed.
INDEX_BATCH = 500
#: How many keys one script looks at (SCAN COUNT) when per-key fence counters are folded.
FOLD_BATCH = 1000
#: An operation: yields steps, receives their replies, returns the result.
Op = Generator[Step, Any, T]


# ---------------------------------------------------------------------- Lua scripts


@dataclass(frozen=True)
class Script:
    """A Lua script, sent by SHA1 and re-sent in full when Redis does not know it."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())  # noqa: S324


def load_source(name: str) -> str:
    """The source of the Lua script in ``lua/<name>.lua``, less the comment block it starts
    with (its KEYS and ARGV): that block is for the reader, not sent to Redis."""
    lines = (files(__package__) / "lua" / f"{name}.lua").read_text("utf-8").splitlines(True)
    start = 0
    while start < len(lines) and lines[start].startswith("--"):
        start += 1
    if start < len(lines) and not lines[start].strip():
        start += 1
    return "\n" + "".join(lines[start:])


def load_script(name: str) -> Script:
    """The :class:`Script` kept in ``lua/<name>.lua``, read once (at import)."""
    return Script(load_source(name))


# The scripts of the store; each file starts with the KEYS and ARGV its script takes.
SAVE_TICKET = load_script("save_ticket")
SAVE_AUTHORIZER = load_script("save_authorizer")
INVALIDATE = load_script("invalidate")
REPLACE_REFRESH_TOKEN = load_script("replace_refresh_token")
SET_TENANT = load_script("set_tenant")
MARK_REVOKED = load_script("mark_revoked")
DELETE_AUTHORIZER = load_script("delete_authorizer")
SET_NAME = load_script("set_name")
SCHEDULE = load_script("schedule")
RECORDS_IN_RANGE = load_script("records_in_range")
INDEX_RECORDS = load_script("index_records")
FENCED_SET = load_script("fenced_set")
DELETE_IF = load_script("delete_if")
ACQUIRE = load_script("acquire")
FOLD_FENCES = load_script("fold_fences")
RELEASE = load_script("release")


def _is_noscript(exc: BaseException) -> bool:
    return str(exc).startswith("NOSCRIPT") or type(exc).__name__ == "NoScriptError"


def eval_script(script: Script, keys: tuple[str, ...], args: tuple[Any, ...]) -> Op[Any]:
    """Run ``script`` by SHA1, sending its source once if Redis does not have it."""
    try:
        return (yield ("EVALSHA", script.sha, len(keys), *keys, *args))
    except Exception as exc:
        if not _is_noscript(exc):
            raise
    return (yield ("EVAL", script.source, len(keys), *keys, *args))


# ---------------------------------------------------------------------- decoding


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
    """A record as :data:`SAVE_AUTHORIZER` takes it: its tenant, name and name key ('' for
    none), ``refresh_at``, the account type ('' for none) and ``auth_event_at``, then the
    field/value pairs of the rest of its hash."""
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


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


# ---------------------------------------------------------------------- errors and URLs


def redact_url(url: str) -> str:
    """``url`` without its password (in the authority or the query string)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host if parts.port is None else f"{host}:{parts.port}"
    except ValueError:
        return "<unparsable Redis URL>"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query) if "pass" not in k.lower()], safe="/"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def translate(exc: BaseException, where: str, secret: str | None = None) -> BaseException:
    """Map a redis-py exception to the store error tree; others come back unchanged.

    ``where`` names the server (a redacted URL); ``secret`` (the password) is cut from the
    message should the client library have quoted it.
    """
    try:
        from redis import exceptions as rx
    except ImportError:  # pragma: no cover - redis is installed whenever this runs
        return exc
    if not isinstance(exc, rx.RedisError):
        return exc
    detail = str(exc)
    if secret:
        detail = detail.replace(secret, "***")
    if isinstance(exc, (rx.ConnectionError, rx.TimeoutError, rx.BusyLoadingError)) or (
        isinstance(exc, rx.ResponseError) and detail.startswith(("READONLY", "OOM", "MASTERDOWN"))
    ):
        return StoreUnavailable(f"Redis at {where} is unavailable: {detail}")
    if detail.startswith("WRONGTYPE"):
        return StoreCorrupt(f"Redis at {where} holds keys of another kind: {detail}")
    return StoreError(f"Redis at {where} failed: {detail}")


def _glob(literal: str) -> str:
    """``literal`` as a SCAN pattern matching itself only."""
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in literal)


def _rename(source: str, target: str) -> Op[None]:
    """Move ``source`` to ``target`` unless ``target`` exists (then ``source`` is stale)."""
    try:
        moved = yield ("RENAMENX", source, target)
    except Exception as exc:
        if _is_response_error(exc) and "no such key" in str(exc).lower():
            return  # another process moved it meanwhile
        raise
    if not moved:
        yield ("DEL", source)


def _is_response_error(exc: BaseException) -> bool:
    try:
        from redis.exceptions import ResponseError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, ResponseError)


# ---------------------------------------------------------------------- the operations


class RedisOps:
    """The operations of the Redis store, as generators of steps.

    ``durable`` tells whether a durable store stands beside Redis: then tickets and authorizer
    records are written there first and Redis keeps a mirror, read first and repaired from
    the durable store on a miss.
    """

    def __init__(
        self, prefix: str, *, durable: bool, clock: Callable[[], float], cluster: bool = False
    ) -> None:
        self.prefix = prefix
        self.durable = durable
        self.clock = clock
        self.cluster = cluster
        self._ready: set[str] = set()

    # -------------------------------------------------------------- keys

    def platform(self, c: str) -> str:
        """The start of every key of platform ``c``: its hash tag puts them in one slot."""
        return f"{self.prefix}:{{{c}}}:"

    def ticket_key(self, c: str) -> str:
        """The hash of ``c``'s ticket."""
        return f"{self.platform(c)}ticket"

    def record_key(self, c: str, a: str) -> str:
        """The hash of one authorizer record."""
        return f"{self.platform(c)}authorizer:{a}"

    def _record_keys(self, c: str, a: str) -> tuple[str, ...]:
        return (
            self.record_key(c, a),
            self._index(c, None),
            self._index(c, "authorized"),
            self._index(c, "revoked"),
            f"{self.platform(c)}mirror-epoch",
            self._due(c),
            self._names(c),
        )

    def _due(self, c: str) -> str:
        return f"{self.platform(c)}due"

    def _names(self, c: str) -> str:
        return f"{self.platform(c)}names"

    def _index(self, c: str, status: AuthorizerStatus | None) -> str:
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

    # -------------------------------------------------------------- the layout of older versions

    def layout_ready(self, c: str) -> Op[None]:
        """Before the first use of platform ``c`` by this store: bring its keys written by
        older versions to the current layout.

        * Keys of versions before hash tags (``p:c:…`` and ``p::token:c:…``) are moved to the
          current names; they are renamed, never copied, so an old key and a new one never
          both hold a refresh token. Not on Redis Cluster, where that layout never ran.
        * Records of versions before names and the schedule are indexed: each authorized
          record joins ``due`` (with its ``refresh_at``, 0 when it has none: due at once) and
          each named one ``names``, a batch per script (:data:`INDEX_BATCH`).
        * Per-key fence counters of versions before layout 4 are folded into the platform's
          one counter, raised to the largest of them, and deleted, a SCAN step per script
          (:data:`FOLD_BATCH`), on a cluster too (a script scans the node of the platform's
          slot).

        Done once per platform: the marker key then holds :data:`LAYOUT`. Processes doing it at
        once do no harm (an entry already indexed is kept; a counter is folded once)."""
        if c in self._ready:
            return
        marker = f"{self.platform(c)}layout"
        found = yield ("GET", marker)
        if found is None or text(found) != LAYOUT:
            was = None if found is None else text(found)
            if was is None and not self.cluster:
                yield from self._move_old_layout(c)
            if was != "3":
                yield from self._index_records(c)
            yield from self._fold_fences(c)
            yield ("SET", marker, LAYOUT)
        self._ready.add(c)

    def _fold_fences(self, c: str) -> Op[None]:
        counter = f"{self.platform(c)}fences"
        pattern = _glob(f"{self.platform(c)}fence:") + "*"
        cursor = "0"
        while True:
            cursor = text((yield from eval_script(
                FOLD_FENCES, (counter,), (cursor, pattern, FOLD_BATCH))))
            if cursor == "0":
                return

    def _move_old_layout(self, c: str) -> Op[None]:
        old = f"{self.prefix}:{c}:"
        moves = [(old, self.platform(c))]
        for kind in ("token", "lease", "fence"):
            moves.append((f"{self.prefix}::{kind}:{c}:", f"{self.platform(c)}{kind}:{c}:"))
        for source, target in moves:
            cursor = "0"
            while True:
                reply = yield ("SCAN", cursor, "MATCH", _glob(source) + "*", "COUNT", 1000)
                cursor, found = text(reply[0]), reply[1]
                for name in (text(k) for k in found):
                    yield from _rename(name, target + name[len(source):])
                if cursor == "0":
                    break

    def _index_records(self, c: str) -> Op[None]:
        keys = (self._index(c, None), self._due(c), self._names(c))
        start = "-"
        while True:
            reply = yield from eval_script(
                INDEX_RECORDS, keys, (start, INDEX_BATCH, self.record_key(c, ""))
            )
            count, last = int(reply[0]), text(reply[1])
            if count < INDEX_BATCH:
                return
            start = f"({last}"

    def _key_ready(self, key: str) -> Op[None]:
        tag = self.tag(key)
        if not tag.startswith("~"):
            yield from self.layout_ready(tag)

    # -------------------------------------------------------------- persistence check

    def check_persistence(self, where: str) -> Op[None]:
        """Warn once when refresh tokens would live only in a Redis without AOF."""
        if self.durable:
            return
        try:
            reply = yield ("CONFIG", "GET", "appendonly")
        except Exception as exc:
            if not _is_response_error(exc):
                raise
            log.warning(
                "Redis at %s keeps the verify tickets and refresh tokens of wxcomponent, and "
                "its configuration cannot be read (CONFIG is disabled): make sure it runs with "
                "AOF ('appendonly yes'), or pass durable= a persistent store",
                where,
            )
            return
        fields = fields_of(reply)
        if fields.get("appendonly", "").lower() != "yes":
            log.warning(
                "Redis at %s runs without AOF ('appendonly no') and keeps the verify tickets "
                "and refresh tokens of wxcomponent: a restart can lose them and force every "
                "authorizer to authorize again. Run Redis with 'appendonly yes', or pass "
                "durable= a persistent store",
                where,
            )

    # -------------------------------------------------------------- tickets

    def _mirror_ticket(self, ticket: Ticket, *, replace_equal: bool) -> Op[Any]:
        return eval_script(
            SAVE_TICKET,
            (self.ticket_key(ticket.component_appid),),
            (ticket.value, ticket.created_at, num(ticket.received_at), int(replace_equal)),
        )

    def save_ticket(self, c: str, ticket: str, created_at: int) -> Op[bool]:
        """See :meth:`Store.save_ticket`."""
        valid.ticket_args(c, ticket, created_at)
        yield from self.layout_ready(c)
        if not self.durable:
            now = self.clock()
            kept = yield from self._mirror_ticket(
                Ticket(c, ticket, created_at, now), replace_equal=True
            )
            return bool(kept)
        kept = yield DurableCall("save_ticket", (c, ticket, created_at))
        if kept:
            stored = yield DurableCall("load_ticket", (c,))
            if stored is not None:
                yield from self._mirror_ticket(stored, replace_equal=True)
        return bool(kept)

    def load_ticket(self, c: str) -> Op[Ticket | None]:
        """See :meth:`Store.load_ticket`."""
        valid.check_appid("component_appid", c)
        yield from self.layout_ready(c)
        reply = yield ("HGETALL", self.ticket_key(c))
        if reply:
            return decode_ticket(c, fields_of(reply))
        if not self.durable:
            return None
        stored: Ticket | None = yield DurableCall("load_ticket", (c,))
        if stored is not None:
            # Never replace an equal-time ticket: a writer may have mirrored a later one.
            yield from self._mirror_ticket(stored, replace_equal=False)
        return stored

    # -------------------------------------------------------------- authorizers

    def _save_record(self, record: AuthorizerRecord, epoch: str, *, keep: bool = False) -> Op[Any]:
        """Write ``record`` (``keep``: its empty tenant or name, or its 0 ``refresh_at``, keeps
        the stored one) unless ``epoch`` is given and the mirror epoch is another."""
        keys = self._record_keys(record.component_appid, record.authorizer_appid)
        args = (
            record.authorizer_appid, epoch, record.status, int(keep), *encode_record(record),
        )  # fmt: skip
        return eval_script(SAVE_AUTHORIZER, keys, args)

    def _invalidate(self, c: str, a: str) -> Op[Any]:
        keys = self._record_keys(c, a)
        return eval_script(INVALIDATE, (keys[0], keys[4], keys[5], keys[6]), (a,))

    def _refill(self, c: str, a: str, epoch: Any) -> Op[AuthorizerRecord | None]:
        """Copy the durable record into Redis unless a writer bumped the epoch meanwhile."""
        record: AuthorizerRecord | None = yield DurableCall("get_authorizer", (c, a))
        if record is not None:
            yield from self._save_record(record, text(epoch) if epoch is not None else "0")
        return record

    def _write_through(self, c: str, a: str, call: DurableCall) -> Op[Any]:
        """Drop the mirror, write the durable store, then mirror what it holds."""
        yield from self._invalidate(c, a)
        result = yield call
        epoch = yield from self._invalidate(c, a)
        yield from self._refill(c, a, epoch)
        return result

    def save_authorizer(self, record: AuthorizerRecord) -> Op[bool]:
        """See :meth:`Store.save_authorizer`."""
        record = valid.check_record(record)
        yield from self.layout_ready(record.component_appid)
        if self.durable:
            c, a = record.component_appid, record.authorizer_appid
            call = DurableCall("save_authorizer", (record,))
            return bool((yield from self._write_through(c, a, call)))
        return bool((yield from self._save_record(record, "", keep=True)))

    def get_authorizer(self, c: str, a: str) -> Op[AuthorizerRecord | None]:
        """See :meth:`Store.get_authorizer`."""
        valid.authorizer_args(c, a)
        yield from self.layout_ready(c)
        reply = yield ("HGETALL", self.record_key(c, a))
        if reply:
            return decode_record(c, a, fields_of(reply))
        if not self.durable:
            return None
        epoch = yield ("GET", self._record_keys(c, a)[4])
        return (yield from self._refill(c, a, epoch))

    def list_authorizers(
        self, c: str, *, status: AuthorizerStatus | None, after: str | None, limit: int
    ) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.list_authorizers` (from the durable store when there is one)."""
        valid.list_args(c, status, after, limit)
        yield from self.layout_ready(c)
        if self.durable:
            kwargs = {"status": status, "after": after, "limit": limit}
            records: list[AuthorizerRecord] = yield DurableCall("list_authorizers", (c,), kwargs)
            return list(records)
        start = "-" if after is None else f"({after}"
        return (yield from self._records(c, self._index(c, status), start, "+", "BYLEX", limit))

    def _records(
        self, c: str, index: str, low: str | bytes, high: str | bytes, by: str, limit: int
    ) -> Op[list[AuthorizerRecord]]:
        """The records whose members of ``index`` lie between ``low`` and ``high`` (ZRANGE
        ``by`` BYLEX or BYSCORE), at most ``limit``, read with them in one script."""
        args = (low, high, by, limit, self.record_key(c, ""))
        reply = yield from eval_script(RECORDS_IN_RANGE, (index,), args)
        items = list(reply or ())
        page = []
        for i in range(0, len(items) - 1, 2):
            fields = fields_of(items[i + 1])
            if fields:
                page.append(decode_record(c, text(items[i]), fields))
        return page

    def count_authorizers(self, c: str, *, status: AuthorizerStatus | None) -> Op[int]:
        """See :meth:`Store.count_authorizers` (from the durable store when there is one)."""
        valid.count_args(c, status)
        yield from self.layout_ready(c)
        if self.durable:
            count = yield DurableCall("count_authorizers", (c,), {"status": status})
        else:
            count = yield ("ZCARD", self._index(c, status))
        return int(count)

    def replace_refresh_token(self, c: str, a: str, expected: str | None, new: str) -> Op[bool]:
        """See :meth:`Store.replace_refresh_token`."""
        valid.replace_args(c, a, expected, new)
        yield from self.layout_ready(c)
        if self.durable:
            call = DurableCall("replace_refresh_token", (c, a, expected, new))
            return bool((yield from self._write_through(c, a, call)))
        args = (int(expected is not None), expected or "", new, num(self.clock()))
        return bool((yield from eval_script(REPLACE_REFRESH_TOKEN, (self.record_key(c, a),), args)))

    def mark_revoked(self, c: str, a: str, event_at: int = 0) -> Op[bool]:
        """See :meth:`Store.mark_revoked`."""
        valid.revoke_args(c, a, event_at)
        yield from self.layout_ready(c)
        if self.durable:
            call = DurableCall("mark_revoked", (c, a), {"event_at": event_at})
            return bool((yield from self._write_through(c, a, call)))
        keys = self._record_keys(c, a)
        args = (a, num(self.clock()), str(event_at))
        script_keys = (keys[0], keys[2], keys[3], keys[5])
        return bool((yield from eval_script(MARK_REVOKED, script_keys, args)))

    def delete_authorizer(self, c: str, a: str) -> Op[bool]:
        """See :meth:`Store.delete_authorizer`."""
        valid.authorizer_args(c, a)
        yield from self.layout_ready(c)
        keys = self._record_keys(c, a)
        script_keys = (keys[0], keys[1], keys[2], keys[3], keys[5], keys[6])
        if self.durable:
            found = yield from self._write_through(
                c, a, DurableCall("delete_authorizer", (c, a)))
            yield from eval_script(DELETE_AUTHORIZER, script_keys, (a,))  # the mirror's too
            return bool(found)
        return bool((yield from eval_script(DELETE_AUTHORIZER, script_keys, (a,))))

    def set_authorizer_tenant(self, c: str, a: str, tenant: str | None) -> Op[bool]:
        """See :meth:`Store.set_authorizer_tenant`."""
        valid.tenant_args(c, a, tenant)
        yield from self.layout_ready(c)
        if self.durable:
            call = DurableCall("set_authorizer_tenant", (c, a, tenant))
            return bool((yield from self._write_through(c, a, call)))
        args = (tenant or "", num(self.clock()))
        return bool((yield from eval_script(SET_TENANT, (self.record_key(c, a),), args)))

    def set_authorizer_name(self, c: str, a: str, name: str | None,
                            account_type: AccountType | None = None) -> Op[bool]:
        """See :meth:`Store.set_authorizer_name`."""
        valid.name_args(c, a, name, account_type)
        yield from self.layout_ready(c)
        if self.durable:
            call = DurableCall("set_authorizer_name", (c, a, name),
                               {"account_type": account_type})
            return bool((yield from self._write_through(c, a, call)))
        args = (a, name or "", "" if name is None else name_key(name), account_type or "")
        keys = (self.record_key(c, a), self._names(c))
        return bool((yield from eval_script(SET_NAME, keys, args)))

    def search_authorizers(
        self, c: str, prefix: str, *, after: tuple[str, str] | None, limit: int
    ) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.search_authorizers` (from the durable store when there is one).

        The names index holds ``name_key + "\\x00" + appid``, so its byte order (UTF-8: code
        point order) is the order of (name key, appid) pairs; no name key holds a 0 byte, and
        no UTF-8 text holds the byte 0xFF that ends the range."""
        valid.search_args(c, prefix, after, limit)
        yield from self.layout_ready(c)
        if self.durable:
            kwargs = {"after": after, "limit": limit}
            records: list[AuthorizerRecord] = yield DurableCall(
                "search_authorizers", (c, prefix), kwargs
            )
            return list(records)
        start = name_key(prefix)
        low = f"[{start}"
        if after is not None and after[0] >= start:
            low = f"({after[0]}\x00{after[1]}"
        high = b"(" + start.encode() + b"\xff"
        return (yield from self._records(c, self._names(c), low, high, "BYLEX", limit))

    def schedule_refresh(self, c: str, a: str, at: float) -> Op[bool]:
        """See :meth:`Store.schedule_refresh`."""
        at = valid.schedule_args(c, a, at)
        yield from self.layout_ready(c)
        if self.durable:
            call = DurableCall("schedule_refresh", (c, a, at))
            return bool((yield from self._write_through(c, a, call)))
        keys = (self.record_key(c, a), self._due(c))
        return bool((yield from eval_script(SCHEDULE, keys, (a, num(at)))))

    def due_authorizers(self, c: str, *, before: float, limit: int) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.due_authorizers` (from the durable store when there is one): the
        first ``limit`` members of the due index scored up to ``before`` (ties in appid
        order), and their records, in one script."""
        before = valid.due_args(c, before, limit)
        yield from self.layout_ready(c)
        if self.durable:
            kwargs = {"before": before, "limit": limit}
            records: list[AuthorizerRecord] = yield DurableCall("due_authorizers", (c,), kwargs)
            return list(records)
        return (yield from self._records(c, self._due(c), "-inf", num(before), "BYSCORE", limit))

    # -------------------------------------------------------------- tokens

    def get_token(self, key: str) -> Op[CachedToken | None]:
        """See :meth:`Store.get_token`."""
        valid.check_key(key)
        yield from self._key_ready(key)
        raw = yield ("GET", self.token_key(key))
        if raw is None:
            return None
        token = unpack_token(raw)
        return token if self.clock() < token.expires_at else None

    def set_token(self, key: str, token: CachedToken, *, fence: int | None) -> Op[bool]:
        """See :meth:`Store.set_token`."""
        valid.set_token_args(key, token, fence)
        yield from self._key_ready(key)
        px = _ms(token.expires_at - self.clock())
        if fence is None:
            yield ("SET", self.token_key(key), pack_token(token), "PX", px)
            return True
        keys = (self.lease_key(key), self.token_key(key))
        return bool((yield from eval_script(FENCED_SET, keys, (fence, pack_token(token), px))))

    def delete_token(self, key: str, *, if_value: str | None) -> Op[bool]:
        """See :meth:`Store.delete_token`."""
        valid.delete_token_args(key, if_value)
        yield from self._key_ready(key)
        if if_value is None:
            return bool((yield ("DEL", self.token_key(key))))
        return bool((yield from eval_script(DELETE_IF, (self.token_key(key),), (if_value,))))

    # -------------------------------------------------------------- leases

    def acquire_lease(self, key: str, ttl: float) -> Op[int | None]:
        """See :meth:`Store.acquire_lease`."""
        ttl = valid.lease_args(key, ttl)
        yield from self._key_ready(key)
        keys = (self.lease_key(key), self.fences_key(key), self.old_fence_key(key))
        fence = yield from eval_script(ACQUIRE, keys, (_ms(ttl),))
        return None if fence is None else int(fence)

    def release_lease(self, key: str, fence: int) -> Op[bool]:
        """See :meth:`Store.release_lease`."""
        valid.release_args(key, fence)
        yield from self._key_ready(key)
        return bool((yield from eval_script(RELEASE, (self.lease_key(key),), (fence,))))
