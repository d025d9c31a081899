"""Shipping a template to a fleet of mini programs, on both shells, against the emulator: every
mini program ends released, rejected with its reason, or failed with its errcode; bad input of
one mini program does not stop the others; pushes end the waits; the report is read back from
the store; and a second run of the same shipment changes nothing."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from wxcomponent import AuditItem, ShipOptions, ShipReport
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import ConfigurationError, InvalidArgument
from wxcomponent.stores import AuthorizerRecord

from .conftest import APPID, FAST, Side, mini_program, moving_clock, pushes_to, template, wait_for


def _audits(emu: EmulatorServer, appid: str) -> list[dict[str, Any]]:
    audits: list[dict[str, Any]] = emu.mini_program(APPID, appid)["audits"]
    return audits


def test_a_fleet_ends_released_rejected_or_failed(emu: EmulatorServer, side: Side) -> None:
    apps = [mini_program(emu, side) for _ in range(6)]
    template_id = template(emu, side)
    emu.set_audit_result(APPID, apps[1], "fail", "2:页面内容不完整")
    emu.plan_audits(APPID, [{"outcome": "delay", "after": 100, "reason": "排队"},
                            {"outcome": "success", "after": 400}], apps[2])
    emu.revoke(APPID, apps[3], push=False)
    events: list[tuple[str, dict[str, Any]]] = []
    side.component.add_listener(lambda name, fields: events.append((name, dict(fields))))
    overrides = {apps[4]: "{not json"}
    with pushes_to(emu, side), moving_clock(emu):
        result = side.run(side.component.fleet.ship(
            template_id, {"extAppid": "$APPID$", "ext": {"shop": "$APPID$"}}, "3.0.0",
            "fleet release", appids=apps, ext_json_for=overrides,
            options=ShipOptions(**{**FAST.__dict__,
                                   "audit_items": (AuditItem("工具", "备忘录", 287, 612),)})))
    assert isinstance(result, ShipReport) and result.finished
    outcome = {a.appid: a for a in result.apps}
    assert [a.appid for a in result.apps] == apps
    assert {outcome[a].outcome for a in (apps[0], apps[2], apps[5])} == {"released"}
    assert (outcome[apps[1]].outcome, outcome[apps[1]].reason) == ("rejected",
                                                                   "2:页面内容不完整")
    assert (outcome[apps[3]].outcome, outcome[apps[3]].errcode) == ("failed", 61003)
    assert outcome[apps[4]].outcome == "failed" and "ext_json" in outcome[apps[4]].reason
    for appid in (apps[0], apps[1], apps[2], apps[5]):
        assert len(_audits(emu, appid)) == 1, appid
    released = emu.mini_program(APPID, apps[0])
    assert released["released"]["user_version"] == "3.0.0" and released["commits"] == 1
    commit = side.sent("/wxa/commit")
    ext = {json.loads(json.loads(r.read())["ext_json"])["extAppid"] for r in commit}
    assert set(apps[:3] + apps[5:]) <= ext
    assert _audits(emu, apps[4]) == [] and emu.mini_program(APPID, apps[4])["commits"] == 0
    shipping = [(name, fields) for name, fields in events if name.startswith("ship_")]
    assert shipping[0][0] == "ship_started" and shipping[-1][0] == "ship_finished"
    assert shipping[-1][1] == {"shipment": f"{template_id}-3.0.0", "released": 3, "rejected": 1,
                             "failed": 2, "blocked": 0, "in_progress": 0}
    assert ("ship_app", {"shipment": f"{template_id}-3.0.0", "appid": apps[1],
                         "stage": "finish", "state": "rejected", "auditid": outcome[
                             apps[1]].auditid, "reason": "2:页面内容不完整"}) in shipping
    again = side.run(side.component.fleet.report(f"{template_id}-3.0.0"))
    assert again == result
    # running the finished shipment again changes nothing upstream
    calls = emu.call_counts()
    rerun = side.run(side.component.fleet.ship(template_id, {}, "3.0.0", appids=apps,
                                               options=FAST))
    assert rerun == result
    assert {k: v for k, v in emu.call_counts().items() if k.startswith("/wxa")} == {
        k: v for k, v in calls.items() if k.startswith("/wxa")}


def test_an_unknown_template_fails_each_app_with_its_errcode(emu: EmulatorServer,
                                                              side: Side) -> None:
    apps = [mini_program(emu, side) for _ in range(3)]
    result = side.run(side.component.fleet.ship(987654, {}, "1.0.0", appids=apps,
                                                shipment="unknown-template", options=FAST))
    assert [(a.outcome, a.errcode, a.stage) for a in result.apps] == [
        ("failed", 85014, "prepare")] * 3
    assert result.counts() == {"released": 0, "rejected": 0, "failed": 3, "blocked": 0,
                               "in_progress": 0}


def test_every_authorized_mini_program_by_default(emu: EmulatorServer, side: Side) -> None:
    apps = sorted(mini_program(emu, side) for _ in range(3))
    official = emu.authorize(APPID, kind="official_account", push=False)
    side.run(side.component.query_auth(official.auth_code))
    template_id = template(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    result = side.run(side.component.fleet.ship(template_id, {}, "1.1.0", options=FAST))
    assert sorted(a.appid for a in result.released) == apps


def test_the_release_check_mini_program_is_never_shipped_to(emu: EmulatorServer,
                                                            side: Side) -> None:
    apps = [mini_program(emu, side)]
    test_account = "wxd101a85aa106f53e"
    emu.authorize(APPID, test_account, kind="mini_program", push=False)
    # an older version kept it like a merchant
    side.store.save_authorizer(AuthorizerRecord(
        APPID, test_account, emu.current_refresh_token(APPID, test_account),
        func_info=(17, 18), authorized_at=1.0, updated_at=1.0))
    template_id = template(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    result = side.run(side.component.fleet.ship(template_id, {}, "1.1.1", options=FAST))
    assert [a.appid for a in result.released] == apps
    assert [a.appid for a in result.apps] == apps
    assert emu.mini_program(APPID, test_account)["commits"] == 0


def test_transient_failures_are_retried(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    template_id = template(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    emu.inject("/wxa/commit", status=502, times=4)  # more than the engine's own tries
    emu.inject("/wxa/release", errcode=-1, times=3)
    result = side.run(side.component.fleet.ship(template_id, {}, "1.2.0", appids=[appid],
                                                options=FAST))
    assert [a.outcome for a in result.apps] == ["released"]
    assert emu.mini_program(APPID, appid)["commits"] == 1


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"template_id": "1"}, "template_id"),
    ({"ext_json": "[1]"}, "ext_json"),
    ({"user_version": ""}, "user_version"),
    ({"appids": ["not-an-appid"]}, "appids"),
    ({"appids": []}, "appids"),
    ({"shipment": "a b"}, "shipment"),
    ({"appids": ["wxd101a85aa106f53e"]}, "appids"),  # the release check's test account
])
def test_bad_arguments_change_nothing(emu: EmulatorServer, side: Side, kwargs: dict[str, Any],
                                      argument: str) -> None:
    args: dict[str, Any] = {"template_id": 1, "ext_json": {}, "user_version": "1.0",
                            "appids": ["wx1234567890123456"], **kwargs}
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.component.fleet.ship(**args, options=FAST))
    assert caught.value.argument == argument
    assert emu.call_counts() == before
    assert side.store.count_jobs(APPID) == {"pending": 0, "done": 0, "dead": 0}


@pytest.mark.parametrize("bad", [{"concurrency": 0}, {"lease": 0.5}, {"poll_interval": -1},
                                 {"max_attempts": 0}, {"audit_items": ("x",)},
                                 {"idle_interval": float("nan")}])
def test_bad_options_are_configuration_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        ShipOptions(**bad)


def test_a_push_ends_the_wait_for_an_audit(emu: EmulatorServer, side: Side) -> None:
    """With polling all but off, the audit results reach the shipment through their pushes."""
    apps = [mini_program(emu, side) for _ in range(2)]
    template_id = template(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    emu.set_audit_result(APPID, None, "success", after=300)
    patient = ShipOptions(concurrency=4, lease=5, privacy_interval=0.02, poll_interval=3600,
                          idle_interval=3600, retry_base=0.01)
    done: list[ShipReport] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            done.append(side.run(side.component.fleet.ship(template_id, {}, "4.0.0",
                                                           appids=apps, options=patient)))
        except BaseException as exc:
            failures.append(exc)

    with pushes_to(emu, side):
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        wait_for(lambda: all(_audits(emu, a) for a in apps), "the audits were not submitted")
        emu.advance_clock(300)
        wait_for(lambda: done or failures, "the pushes did not end the shipment's wait")
    assert not failures and [a.outcome for a in done[0].apps] == ["released", "released"]
    assert emu.calls("/wxa/get_auditstatus") <= 2 * len(apps)


def test_the_services_metrics_count_shipped_mini_programs() -> None:
    from wxcomponent.service.metrics import Metrics

    metrics = Metrics()
    record = metrics.listener(APPID)
    for state in ("committed", "released", "released", "rejected", "retrying"):
        record("ship_app", {"shipment": "s", "appid": "wx1", "stage": "finish",
                            "state": state})
    text = metrics.exposition()[0].decode()
    assert f'wxcomponent_ship_apps_total{{platform="{APPID}",state="released"}} 2.0' in text
    assert 'state="rejected"} 1.0' in text and 'state="committed"' not in text


# --------------------------------------------------------------------------- the registry


def test_shipments_are_registered_once_and_listed_newest_first(emu: EmulatorServer,
                                                               side: Side) -> None:
    apps = [mini_program(emu, side) for _ in range(2)]
    template_id = template(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    for name, targets in (("spring", apps), ("summer", apps[:1]), ("autumn", apps)):
        result = side.run(side.component.fleet.ship(template_id, {}, f"{name}-1",
                                                    appids=targets, shipment=name,
                                                    options=FAST))
        assert result.finished
    # running a shipment again (a resume) adds no entry and keeps the first one
    side.run(side.component.fleet.ship(template_id, {}, "spring-1", appids=apps[:1],
                                       shipment="spring", options=FAST))
    page = side.run(side.component.fleet.shipments())
    assert [s.name for s in page.shipments] == ["autumn", "summer", "spring"]
    assert page.next is None
    ids = [s.id for s in page.shipments]
    assert ids == sorted(ids, reverse=True)
    started = [s.started_at for s in page.shipments]
    assert started == sorted(started, reverse=True)
    summer, spring = page.shipments[1], page.shipments[2]
    assert (summer.template_id, summer.user_version, summer.apps) == (template_id, "summer-1", 1)
    assert (spring.user_version, spring.apps) == ("spring-1", 2)
    # nothing is left for a worker: every entry is acknowledged, none can be claimed
    assert side.store.count_jobs(APPID, topic="shipments") == {"pending": 0, "done": 3,
                                                               "dead": 0}
    assert side.store.claim_jobs(APPID, "shipments", limit=10, lease=5) == []
    # keyset pages, newest first
    first = side.run(side.component.fleet.shipments(limit=2))
    assert [s.name for s in first.shipments] == ["autumn", "summer"]
    assert first.next == summer.id
    second = side.run(side.component.fleet.shipments(before=first.next, limit=2))
    assert [s.name for s in second.shipments] == ["spring"] and second.next is None
    assert side.run(side.component.fleet.shipments(before=spring.id)).shipments == ()


def test_an_entry_left_pending_is_acknowledged_by_the_next_shipment(emu: EmulatorServer,
                                                                     side: Side) -> None:
    """A run that stopped between writing its entry and acknowledging it leaves the entry
    pending; the next shipment acknowledges it. An unreadable entry is listed by its name."""
    side.store.enqueue(APPID, "shipments", "interrupted", b'{"name": "interrupted", '
                       b'"template_id": 7, "user_version": "0.9", "apps": 4, '
                       b'"started_at": 1700000000.5}', key="interrupted")
    side.store.enqueue(APPID, "shipments", "garbled", b"\xff not json", key="garbled")
    appid = mini_program(emu, side)
    emu.configure_mini_programs(privacy_check_delay=0)
    side.run(side.component.fleet.ship(template(emu, side), {}, "1.0", appids=[appid],
                                       shipment="next", options=FAST))
    assert side.store.count_jobs(APPID, topic="shipments")["done"] == 3
    listed = side.run(side.component.fleet.shipments()).shipments
    assert [s.name for s in listed] == ["next", "garbled", "interrupted"]
    garbled, interrupted = listed[1], listed[2]
    assert (garbled.template_id, garbled.user_version, garbled.apps) == (None, "", 0)
    assert (interrupted.template_id, interrupted.user_version, interrupted.apps,
            interrupted.started_at) == (7, "0.9", 4, 1700000000.5)


def test_pages_of_many_shipments_each_shown_once(side: Side) -> None:
    """More entries than one store read (500), among jobs of other topics."""
    names = [f"release-{n:04d}" for n in range(1234)]
    for n, name in enumerate(names):
        side.store.enqueue(APPID, "shipments", name, json.dumps(
            {"name": name, "started_at": 1_700_000_000 + n, "apps": n}).encode(), key=name)
        if n % 3 == 0:
            side.store.enqueue(APPID, f"ship:{name}", "wx0000000000000001", b"{}")
    for limit in (100, 500, 7):
        seen: list[str] = []
        cursor = None
        while True:
            page = side.run(side.component.fleet.shipments(before=cursor, limit=limit))
            assert 0 < len(page.shipments) <= limit
            seen += [s.name for s in page.shipments]
            if page.next is None:
                break
            assert page.next == page.shipments[-1].id
            cursor = page.next
        assert seen == names[::-1]


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"before": 0}, "before"), ({"before": -3}, "before"), ({"before": "12"}, "before"),
    ({"before": True}, "before"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
    ({"limit": 2.0}, "limit"),
])
def test_bad_arguments_of_the_listing(side: Side, kwargs: dict[str, Any], argument: str
                                      ) -> None:
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.component.fleet.shipments(**kwargs))
    assert caught.value.argument == argument
