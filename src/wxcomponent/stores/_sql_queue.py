"""The job queue of the SQL stores (SQLite and PostgreSQL), written once, free of I/O.

Each operation is a generator that yields :class:`Sql` statements and receives their
:class:`Result`; the store runs the whole generator inside one transaction of its own, so an
operation is atomic. The statements use ``?`` placeholders (the PostgreSQL store turns them
into ``%s``) and only SQL both databases speak; what differs is in :class:`Dialect`.

The model, shared with the memory and Redis stores:

* ``jobs`` holds every job; ``state`` is ``pending``, ``done`` or ``dead``; a claim sets
  ``claim`` (a fence from a counter of the store) and ``claimed_until``;
* ``job_groups`` holds one row per (component appid, topic, group) that has pending jobs:
  ``head`` (its oldest pending job), ``flight`` (the job under its latest claim) and
  ``ready_at``, when the head may be claimed: the head's ``available_at``, or the end of the
  claim in flight if later. A claim reads the due rows of ``job_groups`` through an index,
  never the jobs themselves, so its cost does not grow with the backlog.

Both tables and their indexes are written once too (:func:`queue_tables`, each dialect's
``queue_tables``), and each store's migrations create them from there.

On PostgreSQL several transactions run at once: every operation that changes a group locks
that group's row first (:meth:`SqlQueue.lock_group`), then its jobs, so two operations never
lock in opposite orders; claims skip the groups other claims hold (``SKIP LOCKED``).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import _args
from . import _validate as valid
from ._validate import same_job
from .base import Job, JobState

__all__ = [
    "JOB_COLUMNS", "Dialect", "Result", "Sql", "SqlOp", "SqlQueue", "job_from_row",
    "queue_tables",
]

T = TypeVar("T")

#: The most job ids one statement names (well within every SQLite's limit of parameters).
_IDS_PER_STATEMENT = 250


@dataclass(frozen=True)
class Sql:
    """One statement and its parameters."""

    text: str
    # parameters may hold payloads: never shown
    params: tuple[Any, ...] = field(default=(), repr=False)


def where(sql: str, first: object, *conditions: tuple[str, object]) -> tuple[str, list[Any]]:
    """``sql`` (which ends in a condition on ``first``, its first parameter) with each of
    ``conditions``, a text such as ``" AND state = ?"`` and its value, added when the value
    is not None; and the parameters."""
    params: list[Any] = [first]
    for text, value in conditions:
        if value is not None:
            sql += text
            params.append(value)
    return sql, params


@dataclass(frozen=True)
class Result:
    """What a statement gave: its rows, the rows it changed, the id it inserted (SQLite)."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    lastrowid: int | None = None


#: An operation: yields statements, receives their results, returns its value.
SqlOp = Generator[Sql, Result, T]


@dataclass(frozen=True)
class Dialect:
    """What differs between the SQL stores."""

    #: Whether operations lock the group's row first (concurrent transactions).
    lock_groups: bool
    #: Appended to the claim's SELECT of due groups.
    skip_locked: str
    #: Appended to an INSERT of a job to get its id back ("" when the driver reports it).
    returning_id: str
    #: Statements giving the next claim fence (the last one returns it).
    next_fence: tuple[str, ...]
    #: Written between ``INSERT INTO jobs (...)`` and ``VALUES`` to insert a job's own id.
    own_id: str
    #: Statements run before job ids are read and moved, so no enqueue takes one meanwhile.
    lock_ids: tuple[str, ...]
    #: A query of the greatest job id given or reserved so far.
    last_id: str
    #: Statements moving that to their one parameter (never called with a smaller one).
    set_last_id: tuple[str, ...]
    #: The statements creating ``jobs`` and ``job_groups`` with their indexes
    #: (:func:`queue_tables`); each store's schema adds its own source of claim fences.
    queue_tables: tuple[str, ...]


