"""The job queue and the compliance records of a SQLite store: the programs of
:mod:`._sql_queue` and :mod:`._sql_compliance` (PostgreSQL runs the same ones), run on this
store's read and write paths.

A job that is added or replayed commits with ``synchronous=FULL`` (acknowledged pushes live in
it); a claim, a settlement, a purge and a compliance record (no credential) commit with
``synchronous=NORMAL``; the rest only read.
"""

from __future__ import annotations

from typing import Any

from . import _args
from ._checked import programs
from ._sql_compliance import SqlCompliance
from ._sql_queue import SQLITE, SqlQueue
from ._sqlite_conn import _perform, _SQLiteFile

_QUEUE = SqlQueue(SQLITE)
_PROGRAMS = programs(_QUEUE, SqlCompliance(lock_accounts=False))
#: The operations that write and wait for the disk, and those that write.
_DURABLE = frozenset({"enqueue", "requeue_job", "restore_job", "reserve_job_ids"})
_WRITES = _DURABLE | {"claim_jobs", "ack_job", "retry_job", "bury_job", "purge_jobs",
                      "save_compliance"}


class _SQLitePrograms(_SQLiteFile):
    """The job queue's and the compliance records' operations of
    :class:`~.sqlite.SQLiteStore`."""

    _operated = frozenset(_PROGRAMS) - {"reserve_job_ids"}

    def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
        program = _PROGRAMS[name]
        if name in _WRITES:
            return self._write(lambda conn, now: _perform(conn, program(a, now)),
                               durable=name in _DURABLE)
        what = "compliance record" if name.endswith("_compliance") else "job"
        return self._read_op(program(a, self._clock()), what)

    def _reserve_job_ids(self, a: _args.ReserveJobIds) -> int:
        """Make every later job id greater than ``through``; the greatest id so far (a read
        when ``through`` is 0)."""
        if a.through == 0:
            return self._read_op(_QUEUE.reserve_job_ids(a, self._clock()), "job")
        return self._write(lambda conn, now: _perform(conn, _QUEUE.reserve_job_ids(a, now)),
                           durable=True)
