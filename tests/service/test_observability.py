"""/metrics, liveness, readiness and the status report, and the lifespan that runs the
refresher."""

from __future__ import annotations

import datetime
import re
import sys
import time

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service import Service, ServiceServer
from wxcomponent.service.health import MAX_FAILURES, HealthTracker
from wxcomponent.stores import MemoryStore

from ..support.servers import free_port
from ..support.service import (
    API_KEY,
    APPID,
    AUTHORIZER_TOKEN,
    COMPONENT_TOKEN,
    FakeClock,
    Running,
    make_settings,
    running,
)
from ..support.waiting import wait_for

PUSHES = "wxcomponent_pushes_total"
TICKET = "component_verify_ticket"


async def test_push_counts_change_with_pushes(svc: Running) -> None:
    labels = {"platform": APPID, "type": TICKET}
    assert await svc.metric(PUSHES, **labels, result="handled") == 0
    await svc.push_ticket()
    await svc.push_ticket()
    assert await svc.metric(PUSHES, **labels, result="handled") == 2
    query, body = svc.sealed(TICKET, ComponentVerifyTicket=svc.emu.issue_ticket(APPID))
    for _ in range(2):  # a ticket's retry is handled again: the same ticket changes nothing
        answer = await svc.client.post(f"/{APPID}/events", params=query, content=body)
        assert answer.text == "success"
    assert await svc.metric(PUSHES, **labels, result="handled") == 4
    assert await svc.metric(PUSHES, **labels, result="duplicate") == 0
    revoked = {"platform": APPID, "type": "unauthorized"}
    query, body = svc.sealed("unauthorized", AuthorizerAppid="wx00000000000000a1")
    for _ in range(2):  # WeChat's retry of an authorization change: handled once
        answer = await svc.client.post(f"/{APPID}/events", params=query, content=body)
        assert answer.text == "success"
    assert await svc.metric(PUSHES, **revoked, result="handled") == 1
    assert await svc.metric(PUSHES, **revoked, result="duplicate") == 1
    tampered = dict(query, msg_signature="0" * 40)
    refused = await svc.client.post(f"/{APPID}/events", params=tampered, content=body)
    assert refused.status_code == 403
    assert await svc.metric(PUSHES, platform=APPID, type="unknown", result="refused") == 1
    assert await svc.metric("wxcomponent_ticket_received_timestamp_seconds",
                            platform=APPID) >= time.time() - 60


async def test_refreshes_and_api_errors_are_counted(svc: Running) -> None:
    await svc.push_ticket()
    svc.emu.inject(COMPONENT_TOKEN, errcode=45009)
    assert (await svc.api("GET", "/component_token")).status_code == 429
    assert await svc.metric("wxcomponent_api_errors_total", platform=APPID,
                            errcode="45009") == 1
    kind = {"platform": APPID, "kind": "component_access_token"}
    assert await svc.metric("wxcomponent_token_refreshes_total", **kind, result="failed") == 1
    assert (await svc.api("GET", "/component_token")).status_code == 200
    assert await svc.metric("wxcomponent_token_refreshes_total", **kind, result="ok") == 1
    assert await svc.metric("wxcomponent_token_refresh_seconds_count", **kind) == 1
    assert await svc.metric("wxcomponent_token_api_requests_total",
                            endpoint="component_token", status="429") == 1
    assert await svc.metric("wxcomponent_events_total", platform=APPID,
                            event="quota_exhausted") == 1