def queue_tables(*, job_id: str, name: str, payload: str, time: str,
                 counter: str) -> tuple[str, ...]:
    """The job queue's tables and indexes, written once for both SQL stores: only the column
    types differ (``job_id`` is the whole definition of ``jobs.id``; ``name`` types the appid,
    topic, group and key; ``counter`` the ids and fences kept in other columns)."""
    return (
        f"""CREATE TABLE jobs (
                id {job_id},
                component_appid {name} NOT NULL,
                topic {name} NOT NULL,
                grp {name} NOT NULL,
                payload {payload} NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
                attempts INTEGER NOT NULL,
                available_at {time} NOT NULL,
                created_at {time} NOT NULL,
                updated_at {time} NOT NULL,
                last_error TEXT NOT NULL,
                job_key {name},
                claim {counter},
                claimed_until {time}
            )""",
        """CREATE UNIQUE INDEX jobs_by_key ON jobs (component_appid, topic, job_key)
                WHERE job_key IS NOT NULL""",
        """CREATE INDEX jobs_pending_by_group ON jobs (component_appid, topic, grp, id)
                WHERE state = 'pending'""",
        "CREATE INDEX jobs_by_platform ON jobs (component_appid, id)",
        "CREATE INDEX jobs_by_topic ON jobs (component_appid, topic, id)",
        "CREATE INDEX jobs_by_state ON jobs (component_appid, state, id)",
        "CREATE INDEX jobs_by_topic_state ON jobs (component_appid, topic, state, id)",
        "CREATE INDEX jobs_by_age ON jobs (component_appid, topic, state, updated_at)",
        f"""CREATE TABLE job_groups (
                component_appid {name} NOT NULL,
                topic {name} NOT NULL,
                grp {name} NOT NULL,
                head {counter} NOT NULL,
                flight {counter},
                ready_at {time} NOT NULL,
                PRIMARY KEY (component_appid, topic, grp)
            )""",
        "CREATE INDEX job_groups_by_ready ON job_groups (component_appid, topic, ready_at)",
    )


SQLITE = Dialect(
    lock_groups=False,
    skip_locked="",
    returning_id="",
    next_fence=("UPDATE job_fences SET value = value + 1", "SELECT value FROM job_fences"),
    own_id="",
    # writes are serialised by BEGIN IMMEDIATE; AUTOINCREMENT keeps its counter in
    # sqlite_sequence and never gives an id at or below it
    lock_ids=(),
    last_id="SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0)",
    set_last_id=(
        "UPDATE sqlite_sequence SET seq = ? WHERE name = 'jobs'",
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs', ? "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs')",
    ),
    queue_tables=queue_tables(job_id="INTEGER PRIMARY KEY AUTOINCREMENT", name="TEXT",
                              payload="BLOB", time="REAL", counter="INTEGER"),
)
POSTGRES = Dialect(
    lock_groups=True,
    skip_locked=" FOR UPDATE SKIP LOCKED",
    returning_id=" RETURNING id",
    next_fence=("SELECT nextval('job_claims')",),
    own_id=" OVERRIDING SYSTEM VALUE",
    # an INSERT takes ROW EXCLUSIVE before it draws an id: this lock keeps every enqueue out
    lock_ids=("LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE",),
    last_id="SELECT COALESCE(pg_sequence_last_value("
            "pg_get_serial_sequence('jobs', 'id')::regclass), 0)",
    set_last_id=("SELECT setval(pg_get_serial_sequence('jobs', 'id'), ?)",),
    # names compare byte by byte ("C"), as on SQLite
    queue_tables=queue_tables(job_id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                              name='TEXT COLLATE "C"', payload="BYTEA",
                              time="DOUBLE PRECISION", counter="BIGINT"),
)

JOB_COLUMNS = (
    "id, component_appid, topic, grp, payload, state, attempts, available_at, created_at, "
    "updated_at, last_error, job_key, claim"
)
_GROUP = "component_appid = ? AND topic = ? AND grp = ?"


def job_from_row(row: tuple[Any, ...]) -> Job:
    """A :class:`Job` from a row of :data:`JOB_COLUMNS`."""
    (job_id, c, topic, grp, payload, state, attempts, available_at, created_at, updated_at,
     last_error, key, claim) = row
    return Job(
        id=int(job_id), component_appid=str(c), topic=str(topic), group=str(grp),
        payload=bytes(payload), state=state, attempts=int(attempts),
        available_at=float(available_at), created_at=float(created_at),
        updated_at=float(updated_at), last_error=str(last_error),
        key=None if key is None else str(key), claim=None if claim is None else int(claim),
    )  # fmt: skip


