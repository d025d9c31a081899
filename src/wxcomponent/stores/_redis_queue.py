"""The job queue of the Redis store when no durable store stands beside it, free of I/O.

The model is the one of :mod:`._sql_queue`: jobs, and per (component appid, topic, group)
the oldest pending job, the job in flight and when the group may next be claimed. Every key of
a platform's queue carries the platform's hash tag, ``{component appid}``, so each Lua script
touches one slot and runs on Redis Cluster. Job ids come from one counter of the store and a
hash maps each id to its platform (those two keys live outside the platform's slot and are
used by plain commands, before or after a script).

Key layout (``p`` the prefix, ``c`` a component appid, ``T`` a topic written as
``<length>:<topic>``, so no topic can spell another's keys)::

    p:job-seq                       counter: the last job id given
    p:job-homes                     hash: job id -> component appid
    p:{c}:q:job:<id>                hash: the job (payload in base64)
    p:{c}:q:fence                   counter: the last claim fence given
    p:{c}:q:all, p:{c}:q:t:T        sorted sets of job ids (score: the id)
    p:{c}:q:s:<state>, p:{c}:q:ts:T:<state>   the same, by state
    p:{c}:q:age:T:<state>           job ids by updated_at (for purging)
    p:{c}:q:keys:T                  hash: idempotency key -> job id
    p:{c}:q:pending:T:<group>       the group's pending job ids
    p:{c}:q:ready:T                 groups with pending jobs, scored by when they may be claimed
    p:{c}:q:flight:T                hash: group -> the job under its latest claim
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ..errors import StoreCorrupt
from . import _args
from . import _validate as valid
from ._redis_keys import fields_of, num, text
from ._redis_steps import DurableCall, Op, Script, eval_script, load_script, load_source
from .base import Job, JobState

__all__ = ["RedisQueue"]

_HELPERS = load_source("queue_helpers")


def _script(name: str) -> Script:
    """A queue script: the helpers, then the body kept in ``lua/<name>.lua``."""
    return Script(_HELPERS + load_source(name))


# The scripts of the queue; each file starts with the KEYS and ARGV its script takes.
ENQUEUE = _script("queue_enqueue")
CLAIM = _script("queue_claim")
SETTLE = _script("queue_settle")
REQUEUE = _script("queue_requeue")
PURGE = _script("queue_purge")
LIST = _script("queue_list")
COUNT = _script("queue_count")
RESTORE = _script("queue_restore")
RESERVE = load_script("queue_reserve")


def _topic(topic: str) -> str:
    return f"{len(topic)}:{topic}"


def decode_job(job_id: Any, c: str, reply: Any) -> Job:
    """A job from its hash."""
    fields = fields_of(reply)
    try:
        state: Any = fields["state"]
        if state not in valid.JOB_STATES:
            raise ValueError(state)
        return Job(
            id=int(text(job_id)), component_appid=c, topic=fields["topic"],
            group=fields["group"], payload=base64.b64decode(fields["payload"], validate=True),
            state=state, attempts=int(fields["attempts"]),
            available_at=float(fields["available_at"]), created_at=float(fields["created_at"]),
            updated_at=float(fields["updated_at"]), last_error=fields["last_error"],
            key=fields["key"] or None, claim=int(fields["claim"]) if fields["claim"] else None,
        )  # fmt: skip
    except (KeyError, ValueError, binascii.Error) as exc:
        raise StoreCorrupt(f"Redis holds an unreadable job {text(job_id)}") from exc


def _jobs(c: str, reply: Any) -> list[Job]:
    items = list(reply or ())
    return [
        decode_job(items[i], c, items[i + 1])
        for i in range(0, len(items) - 1, 2)
        if items[i + 1]
    ]


class RedisQueue:
    """The queue's operations, as generators of steps (see :mod:`._redis_steps`).

    With ``durable`` set, every operation is one call to the durable store beside Redis (jobs
    are durable data); otherwise the queue lives in Redis. ``clock`` gives the times.
    """

    def __init__(self, prefix: str, *, durable: bool, clock: Callable[[], float]) -> None:
        self.prefix = prefix
        self.durable = durable
        self.clock = clock
        self.seq_key = f"{prefix}:job-seq"
        self.homes_key = f"{prefix}:job-homes"

    def base(self, c: str) -> str:
        """The start of every queue key of platform ``c`` (with its hash tag)."""
        return f"{self.prefix}:{{{c}}}:q:"

    def _run(self, script: Script, c: str, *args: Any) -> Op[Any]:
        base = self.base(c)
        return eval_script(script, (base + "all",), (base, *args))

    def _home(self, job_id: int) -> Op[str | None]:
        home = yield ("HGET", self.homes_key, job_id)
        return None if home is None else text(home)

    def enqueue(self, call: _args.Enqueue) -> Op[int]:
        """See :meth:`Store.enqueue`."""
        c, topic, group, payload, available_at, key = call
        if self.durable:
            kwargs = {"available_at": available_at, "key": key}
            return int((yield DurableCall("enqueue", (c, topic, group, payload), kwargs)))
        if key is not None:
            found = yield ("HGET", self.base(c) + "keys:" + _topic(topic), key)
            if found is not None:
                return int(text(found))
        job_id = int((yield ("INCR", self.seq_key)))
        yield ("HSET", self.homes_key, job_id, c)  # before the job exists: ack needs it
        now = self.clock()
        when = now if available_at is None else float(available_at)
        got = yield from self._run(
            ENQUEUE, c, job_id, topic, group, base64.b64encode(payload).decode(), num(when),
            num(now), key or "",
        )  # fmt: skip
        if int(got) != job_id:  # the key was taken meanwhile: this id stays unused
            yield ("HDEL", self.homes_key, job_id)
        return int(got)

    def claim_jobs(self, call: _args.ClaimJobs) -> Op[list[Job]]:
        """See :meth:`Store.claim_jobs`."""
        c, topic, limit, lease = call
        if self.durable:
            kwargs = {"limit": limit, "lease": lease}
            return list((yield DurableCall("claim_jobs", (c, topic), kwargs)))
        now = self.clock()
        reply = yield from self._run(CLAIM, c, topic, num(now), limit, num(now + lease))
        return _jobs(c, reply)

    def _settle(
        self, method: str, job_id: int, claim: int, state: JobState, error: str | None,
        available_at: float | None = None,
    ) -> Op[bool]:
        if self.durable:
            extra = () if error is None else (error,)
            if available_at is not None:
                extra = (available_at, *extra)
            return bool((yield DurableCall(method, (job_id, claim, *extra))))
        c = yield from self._home(job_id)
        if c is None:
            return False
        done = yield from self._run(
            SETTLE, c, job_id, claim, state, num(self.clock()),
            "" if available_at is None else num(available_at), error or "",
            int(error is not None),
        )  # fmt: skip
        return bool(done)

    def ack_job(self, call: _args.AckJob) -> Op[bool]:
        """See :meth:`Store.ack_job`."""
        job_id, claim = call
        return (yield from self._settle("ack_job", job_id, claim, "done", None))

    def retry_job(self, call: _args.RetryJob) -> Op[bool]:
        """See :meth:`Store.retry_job`."""
        job_id, claim, available_at, error = call
        return (yield from self._settle("retry_job", job_id, claim, "pending", error, available_at))

    def bury_job(self, call: _args.BuryJob) -> Op[bool]:
        """See :meth:`Store.bury_job`."""
        job_id, claim, error = call
        return (yield from self._settle("bury_job", job_id, claim, "dead", error))

    def requeue_job(self, call: _args.RequeueJob) -> Op[bool]:
        """See :meth:`Store.requeue_job`."""
        job_id, available_at = call
        if self.durable:
            kwargs = {"available_at": available_at}
            return bool((yield DurableCall("requeue_job", (job_id,), kwargs)))
        c = yield from self._home(job_id)
        if c is None:
            return False
        now = self.clock()
        when = now if available_at is None else available_at
        return bool((yield from self._run(REQUEUE, c, job_id, num(when), num(now))))

    def get_job(self, call: _args.GetJob) -> Op[Job | None]:
        """See :meth:`Store.get_job`."""
        job_id = call.job_id
        if self.durable:
            found: Job | None = yield DurableCall("get_job", (job_id,))
            return found
        c = yield from self._home(job_id)
        if c is None:
            return None
        reply = yield ("HGETALL", f"{self.base(c)}job:{job_id}")
        return decode_job(job_id, c, reply) if reply else None

    def list_jobs(self, call: _args.ListJobs) -> Op[list[Job]]:
        """See :meth:`Store.list_jobs`."""
        c, topic, state, after, limit = call
        if self.durable:
            kwargs = {"topic": topic, "state": state, "after": after, "limit": limit}
            return list((yield DurableCall("list_jobs", (c,), kwargs)))
        if topic is None:
            index = "all" if state is None else f"s:{state}"
        else:
            index = f"t:{_topic(topic)}" if state is None else f"ts:{_topic(topic)}:{state}"
        reply = yield from self._run(LIST, c, index, after or 0, limit)
        return _jobs(c, reply)

    def find_job(self, call: _args.FindJob) -> Op[Job | None]:
        """See :meth:`Store.find_job`."""
        c, topic, key = call
        if self.durable:
            found: Job | None = yield DurableCall("find_job", (c, topic, key))
            return found
        job_id = yield ("HGET", self.base(c) + "keys:" + _topic(topic), key)
        if job_id is None:
            return None
        reply = yield ("HGETALL", f"{self.base(c)}job:{text(job_id)}")
        return decode_job(job_id, c, reply) if reply else None

    def restore_job(self, call: _args.RestoreJob) -> Op[int | None]:
        """See :meth:`Store.restore_job`."""
        job, renumber = call
        if self.durable:
            restored: int | None = yield DurableCall("restore_job", (job,),
                                                     {"renumber": renumber})
            return restored
        c = job.component_appid
        held = None
        if job.key is not None:  # the same job, whatever its id here
            held = yield ("HGET", self.base(c) + "keys:" + _topic(job.topic), job.key)
        if held is not None:
            job_id, homed = int(text(held)), True
        elif renumber:
            job_id, homed = int((yield ("INCR", self.seq_key))), False
        else:
            job_id = job.id
            home = yield from self._home(job_id)
            if home is not None and home != c:
                return None  # a job of another platform holds the id
            homed = home is not None
        if not homed:
            yield ("HSET", self.homes_key, job_id, c)  # before the job exists, as enqueue
        reply = yield from self._run(
            RESTORE, c, job_id, job.topic, job.group, base64.b64encode(job.payload).decode(),
            job.state, job.attempts, num(job.available_at), num(job.created_at),
            num(job.updated_at), job.last_error, job.key or "", "1" if renumber else "",
        )  # fmt: skip
        outcome = int(reply[0])
        stored = int(reply[1]) if outcome >= 0 else None
        if stored != job_id and not homed:
            yield ("HDEL", self.homes_key, job_id)
        if stored == job_id and not renumber and held is None:
            yield from eval_script(RESERVE, (self.seq_key,), (job_id,))
        return stored

    def reserve_job_ids(self, call: _args.ReserveJobIds) -> Op[int]:
        """See :meth:`Store.reserve_job_ids`."""
        through = call.through
        if self.durable:
            return int((yield DurableCall("reserve_job_ids", (through,))))
        return int((yield from eval_script(RESERVE, (self.seq_key,), (through,))))

    def count_jobs(self, call: _args.CountJobs) -> Op[dict[str, int]]:
        """See :meth:`Store.count_jobs`."""
        c, topic = call
        if self.durable:
            return dict((yield DurableCall("count_jobs", (c,), {"topic": topic})))
        where = "s:" if topic is None else f"ts:{_topic(topic)}:"
        reply = yield from self._run(COUNT, c, *(where + state for state in valid.JOB_STATES))
        return {state: int(n) for state, n in zip(valid.JOB_STATES, reply, strict=True)}

    def purge_jobs(self, call: _args.PurgeJobs) -> Op[int]:
        """See :meth:`Store.purge_jobs`: one run of the script, oldest first by the age index."""
        c, topic, state, before, limit = call
        if self.durable:
            kwargs = {"topic": topic, "state": state, "before": before, "limit": limit}
            return int((yield DurableCall("purge_jobs", (c,), kwargs)))
        ids = list((yield from self._run(PURGE, c, topic, state, num(before), limit)))
        if ids:
            yield ("HDEL", self.homes_key, *ids)
        return len(ids)
