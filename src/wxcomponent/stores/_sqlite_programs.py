"""The operations of a SQLite store on its records, its job queue and its compliance records:
the programs of :mod:`._sql_records`, :mod:`._sql_queue` and :mod:`._sql_compliance`
(PostgreSQL runs the same ones), run on this store's read and write paths.

A credential or an acknowledged push commits with ``synchronous=FULL``: a record saved,
revoked, removed or given a new refresh token or tenant, a job added or replayed. A name, a
schedule, a claim, a settlement, a purge and a compliance record commit with
``synchronous=NORMAL`` (a crash of the machine may lose the last of them, never a
credential); the rest only read.
"""

from __future__ import annotations

from typing import Any

from . import _args
from ._checked import programs
from ._sql_compliance import SqlCompliance
from ._sql_queue import SQLITE, SqlQueue
from ._sql_records import SQLITE_RECORDS, SqlRecords
from ._sqlite_conn import _perform, _SQLiteFile

_QUEUE = SqlQueue(SQLITE)
_PROGRAMS = programs(SqlRecords(SQLITE_RECORDS), _QUEUE, SqlCompliance(lock_accounts=False))
#: The operations that write and wait for the disk, and those that write.
_DURABLE = frozenset({
    "save_authorizer", "replace_refresh_token", "mark_revoked", "delete_authorizer",
    "set_authorizer_tenant", "enqueue", "requeue_job", "restore_job", "reserve_job_ids",
})
_WRITES = _DURABLE | {"set_authorizer_name", "schedule_refresh", "claim_jobs", "ack_job",
                      "retry_job", "bury_job", "purge_jobs", "save_compliance"}
#: What a row that does not decode held, by the operations that read it.
_WHAT = {"load_ticket": "ticket", "get_job": "job", "list_jobs": "job", "find_job": "job",
         "count_jobs": "job"}


class _SQLitePrograms(_SQLiteFile):
    """The operations of :class:`~.sqlite.SQLiteStore` that run a program (all but its
    tickets' saving and its tokens and leases)."""

    _operated = frozenset(_PROGRAMS) - {"save_ticket", "reserve_job_ids"}

    def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        program = _PROGRAMS[name]
        if name in _WRITES:
            return self._write(lambda conn, now: _perform(conn, program(a, now)),
                               durable=name in _DURABLE)
        what = "compliance record" if name.endswith("_compliance") else "authorizer record"
        return self._read_op(program(a, self._clock()), _WHAT.get(name, what))

    def _reserve_job_ids(self, a: _args.ReserveJobIds) -> int:
        """Make every later job id greater than ``through``; the greatest id so far (a read
        when ``through`` is 0)."""
        if a.through == 0:
            return self._read_op(_QUEUE.reserve_job_ids(a, self._clock()), "job")
        return self._write(lambda conn, now: _perform(conn, _QUEUE.reserve_job_ids(a, now)),
                           durable=True)
