"""The running service lives through WeChat's ways: ticket pushes that stop until WeChat is
asked, and a burst of ``-1`` on the API, with the emulator over real HTTP on the emulator's
clock (the service's clock is the emulator's)."""

from __future__ import annotations

import httpx

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service import Service, ServiceServer
from wxcomponent.stores import MemoryStore

from ..support.servers import free_port
from ..support.service import API_KEY, APPID, COMPONENT_TOKEN, make_settings
from ..support.waiting import wait_for

START_PUSH = "/cgi-bin/component/api_start_push_ticket"


def test_stopped_ticket_pushes_come_back_when_the_service_asks() -> None:
    port = free_port()
    with EmulatorServer() as emu:  # tickets pushed every 10 minutes of emulated time
        emu.configure(APPID, auth_event_url=f"http://127.0.0.1:{port}/{APPID}/events")
        settings = make_settings(api_base=emu.url, refresh_interval=0.05,
                                 public_url=f"http://127.0.0.1:{port}")
        store = MemoryStore(clock=emu.now)
        server = ServiceServer(Service(settings, store=store, clock=emu.now), port=port)
        with server, httpx.Client(base_url=server.admin_url, trust_env=False) as admin:
            # a fresh service has no ticket: it asks WeChat for one, once
            first = wait_for(lambda: store.load_ticket(APPID), "no ticket ever arrived")
            assert emu.calls(START_PUSH) == 1
            emu.stop_ticket_pushes(APPID)  # WeChat stops pushing: an outage on its side
            emu.advance_clock(1300)  # past the 20 minutes of Policy.ticket_request_age
            ticket = wait_for(lambda: (t := store.load_ticket(APPID)) is not None
                              and t.value != first.value and t,
                              "the service never got pushes going again")
            assert ticket.value == emu.latest_ticket(APPID)
            assert emu.calls(START_PUSH) == 2  # asked again once, 21 minutes on
            assert emu.platform(APPID).ticket_pushes_stopped is False
            report = admin.get("/status", headers={"Authorization": f"Bearer {API_KEY}"})
            assert report.status_code == 200, report.text
            platform = report.json()["platforms"][APPID]
            assert platform["ticket"] == "ok"
            assert platform["ticket_requested"]["ok"] is True


def test_the_token_api_answers_through_a_burst_of_system_errors(
        wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    settings = make_settings(api_base=emu.url)
    store = MemoryStore()
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))
    server = ServiceServer(Service(settings, store=store))
    with server, httpx.Client(base_url=server.admin_url, trust_env=False, timeout=30) as admin:
        # -1 for 0.3 s: shorter than the backoff of the policy's three tries (0.3 s at least)
        emu.system_error_burst(0.3, path=COMPONENT_TOKEN)
        answer = admin.get(f"/api/{APPID}/component_token",
                           headers={"Authorization": f"Bearer {API_KEY}"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["access_token"]
        assert 2 <= emu.calls(COMPONENT_TOKEN) <= 3
