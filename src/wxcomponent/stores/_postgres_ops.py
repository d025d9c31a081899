"""Every rule of the PostgreSQL store, written once, free of I/O.

As in :mod:`._sql_queue` (whose job queue this store runs with the PostgreSQL dialect), each
operation is a generator of :class:`~._sql_queue.Sql` statements with ``?`` placeholders,
receiving each :class:`~._sql_queue.Result`. Most operations are one statement, atomic on its
own; the others run in one transaction. :class:`~wxcomponent.stores.PostgresStore` and
:class:`~wxcomponent.stores.AsyncPostgresStore` only execute the statements.

The tables live in a schema of their own (``wxcomponent`` by default), created on first use
with a ``schema_version`` table; a schema holding other tables, or written by a newer version,
is refused. Tickets, authorizers, leases and jobs are ordinary (logged) tables; cached tokens
are an ``UNLOGGED`` table: faster to write, and emptied by a crash of the server, which only
means fetching them again. Lease fences come from one sequence of the schema
(``lease_fences``, schema version 3), so expired tokens and leases can be purged
(:meth:`PgOps.purge`, through indexes on their expiry) without a fence ever coming back.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Any

from ..errors import StoreCorrupt
from . import _args
from ._checked import programs
from ._sql_compliance import SqlCompliance, compliance_tables
from ._sql_queue import POSTGRES, Sql, SqlOp, SqlQueue, where
from ._sql_records import POSTGRES_RECORDS, SqlRecords

__all__ = [
    "COUNTED", "IN_TRANSACTION", "MIGRATIONS", "OPERATED", "SCHEMA_VERSION", "PgOps", "PgStep",
]

#: Migrations of a schema, in order: (version, statements). Append; never edit a released one.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE tickets (
                component_appid TEXT COLLATE "C" PRIMARY KEY,
                value TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                received_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE authorizers (
                component_appid TEXT COLLATE "C" NOT NULL,
                authorizer_appid TEXT COLLATE "C" NOT NULL,
                refresh_token TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('authorized', 'revoked')),
                func_info INTEGER[] NOT NULL,
                authorized_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION,
                tenant TEXT,
                PRIMARY KEY (component_appid, authorizer_appid)
            )""",
            """CREATE INDEX authorizers_by_status
                ON authorizers (component_appid, status, authorizer_appid)""",
            """CREATE UNLOGGED TABLE tokens (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                obtained_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE leases (
                key TEXT PRIMARY KEY,
                fence BIGINT NOT NULL,
                held_until DOUBLE PRECISION NOT NULL
            )""",
            *POSTGRES.queue_tables,
            "CREATE SEQUENCE job_claims",
        ),
    ),
    (
        2,
        (
            # The account's name, and its key for searching (base.name_key), compared and
            # ordered byte by byte (UTF-8: code point order, as in the other stores).
            "ALTER TABLE authorizers ADD COLUMN name TEXT",
            'ALTER TABLE authorizers ADD COLUMN name_key TEXT COLLATE "C"',
            """CREATE INDEX authorizers_by_name
                ON authorizers (component_appid, name_key COLLATE "C", authorizer_appid)
                WHERE name_key IS NOT NULL""",
            # The refresh schedule: the refresher reads only what is due.
            "ALTER TABLE authorizers ADD COLUMN refresh_at DOUBLE PRECISION NOT NULL DEFAULT 0",
            """CREATE INDEX authorizers_by_refresh_at
                ON authorizers (component_appid, status, refresh_at, authorizer_appid)""",
        ),
    ),
    (
        3,
        (
            # One sequence of lease fences for the schema, started above every fence granted
            # so far: an expired lease row can then be deleted, and its key granted again
            # later, without a fence ever coming back.
            "CREATE SEQUENCE lease_fences",
            "SELECT setval('lease_fences', COALESCE((SELECT MAX(fence) FROM leases), 0) + 1, "
            "false)",
            # The purge of expired tokens and leases reads only the rows it deletes.
            "CREATE INDEX tokens_by_expiry ON tokens (expires_at)",
            "CREATE INDEX leases_by_expiry ON leases (held_until)",
        ),
    ),
    (
        4,
        (
            # What kind of account it is, kept with its name.
            "ALTER TABLE authorizers ADD COLUMN account_type TEXT",
            # The CreateTime of the latest authorization change applied to the record.
            "ALTER TABLE authorizers ADD COLUMN auth_event_at BIGINT NOT NULL DEFAULT 0",
        ),
    ),
    (
        5,
        # Each mini program's compliance record and the codes it is listed under.
        compliance_tables(name='TEXT COLLATE "C"', time="DOUBLE PRECISION"),
    ),
)

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1][0]

_UPSERT_TOKEN = (
    "INSERT INTO tokens (key, value, expires_at, obtained_at) {source} ON CONFLICT (key) DO "
    "UPDATE SET value = excluded.value, expires_at = excluded.expires_at, "
    "obtained_at = excluded.obtained_at"
)


@dataclass(frozen=True)
class PgStep:
    """How an operation runs: ``transaction`` when it has more than one statement."""

    op: SqlOp[Any]
    transaction: bool



