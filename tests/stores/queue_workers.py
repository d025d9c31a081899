"""Workers of the queue's concurrency tests: threads and spawned processes that claim jobs,
check that no one else holds them and that their group's earlier job is done, and ack them."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from typing import Any

from wxcomponent.stores import Store

from .workers import open_target

C1 = "wxqueueplatform01"
TOPIC = "deliver:hook"


def fill(store: Store, groups: int, per_group: int) -> dict[int, int | None]:
    """Enqueue ``groups`` x ``per_group`` jobs, interleaved; maps each job id to the id of the
    job before it in its group (None for the first)."""
    previous: dict[int, int | None] = {}
    last: dict[int, int | None] = dict.fromkeys(range(groups))
    for n in range(per_group):
        for g in range(groups):
            job_id = store.enqueue(C1, TOPIC, f"group-{g}", f"{g}:{n}".encode())
            previous[job_id] = last[g]
            last[g] = job_id
    return previous


def drain(
    store: Store,
    previous: dict[int, int | None],
    threads: int,
    *,
    claimed: Any,
    inside: Any,
    guard: Any,
    deadline: float,
) -> list[str]:
    """``threads`` threads claim and ack until no job is left; returns what went wrong.

    ``claimed`` maps each job id to how many times it was handed out; ``inside`` holds the
    jobs being worked on right now (both shared with other processes through ``guard``).
    """
    problems: list[str] = []
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            jobs = store.claim_jobs(C1, TOPIC, limit=3, lease=600)
            if not jobs:
                counts = store.count_jobs(C1, topic=TOPIC)
                if counts["pending"] == 0:
                    return
                time.sleep(rng.uniform(0.001, 0.005))
                continue
            for job in jobs:
                with guard:
                    if job.id in inside:
                        problems.append(f"job {job.id} handed out twice at once")
                    inside[job.id] = True
                    claimed[job.id] = claimed.get(job.id, 0) + 1
                before = previous[job.id]
                if before is not None:
                    earlier = store.get_job(before)
                    if earlier is None or earlier.state != "done":
                        problems.append(f"job {job.id} ran before job {before} of its group")
                time.sleep(rng.uniform(0, 0.002))
                with guard:
                    del inside[job.id]
                assert job.claim is not None
                if not store.ack_job(job.id, job.claim):
                    problems.append(f"the ack of job {job.id} was refused")
        with lock:
            problems.append("the queue was not drained in time")

    pool = [threading.Thread(target=run, args=(os.getpid() * 100 + i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return problems


def drain_in_process(
    kind: str, target: str, previous: dict[int, int | None], threads: int,
    claimed: Any, inside: Any, guard: Any, start: Any, report: Any,
) -> None:
    """:func:`drain` in a spawned process; puts its problems on ``report``."""
    store = open_target(kind, target)
    start.wait()
    try:
        problems = drain(store, previous, threads, claimed=claimed, inside=inside, guard=guard,
                         deadline=time.monotonic() + 120)
    except Exception as exc:
        problems = [repr(exc)]
    finally:
        store.close()
    report.put(problems)


def claim_and_hang(kind: str, target: str, lease: float, report: Any) -> None:
    """Claim every due group's job for ``lease`` seconds, report them, then hang until killed."""
    store = open_target(kind, target)
    jobs = store.claim_jobs(C1, TOPIC, limit=100, lease=lease)
    report.put([(job.id, job.claim, job.attempts) for job in jobs])
    signal.pause() if hasattr(signal, "pause") else time.sleep(3600)
