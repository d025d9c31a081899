"""Old jobs purged in bounded batches (`core/retention.py`): every store call deletes at most
its limit, and others get a turn between two calls."""

from __future__ import annotations

from wxcomponent.core.effects import Sleep, StoreCall
from wxcomponent.core.retention import PURGE_LIMIT, purge_old_jobs

from .harness import COMPONENT_APPID, Harness

TOPIC = "deliver:app"


def backlog(h: Harness, size: int) -> None:
    """``size`` delivered pushes, done now; the clock then moves on a second."""
    for n in range(size):
        h.store.enqueue(COMPONENT_APPID, TOPIC, f"g{n}", b"{}")
    for job in h.store.claim_jobs(COMPONENT_APPID, TOPIC, limit=1000, lease=60):
        assert job.claim is not None and h.store.ack_job(job.id, job.claim)
    for job in h.store.claim_jobs(COMPONENT_APPID, TOPIC, limit=1000, lease=60):
        assert job.claim is not None and h.store.ack_job(job.id, job.claim)
    h.clock.advance(1)


def test_a_backlog_larger_than_the_limit_goes_in_batches_with_a_turn_for_others_between() -> None:
    h = Harness()
    backlog(h, 1203)
    deleted = h.run(purge_old_jobs(COMPONENT_APPID, topic=TOPIC, state="done",
                                   before=h.clock()))
    assert deleted == 1203
    steps = [e for e in h.effects if isinstance(e, (StoreCall, Sleep))]
    assert [type(e).__name__ for e in steps] == ["StoreCall", "Sleep", "StoreCall", "Sleep",
                                                 "StoreCall"]
    assert all(e.method == "purge_jobs" and e.kwargs["limit"] == PURGE_LIMIT == 500
               for e in steps if isinstance(e, StoreCall))
    assert h.store.count_jobs(COMPONENT_APPID) == {"pending": 0, "done": 0, "dead": 0}


def test_a_batch_that_comes_out_full_is_followed_by_one_more_call() -> None:
    h = Harness()
    backlog(h, 20)
    deleted = h.run(purge_old_jobs(COMPONENT_APPID, topic=TOPIC, state="done",
                                   before=h.clock(), limit=10))
    assert deleted == 20
    assert len(h.of(StoreCall)) == 3  # 10, 10, then 0: nothing is left
    assert h.store.count_jobs(COMPONENT_APPID)["done"] == 0


def test_only_what_is_older_than_the_moment_goes() -> None:
    h = Harness()
    backlog(h, 3)
    before = h.clock()
    backlog(h, 2)
    assert h.run(purge_old_jobs(COMPONENT_APPID, topic=TOPIC, state="done",
                                before=before)) == 3
    assert h.store.count_jobs(COMPONENT_APPID)["done"] == 2
