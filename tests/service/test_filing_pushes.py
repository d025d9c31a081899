"""The filing pushes in the service, like every other push: handed on to webhooks with the
account and its tenant, and listed on the console's push page."""

from __future__ import annotations

import asyncio

from wxcomponent.emulator import EmulatorServer

from ..support.console import BASE, signed_in
from ..support.receiver import SECRET, receiver
from ..support.service import APPID, running


async def test_filing_pushes_reach_the_webhook_and_the_console(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        hooks = [{"name": "app", "url": f"{r.url}/hook", "secret": SECRET}]
        async with running(wechat_emulator, webhooks=hooks) as svc, signed_in(svc) as client:
            await svc.push_ticket()
            appid = await svc.authorize_by_push()
            assert svc.store.set_authorizer_tenant(APPID, appid, "shop-7")
            verify = await svc.push("notify_icpfiling_verify_result", task_id="task-1",
                                    verify_appid=appid, result="3")
            filed = await svc.push("notify_apply_icpfiling_result", authorizer_appid=appid,
                                   beian_status="6")
            assert (verify.text, filed.text) == ("success", "success")
            got = await asyncio.to_thread(r.wait_for, 3)
            pushes = (await client.get(f"{BASE}/pushes")).text
    assert r.bad_signatures == 0
    documents = {d["kind"]: d for d in got}
    for kind, kind_type in (("notify_icpfiling_verify_result", "IcpVerifyResult"),
                            ("notify_apply_icpfiling_result", "IcpFilingResult")):
        document = documents[kind]
        assert (document["type"], document["authorizer_appid"], document["tenant"]) == (
            kind_type, appid, "shop-7")
    assert documents["notify_apply_icpfiling_result"]["fields"]["beian_status"] == "6"
    assert "notify_apply_icpfiling_result" in pushes
    assert "notify_icpfiling_verify_result" in pushes and appid in pushes