class PgOps:
    """The operations of the PostgreSQL store on schema ``schema`` (a checked identifier).
    Arguments are checked by the store before an operation is made."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.records = SqlRecords(POSTGRES_RECORDS)
        self.queue = SqlQueue(POSTGRES)
        self.compliance = SqlCompliance(lock_accounts=True)
        #: Each operation's program, by name.
        self.programs = programs(self, self.records, self.queue, self.compliance)

    # -------------------------------------------------------------- schema

    def migrate(self) -> SqlOp[int]:
        """Create or upgrade the schema (in one transaction, under an advisory lock so that
        processes starting together do it once); returns the version found before."""
        lock = zlib.crc32(f"wxcomponent:{self.schema}".encode())
        # waiting for another process's upgrade is no stuck call: no statement deadline here
        yield Sql("SET LOCAL statement_timeout = 0")
        yield Sql("SELECT pg_advisory_xact_lock(?)", (lock,))
        found = yield Sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            (self.schema,),
        )
        tables = {str(row[0]) for row in found.rows}
        if "schema_version" in tables:
            got = yield Sql("SELECT MAX(version) FROM schema_version")
            version = int(got.rows[0][0] or 0)
            if version > SCHEMA_VERSION:
                raise StoreCorrupt(
                    f"schema {self.schema!r} was written by schema version {version}; this "
                    f"version of wxcomponent reads schema version {SCHEMA_VERSION} at most: "
                    "upgrade wxcomponent"
                )
        elif tables:
            raise StoreCorrupt(
                f"schema {self.schema!r} holds tables of something else "
                f"({', '.join(sorted(tables)[:5])}); give wxcomponent a schema of its own"
            )
        else:
            yield Sql(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            yield Sql(
                "CREATE TABLE schema_version "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            version = 0
        for number, statements in MIGRATIONS:
            if number > version:
                for statement in statements:
                    yield Sql(statement)
                yield Sql(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (number, time.time()),
                )
        return version

    # -------------------------------------------------------------- tokens and leases
    # (the stores read tokens with one statement of their own: the hottest call of all)

    def set_token(self, call: _args.SetToken, now: float) -> SqlOp[bool]:
        """See :meth:`Store.set_token`: with a fence, one statement that holds the lease row
        (``FOR SHARE``) while it writes, so no acquisition can slip in between."""
        key, token, fence = call
        values = (key, token.value, float(token.expires_at), float(token.obtained_at))
        if fence is None:
            yield Sql(_UPSERT_TOKEN.format(source="VALUES (?, ?, ?, ?)"), values)
            return True
        held = (
            "WITH held AS (SELECT 1 FROM leases WHERE key = ? AND fence = ? AND held_until > ? "
            "FOR SHARE) "
        )
        done = yield Sql(
            held + _UPSERT_TOKEN.format(source="SELECT ?, ?, ?, ? FROM held"),
            (key, fence, now, *values),
        )
        return done.rowcount == 1

    def delete_token(self, call: _args.DeleteToken, now: float) -> SqlOp[bool]:
        """See :meth:`Store.delete_token`."""
        key, if_value = call
        sql, params = where("DELETE FROM tokens WHERE key = ?", key, (" AND value = ?", if_value))
        done = yield Sql(sql + " RETURNING expires_at", tuple(params))
        return bool(done.rows) and now < float(done.rows[0][0])

    def acquire_lease(self, call: _args.AcquireLease, now: float) -> SqlOp[int | None]:
        """See :meth:`Store.acquire_lease`: one upsert that only takes an expired lease.

        The fence is the next value of the schema's ``lease_fences`` sequence (never below
        the row's last fence plus one, for a row a process of the previous version granted
        while hosts are upgraded), so a key whose row was purged never sees a fence again.
        The sequence is read under a transaction lock on the key: a grant that read it and
        then waited (on a row a purge was deleting) cannot land after a later grant of the
        same key with a smaller fence."""
        key, ttl = call
        done = yield Sql(
            "WITH turn AS (SELECT pg_advisory_xact_lock(hashtextextended(?, 0))) "
            "INSERT INTO leases (key, fence, held_until) "
            "SELECT ?, nextval('lease_fences'), ? FROM turn "
            "ON CONFLICT (key) DO UPDATE SET fence = GREATEST(excluded.fence, leases.fence + 1), "
            "held_until = excluded.held_until WHERE leases.held_until <= ? RETURNING fence",
            (key, key, now + ttl, now),
        )
        return int(done.rows[0][0]) if done.rows else None

    def purge(self, now: float, limit: int) -> SqlOp[int]:
        """Delete up to ``limit`` tokens past ``expires_at`` and as many leases past
        ``held_until`` (strictly before ``now``), found through the expiry indexes; rows
        another transaction holds are skipped. Each statement commits on its own. Returns
        the most rows that went from either table."""
        gone = 0
        for table, end in (("tokens", "expires_at"), ("leases", "held_until")):
            done = yield Sql(
                f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} "  # noqa: S608
                f"WHERE {end} < ? ORDER BY {end} LIMIT ? FOR UPDATE SKIP LOCKED) "
                f"AND {end} < ?",
                (now, limit, now),
            )
            gone = max(gone, done.rowcount)
        return gone

    def release_lease(self, call: _args.ReleaseLease, now: float) -> SqlOp[bool]:
        """See :meth:`Store.release_lease`."""
        key, fence = call
        done = yield Sql(
            "UPDATE leases SET held_until = 0 WHERE key = ? AND fence = ? AND held_until > ?",
            (key, fence, now),
        )
        return done.rowcount == 1


#: The operations a program of this module (or of the queue's and the compliance records')
#: writes; those run in one transaction, being more than one statement; and those that write
#: a token or a lease, each of which counts toward the purge of expired ones.
OPERATED = frozenset(programs(PgOps, SqlRecords, SqlQueue, SqlCompliance))
IN_TRANSACTION = frozenset({
    "save_compliance", "enqueue", "claim_jobs", "ack_job", "retry_job", "bury_job",
    "requeue_job", "purge_jobs", "restore_job", "reserve_job_ids",
})
COUNTED = frozenset({"set_token", "acquire_lease"})
