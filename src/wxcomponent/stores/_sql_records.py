"""What the SQL stores (SQLite and PostgreSQL) share of their authorizer records: the columns
they read and write, the end of a name prefix's range, and the statement that saves a record
by the rule of :meth:`~.base.Store.save_authorizer`. Parameters are ``?`` in both (the
PostgreSQL store turns them into its own).
"""

from __future__ import annotations

__all__ = ["LAST_CHAR", "RECORD_COLUMNS", "listed", "upsert_authorizer"]

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
