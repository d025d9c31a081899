"""Every upstream call counted, errors kept with their rids, and a spent quota seen, over real
HTTP against the emulator (the calls made through the service's token API): ``/metrics``
counts calls per platform, account, path and errcode (with bounded labels), the console's
account page lists the account's last failed calls with their rids, ``/status`` carries an
alert for a 45009, and the account is backed off instead of being asked again."""

from __future__ import annotations

import re

import httpx
import pytest

from wxcomponent.core.listener_events import ListenerEvent
from wxcomponent.emulator import EmulatorServer
from wxcomponent.service.metrics import MAX_LABEL_VALUES, Metrics

from ..support.console import BASE, signed_in
from ..support.service import APPID, FakeClock, running

CALLS = "wxcomponent_api_calls_total"
TICKET = "/cgi-bin/ticket/getticket"
RID_GET = "/cgi-bin/openapi/rid/get"


async def test_calls_counted_errors_kept_and_a_spent_quota_alerted(
        wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    emu.set_quota(TICKET, 0)  # the account's JS-SDK tickets: none left today
    clock = FakeClock()
    async with running(emu, clock=clock) as svc:
        await svc.push_ticket()
        appid = await svc.authorize_by_push()
        seen: list[dict[str, object]] = []
        svc.service.component(APPID).add_listener(
            lambda name, fields: seen.append(dict(fields))
            if name == ListenerEvent.QUOTA_EXHAUSTED else None)
        for _ in range(2):
            spent = await svc.api("GET", f"/authorizers/{appid}/jsapi_ticket")
            assert spent.status_code == 429, spent.text
        again = await svc.api("GET", f"/authorizers/{appid}/jsapi_ticket")
        assert again.status_code == 429 and "not sent" in again.text  # backed off
        assert emu.calls(TICKET) == 2
        assert len(seen) == 2
        rid = str(seen[-1]["rid"])
        assert seen[-1] == {"path": TICKET, "errcode": 45009, "authorizer_appid": appid,
                            "rid": rid} and rid
        # the rid is WeChat's: the account may look it up
        token = (await svc.api("GET", f"/authorizers/{appid}/token")).json()["access_token"]
        async with httpx.AsyncClient(base_url=emu.url, trust_env=False) as wechat:
            kept = (await wechat.post(RID_GET, params={"access_token": token},
                                      json={"rid": rid})).json()
        assert kept["errcode"] == 0 and '"errcode":45009' in kept["request"]["response_body"]

        labels = {"platform": APPID, "authorizer": appid, "path": TICKET}
        assert await svc.metric(CALLS, **labels, errcode="45009") == 2
        assert await svc.metric(CALLS, platform=APPID, authorizer="component",
                                path="/cgi-bin/component/api_component_token",
                                errcode="0") >= 1

        status = (await svc.admin.get("/status")).json()
        alerts = status["platforms"][APPID]["alerts"]
        assert [(a["alert"], a["authorizer_appid"], a["path"], a["rid"]) for a in alerts] == [
            ("quota_exhausted", appid, TICKET, rid)]
        assert status["status"] == "ok"  # one account's spent quota is not the service's illness

        async with signed_in(svc) as browser:
            page = await browser.get(f"{BASE}/authorizers/{appid}")
        assert page.status_code == 200
        assert rid in page.text and "45009" in page.text and TICKET in page.text

        # the quota back and the window over: asked again, and the alert goes
        emu.set_quota(TICKET, None)
        clock.advance(61)
        ticket = await svc.api("GET", f"/authorizers/{appid}/jsapi_ticket")
        assert ticket.status_code == 200, ticket.text
        assert await svc.metric(CALLS, **labels, errcode="0") == 1
        status = (await svc.admin.get("/status")).json()
        assert status["platforms"][APPID]["alerts"] == []


def test_labels_stay_bounded() -> None:
    metrics = Metrics()
    if not metrics.enabled:
        pytest.skip("prometheus-client is not installed")
    record = metrics.listener(APPID)
    for n in range(MAX_LABEL_VALUES + 50):
        record(ListenerEvent.API_CALLED, {"path": f"/cgi-bin/p{n}",
                                          "authorizer_appid": f"wx{n:016x}", "errcode": n,
                                          "rid": ""})
    body = metrics.exposition()[0].decode()
    lines = [line for line in body.splitlines() if line.startswith(CALLS + "{")]
    authorizers = {line.split('authorizer="')[1].split('"')[0] for line in lines}
    paths = {line.split('path="')[1].split('"')[0] for line in lines}
    errcodes = {line.split('errcode="')[1].split('"')[0] for line in lines}
    for values in (authorizers, paths, errcodes):
        assert len(values) == MAX_LABEL_VALUES + 1 and "other" in values


async def test_the_platforms_own_failed_calls_on_the_overview(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        wechat_emulator.inject("/cgi-bin/component/api_component_token", errcode=40013)
        refused = await svc.api("GET", "/component_token")
        assert refused.status_code >= 400
        async with signed_in(svc) as browser:
            page = await browser.get(f"{BASE}/")
        assert page.status_code == 200
        found = re.search(r"<td>/cgi-bin/component/api_component_token</td><td>40013</td>"
                          r"<td>([0-9a-f-]+)</td>", page.text)
        assert found is not None, page.text
        assert "the platform itself" in page.text