async def test_each_app_has_its_own_registry(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as first, running(wechat_emulator) as second:
        await first.push_ticket()
        labels = {"platform": APPID, "type": TICKET, "result": "handled"}
        assert await first.metric(PUSHES, **labels) == 1
        assert await second.metric(PUSHES, **labels) == 0


async def test_status_waits_for_the_first_ticket_then_reports_its_age(svc: Running) -> None:
    before = await svc.admin.get("/status")
    assert before.status_code == 200
    assert before.json()["platforms"][APPID]["ticket"] == "waiting_for_ticket"
    await svc.push_ticket()
    after = await svc.admin.get("/status")
    assert after.status_code == 200
    report = after.json()
    assert report["status"] == "ok" and report["store"]["ok"] is True
    assert report["store"]["read"] is True and report["store"]["write"] is True
    assert report["platforms"][APPID]["ticket"] == "ok"
    assert 0 <= report["platforms"][APPID]["ticket_age_seconds"] < 60


async def test_status_is_503_when_the_component_token_cannot_be_refreshed(svc: Running) -> None:
    await svc.push_ticket()
    svc.emu.inject(COMPONENT_TOKEN, errcode=40013)
    await svc.api("GET", "/component_token")
    answer = await svc.admin.get("/status")
    assert answer.status_code == 503
    errors = answer.json()["platforms"][APPID]["refresh_errors"]
    assert [e["error"] for e in errors] == ["InvalidAppCredentials"]
    assert (await svc.client.get("/readyz")).status_code == 200  # still ready to serve
    await svc.api("GET", "/component_token")  # the fault was for one call
    assert (await svc.admin.get("/status")).status_code == 200


async def test_status_lists_an_accounts_failing_refresh_until_it_is_revoked(
        svc: Running) -> None:
    await svc.push_ticket()
    failing, gone = await svc.authorize_by_push(), await svc.authorize_by_push()

    async def errors() -> dict[str, str]:
        answer = await svc.admin.get("/status")
        assert answer.status_code == 200  # an account's failure is not the service's
        return {e["appid"]: e["error"] for e in answer.json()["platforms"][APPID][
            "refresh_errors"]}

    for appid in (failing, gone):
        svc.emu.invalidate_tokens(APPID, authorizer_appid=appid)
    svc.emu.inject(AUTHORIZER_TOKEN, errcode=45009)  # the daily quota, for one call
    assert (await svc.api("POST", f"/authorizers/{failing}/token/refresh")).status_code != 200
    assert await errors() == {failing: "QuotaExceeded"}
    # 61003 on the refresh: the account is revoked, which is not a failing refresh
    svc.emu.revoke(APPID, gone, push=False)
    assert (await svc.api("POST", f"/authorizers/{gone}/token/refresh")).status_code != 200
    assert svc.store.get_authorizer(APPID, gone).status == "revoked"
    assert await errors() == {failing: "QuotaExceeded"}
    # the failing account revokes too (WeChat pushes it): its failure leaves the list
    svc.emu.configure(APPID, auth_event_url=svc.events_url())
    delivery = svc.emu.revoke(APPID, failing)
    assert delivery is not None and delivery.ok
    assert await errors() == {}


def test_the_failures_kept_are_bounded_and_the_component_tokens_is_never_dropped() -> None:
    tracker = HealthTracker(clock=time.time)
    record = tracker.listener(APPID)
    record("refresh_failed", {"kind": "component_access_token", "appid": APPID,
                              "error": "InvalidAppCredentials"})
    for n in range(MAX_FAILURES + 50):
        record("refresh_failed", {"kind": "authorizer_access_token",
                                  "appid": f"wx{n:016x}", "error": "QuotaExceeded"})
    kept = tracker.failures(APPID)
    assert len(kept) == MAX_FAILURES
    assert [f["appid"] for f in kept if f["kind"] == "component_access_token"] == [APPID]
    accounts = {f["appid"] for f in kept if f["kind"] != "component_access_token"}
    assert accounts == {f"wx{n:016x}" for n in range(51, MAX_FAILURES + 50)}  # the newest
    # a success ends a failure; a failure again makes it the newest
    record("token_refreshed", {"kind": "authorizer_access_token", "appid": f"wx{51:016x}"})
    record("refresh_failed", {"kind": "authorizer_access_token", "appid": f"wx{52:016x}",
                              "error": "SystemBusy"})
    record("refresh_failed", {"kind": "authorizer_access_token", "appid": "wx" + "f" * 16,
                              "error": "SystemBusy"})
    appids = {f["appid"] for f in tracker.failures(APPID)}
    assert f"wx{51:016x}" not in appids and f"wx{52:016x}" in appids
    assert len(appids) == MAX_FAILURES


async def test_status_is_503_for_a_stale_ticket_yet_the_instance_stays_ready(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, ticket_max_age=60, clock=clock) as svc:
        await svc.push_ticket()
        assert (await svc.admin.get("/status")).status_code == 200
        clock.advance(61)
        answer = await svc.admin.get("/status")
        assert answer.status_code == 503
        assert answer.json()["platforms"][APPID]["ticket"] == "stale"
        # a load balancer must not take every instance out because pushes stopped
        assert (await svc.client.get("/readyz")).status_code == 200
        assert (await svc.admin.get("/readyz")).status_code == 200


def test_lifespan_starts_and_stops_the_refresher(wechat_emulator: EmulatorServer) -> None:
    settings = make_settings(api_base=wechat_emulator.url, refresh_interval=0.2)
    store = MemoryStore()
    store.save_ticket(APPID, wechat_emulator.issue_ticket(APPID), int(time.time()))
    server = ServiceServer(Service(settings, store=store))
    with server:
        wait_for(lambda: wechat_emulator.calls(COMPONENT_TOKEN),
                 "the refresher never renewed the component token")
        assert wechat_emulator.calls(COMPONENT_TOKEN) == 1  # renewed without any request
        refreshers = list(server.service._refreshers)
        assert refreshers and all(r.running for r in refreshers)
    assert not any(r.running for r in refreshers)
    assert server.service._refreshers == []


START_PUSH = "/cgi-bin/component/api_start_push_ticket"


def test_a_fresh_service_asks_wechat_for_a_ticket_and_says_so() -> None:
    """No ticket yet, nobody calls start_push_ticket: the refresher asks WeChat, the ticket
    arrives, and /status and the console say when it was asked for."""
    clock = FakeClock()
    port = free_port()
    with EmulatorServer(ticket_interval=None) as emu:  # no push but the asked-for one
        emu.configure(APPID, auth_event_url=f"http://127.0.0.1:{port}/{APPID}/events")
        settings = make_settings(api_base=emu.url, refresh_interval=0.05,
                                 public_url=f"http://127.0.0.1:{port}")
        store = MemoryStore(clock=clock)
        server = ServiceServer(Service(settings, store=store, clock=clock), port=port)
        with server, httpx.Client(base_url=server.admin_url, trust_env=False) as admin:
            ticket = wait_for(lambda: store.load_ticket(APPID), "no ticket ever arrived")
            assert ticket.value == emu.latest_ticket(APPID)
            (refresher,) = server.service._refreshers
            rounds = refresher.rounds
            wait_for(lambda: refresher.rounds >= rounds + 3, "the refresher stopped")
            assert emu.calls(START_PUSH) == 1  # the ticket is fresh now: asked once
            wait_for(lambda: emu.calls(COMPONENT_TOKEN), "the component token was never fetched")
            report = admin.get("/status")
            assert report.status_code == 200, report.text
            platform = report.json()["platforms"][APPID]
            assert platform["ticket"] == "ok"
            assert platform["ticket_requested"] == {"at": round(clock.now, 3), "ok": True,
                                                    "error": None}
            signin = admin.post("/console/signin", data={
                "name": "", "password": API_KEY, "next": f"/console/{APPID}/"})
            assert signin.status_code == 303, signin.text
            overview = admin.get(f"/console/{APPID}/").text
            asked = re.search(r"asked WeChat to push one <time datetime=\"([^\"]+)\"", overview)
            assert asked is not None, overview
            shown = datetime.datetime.fromisoformat(asked.group(1).replace("Z", "+00:00"))
            assert abs(shown.timestamp() - clock.now) < 1


async def test_without_prometheus_client_the_metrics_are_off(
        wechat_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails
    async with running(wechat_emulator) as svc:
        assert svc.service.metrics.enabled is False
        await svc.push_ticket()  # the listeners do nothing, the push is handled
        answer = await svc.admin.get("/metrics")
        assert answer.status_code == 404
        assert "wxcomponent[service]" in answer.json()["message"]