class SqlQueue:
    """The queue's operations for one :class:`Dialect`. Arguments are checked by the caller
    (the stores check them before opening a transaction); ``now`` comes from the store's
    clock."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    # -------------------------------------------------------------- groups

    def lock_group(self, c: str, topic: str, group: str, now: float) -> SqlOp[None]:
        """Lock the group's row (creating a placeholder that :meth:`refresh_group` settles)."""
        if self.dialect.lock_groups:
            yield Sql(
                "INSERT INTO job_groups (component_appid, topic, grp, head, flight, ready_at) "
                "VALUES (?, ?, ?, 0, NULL, ?) ON CONFLICT (component_appid, topic, grp) "
                "DO UPDATE SET head = job_groups.head",
                (c, topic, group, now),
            )

    def refresh_group(self, c: str, topic: str, group: str) -> SqlOp[None]:
        """Recompute the group's head, flight and ``ready_at`` (or drop it: no pending job)."""
        key = (c, topic, group)
        found = yield Sql(
            f"SELECT id, available_at FROM jobs WHERE {_GROUP} AND state = 'pending' "  # noqa: S608
            "ORDER BY id LIMIT 1",
            key,
        )
        if not found.rows:
            yield Sql(f"DELETE FROM job_groups WHERE {_GROUP}", key)  # noqa: S608
            return
        head, ready = int(found.rows[0][0]), float(found.rows[0][1])
        current = yield Sql(f"SELECT flight FROM job_groups WHERE {_GROUP}", key)  # noqa: S608
        flight = current.rows[0][0] if current.rows else None
        if flight is not None:
            claimed = yield Sql(
                "SELECT claimed_until FROM jobs WHERE id = ? AND state = 'pending' "
                "AND claim IS NOT NULL",
                (flight,),
            )
            if claimed.rows:
                ready = max(ready, float(claimed.rows[0][0]))
            else:
                flight = None
        yield Sql(
            "INSERT INTO job_groups (component_appid, topic, grp, head, flight, ready_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (component_appid, topic, grp) DO UPDATE SET "
            "head = excluded.head, flight = excluded.flight, ready_at = excluded.ready_at",
            (*key, head, flight, ready),
        )

    def _next_fence(self) -> SqlOp[int]:
        result = Result([], 0)
        for statement in self.dialect.next_fence:
            result = yield Sql(statement)
        return int(result.rows[0][0])

    # -------------------------------------------------------------- writes

    def enqueue(self, call: _args.Enqueue, now: float) -> SqlOp[int]:
        """See :meth:`Store.enqueue`."""
        c, topic, group, payload, available_at, key = call
        available_at = None if available_at is None else float(available_at)
        if key is not None:
            found = yield Sql(
                "SELECT id FROM jobs WHERE component_appid = ? AND topic = ? AND job_key = ?",
                (c, topic, key),
            )
            if found.rows:
                return int(found.rows[0][0])
        yield from self.lock_group(c, topic, group, now)
        inserted = yield Sql(
            "INSERT INTO jobs (component_appid, topic, grp, payload, state, attempts, "
            "available_at, created_at, updated_at, last_error, job_key) "
            "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, '', ?) "
            "ON CONFLICT (component_appid, topic, job_key) WHERE job_key IS NOT NULL "
            "DO NOTHING" + self.dialect.returning_id,
            (c, topic, group, payload, now if available_at is None else available_at, now, now,
             key),
        )  # fmt: skip
        if inserted.rowcount != 1:  # the key was taken meanwhile (another transaction)
            found = yield Sql(
                "SELECT id FROM jobs WHERE component_appid = ? AND topic = ? AND job_key = ?",
                (c, topic, key),
            )
            job_id = int(found.rows[0][0])
        elif inserted.rows:
            job_id = int(inserted.rows[0][0])
        else:
            assert inserted.lastrowid is not None
            job_id = int(inserted.lastrowid)
        yield from self.refresh_group(c, topic, group)
        return job_id

    def claim_jobs(self, call: _args.ClaimJobs, now: float) -> SqlOp[list[Job]]:
        """See :meth:`Store.claim_jobs`."""
        c, topic, limit, lease = call
        due = yield Sql(
            "SELECT grp, head FROM job_groups WHERE component_appid = ? AND topic = ? "  # noqa: S608
            f"AND ready_at <= ? ORDER BY ready_at, head LIMIT ?{self.dialect.skip_locked}",
            (c, topic, now, limit),
        )
        claimed: list[Job] = []
        until = now + lease
        for group, head in due.rows:
            fence = yield from self._next_fence()
            changed = yield Sql(
                "UPDATE jobs SET attempts = attempts + 1, claim = ?, claimed_until = ?, "
                "updated_at = ? WHERE id = ? AND state = 'pending'",
                (fence, until, now, head),
            )
            if changed.rowcount != 1:  # cannot happen while groups are kept right; heal
                yield from self.refresh_group(c, topic, group)
                continue
            yield Sql(
                f"UPDATE job_groups SET flight = ?, ready_at = ? WHERE {_GROUP}",  # noqa: S608
                (head, until, c, topic, group),
            )
            row = yield Sql(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (head,))  # noqa: S608
            claimed.append(job_from_row(row.rows[0]))
        return claimed

    def _locate(self, job_id: int, now: float) -> SqlOp[tuple[str, str, str] | None]:
        """The group of a job, locked; None when there is no such job."""
        found = yield Sql("SELECT component_appid, topic, grp FROM jobs WHERE id = ?", (job_id,))
        if not found.rows:
            return None
        c, topic, group = (str(v) for v in found.rows[0])
        yield from self.lock_group(c, topic, group, now)
        return c, topic, group

    def settle(
        self, job_id: int, claim: int, state: JobState, error: str | None,
        available_at: float | None, now: float,
    ) -> SqlOp[bool]:
        """Ack (``done``), retry (``pending``) or bury (``dead``) a claimed job."""
        group = yield from self._locate(job_id, now)
        if group is None:
            return False
        sets = "state = ?, claim = NULL, claimed_until = NULL, updated_at = ?"
        params: list[Any] = [state, now]
        if error is not None:
            sets += ", last_error = ?"
            params.append(error)
        if available_at is not None:
            sets += ", available_at = ?"
            params.append(available_at)
        changed = yield Sql(
            f"UPDATE jobs SET {sets} WHERE id = ? AND state = 'pending' AND claim = ?",  # noqa: S608
            (*params, job_id, claim),
        )
        if changed.rowcount == 1 or self.dialect.lock_groups:
            yield from self.refresh_group(*group)
        return changed.rowcount == 1

    def ack_job(self, call: _args.AckJob, now: float) -> SqlOp[bool]:
        """See :meth:`Store.ack_job`."""
        return self.settle(call.job_id, call.claim, "done", None, None, now)

    def retry_job(self, call: _args.RetryJob, now: float) -> SqlOp[bool]:
        """See :meth:`Store.retry_job`."""
        return self.settle(call.job_id, call.claim, "pending", call.error, call.available_at, now)

    def bury_job(self, call: _args.BuryJob, now: float) -> SqlOp[bool]:
        """See :meth:`Store.bury_job`."""
        return self.settle(call.job_id, call.claim, "dead", call.error, None, now)

    def requeue_job(self, call: _args.RequeueJob, now: float) -> SqlOp[bool]:
        """See :meth:`Store.requeue_job`."""
        job_id, available_at = call
        group = yield from self._locate(job_id, now)
        if group is None:
            return False
        changed = yield Sql(
            "UPDATE jobs SET state = 'pending', attempts = 0, available_at = ?, claim = NULL, "
            "claimed_until = NULL, updated_at = ? WHERE id = ? AND state IN ('done', 'dead')",
            (now if available_at is None else available_at, now, job_id),
        )
        if changed.rowcount == 1 or self.dialect.lock_groups:
            yield from self.refresh_group(*group)
        return changed.rowcount == 1

    def purge_jobs(self, call: _args.PurgeJobs, now: float) -> SqlOp[int]:
        """See :meth:`Store.purge_jobs`: the ``limit`` least recently updated, read through
        the ``jobs_by_age`` index."""
        c, topic, state, before, limit = call
        where = "component_appid = ? AND topic = ? AND state = ? AND updated_at < ?"
        params = (c, topic, state, before)
        oldest = f"FROM jobs WHERE {where} ORDER BY updated_at LIMIT ?"
        if state != "pending":
            deleted = yield Sql(f"DELETE FROM jobs WHERE id IN (SELECT id {oldest})",  # noqa: S608
                                (*params, limit))
            return deleted.rowcount
        found = yield Sql(f"SELECT id, grp {oldest}", (*params, limit))
        groups = sorted({str(row[1]) for row in found.rows})  # one locking order
        for group in groups:
            yield from self.lock_group(c, topic, group, now)
        deleted_rows = 0
        ids = [int(row[0]) for row in found.rows]
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            chunk = ids[start:start + _IDS_PER_STATEMENT]
            marks = ", ".join("?" * len(chunk))
            deleted = yield Sql(f"DELETE FROM jobs WHERE id IN ({marks}) AND {where}",  # noqa: S608
                                (*chunk, *params))
            deleted_rows += deleted.rowcount
        for group in groups:
            yield from self.refresh_group(c, topic, group)
        return deleted_rows

    def restore_job(self, call: _args.RestoreJob, now: float) -> SqlOp[int | None]:
        """See :meth:`Store.restore_job` (``job`` checked, without its claim)."""
        job, renumber = call
        for statement in self.dialect.lock_ids:
            yield Sql(statement)
        existing: Job | None = None
        if job.key is not None:
            existing = yield from self.find_job(
                _args.FindJob(job.component_appid, job.topic, job.key), now)
        if existing is None and not renumber:
            holder = yield from self.get_job(_args.GetJob(job.id), now)
            if holder is not None:
                if not same_job(holder, job):
                    return None
                existing = holder
        yield from self.lock_group(job.component_appid, job.topic, job.group, now)
        if existing is not None:
            if job.updated_at <= existing.updated_at:
                return existing.id
            yield from self.lock_group(existing.component_appid, existing.topic,
                                       existing.group, now)
            yield Sql("DELETE FROM jobs WHERE id = ?", (existing.id,))
            job_id: int | None = existing.id
        else:
            job_id = None if renumber else job.id
        columns = ("component_appid, topic, grp, payload, state, attempts, available_at, "
                   "created_at, updated_at, last_error, job_key")
        values: tuple[Any, ...] = (
            job.component_appid, job.topic, job.group, job.payload, job.state, job.attempts,
            job.available_at, job.created_at, job.updated_at, job.last_error, job.key)
        if job_id is None:
            inserted = yield Sql(
                f"INSERT INTO jobs ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
                + self.dialect.returning_id, values)
            job_id = int(inserted.rows[0][0]) if inserted.rows else inserted.lastrowid
            assert job_id is not None
        else:
            yield Sql(
                f"INSERT INTO jobs (id, {columns}){self.dialect.own_id} "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (job_id, *values))
            yield from self._move_last_id(job_id)
        if existing is not None and existing.group != job.group:
            yield from self.refresh_group(existing.component_appid, existing.topic,
                                          existing.group)
        yield from self.refresh_group(job.component_appid, job.topic, job.group)
        return job_id

    def _move_last_id(self, through: int) -> SqlOp[int]:
        found = yield Sql(self.dialect.last_id)
        current = int(found.rows[0][0])
        if through <= current:
            return current
        for statement in self.dialect.set_last_id:
            yield Sql(statement, (through,))
        return through

    def reserve_job_ids(self, call: _args.ReserveJobIds, now: float) -> SqlOp[int]:
        """See :meth:`Store.reserve_job_ids`."""
        through = call.through
        if through > 0:
            for statement in self.dialect.lock_ids:
                yield Sql(statement)
        return (yield from self._move_last_id(through))

    # -------------------------------------------------------------- reads

    def find_job(self, call: _args.FindJob, now: float) -> SqlOp[Job | None]:
        """See :meth:`Store.find_job`."""
        c, topic, key = call
        found = yield Sql(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE component_appid = ? AND topic = ? "  # noqa: S608
            "AND job_key = ?", (c, topic, key))
        return job_from_row(found.rows[0]) if found.rows else None

    def get_job(self, call: _args.GetJob, now: float) -> SqlOp[Job | None]:
        """See :meth:`Store.get_job`."""
        job_id = call.job_id
        found = yield Sql(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))  # noqa: S608
        return job_from_row(found.rows[0]) if found.rows else None

    def list_jobs(self, call: _args.ListJobs, now: float) -> SqlOp[list[Job]]:
        """See :meth:`Store.list_jobs`."""
        c, topic, state, after, limit = call
        sql, params = where(f"SELECT {JOB_COLUMNS} FROM jobs WHERE component_appid = ?", c,  # noqa: S608
                            (" AND topic = ?", topic), (" AND state = ?", state),
                            (" AND id > ?", after))
        found = yield Sql(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [job_from_row(row) for row in found.rows]

    def count_jobs(self, call: _args.CountJobs, now: float) -> SqlOp[dict[str, int]]:
        """See :meth:`Store.count_jobs`."""
        c, topic = call
        sql, params = where("SELECT state, COUNT(*) FROM jobs WHERE component_appid = ?", c,
                            (" AND topic = ?", topic))
        found = yield Sql(sql + " GROUP BY state", tuple(params))
        counts = dict.fromkeys(valid.JOB_STATES, 0)
        for state, number in found.rows:
            counts[str(state)] = int(number)
        return counts
