"""Every rule of the Redis store, written once, free of I/O.

Each operation is a generator that yields *steps* (Redis commands, Lua scripts, calls to the
durable store) and receives their replies (see :mod:`._redis_steps`); the keys it touches and
the encoding of what they hold are those of :mod:`._redis_keys`.

:class:`~wxcomponent.stores.RedisStore` drives these generators with a blocking client,
:class:`~wxcomponent.stores.AsyncRedisStore` with an asyncio client; neither holds any rule.

Versions before hash tags wrote ``p:c:…`` and ``p::token:<key>``; versions before names and the
schedule wrote records without ``name``, ``name_key`` and ``refresh_at`` (read as none and 0)
and no ``due`` or ``names`` entries (and versions before authorization times, records
without ``auth_event_at``, read as 0); versions before layout 4 counted fences per key in
``p:{c}:fence:<key>``, one counter kept forever per key ever leased. The first use of a
platform moves its keys, indexes its records and folds those counters into ``fences``
(:meth:`RedisOps.layout_ready`); a lease taken meanwhile folds its key's counter itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import _args
from ._redis_compliance import RedisCompliance
from ._redis_keys import (
    RedisKeys,
    decode_record,
    decode_ticket,
    encode_record,
    fields_of,
    ms,
    num,
    pack_token,
    text,
    unpack_token,
)
from ._redis_steps import DurableCall, Op, eval_script, is_response_error, load_script
from .base import AuthorizerRecord, CachedToken, Ticket, name_key

__all__ = ["FOLD_BATCH", "INDEX_BATCH", "LAYOUT", "RedisOps"]

log = logging.getLogger("wxcomponent.stores")

#: The layout marker of a platform whose keys are all in the current layout.
LAYOUT = "4"
#: How many records one script indexes when a platform's older records are indexed.
INDEX_BATCH = 500
#: How many keys one script looks at (SCAN COUNT) when per-key fence counters are folded.
FOLD_BATCH = 1000

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


def _glob(literal: str) -> str:
    """``literal`` as a SCAN pattern matching itself only."""
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in literal)


def _rename(source: str, target: str) -> Op[None]:
    """Move ``source`` to ``target`` unless ``target`` exists (then ``source`` is stale)."""
    try:
        moved = yield ("RENAMENX", source, target)
    except Exception as exc:
        if is_response_error(exc) and "no such key" in str(exc).lower():
            return  # another process moved it meanwhile
        raise
    if not moved:
        yield ("DEL", source)


# ---------------------------------------------------------------------- the operations


class RedisOps(RedisKeys):
    """The operations of the Redis store, as generators of steps.

    ``durable`` tells whether a durable store stands beside Redis: then tickets and authorizer
    records are written there first and Redis keeps a mirror, read first and repaired from
    the durable store on a miss.
    """

    def __init__(
        self, prefix: str, *, durable: bool, clock: Callable[[], float], cluster: bool = False
    ) -> None:
        super().__init__(prefix)
        self.durable = durable
        self.clock = clock
        self.cluster = cluster
        self._ready: set[str] = set()
        self.compliance = RedisCompliance(self, durable=durable)

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
        keys = (self.index_key(c, None), self.due_key(c), self.names_key(c))
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
            if not is_response_error(exc):
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

    def save_ticket(self, call: _args.SaveTicket) -> Op[bool]:
        """See :meth:`Store.save_ticket`."""
        c, ticket, created_at = call
        yield from self.layout_ready(c)
        if not self.durable:
            now = self.clock()
            kept = yield from self._mirror_ticket(
                Ticket(c, ticket, created_at, now), replace_equal=True
            )
            return bool(kept)
        kept = yield DurableCall("save_ticket", (c, ticket, created_at))
        if kept:
            # The durable store kept this ticket: Redis mirrors it without reading it back
            # (its script keeps the newest, should another host's mirror come first).
            yield from self._mirror_ticket(Ticket(c, ticket, created_at, self.clock()),
                                           replace_equal=True)
        return bool(kept)

    def load_ticket(self, call: _args.LoadTicket) -> Op[Ticket | None]:
        """See :meth:`Store.load_ticket`."""
        c = call.component_appid
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
        keys = self.record_keys(record.component_appid, record.authorizer_appid)
        args = (
            record.authorizer_appid, epoch, record.status, int(keep), *encode_record(record),
        )  # fmt: skip
        return eval_script(SAVE_AUTHORIZER, keys, args)

    def _invalidate(self, c: str, a: str) -> Op[Any]:
        keys = self.record_keys(c, a)
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

    def save_authorizer(self, call: _args.SaveAuthorizer) -> Op[bool]:
        """See :meth:`Store.save_authorizer`."""
        record = call.record
        yield from self.layout_ready(record.component_appid)
        if self.durable:
            c, a = record.component_appid, record.authorizer_appid
            durable = DurableCall("save_authorizer", (record,))
            return bool((yield from self._write_through(c, a, durable)))
        return bool((yield from self._save_record(record, "", keep=True)))

    def get_authorizer(self, call: _args.GetAuthorizer) -> Op[AuthorizerRecord | None]:
        """See :meth:`Store.get_authorizer`."""
        c, a = call
        yield from self.layout_ready(c)
        reply = yield ("HGETALL", self.record_key(c, a))
        if reply:
            return decode_record(c, a, fields_of(reply))
        if not self.durable:
            return None
        epoch = yield ("GET", self.record_keys(c, a)[4])
        return (yield from self._refill(c, a, epoch))

    def list_authorizers(self, call: _args.ListAuthorizers) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.list_authorizers` (from the durable store when there is one)."""
        c, status, after, limit = call
        yield from self.layout_ready(c)
        if self.durable:
            kwargs = {"status": status, "after": after, "limit": limit}
            records: list[AuthorizerRecord] = yield DurableCall("list_authorizers", (c,), kwargs)
            return list(records)
        start = "-" if after is None else f"({after}"
        return (yield from self._records(c, self.index_key(c, status), start, "+", "BYLEX", limit))

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

    def count_authorizers(self, call: _args.CountAuthorizers) -> Op[int]:
        """See :meth:`Store.count_authorizers` (from the durable store when there is one)."""
        c, status = call
        yield from self.layout_ready(c)
        if self.durable:
            count = yield DurableCall("count_authorizers", (c,), {"status": status})
        else:
            count = yield ("ZCARD", self.index_key(c, status))
        return int(count)

    def replace_refresh_token(self, call: _args.ReplaceRefreshToken) -> Op[bool]:
        """See :meth:`Store.replace_refresh_token`."""
        c, a, expected, new = call
        yield from self.layout_ready(c)
        if self.durable:
            durable = DurableCall("replace_refresh_token", (c, a, expected, new))
            return bool((yield from self._write_through(c, a, durable)))
        args = (int(expected is not None), expected or "", new, num(self.clock()))
        return bool((yield from eval_script(REPLACE_REFRESH_TOKEN, (self.record_key(c, a),), args)))

    def mark_revoked(self, call: _args.MarkRevoked) -> Op[bool]:
        """See :meth:`Store.mark_revoked`."""
        c, a, event_at = call
        yield from self.layout_ready(c)
        if self.durable:
            durable = DurableCall("mark_revoked", (c, a), {"event_at": event_at})
            return bool((yield from self._write_through(c, a, durable)))
        keys = self.record_keys(c, a)
        args = (a, num(self.clock()), str(event_at))
        script_keys = (keys[0], keys[2], keys[3], keys[5])
        return bool((yield from eval_script(MARK_REVOKED, script_keys, args)))

    def delete_authorizer(self, call: _args.DeleteAuthorizer) -> Op[bool]:
        """See :meth:`Store.delete_authorizer`."""
        c, a = call
        yield from self.layout_ready(c)
        keys = self.record_keys(c, a)
        script_keys = (keys[0], keys[1], keys[2], keys[3], keys[5], keys[6])
        if self.durable:
            found = yield from self._write_through(
                c, a, DurableCall("delete_authorizer", (c, a)))
            yield from eval_script(DELETE_AUTHORIZER, script_keys, (a,))  # the mirror's too
            return bool(found)
        return bool((yield from eval_script(DELETE_AUTHORIZER, script_keys, (a,))))

    def set_authorizer_tenant(self, call: _args.SetAuthorizerTenant) -> Op[bool]:
        """See :meth:`Store.set_authorizer_tenant`."""
        c, a, tenant = call
        yield from self.layout_ready(c)
        if self.durable:
            durable = DurableCall("set_authorizer_tenant", (c, a, tenant))
            return bool((yield from self._write_through(c, a, durable)))
        args = (tenant or "", num(self.clock()))
        return bool((yield from eval_script(SET_TENANT, (self.record_key(c, a),), args)))

    def set_authorizer_name(self, call: _args.SetAuthorizerName) -> Op[bool]:
        """See :meth:`Store.set_authorizer_name`."""
        c, a, name, account_type = call
        yield from self.layout_ready(c)
        if self.durable:
            durable = DurableCall("set_authorizer_name", (c, a, name),
                               {"account_type": account_type})
            return bool((yield from self._write_through(c, a, durable)))
        args = (a, name or "", "" if name is None else name_key(name), account_type or "")
        keys = (self.record_key(c, a), self.names_key(c))
        return bool((yield from eval_script(SET_NAME, keys, args)))

    def search_authorizers(self, call: _args.SearchAuthorizers) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.search_authorizers` (from the durable store when there is one).

        The names index holds ``name_key + "\\x00" + appid``, so its byte order (UTF-8: code
        point order) is the order of (name key, appid) pairs; no name key holds a 0 byte, and
        no UTF-8 text holds the byte 0xFF that ends the range."""
        c, prefix, after, limit = call
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
        return (yield from self._records(c, self.names_key(c), low, high, "BYLEX", limit))

    def schedule_refresh(self, call: _args.ScheduleRefresh) -> Op[bool]:
        """See :meth:`Store.schedule_refresh`."""
        c, a, at = call
        yield from self.layout_ready(c)
        if self.durable:
            durable = DurableCall("schedule_refresh", (c, a, at))
            return bool((yield from self._write_through(c, a, durable)))
        keys = (self.record_key(c, a), self.due_key(c))
        return bool((yield from eval_script(SCHEDULE, keys, (a, num(at)))))

    def due_authorizers(self, call: _args.DueAuthorizers) -> Op[list[AuthorizerRecord]]:
        """See :meth:`Store.due_authorizers` (from the durable store when there is one): the
        first ``limit`` members of the due index scored up to ``before`` (ties in appid
        order), and their records, in one script."""
        c, before, limit = call
        yield from self.layout_ready(c)
        if self.durable:
            kwargs = {"before": before, "limit": limit}
            records: list[AuthorizerRecord] = yield DurableCall("due_authorizers", (c,), kwargs)
            return list(records)
        return (yield from self._records(c, self.due_key(c), "-inf", num(before), "BYSCORE", limit))

    # -------------------------------------------------------------- tokens

    def get_token(self, call: _args.GetToken) -> Op[CachedToken | None]:
        """See :meth:`Store.get_token`."""
        key = call.key
        yield from self._key_ready(key)
        raw = yield ("GET", self.token_key(key))
        if raw is None:
            return None
        token = unpack_token(raw)
        return token if self.clock() < token.expires_at else None

    def set_token(self, call: _args.SetToken) -> Op[bool]:
        """See :meth:`Store.set_token`."""
        key, token, fence = call
        yield from self._key_ready(key)
        px = ms(token.expires_at - self.clock())
        if fence is None:
            yield ("SET", self.token_key(key), pack_token(token), "PX", px)
            return True
        keys = (self.lease_key(key), self.token_key(key))
        return bool((yield from eval_script(FENCED_SET, keys, (fence, pack_token(token), px))))

    def delete_token(self, call: _args.DeleteToken) -> Op[bool]:
        """See :meth:`Store.delete_token`."""
        key, if_value = call
        yield from self._key_ready(key)
        if if_value is None:
            return bool((yield ("DEL", self.token_key(key))))
        return bool((yield from eval_script(DELETE_IF, (self.token_key(key),), (if_value,))))

    # -------------------------------------------------------------- leases

    def acquire_lease(self, call: _args.AcquireLease) -> Op[int | None]:
        """See :meth:`Store.acquire_lease`."""
        key, ttl = call
        yield from self._key_ready(key)
        keys = (self.lease_key(key), self.fences_key(key), self.old_fence_key(key))
        fence = yield from eval_script(ACQUIRE, keys, (ms(ttl),))
        return None if fence is None else int(fence)

    def release_lease(self, call: _args.ReleaseLease) -> Op[bool]:
        """See :meth:`Store.release_lease`."""
        key, fence = call
        yield from self._key_ready(key)
        return bool((yield from eval_script(RELEASE, (self.lease_key(key),), (fence,))))
