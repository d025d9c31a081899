"""The tickets and authorizer records of the SQL stores (SQLite and PostgreSQL), written once:
the columns they read and write, the statement that saves a record by the rule of
:meth:`~.base.Store.save_authorizer`, and every operation on tickets and records as a program
(:class:`SqlRecords`) that each store runs its own way. What differs between the two is a
:class:`RecordsDialect`. Parameters are ``?`` in both (the PostgreSQL store turns them into
its own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import _args
from ._sql_queue import Sql, SqlOp, where
from .base import ACCOUNT_TYPES, AccountType, AuthorizerRecord, AuthorizerStatus, Ticket, name_key

__all__ = [
    "LAST_CHAR", "POSTGRES_RECORDS", "RECORD_COLUMNS", "SAVE_TICKET", "SQLITE_RECORDS",
    "RecordsDialect", "SqlRecords", "listed", "upsert_authorizer",
]

#: The columns of a record, in the order of :class:`~.base.AuthorizerRecord`'s fields as the
#: stores read them.
RECORD_COLUMNS = (
    "component_appid, authorizer_appid, refresh_token, status, func_info, "
    "authorized_at, updated_at, revoked_at, tenant, name, refresh_at, account_type, "
    "auth_event_at"
)
#: The end of every name key that starts with a prefix (no name holds U+10FFFF).
LAST_CHAR = "\U0010ffff"


def upsert_authorizer(greatest: str) -> str:
    """The statement that saves a record (:data:`RECORD_COLUMNS` and its name key as
    parameters): a ``tenant``, ``name`` or ``account_type`` of NULL keeps the stored one, a
    ``refresh_at`` of 0 the stored schedule, an ``auth_event_at`` of 0 the stored time, and an
    older ``auth_event_at`` writes nothing (no row changed). ``greatest`` is the SQL function
    of the larger of two values (``MAX`` in SQLite, ``GREATEST`` in PostgreSQL)."""
    return (
        f"INSERT INTO authorizers ({RECORD_COLUMNS}, name_key) "  # noqa: S608 (constant)
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (component_appid, authorizer_appid) DO UPDATE SET "
        "refresh_token = excluded.refresh_token, status = excluded.status, "
        "func_info = excluded.func_info, authorized_at = excluded.authorized_at, "
        "updated_at = excluded.updated_at, revoked_at = excluded.revoked_at, "
        "tenant = COALESCE(excluded.tenant, authorizers.tenant), "
        "name = COALESCE(excluded.name, authorizers.name), "
        "name_key = COALESCE(excluded.name_key, authorizers.name_key), "
        "account_type = COALESCE(excluded.account_type, authorizers.account_type), "
        "refresh_at = CASE WHEN excluded.refresh_at = 0 THEN authorizers.refresh_at "
        "ELSE excluded.refresh_at END, "
        f"auth_event_at = {greatest}(excluded.auth_event_at, authorizers.auth_event_at) "
        "WHERE excluded.auth_event_at = 0 "
        "OR excluded.auth_event_at >= authorizers.auth_event_at"
    )


def listed(status: str | None, after: str | None) -> tuple[tuple[str, object], ...]:
    """The optional conditions of :meth:`~.base.Store.list_authorizers` (of a status, after
    an appid), for :func:`~._sql_queue.where`."""
    return (" AND status = ?", status), (" AND authorizer_appid > ?", after)


#: Keeps a ticket (appid, value, ``CreateTime``, now) unless a newer one is stored; one row
#: changed when it did.
SAVE_TICKET = (
    "INSERT INTO tickets (component_appid, value, created_at, received_at) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (component_appid) DO UPDATE SET "
    "value = excluded.value, created_at = excluded.created_at, "
    "received_at = excluded.received_at WHERE excluded.created_at >= tickets.created_at"
)
_ONE = "component_appid = ? AND authorizer_appid = ?"
#: Above every ``auth_event_at``: a revocation without a time applies whatever is stored.
_NO_EVENT_LIMIT = 2**62
_ACCOUNT_TYPES: dict[Any, AccountType] = {kind: kind for kind in ACCOUNT_TYPES}


@dataclass(frozen=True)
class RecordsDialect:
    """What differs between the SQL stores' records."""

    #: The SQL function of the larger of two values.
    greatest: str
    #: Joined to the UPDATE of a name or a schedule (see :data:`POSTGRES_RECORDS`).
    quiet: str
    #: ``func_info`` as the column keeps it, and back.
    write_func_info: Callable[[tuple[int, ...]], Any]
    read_func_info: Callable[[Any], Iterable[Any]]

    def record(self, row: tuple[Any, ...]) -> AuthorizerRecord:
        """A record from a row of :data:`RECORD_COLUMNS`; a row that does not decode raises
        :class:`TypeError` or :class:`ValueError` (the store names it corrupt)."""
        (c, a, refresh_token, status, func_info, authorized_at, updated_at, revoked_at, tenant,
         name, refresh_at, account_type, auth_event_at) = row
        state: AuthorizerStatus = "revoked" if status == "revoked" else "authorized"
        return AuthorizerRecord(
            component_appid=str(c), authorizer_appid=str(a), refresh_token=str(refresh_token),
            status=state, func_info=tuple(int(i) for i in self.read_func_info(func_info)),
            authorized_at=float(authorized_at), updated_at=float(updated_at),
            revoked_at=None if revoked_at is None else float(revoked_at),
            tenant=None if tenant is None else str(tenant),
            name=None if name is None else str(name), refresh_at=float(refresh_at),
            account_type=_ACCOUNT_TYPES.get(account_type), auth_event_at=int(auth_event_at),
        )  # fmt: skip


