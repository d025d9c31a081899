"""Cached tokens and leases in a SQLite store, and the purge of those past their end."""

from __future__ import annotations

import sqlite3

from . import _args
from ._sqlite_conn import _SQLiteFile
from ._sqlite_schema import (
    _EXPIRED_LEASES,
    _GET_TOKEN,
    _HOLDS,
    _LEASE_AND_COUNTER,
    _PURGE_TOKENS,
)
from .base import CachedToken


class _SQLiteTokens(_SQLiteFile):
    """The token and lease operations of :class:`~.sqlite.SQLiteStore`."""

    # ------------------------------------------------------------------ tokens

    def _get_token(self, a: _args.GetToken) -> CachedToken | None:
        key = a.key
        try:
            try:
                conn: sqlite3.Connection = self._local.conn
            except AttributeError:
                conn = self._open()
            row = conn.execute(_GET_TOKEN, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        if row is None or self._clock() >= row[1]:
            return None
        return CachedToken(row[0], row[1], row[2])

    def _set_token(self, a: _args.SetToken) -> bool:
        key, token, fence = a

        def body(conn: sqlite3.Connection, now: float) -> bool:
            if fence is not None and conn.execute(_HOLDS, (key, fence, now)).fetchone() is None:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO tokens (key, value, expires_at, obtained_at) "
                "VALUES (?, ?, ?, ?)",
                (key, token.value, float(token.expires_at), float(token.obtained_at)),
            )
            self._purge_if_due(conn, now)
            return True

        return self._write(body, durable=False)

    def _delete_token(self, a: _args.DeleteToken) -> bool:
        key, if_value = a

        def body(conn: sqlite3.Connection, now: float) -> bool:
            found = conn.execute(
                "SELECT value, expires_at FROM tokens WHERE key = ?", (key,)
            ).fetchone()
            if found is None or (if_value is not None and found[0] != if_value):
                return False
            conn.execute("DELETE FROM tokens WHERE key = ?", (key,))
            return bool(now < found[1])

        return self._write(body, durable=False)

    # ------------------------------------------------------------------ leases

    def _acquire_lease(self, a: _args.AcquireLease) -> int | None:
        key, ttl = a
        # A plain read first: while the lease is held, waiters never queue for the write lock.
        held = self._read("SELECT held_until FROM leases WHERE key = ?", (key,))
        if held and self._clock() < held[0][0]:  # type: ignore[operator]
            return None

        def body(conn: sqlite3.Connection, now: float) -> int | None:
            # The floor of fences (above every fence of a deleted row), and the key's row if
            # any (one statement). A key with a row goes on from its fence; a key without one
            # starts above the floor: either way above every fence it was ever granted.
            floor, previous, until = conn.execute(_LEASE_AND_COUNTER, (key,)).fetchone()
            if until is not None and now < until:
                return None
            fence = max(int(floor), 0 if previous is None else int(previous)) + 1
            conn.execute(
                "INSERT OR REPLACE INTO leases (key, fence, held_until) VALUES (?, ?, ?)",
                (key, fence, now + ttl),
            )
            self._purge_if_due(conn, now)
            return fence

        return self._write(body, durable=False)

    def _purge_if_due(self, conn: sqlite3.Connection, now: float) -> None:
        """Count a token or lease write, and purge when :mod:`._purge` says, in the write's
        transaction.

        The batch is small (about a millisecond), so the purge runs where the write runs, the
        event loop included: sending it to a worker thread made the writes that met its lock
        follow it there, and cost the async service two thirds of its pushes."""

        def delete(batch: int) -> int:
            """Up to ``batch`` tokens past ``expires_at`` and as many leases past
            ``held_until``: a lease only once it has expired, and its key's next grant still
            gets a larger fence (from the store's counter)."""
            gone = conn.execute(_PURGE_TOKENS, (now, batch)).rowcount
            expired = conn.execute(_EXPIRED_LEASES, (now, batch)).fetchall()
            if expired:
                # The floor rises to the highest fence deleted, so no fence comes back.
                conn.execute("UPDATE lease_fences SET value = MAX(value, ?)",
                             (max(int(fence) for _, fence in expired),))
                conn.executemany("DELETE FROM leases WHERE rowid = ?",
                                 ((rowid,) for rowid, _ in expired))
            return max(gone, len(expired))

        self._purge.run(delete)

    def _release_lease(self, a: _args.ReleaseLease) -> bool:
        key, fence = a

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE leases SET held_until = 0 WHERE key = ? AND fence = ? AND held_until > ?",
                (key, fence, now),
            )
            return cursor.rowcount == 1

        return self._write(body, durable=False)
