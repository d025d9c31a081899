"""The console's memory of recent pushes: kept as the listeners were told, shown short and
newest first, WeChat's test accounts marked, bounded, and an error put right by its retry."""

from __future__ import annotations

from wxcomponent.core.listener_events import ListenerEvent, wants
from wxcomponent.service.console.recorder import KEEP, Recorder

APPID = "wx1234567890abcdef"


def test_pushes_are_shown_short_newest_first_and_test_accounts_marked() -> None:
    times = iter(range(1000, 2000))
    recorder = Recorder(lambda: float(next(times)))
    record = recorder.listener(APPID)
    record(ListenerEvent.PUSH_HANDLED, {"event": "component_verify_ticket", "appid": APPID,
                                        "authorizer_appid": None})
    record(ListenerEvent.PUSH_HANDLED, {"event": "text", "appid": APPID,
                                        "authorizer_appid": "wx570bc396a51b8ff8",
                                        "release_check": True, "note": "x" * 500})
    record(ListenerEvent.PUSH_DUPLICATE, {"event": "unauthorized"})

    shown = recorder.pushes(APPID)

    assert [(seen.at, seen.name) for seen in shown] == [
        (1002.0, "duplicate"), (1001.0, "handled"), (1000.0, "handled")]
    assert shown[2].fields == {"event": "component_verify_ticket", "appid": APPID}
    assert shown[1].fields["release_check"] == "yes"
    assert len(shown[1].fields["note"]) == 200
    assert recorder.errors(APPID) == []


def test_only_the_latest_pushes_are_kept_and_a_retry_puts_its_failure_right() -> None:
    recorder = Recorder(lambda: 1.0)
    record = recorder.listener(APPID)
    assert not wants(record, ListenerEvent.API_CALLED)  # never told of calls
    record(ListenerEvent.PUSH_FAILED, {"event": "text", "error": "StoreUnavailable"})
    assert [seen.name for seen in recorder.errors(APPID)] == [ListenerEvent.PUSH_FAILED]
    for index in range(KEEP + 5):
        record(ListenerEvent.PUSH_HANDLED, {"event": "text", "n": index})

    shown = recorder.pushes(APPID)
    assert len(shown) == KEEP and shown[0].fields["n"] == str(KEEP + 4)
    assert recorder.errors(APPID) == []  # the push of its kind was handled since
