"""WeChat's release check against the running service: its two test accounts are answered and
otherwise kept apart from the merchants — no record in the store (so never listed by the admin
API or ``wxcomponent authorizers``, counted, refreshed or reconciled back), their token only in
the volatile cache, and their pushes handed on to webhooks marked as the release check."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore

from ..cli.test_cli import write_config, wxcomponent
from .conftest import APPID, running
from .receiver import receiver
from .test_forwarding import hooks

TEST_ACCOUNTS = ("wx570bc396a51b8ff8", "wxd101a85aa106f53e")


async def test_the_release_check_leaves_no_merchant_behind(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite3"
    store = SQLiteStore(path)
    with receiver() as r:
        async with running(wechat_emulator, store=store, webhooks=hooks(r.url)) as svc:
            await svc.push_ticket()
            wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                         "/messages/$APPID$")
            merchant = await svc.authorize_by_push()
            report = await asyncio.to_thread(wechat_emulator.release_check, APPID)
            assert report["passed"], report
            got = await asyncio.to_thread(r.wait_for, 7)  # authorized + 3 cases x 2 accounts

            # the test accounts' tokens are cached until they expire; no record is kept
            for appid in TEST_ACCOUNTS:
                assert store.get_authorizer(APPID, appid) is None
                token = store.get_token(f"{APPID}:authorizer_access_token:{appid}")
                assert token is not None and token.expires_at > token.obtained_at
            assert store.count_authorizers(APPID) == 1
            assert [a.authorizer_appid for a in store.due_authorizers(
                APPID, before=4e9)] == [merchant]
            listed = await svc.api("GET", "/authorizers")
            assert [a["authorizer_appid"] for a in listed.json()["authorizers"]] == [merchant]

            # WeChat's list names them (they authorized): reconciling does not add them
            component = svc.service.component(APPID)
            reconciled = await component.reconcile_authorizers()
            assert reconciled.added == ()
            assert store.count_authorizers(APPID) == 1
    store.close()

    marked = {(d["authorizer_appid"], d["kind"], d["release_check"]) for d in got}
    assert (merchant, "authorized", False) in marked
    checks = {(appid, kind) for appid, kind, check in marked if check}
    assert {appid for appid, _ in checks} == set(TEST_ACCOUNTS)
    assert all(check for appid, _, check in marked if appid in TEST_ACCOUNTS)

    config = write_config(tmp_path / "wx.toml", api_base=wechat_emulator.url, store=path)
    result = wxcomponent("authorizers", "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["authorizer_appid"] for line in result.stdout.splitlines()] == [
        merchant]
