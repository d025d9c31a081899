"""The queue under contention: many threads, many asyncio tasks and several processes claim
from one store, and no job is ever handed to two of them at once, nor before the job ahead of
it in its group is done; a claimer killed with SIGKILL loses its jobs to the next claim once
its lease has run out, and its late acks are refused."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from wxcomponent.stores import Store

from ..support.stores import BACKENDS, make_async, make_sync
from . import queue_workers as qw
from .workers import open_target, target_of, with_clock

SPAWN = multiprocessing.get_context("spawn")


def _url(backend: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("redis_url") if backend == "redis" else None


def _all_done(store: Store, previous: dict[int, int | None]) -> None:
    assert store.count_jobs(qw.C1, topic=qw.TOPIC) == {
        "pending": 0, "done": len(previous), "dead": 0
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_threads_never_share_a_job(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = make_sync(backend, tmp_path, _url(backend, request))
    try:
        previous = qw.fill(store, groups=20, per_group=10)
        claimed: dict[int, int] = {}
        problems = qw.drain(store, previous, 16, claimed=claimed, inside={},
                            guard=threading.Lock(), deadline=time.monotonic() + 60)
        assert problems == []
        assert claimed == dict.fromkeys(previous, 1)  # every job once, none twice
        _all_done(store, previous)
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_many_tasks_never_share_a_job(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _url(backend, request)
    store = make_async(backend, tmp_path, url)
    previous: dict[int, int | None] = {}
    last: dict[int, int | None] = dict.fromkeys(range(10))
    for _round in range(10):
        for g in range(10):
            job_id = await store.enqueue(qw.C1, qw.TOPIC, f"group-{g}", b"x")
            previous[job_id], last[g] = last[g], job_id
    inside: set[int] = set()
    claimed: dict[int, int] = {}
    problems: list[str] = []
    deadline = time.monotonic() + 60

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            jobs = await store.claim_jobs(qw.C1, qw.TOPIC, limit=2, lease=600)
            if not jobs:
                if (await store.count_jobs(qw.C1))["pending"] == 0:
                    return
                await asyncio.sleep(rng.uniform(0.001, 0.004))
                continue
            for job in jobs:
                if job.id in inside:
                    problems.append(f"job {job.id} handed out twice at once")
                inside.add(job.id)
                claimed[job.id] = claimed.get(job.id, 0) + 1
                before = previous[job.id]
                if before is not None and (await store.get_job(before)).state != "done":
                    problems.append(f"job {job.id} ran before job {before}")
                await asyncio.sleep(rng.uniform(0, 0.002))
                inside.discard(job.id)
                if not await store.ack_job(job.id, job.claim):
                    problems.append(f"the ack of job {job.id} was refused")
        problems.append("not drained in time")

    try:
        await asyncio.gather(*(worker(i) for i in range(50)))
        assert problems == []
        assert claimed == dict.fromkeys(previous, 1)
    finally:
        await store.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "redis", "postgres"])
def test_processes_never_share_a_job(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    store = open_target(kind, target)
    previous = qw.fill(store, groups=25, per_group=8)
    with SPAWN.Manager() as manager:
        claimed, inside, guard = manager.dict(), manager.dict(), manager.Lock()
        start, report = SPAWN.Event(), SPAWN.Queue()
        procs = [
            SPAWN.Process(target=qw.drain_in_process, args=(
                kind, target, previous, 6, claimed, inside, guard, start, report))
            for _ in range(4)
        ]  # fmt: skip
        for proc in procs:
            proc.start()
        start.set()
        problems = [p for _ in procs for p in report.get(timeout=180)]
        for proc in procs:
            proc.join(timeout=30)
            assert proc.exitcode == 0
        assert problems == []
        assert dict(claimed) == dict.fromkeys(previous, 1)
    _all_done(store, previous)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "redis", "postgres"])
def test_the_jobs_of_a_killed_claimer_come_back_after_its_lease(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    store = open_target(kind, target)
    previous = qw.fill(store, groups=5, per_group=2)
    heads = sorted(job_id for job_id, before in previous.items() if before is None)
    report = SPAWN.Queue()
    proc = SPAWN.Process(target=qw.claim_and_hang, args=(kind, target, 30.0, report))
    proc.start()
    taken = report.get(timeout=60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL
    assert sorted(job_id for job_id, _claim, _n in taken) == heads
    assert store.claim_jobs(qw.C1, qw.TOPIC, limit=100, lease=30) == []  # its leases still run
    # later, by the store's clock: the dead claimer's leases are over
    later = with_clock(kind, target, lambda: time.time() + 31)
    try:
        again = later.claim_jobs(qw.C1, qw.TOPIC, limit=100, lease=30)
        assert sorted(job.id for job in again) == heads
        assert {job.attempts for job in again} == {2}
        for job_id, claim, _attempts in taken:
            assert later.ack_job(job_id, claim) is False  # the dead claimer's fences
        for job in again:
            assert job.claim is not None and later.ack_job(job.id, job.claim)
        assert later.count_jobs(qw.C1) == {"pending": 5, "done": 5, "dead": 0}
    finally:
        later.close()
        store.close()
