"""The SQLite schema: its migrations, in order, and the statements the purge of expired
tokens and leases runs (its rule is :mod:`._purge`'s).
"""

from __future__ import annotations

from ._sql_compliance import compliance_tables
from ._sql_queue import SQLITE

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

#: Migrations, in order: (version, statements). Append; never edit a released one.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE tickets (
                component_appid TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                received_at REAL NOT NULL
            )""",
            """CREATE TABLE authorizers (
                component_appid TEXT NOT NULL,
                authorizer_appid TEXT NOT NULL,
                refresh_token TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('authorized', 'revoked')),
                func_info TEXT NOT NULL,
                authorized_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                revoked_at REAL,
                PRIMARY KEY (component_appid, authorizer_appid)
            )""",
            """CREATE INDEX authorizers_by_status
                ON authorizers (component_appid, status, authorizer_appid)""",
            """CREATE TABLE tokens (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                expires_at REAL NOT NULL,
                obtained_at REAL NOT NULL
            )""",
            """CREATE TABLE leases (
                key TEXT PRIMARY KEY,
                fence INTEGER NOT NULL,
                held_until REAL NOT NULL
            )""",
        ),
    ),
    (
        2,
        (
            # The customer of the platform whose authorization link brought the account.
            "ALTER TABLE authorizers ADD COLUMN tenant TEXT",
        ),
    ),
    (
        3,
        (
            # The job queue (see _sql_queue for the model).
            *SQLITE.queue_tables,
            """CREATE TABLE job_fences (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value INTEGER NOT NULL
            )""",
            "INSERT INTO job_fences (id, value) VALUES (1, 0)",
        ),
    ),
    (
        4,
        (
            # The account's name, and its key for searching (base.name_key).
            "ALTER TABLE authorizers ADD COLUMN name TEXT",
            "ALTER TABLE authorizers ADD COLUMN name_key TEXT",
            """CREATE INDEX authorizers_by_name
                ON authorizers (component_appid, name_key, authorizer_appid)
                WHERE name_key IS NOT NULL""",
            # The refresh schedule: the refresher reads only what is due.
            "ALTER TABLE authorizers ADD COLUMN refresh_at REAL NOT NULL DEFAULT 0",
            """CREATE INDEX authorizers_by_refresh_at
                ON authorizers (component_appid, status, refresh_at, authorizer_appid)""",
        ),
    ),
    (
        5,
        (
            # One counter of lease fences for the whole store, started above every fence
            # granted so far: an expired lease row can then be deleted, and its key granted
            # again later, without a fence ever coming back.
            """CREATE TABLE lease_fences (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value INTEGER NOT NULL
            )""",
            "INSERT INTO lease_fences (id, value) SELECT 1, COALESCE(MAX(fence), 0) FROM leases",
            # The purge of expired tokens and leases reads only the rows it deletes.
            "CREATE INDEX tokens_by_expiry ON tokens (expires_at)",
            "CREATE INDEX leases_by_expiry ON leases (held_until)",
        ),
    ),
    (
        6,
        (
            # What kind of account it is, kept with its name.
            "ALTER TABLE authorizers ADD COLUMN account_type TEXT",
            # The CreateTime of the latest authorization change applied to the record.
            "ALTER TABLE authorizers ADD COLUMN auth_event_at INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    (
        7,
        # Each mini program's compliance record and the codes it is listed under.
        compliance_tables(name="TEXT", time="REAL"),
    ),
)

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1][0]

_GET_TOKEN = "SELECT value, expires_at, obtained_at FROM tokens WHERE key = ?"
_HOLDS = "SELECT 1 FROM leases WHERE key = ? AND fence = ? AND held_until > ?"
_LEASE_AND_COUNTER = (
    "SELECT f.value, l.fence, l.held_until FROM lease_fences AS f "
    "LEFT JOIN leases AS l ON l.key = ?"
)
# A batch of the purge: expired tokens, and expired leases (each through its expiry index).
_PURGE_TOKENS = (
    "DELETE FROM tokens WHERE rowid IN (SELECT rowid FROM tokens WHERE expires_at < ? LIMIT ?)"
)
_EXPIRED_LEASES = "SELECT rowid, fence FROM leases WHERE held_until < ? LIMIT ?"

