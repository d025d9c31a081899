"""The durable job queue: the contract every backend keeps in both flavours (the ``queue``
fixture of ``conftest``: every backend of the ``store`` fixture).

Time is the store's clock (``store_time``), moved by the tests; nothing here sleeps.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import Job, MemoryStore

from ..support.stores import StoreTime

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"
TOPIC = "deliver:hook-1"
PAYLOAD = b"\x00\xffpayload-very-secret-bytes\n"


async def ids(jobs: list[Job]) -> list[int]:
    return [job.id for job in jobs]


async def test_enqueue_and_get_round_trip(queue: Any, store_time: StoreTime) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "wxa1", PAYLOAD)
    assert isinstance(job_id, int) and job_id >= 1
    job = await queue.get_job(job_id)
    assert job == Job(
        id=job_id, component_appid=C1, topic=TOPIC, group="wxa1", payload=PAYLOAD,
        state="pending", attempts=0, available_at=store_time.now, created_at=store_time.now,
        updated_at=store_time.now, last_error="", key=None, claim=None,
    )  # fmt: skip
    assert await queue.get_job(job_id + 1000) is None
    empty = await queue.enqueue(C1, TOPIC, "wxa1", b"", key="k-empty")
    assert (await queue.get_job(empty)).payload == b""


async def test_ids_follow_the_order_of_enqueueing(queue: Any) -> None:
    made = [await queue.enqueue(C1 if n % 2 else C2, f"t{n % 3}", "g", b"x") for n in range(12)]
    assert made == sorted(made) and len(set(made)) == 12


async def test_payload_never_shows_in_the_repr(queue: Any) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "wxa1", PAYLOAD)
    shown = repr(await queue.get_job(job_id)) + repr(await queue.list_jobs(C1))
    assert b"very-secret" not in shown.encode() and "very-secret" not in shown
    assert f"<{len(PAYLOAD)} bytes>" in shown


async def test_one_job_per_group_in_order_while_other_groups_proceed(
    queue: Any, store_time: StoreTime
) -> None:
    a1 = await queue.enqueue(C1, TOPIC, "a", b"a1")
    a2 = await queue.enqueue(C1, TOPIC, "a", b"a2")
    b1 = await queue.enqueue(C1, TOPIC, "b", b"b1")
    a3 = await queue.enqueue(C1, TOPIC, "a", b"a3")
    b2 = await queue.enqueue(C1, TOPIC, "b", b"b2")
    first = await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)
    assert sorted(j.id for j in first) == [a1, b1]
    assert await queue.claim_jobs(C1, TOPIC, limit=10, lease=60) == []  # both groups busy
    by_id = {j.id: j for j in first}
    assert await queue.ack_job(b1, by_id[b1].claim) is True
    second = await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)
    assert [j.id for j in second] == [b2]  # b moves on while a1 is still in flight
    assert await queue.ack_job(a1, by_id[a1].claim) is True
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)] == [a2]
    assert await queue.ack_job(b2, second[0].claim)
    third = await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)
    assert third == []  # a2 is in flight, a3 waits behind it
    job = await queue.get_job(a2)
    assert await queue.ack_job(a2, job.claim)
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)] == [a3]


async def test_claims_are_per_platform_and_topic(queue: Any) -> None:
    mine = await queue.enqueue(C1, TOPIC, "g", b"x")
    other_topic = await queue.enqueue(C1, "exchange", "g", b"x")
    other_platform = await queue.enqueue(C2, TOPIC, "g", b"x")
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=9)] == [mine]
    assert [j.id for j in await queue.claim_jobs(C1, "exchange", limit=5, lease=9)] == [
        other_topic
    ]
    assert [j.id for j in await queue.claim_jobs(C2, TOPIC, limit=5, lease=9)] == [other_platform]


async def test_limit_bounds_a_claim(queue: Any) -> None:
    made = [await queue.enqueue(C1, TOPIC, f"g{n}", b"x") for n in range(5)]
    first = await queue.claim_jobs(C1, TOPIC, limit=2, lease=30)
    second = await queue.claim_jobs(C1, TOPIC, limit=2, lease=30)
    third = await queue.claim_jobs(C1, TOPIC, limit=2, lease=30)
    got = [j.id for j in first + second + third]
    assert (len(first), len(second), len(third)) == (2, 2, 1)
    assert sorted(got) == made


async def test_a_claim_counts_attempts_and_gives_fresh_fences(
    queue: Any, store_time: StoreTime
) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "g", b"x")
    store_time.advance(3)
    (first,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    assert (first.attempts, first.state, first.updated_at) == (1, "pending", store_time.now)
    assert first.claim is not None and first.claim >= 1
    assert (await queue.get_job(job_id)).claim == first.claim
    store_time.advance(29)
    assert await queue.claim_jobs(C1, TOPIC, limit=1, lease=30) == []  # still invisible
    store_time.advance(1)  # the claim ran out: its worker is presumed dead
    (second,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    assert second.id == job_id and second.attempts == 2
    assert second.claim is not None and second.claim != first.claim
    # the first claimer's late answers are refused, whatever they are
    assert await queue.ack_job(job_id, first.claim) is False
    assert await queue.retry_job(job_id, first.claim, store_time.now, "late") is False
    assert await queue.bury_job(job_id, first.claim, "late") is False
    assert (await queue.get_job(job_id)).state == "pending"
    assert await queue.ack_job(job_id, second.claim) is True
    done = await queue.get_job(job_id)
    assert (done.state, done.claim, done.attempts) == ("done", None, 2)
    assert await queue.ack_job(job_id, second.claim) is False  # not twice


async def test_stale_or_wrong_claims_change_nothing(queue: Any) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "g", b"x")
    assert await queue.ack_job(job_id, 12345) is False  # never claimed
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    before = await queue.get_job(job_id)
    assert await queue.ack_job(job_id, job.claim + 1) is False
    assert await queue.bury_job(job_id, job.claim + 1, "x") is False
    assert await queue.ack_job(job_id + 1000, job.claim) is False  # no such job
    assert await queue.get_job(job_id) == before


async def test_retry_puts_the_job_back_later_and_its_group_waits(
    queue: Any, store_time: StoreTime
) -> None:
    first = await queue.enqueue(C1, TOPIC, "g", b"1")
    second = await queue.enqueue(C1, TOPIC, "g", b"2")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)
    assert job.id == first
    later = store_time.now + 100
    assert await queue.retry_job(first, job.claim, later, "HTTP 503 from the webhook") is True
    again = await queue.get_job(first)
    assert (again.state, again.available_at, again.last_error, again.claim) == (
        "pending", later, "HTTP 503 from the webhook", None
    )
    assert await queue.claim_jobs(C1, TOPIC, limit=5, lease=30) == []  # second waits too
    store_time.advance(100)
    (retried,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)
    assert (retried.id, retried.attempts) == (first, 2)
    assert await queue.ack_job(first, retried.claim)
    assert (await queue.get_job(first)).last_error == "HTTP 503 from the webhook"  # kept
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)] == [second]


async def test_bury_gives_up_and_the_group_proceeds(queue: Any, store_time: StoreTime) -> None:
    first = await queue.enqueue(C1, TOPIC, "g", b"1")
    second = await queue.enqueue(C1, TOPIC, "g", b"2")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)
    store_time.advance(2)
    assert await queue.bury_job(first, job.claim, "HTTP 410: gone" * 500) is True
    dead = await queue.get_job(first)
    assert (dead.state, dead.claim, dead.updated_at) == ("dead", None, store_time.now)
    assert dead.last_error.startswith("HTTP 410: gone") and len(dead.last_error) == 2000
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)] == [second]


async def test_jobs_not_yet_available_wait_and_hold_their_group(
    queue: Any, store_time: StoreTime
) -> None:
    later = await queue.enqueue(C1, TOPIC, "g", b"1", available_at=store_time.now + 50)
    behind = await queue.enqueue(C1, TOPIC, "g", b"2")
    elsewhere = await queue.enqueue(C1, TOPIC, "h", b"3")
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=500)] == [elsewhere]
    store_time.advance(49)
    assert await queue.claim_jobs(C1, TOPIC, limit=5, lease=500) == []
    store_time.advance(1)
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=500)
    assert job.id == later
    assert await queue.ack_job(later, job.claim)
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=500)] == [behind]


async def test_idempotency_keys(queue: Any, store_time: StoreTime) -> None:
    first = await queue.enqueue(C1, TOPIC, "g", b"original", key="push-1")
    again = await queue.enqueue(C1, TOPIC, "other", b"changed", key="push-1",
                                available_at=store_time.now + 99)
    assert again == first
    job = await queue.get_job(first)
    assert (job.payload, job.group, job.key, job.available_at) == (
        b"original", "g", "push-1", store_time.now
    )
    assert await queue.count_jobs(C1) == {"pending": 1, "done": 0, "dead": 0}
    # the key is per (platform, topic)
    assert await queue.enqueue(C1, "exchange", "g", b"x", key="push-1") != first
    assert await queue.enqueue(C2, TOPIC, "g", b"x", key="push-1") != first
    # still known once the job is done
    (claimed,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
    await queue.ack_job(claimed.id, claimed.claim)
    assert await queue.enqueue(C1, TOPIC, "g", b"again", key="push-1") == first
    # and free once the job is purged
    store_time.advance(10)
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now) == 1
    fresh = await queue.enqueue(C1, TOPIC, "g", b"again", key="push-1")
    assert fresh > first and (await queue.get_job(fresh)).payload == b"again"


async def test_requeue_replays_dead_and_done_jobs(queue: Any, store_time: StoreTime) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "g", b"x")
    assert await queue.requeue_job(job_id) is False  # pending: nothing to replay
    assert await queue.requeue_job(job_id + 1000) is False
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
    assert await queue.requeue_job(job_id) is False  # claimed: still pending
    await queue.bury_job(job_id, job.claim, "gave up")
    store_time.advance(7)
    assert await queue.requeue_job(job_id, available_at=store_time.now + 3) is True
    replay = await queue.get_job(job_id)
    assert (replay.state, replay.attempts, replay.claim, replay.available_at) == (
        "pending", 0, None, store_time.now + 3
    )
    assert replay.updated_at == store_time.now
    assert await queue.claim_jobs(C1, TOPIC, limit=1, lease=5) == []
    store_time.advance(3)
    (again,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
    assert (again.id, again.attempts) == (job_id, 1)
    await queue.ack_job(job_id, again.claim)
    assert await queue.requeue_job(job_id) is True  # done jobs replay too
    assert (await queue.get_job(job_id)).available_at == store_time.now


async def test_a_replayed_old_job_waits_for_the_job_in_flight_of_its_group(
    queue: Any, store_time: StoreTime
) -> None:
    old = await queue.enqueue(C1, TOPIC, "g", b"old")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    await queue.bury_job(old, job.claim, "x")
    new = await queue.enqueue(C1, TOPIC, "g", b"new")
    (flight,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    assert flight.id == new
    assert await queue.requeue_job(old)
    assert await queue.claim_jobs(C1, TOPIC, limit=5, lease=30) == []  # one at a time
    assert await queue.ack_job(new, flight.claim)
    (replayed,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=30)
    assert replayed.id == old


async def test_list_jobs_pages_by_id_and_filters(queue: Any) -> None:
    made = [await queue.enqueue(C1, f"topic-{n % 2}", f"g{n}", b"x") for n in range(7)]
    await queue.enqueue(C2, "topic-0", "g", b"x")
    (claimed,) = await queue.claim_jobs(C1, "topic-0", limit=1, lease=5)
    await queue.bury_job(claimed.id, claimed.claim, "x")

    async def pages(**kw: Any) -> list[int]:
        seen: list[int] = []
        after = None
        while page := await queue.list_jobs(C1, after=after, limit=2, **kw):
            assert len(page) <= 2
            seen.extend(j.id for j in page)
            after = page[-1].id
        return seen

    assert await pages() == made
    assert await pages(topic="topic-0") == made[0::2]
    assert await pages(state="dead") == [claimed.id]
    assert await pages(topic="topic-0", state="pending") == [i for i in made[0::2]
                                                               if i != claimed.id]
    assert await pages(topic="topic-1", state="dead") == []
    assert await queue.list_jobs(C1, after=made[-1]) == []
    assert [j.id for j in await queue.list_jobs(C1, after=0, limit=1)] == made[:1]


async def test_count_jobs_by_state(queue: Any) -> None:
    assert await queue.count_jobs(C1) == {"pending": 0, "done": 0, "dead": 0}
    for n in range(4):
        await queue.enqueue(C1, TOPIC if n < 3 else "other", f"g{n}", b"x")
    jobs = await queue.claim_jobs(C1, TOPIC, limit=2, lease=5)
    await queue.ack_job(jobs[0].id, jobs[0].claim)
    await queue.bury_job(jobs[1].id, jobs[1].claim, "x")
    assert await queue.count_jobs(C1) == {"pending": 2, "done": 1, "dead": 1}
    assert await queue.count_jobs(C1, topic=TOPIC) == {"pending": 1, "done": 1, "dead": 1}
    assert await queue.count_jobs(C1, topic="none") == {"pending": 0, "done": 0, "dead": 0}
    assert await queue.count_jobs(C2) == {"pending": 0, "done": 0, "dead": 0}


async def test_purge_deletes_old_jobs_of_one_state_and_topic(
    queue: Any, store_time: StoreTime
) -> None:
    old = [await queue.enqueue(C1, TOPIC, f"g{n}", b"x") for n in range(3)]
    for job in await queue.claim_jobs(C1, TOPIC, limit=3, lease=5):
        await queue.ack_job(job.id, job.claim)
    store_time.advance(100)
    recent = await queue.enqueue(C1, TOPIC, "g9", b"x")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
    await queue.ack_job(job.id, job.claim)
    other = await queue.enqueue(C1, "other", "g", b"x")
    (o,) = await queue.claim_jobs(C1, "other", limit=1, lease=5)
    await queue.ack_job(other, o.claim)
    assert await queue.purge_jobs(C1, topic=TOPIC, state="dead", before=store_time.now) == 0
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now) == 3
    assert all([await queue.get_job(i) is None for i in old])
    assert (await queue.get_job(recent)).state == "done"  # updated at `now`: not before
    assert (await queue.get_job(other)).state == "done"  # another topic
    assert await queue.count_jobs(C1) == {"pending": 0, "done": 2, "dead": 0}
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now) == 0


async def test_purging_pending_jobs_frees_their_groups(queue: Any, store_time: StoreTime) -> None:
    stuck = await queue.enqueue(C1, TOPIC, "g", b"1")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=1000)
    store_time.advance(10)
    behind = await queue.enqueue(C1, TOPIC, "g", b"2")
    assert await queue.purge_jobs(C1, topic=TOPIC, state="pending", before=store_time.now) == 1
    assert await queue.get_job(stuck) is None
    assert await queue.ack_job(stuck, job.claim) is False
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=5)] == [behind]


async def test_a_purge_deletes_at_most_its_limit_the_oldest_first(
    queue: Any, store_time: StoreTime
) -> None:
    made = []
    for n in range(5):
        made.append(await queue.enqueue(C1, TOPIC, f"g{n}", b"x", key=f"k{n}"))
        (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
        await queue.ack_job(job.id, job.claim)
        store_time.advance(10)  # each done a little later than the one before
    newest_first = list(reversed(made))
    for job_id in newest_first[:2]:  # the two done last are done again, later still
        await queue.requeue_job(job_id)
        (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=5)
        await queue.ack_job(job.id, job.claim)
        store_time.advance(10)
    # the least recently updated are made[0], made[1], made[2]; then made[4], made[3]
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now,
                                  limit=2) == 2
    assert [await queue.get_job(i) is None for i in made] == [True, True, False, False, False]
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now,
                                  limit=2) == 2
    assert [await queue.get_job(i) is None for i in made] == [True, True, True, False, True]
    assert await queue.purge_jobs(C1, topic=TOPIC, state="done", before=store_time.now,
                                  limit=2) == 1  # fewer than the limit: nothing is left
    assert await queue.count_jobs(C1) == {"pending": 0, "done": 0, "dead": 0}
    assert await queue.enqueue(C1, TOPIC, "g", b"x", key="k0") > 0  # its key is free


async def test_a_limited_purge_of_pending_jobs_frees_only_the_groups_it_emptied(
    queue: Any, store_time: StoreTime
) -> None:
    first = await queue.enqueue(C1, TOPIC, "a", b"1")
    store_time.advance(1)
    second = await queue.enqueue(C1, TOPIC, "b", b"2")
    store_time.advance(1)
    third = await queue.enqueue(C1, TOPIC, "b", b"3")
    store_time.advance(1)
    assert await queue.purge_jobs(C1, topic=TOPIC, state="pending", before=store_time.now,
                                  limit=2) == 2
    assert await queue.get_job(first) is None and await queue.get_job(second) is None
    assert [j.id for j in await queue.claim_jobs(C1, TOPIC, limit=5, lease=5)] == [third]


async def test_many_purged_jobs_go_in_batches_of_the_limit(
    queue: Any, store_time: StoreTime
) -> None:
    for n in range(1203):
        await queue.enqueue(C1, TOPIC, "g", b"x", available_at=store_time.now + 1e6, key=f"k{n}")
    store_time.advance(1)
    purged = [await queue.purge_jobs(C1, topic=TOPIC, state="pending", before=store_time.now)
              for _ in range(3)]
    assert purged == [500, 500, 203]  # 500 a call unless told otherwise
    assert await queue.purge_jobs(C1, topic=TOPIC, state="pending", before=store_time.now,
                                  limit=1000) == 0
    assert await queue.count_jobs(C1) == {"pending": 0, "done": 0, "dead": 0}
    assert await queue.claim_jobs(C1, TOPIC, limit=5, lease=5) == []
    assert await queue.enqueue(C1, TOPIC, "g", b"x", key="k0") > 0


# ------------------------------------------------------------------ moving a queue


def _elsewhere(store_time: StoreTime) -> tuple[MemoryStore, dict[str, Job]]:
    """Another store's queue with a job in every standing: under a claim, retried, done,
    dead (ids 1 to 4), pending (5); and a sixth id given and purged."""
    other = MemoryStore(clock=store_time)
    ids = [other.enqueue(C1, TOPIC, f"g{n}", PAYLOAD + bytes([n]), key=f"push-{n}")
           for n in range(1, 5)]
    claimed = {j.group: j.claim for j in other.claim_jobs(C1, TOPIC, limit=10, lease=60)}
    store_time.advance(1)
    assert other.retry_job(ids[1], claimed["g2"], store_time.now + 30, "HTTP 502")
    assert other.ack_job(ids[2], claimed["g3"])
    assert other.bury_job(ids[3], claimed["g4"], "HTTP 410")
    ids.append(other.enqueue(C1, TOPIC, "g5", PAYLOAD, key="push-5"))
    assert other.enqueue(C1, "other", "g", b"x") == 6
    assert other.purge_jobs(C1, topic="other", state="pending", before=store_time.now + 1) == 1
    names = ("claimed", "retried", "done", "dead", "pending")
    jobs = {name: other.get_job(i) for name, i in zip(names, ids, strict=True)}
    return other, {name: job for name, job in jobs.items() if job is not None}


async def test_restore_keeps_each_job_as_it_stands_with_its_id(
    queue: Any, store_time: StoreTime
) -> None:
    other, jobs = _elsewhere(store_time)
    assert len(jobs) == 5
    for job in jobs.values():
        assert await queue.restore_job(job) == job.id
    for name, job in jobs.items():
        assert await queue.get_job(job.id) == dataclasses.replace(job, claim=None), name
    assert await queue.find_job(C1, TOPIC, "push-3") == jobs["done"]
    assert await queue.count_jobs(C1) == {"pending": 3, "done": 1, "dead": 1}
    # a claim does not move: the job claimed elsewhere is claimable here, its attempts
    # counted on; the retried one waits for its time
    claimed = await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)
    assert [(j.id, j.attempts) for j in claimed] == [(1, 2), (5, 1)]
    store_time.advance(30)
    (retried,) = await queue.claim_jobs(C1, TOPIC, limit=10, lease=60)
    assert (retried.id, retried.attempts, retried.last_error) == (2, 2, "HTTP 502")
    # ids carry on above every restored one, and above the ids given and purged elsewhere
    assert await queue.reserve_job_ids(other.reserve_job_ids(0)) == 6
    assert await queue.enqueue(C1, TOPIC, "g9", b"new") == 7
    assert await queue.reserve_job_ids(0) == 7


async def test_restoring_again_keeps_the_newer_copy(queue: Any, store_time: StoreTime) -> None:
    other = MemoryStore(clock=store_time)
    job_id = other.enqueue(C1, TOPIC, "g", PAYLOAD, key="push-1")
    first = other.get_job(job_id)
    assert first is not None and await queue.restore_job(first) == job_id
    store_time.advance(5)
    (claimed,) = other.claim_jobs(C1, TOPIC, limit=1, lease=60)
    assert claimed.claim is not None and other.ack_job(job_id, claimed.claim)
    done = other.get_job(job_id)
    assert done is not None
    assert await queue.restore_job(done) == job_id  # the source moved on: copied again
    assert await queue.get_job(job_id) == done
    assert await queue.claim_jobs(C1, TOPIC, limit=1, lease=60) == []
    assert await queue.restore_job(first) == job_id  # an older copy changes nothing
    assert await queue.get_job(job_id) == done
    assert await queue.count_jobs(C1) == {"pending": 0, "done": 1, "dead": 0}


async def test_an_id_taken_by_another_job_is_renumbered_on_request(
    queue: Any, store_time: StoreTime
) -> None:
    mine = [await queue.enqueue(C2, TOPIC, "g", b"of another platform") for _ in range(3)]
    other = MemoryStore(clock=store_time)
    keyless = other.enqueue(C1, TOPIC, "g", b"first")
    keyed = other.enqueue(C1, TOPIC, "g", b"second", key="push-2")
    moved = [other.get_job(keyless), other.get_job(keyed)]
    for job in moved:
        assert job is not None
        assert await queue.restore_job(job) is None  # its id is another job's: nothing
    assert [j.id for j in await queue.list_jobs(C2)] == mine
    assert await queue.list_jobs(C1) == []
    new_ids = [await queue.restore_job(job, renumber=True) for job in moved]
    assert new_ids[0] > mine[-1] and new_ids[1] > new_ids[0]  # the order is kept
    assert [j.payload for j in await queue.list_jobs(C1)] == [b"first", b"second"]
    # the keyed job is found again by its key, whatever its id here
    assert await queue.restore_job(moved[1]) == new_ids[1]
    assert await queue.restore_job(moved[1], renumber=True) == new_ids[1]
    (head,) = await queue.claim_jobs(C1, TOPIC, limit=5, lease=60)
    assert head.payload == b"first"
    assert await queue.find_job(C1, TOPIC, "push-2") == await queue.get_job(new_ids[1])


async def test_find_job_reads_a_key_of_one_platform_and_topic(queue: Any) -> None:
    job_id = await queue.enqueue(C1, TOPIC, "g", b"x", key="k")
    found = await queue.find_job(C1, TOPIC, "k")
    assert found is not None and found.id == job_id
    assert await queue.find_job(C1, TOPIC, "other") is None
    assert await queue.find_job(C2, TOPIC, "k") is None
    assert await queue.find_job(C1, "elsewhere", "k") is None


async def test_reserved_ids_are_never_given(queue: Any) -> None:
    assert await queue.reserve_job_ids(0) == 0
    first = await queue.enqueue(C1, TOPIC, "g", b"x")
    assert await queue.reserve_job_ids(0) == first
    assert await queue.reserve_job_ids(1000) == 1000
    assert await queue.enqueue(C2, TOPIC, "g", b"x") == 1001
    assert await queue.reserve_job_ids(10) == 1001  # never moves back


_JOB = Job(id=1, component_appid=C1, topic=TOPIC, group="g", payload=PAYLOAD, state="done",
           attempts=1, available_at=1.0, created_at=1.0, updated_at=2.0, last_error="",
           key=None, claim=None)
BAD_JOBS = [
    dataclasses.replace(_JOB, **change)  # type: ignore[arg-type]
    for change in ({"id": 0}, {"component_appid": "wx:1"}, {"topic": ""}, {"group": None},
                   {"payload": "text"}, {"state": "gone"}, {"attempts": -1},
                   {"updated_at": math.nan}, {"key": ""}, {"last_error": None})
]


BAD_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("enqueue", ("", TOPIC, "g", b"x"), {}),
    ("enqueue", ("wx:1", TOPIC, "g", b"x"), {}),
    ("enqueue", (C1, "", "g", b"x"), {}),
    ("enqueue", (C1, "t\n", "g", b"x"), {}),
    ("enqueue", (C1, "t" * 257, "g", b"x"), {}),
    ("enqueue", (C1, None, "g", b"x"), {}),
    ("enqueue", (C1, TOPIC, "", b"x"), {}),
    ("enqueue", (C1, TOPIC, 5, b"x"), {}),
    ("enqueue", (C1, TOPIC, "g", "text, not bytes"), {}),
    ("enqueue", (C1, TOPIC, "g", None), {}),
    ("enqueue", (C1, TOPIC, "g", b"x" * (1 << 20 | 1)), {}),
    ("enqueue", (C1, TOPIC, "g", b"x"), {"available_at": math.nan}),
    ("enqueue", (C1, TOPIC, "g", b"x"), {"available_at": "soon"}),
    ("enqueue", (C1, TOPIC, "g", b"x"), {"key": ""}),
    ("enqueue", (C1, TOPIC, "g", b"x"), {"key": 7}),
    ("claim_jobs", (C1, TOPIC), {"limit": 0, "lease": 5}),
    ("claim_jobs", (C1, TOPIC), {"limit": 1001, "lease": 5}),
    ("claim_jobs", (C1, TOPIC), {"limit": True, "lease": 5}),
    ("claim_jobs", (C1, TOPIC), {"limit": 1, "lease": 0}),
    ("claim_jobs", (C1, TOPIC), {"limit": 1, "lease": math.inf}),
    ("claim_jobs", ("", TOPIC), {"limit": 1, "lease": 5}),
    ("claim_jobs", (C1, ""), {"limit": 1, "lease": 5}),
    ("ack_job", (0, 1), {}),
    ("ack_job", ("1", 1), {}),
    ("ack_job", (1, None), {}),
    ("ack_job", (1, True), {}),
    ("retry_job", (1, 1, math.nan, "e"), {}),
    ("retry_job", (1, 1, 5.0, None), {}),
    ("bury_job", (1, 1, b"error"), {}),
    ("bury_job", (-1, 1, "e"), {}),
    ("get_job", (0,), {}),
    ("get_job", (1.0,), {}),
    ("list_jobs", (C1,), {"state": "gone"}),
    ("list_jobs", (C1,), {"after": -1}),
    ("list_jobs", (C1,), {"after": "5"}),
    ("list_jobs", (C1,), {"limit": 0}),
    ("list_jobs", (C1,), {"topic": ""}),
    ("requeue_job", (0,), {}),
    ("requeue_job", (1,), {"available_at": math.inf}),
    ("count_jobs", ("",), {}),
    ("count_jobs", (C1,), {"topic": 5}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "all", "before": 1.0}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": None, "before": 1.0}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "done", "before": math.nan}),
    ("purge_jobs", (C1,), {"topic": "", "state": "done", "before": 1.0}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "done", "before": 1.0, "limit": 0}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "done", "before": 1.0, "limit": 1001}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "done", "before": 1.0, "limit": "5"}),
    ("purge_jobs", (C1,), {"topic": TOPIC, "state": "done", "before": 1.0, "limit": True}),
    ("find_job", (C1, TOPIC, ""), {}),
    ("find_job", (C1, "", "k"), {}),
    ("find_job", ("", TOPIC, "k"), {}),
    ("restore_job", ("a job",), {}),
    *(("restore_job", (job,), {}) for job in BAD_JOBS),
    ("restore_job", (_JOB,), {"renumber": "yes"}),
    ("reserve_job_ids", (-1,), {}),
    ("reserve_job_ids", ("5",), {}),
    ("reserve_job_ids", (2**53,), {}),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs"), BAD_CALLS, ids=[f"{m}-{i}" for i, (m, _, _) in
                                                  enumerate(BAD_CALLS)]
)
async def test_bad_arguments_raise_invalid_argument_and_write_nothing(
    queue: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    existing = await queue.enqueue(C1, TOPIC, "g", b"kept")
    (job,) = await queue.claim_jobs(C1, TOPIC, limit=1, lease=30)
    before = await queue.get_job(existing)
    with pytest.raises(InvalidArgument) as caught:
        await getattr(queue, method)(*args, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert "payload-very-secret" not in str(caught.value)
    assert await queue.get_job(existing) == before
    assert await queue.count_jobs(C1) == {"pending": 1, "done": 0, "dead": 0}
    assert await queue.list_jobs(C1) == [before]
    assert job.claim == before.claim