#: SQLite: ``func_info`` as a JSON array; a name or a schedule commits with
#: ``synchronous=NORMAL``, which the store chooses per operation.
SQLITE_RECORDS = RecordsDialect("MAX", "", lambda v: json.dumps(list(v)),
                                lambda v: json.loads(str(v)))
#: PostgreSQL: ``func_info`` as an array; the UPDATE of a name or a schedule, neither of which
#: is a credential, commits without waiting for its WAL to reach the disk
#: (``synchronous_commit`` off for that statement's transaction alone), so a crash of the
#: server may lose the last few of them, never a refresh token.
POSTGRES_RECORDS = RecordsDialect(
    "GREATEST", "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush",
    list, lambda v: v,
)


class SqlRecords:
    """Every operation on tickets and authorizer records, as programs of statements."""

    def __init__(self, dialect: RecordsDialect) -> None:
        self.dialect = dialect
        self._save = upsert_authorizer(dialect.greatest)

    # -------------------------------------------------------------- tickets

    def save_ticket(self, call: _args.SaveTicket, now: float) -> SqlOp[bool]:
        """See :meth:`Store.save_ticket`."""
        c, ticket, created_at = call
        done = yield Sql(SAVE_TICKET, (c, ticket, created_at, now))
        return done.rowcount == 1

    def load_ticket(self, call: _args.LoadTicket, now: float) -> SqlOp[Ticket | None]:
        """See :meth:`Store.load_ticket`."""
        c = call.component_appid
        found = yield Sql(
            "SELECT value, created_at, received_at FROM tickets WHERE component_appid = ?", (c,)
        )
        if not found.rows:
            return None
        value, created_at, received_at = found.rows[0]
        return Ticket(c, str(value), int(created_at), float(received_at))

    # -------------------------------------------------------------- authorizers

    def save_authorizer(self, call: _args.SaveAuthorizer, now: float) -> SqlOp[bool]:
        """See :meth:`Store.save_authorizer` (``record`` checked): a ``tenant``, ``name`` or
        ``account_type`` of None keeps the stored one, a ``refresh_at`` of 0 the stored
        schedule, an ``auth_event_at`` of 0 the stored time; an older ``auth_event_at`` writes
        nothing."""
        record = call.record
        done = yield Sql(
            self._save,
            (record.component_appid, record.authorizer_appid, record.refresh_token,
             record.status, self.dialect.write_func_info(record.func_info),
             float(record.authorized_at), float(record.updated_at),
             None if record.revoked_at is None else float(record.revoked_at), record.tenant,
             record.name, float(record.refresh_at), record.account_type, record.auth_event_at,
             None if record.name is None else name_key(record.name)),
        )  # fmt: skip
        return done.rowcount == 1

    def get_authorizer(self, call: _args.GetAuthorizer,
                       now: float) -> SqlOp[AuthorizerRecord | None]:
        """See :meth:`Store.get_authorizer`."""
        c, a = call
        found = yield Sql(f"SELECT {RECORD_COLUMNS} FROM authorizers WHERE {_ONE}", (c, a))  # noqa: S608
        return self.dialect.record(found.rows[0]) if found.rows else None

    def list_authorizers(self, call: _args.ListAuthorizers,
                         now: float) -> SqlOp[list[AuthorizerRecord]]:
        """See :meth:`Store.list_authorizers`."""
        c, status, after, limit = call
        select = f"SELECT {RECORD_COLUMNS} FROM authorizers"  # noqa: S608
        sql, params = where(f"{select} WHERE component_appid = ?", c, *listed(status, after))
        found = yield Sql(sql + " ORDER BY authorizer_appid LIMIT ?", (*params, limit))
        return [self.dialect.record(row) for row in found.rows]

    def count_authorizers(self, call: _args.CountAuthorizers, now: float) -> SqlOp[int]:
        """See :meth:`Store.count_authorizers`."""
        c, status = call
        sql, params = where("SELECT COUNT(*) FROM authorizers WHERE component_appid = ?", c,
                            (" AND status = ?", status))
        found = yield Sql(sql, tuple(params))
        return int(found.rows[0][0])

    def replace_refresh_token(self, call: _args.ReplaceRefreshToken, now: float) -> SqlOp[bool]:
        """See :meth:`Store.replace_refresh_token`."""
        c, a, expected, new = call
        sql = f"UPDATE authorizers SET refresh_token = ?, updated_at = ? WHERE {_ONE}"  # noqa: S608
        params: tuple[Any, ...] = (new, now, c, a)
        if expected is not None:
            sql += " AND refresh_token = ?"
            params = (*params, expected)
        done = yield Sql(sql, params)
        return done.rowcount == 1

    def mark_revoked(self, call: _args.MarkRevoked, now: float) -> SqlOp[bool]:
        """See :meth:`Store.mark_revoked` (an already revoked record keeps its times; an
        ``event_at`` older than the record's ``auth_event_at`` changes nothing)."""
        c, a, event_at = call
        done = yield Sql(
            "UPDATE authorizers SET "  # noqa: S608
            "revoked_at = CASE WHEN status = 'revoked' THEN revoked_at ELSE ? END, "
            "updated_at = CASE WHEN status = 'revoked' THEN updated_at ELSE ? END, "
            f"auth_event_at = {self.dialect.greatest}(auth_event_at, ?), "
            f"status = 'revoked' WHERE {_ONE} AND auth_event_at <= ?",
            (now, now, event_at, c, a, event_at or _NO_EVENT_LIMIT),
        )
        return done.rowcount == 1

    def delete_authorizer(self, call: _args.DeleteAuthorizer, now: float) -> SqlOp[bool]:
        """See :meth:`Store.delete_authorizer`."""
        c, a = call
        done = yield Sql(f"DELETE FROM authorizers WHERE {_ONE}", (c, a))  # noqa: S608
        return done.rowcount == 1

    def set_authorizer_tenant(self, call: _args.SetAuthorizerTenant, now: float) -> SqlOp[bool]:
        """See :meth:`Store.set_authorizer_tenant`."""
        c, a, tenant = call
        done = yield Sql(
            f"UPDATE authorizers SET tenant = ?, updated_at = ? WHERE {_ONE}",  # noqa: S608
            (tenant, now, c, a),
        )
        return done.rowcount == 1

    def set_authorizer_name(self, call: _args.SetAuthorizerName, now: float) -> SqlOp[bool]:
        """See :meth:`Store.set_authorizer_name` (committed without waiting for the disk)."""
        c, a, name, account_type = call
        key = None if name is None else name_key(name)
        done = yield Sql(
            "UPDATE authorizers SET name = ?, name_key = ?, "  # noqa: S608
            f"account_type = COALESCE(?, account_type) {self.dialect.quiet} WHERE {_ONE}",
            (name, key, account_type, c, a),
        )
        return done.rowcount == 1

    def search_authorizers(self, call: _args.SearchAuthorizers,
                           now: float) -> SqlOp[list[AuthorizerRecord]]:
        """See :meth:`Store.search_authorizers`: a range of the ``authorizers_by_name`` index."""
        c, prefix, after, limit = call
        start = name_key(prefix)
        sql = (
            f"SELECT {RECORD_COLUMNS} FROM authorizers "  # noqa: S608
            "WHERE component_appid = ? AND name_key >= ? AND name_key < ?"
        )
        params: list[Any] = [c, start, start + LAST_CHAR]
        if after is not None:
            sql += " AND (name_key, authorizer_appid) > (?, ?)"
            params += after
        found = yield Sql(sql + " ORDER BY name_key, authorizer_appid LIMIT ?", (*params, limit))
        return [self.dialect.record(row) for row in found.rows]

    def schedule_refresh(self, call: _args.ScheduleRefresh, now: float) -> SqlOp[bool]:
        """See :meth:`Store.schedule_refresh` (committed without waiting for the disk)."""
        c, a, at = call
        done = yield Sql(
            f"UPDATE authorizers SET refresh_at = ? {self.dialect.quiet} WHERE {_ONE}",  # noqa: S608
            (at, c, a),
        )
        return done.rowcount == 1

    def due_authorizers(self, call: _args.DueAuthorizers,
                        now: float) -> SqlOp[list[AuthorizerRecord]]:
        """See :meth:`Store.due_authorizers`: the head of the ``authorizers_by_refresh_at``
        index, in its order, so only the rows returned are read."""
        c, before, limit = call
        found = yield Sql(
            f"SELECT {RECORD_COLUMNS} FROM authorizers "  # noqa: S608
            "WHERE component_appid = ? AND status = 'authorized' AND refresh_at <= ? "
            "ORDER BY refresh_at, authorizer_appid LIMIT ?",
            (c, before, limit),
        )
        return [self.dialect.record(row) for row in found.rows]

