"""How long the service keeps finished jobs of its queue (the retention settings), the purge
of the rest in bounded batches while pushes go on, and what ``/status`` says of both."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from wxcomponent import CallbackOptions
from wxcomponent.emulator import EmulatorServer
from wxcomponent.service import Service, SettingsError, load_settings
from wxcomponent.service.retention import Retention
from wxcomponent.stores import Job, MemoryStore, SQLiteStore

from ..support.receiver import hooks, receiver
from ..support.service import APPID, FakeClock, make_settings, platform_table, running
from ..support.waiting import wait_for_async

DAY = 86400.0
TOPIC = "deliver:app"


# --------------------------------------------------------------------------- settings


def test_the_defaults_fit_one_host() -> None:
    retention = make_settings().retention
    assert (retention.delivered, retention.dead, retention.exchanges) == (3 * DAY, 30 * DAY,
                                                                          3 * DAY)


def test_retention_comes_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "wxcomponent.toml"
    table = "\n".join(f'{k} = "{v}"' for k, v in platform_table().items())
    path.write_text("delivered_retention = 86400\ndead_retention = 1209600\n"
                    f"[[platforms]]\n{table}\n", encoding="utf-8")
    settings = load_settings(path, env={"WXCOMPONENT_EXCHANGE_RETENTION": "7200"})
    assert settings.retention == Retention(delivered=DAY, dead=14 * DAY, exchanges=7200)


@pytest.mark.parametrize(("key", "value", "says"), [
    ("delivered_retention", 0, "must be a positive number"),
    ("dead_retention", -1, "must be at least 0"),
    ("exchange_retention", "three days", "must be a number"),
    ("dead_retention", True, "must be a number"),
    ("delivered_retention", 3600, "at least the push dedupe window (3900 s)"),
    ("exchange_retention", 3899, "at least the push dedupe window (3900 s)"),
])
def test_a_bad_retention_is_refused_naming_the_setting(key: str, value: Any, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        make_settings(**{key: value})
    assert caught.value.field == key
    assert says in str(caught.value)


def test_dead_pushes_may_be_kept_less_than_the_dedupe_window() -> None:
    assert make_settings(dead_retention=600).retention.dead == 600  # nothing recognises them


def test_a_retention_shorter_than_the_services_own_dedupe_window_starts_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wx.sqlite3"
    settings = make_settings(store=f"sqlite:///{path}", delivered_retention=DAY,
                             exchange_retention=3 * DAY)
    with pytest.raises(SettingsError) as caught:
        Service(settings, callbacks=CallbackOptions(dedupe_ttl=2 * DAY))
    assert caught.value.field == "delivered_retention"
    assert "(172800 s)" in str(caught.value)
    assert not path.exists()  # the store was never opened


def test_the_platforms_keep_finished_exchanges_as_the_settings_say() -> None:
    service = Service(make_settings(exchange_retention=5 * DAY), store=MemoryStore())
    assert service.component().policy.exchange_retention == 5 * DAY


# --------------------------------------------------------------------------- the purge


def delivered_long_ago(store: SQLiteStore, count: int, at: float) -> None:
    """``count`` pushes delivered at ``at``, as another store would have handed them over."""
    for n in range(count):
        store.restore_job(Job(
            id=1, component_appid=APPID, topic=TOPIC, group=f"wx{n:016x}", payload=b"{}",
            state="done", attempts=1, available_at=at, created_at=at, updated_at=at,
            last_error="", key=f"push-{n}", claim=None), renumber=True)


class CountingSQLiteStore(SQLiteStore):
    """A real SQLite store that notes how many jobs each call of the purge deleted."""

    def __init__(self, path: Path, **options: Any) -> None:
        super().__init__(path, **options)
        self.batches: list[tuple[str, int, int]] = []

    def purge_jobs(self, component_appid: str, *, topic: str, state: Any, before: float,
                   limit: int = 500) -> int:
        deleted = super().purge_jobs(component_appid, topic=topic, state=state,
                                     before=before, limit=limit)
        self.batches.append((state, limit, deleted))
        return deleted


async def test_a_backlog_larger_than_a_batch_is_purged_in_batches_while_pushes_are_answered(
    wechat_emulator: EmulatorServer, tmp_path: Path,
) -> None:
    clock = FakeClock()
    store = CountingSQLiteStore(tmp_path / "wx.sqlite3", clock=clock)
    answers: list[int] = []
    pushing = asyncio.Event()
    try:
        with receiver() as r:
            async with running(wechat_emulator, store=store, clock=clock,
                               webhooks=hooks(r.url), delivered_retention=DAY,
                               callbacks=CallbackOptions(timestamp_window=None)) as svc:
                forwarder = svc.service.forwarder
                assert forwarder is not None
                first = await wait_for_async(lambda: forwarder.last_purge)  # at start: none
                assert first.deleted == 0
                delivered_long_ago(store, 2100, clock.now - 2 * DAY)
                store.batches.clear()

                async def push_all_along() -> None:
                    n = 0
                    while pushing.is_set():
                        n += 1
                        answer = await svc.push("unauthorized",
                                                AuthorizerAppid=f"wx{n:016x}")
                        answers.append(answer.status_code)

                pushing.set()
                pusher = asyncio.get_running_loop().create_task(push_all_along())
                await wait_for_async(lambda: len(answers) >= 2)
                clock.advance(forwarder.PURGE_INTERVAL)  # the hourly purge is due
                forwarder.wake()
                await wait_for_async(lambda: forwarder.last_purge is not first,
                                     "the purge never ran", timeout=120)
                await wait_for_async(lambda: len(answers) >= 4)  # pushes go on after it
                pushing.clear()
                await pusher
                purge = forwarder.last_purge
                assert purge is not None and purge.deleted == 2100
                report = (await svc.admin.get("/status")).json()["retention"]
                assert report["outbox_purge"] == {"at": round(purge.at, 3), "deleted": 2100}
        assert answers and set(answers) == {200}  # every push was answered, none refused
        assert store.batches == [("done", 500, 500)] * 4 + [("done", 500, 100),
                                                            ("dead", 500, 0)]
        assert store.count_jobs(APPID, topic=TOPIC)["done"] == len(answers)  # theirs kept
    finally:
        store.close()


# --------------------------------------------------------------------------- /status


async def test_status_shows_the_retention_in_effect_and_the_last_purges(
    wechat_emulator: EmulatorServer,
) -> None:
    clock = FakeClock()
    with receiver() as r:
        async with running(wechat_emulator, clock=clock, webhooks=hooks(r.url),
                           delivered_retention=2 * DAY, dead_retention=10 * DAY,
                           exchange_retention=4 * DAY) as svc:
            forwarder = svc.service.forwarder
            assert forwarder is not None
            await wait_for_async(lambda: forwarder.last_purge)
            answer = await svc.admin.get("/status")
    report = answer.json()["retention"]
    assert report == {
        "delivered_retention": 2 * DAY, "dead_retention": 10 * DAY,
        "exchange_retention": 4 * DAY,
        "outbox_purge": {"at": round(clock.now, 3), "deleted": 0},
        "exchange_purges": {APPID: None},  # no refresher runs here
    }
