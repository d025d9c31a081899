"""An account authorized by a push alone is named right after its code exchange: the service
reads its details from WeChat (the emulator, over real HTTP) in the exchange's worker, so
operators find it by name at once instead of when its token next comes due."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import SQLiteStore

from ..support.cli import ROOT, clean_env, needs_toml
from ..support.service import APPID, P, running
from ..support.waiting import wait_for_async

INFO = "/cgi-bin/component/api_get_authorizer_info"


async def named(svc_store: object, authorizer_appid: str) -> str:
    async def name() -> str | None:
        record = svc_store.get_authorizer(APPID, authorizer_appid)  # type: ignore[attr-defined]
        return None if record is None else record.name

    found: str = await wait_for_async(name, f"{authorizer_appid} was never named")
    return found


async def test_an_account_authorized_by_a_push_is_named_after_its_exchange(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc:  # no refresher: only the exchange names it
        await svc.push_ticket()
        appid = await svc.authorize_by_push()
        expected = wechat_emulator.platform(APPID).account(appid).nick_name
        assert await named(svc.store, appid) == expected
        assert [r.authorizer_appid for r in svc.store.search_authorizers(
            APPID, expected[:2])] == [appid]
        assert svc.store.get_authorizer(APPID, appid).account_type == "official_account"  # type: ignore[union-attr]


async def test_the_account_type_is_kept_with_the_name(wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        wechat_emulator.configure(APPID, auth_event_url=svc.events_url())
        grant = await asyncio.to_thread(wechat_emulator.authorize, APPID, kind="mini_program")
        assert grant.delivery is not None and grant.delivery.ok
        appid = grant.authorizer_appid
        await named(svc.store, appid)
        assert svc.store.get_authorizer(APPID, appid).account_type == "mini_program"  # type: ignore[union-attr]


async def test_the_lookup_is_retried_after_a_transient_failure(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        # more failures than one call retries by itself (the service's policy: 2 tries)
        wechat_emulator.inject(INFO, errcode=-1, times=3)
        appid = await svc.authorize_by_push()
        expected = wechat_emulator.platform(APPID).account(appid).nick_name
        assert await named(svc.store, appid) == expected
        assert wechat_emulator.calls(INFO) >= 4


async def test_a_lookup_that_cannot_succeed_is_logged_and_the_account_kept(
        wechat_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "wxcomponent")
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        wechat_emulator.inject(INFO, errcode=61004, times=None)  # not retried
        appid = await svc.authorize_by_push()

        def logged() -> bool:
            return any("details of" in r.getMessage() and appid in r.getMessage()
                       for r in caplog.records)

        await wait_for_async(logged, "the failed lookup was never logged")
        wechat_emulator.clear_faults(INFO)
        record = svc.store.get_authorizer(APPID, appid)
        assert record is not None and record.status == "authorized" and record.name is None
        assert wechat_emulator.calls(INFO) == 1  # a hopeless error is not tried again
        counts = svc.store.count_jobs(APPID, topic="exchange")
        assert counts["done"] == 1 and counts["dead"] == 0


@needs_toml
async def test_authorizers_by_name_finds_an_account_authorized_by_a_push(
        wechat_emulator: EmulatorServer, tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite3"
    store = SQLiteStore(path)
    try:
        async with running(wechat_emulator, store=store) as svc:
            await svc.push_ticket()
            appid = await svc.authorize_by_push()
            name = await named(store, appid)
    finally:
        store.close()
    config = tmp_path / "wx.toml"
    config.write_text(
        f'store = "sqlite:///{path}"\n\n[[platforms]]\nappid = "{P.appid}"\n'
        f'secret = "{P.secret}"\ntoken = "{P.token}"\n'
        f'encoding_aes_key = "{P.encoding_aes_key}"\n', encoding="utf-8")
    found = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "wxcomponent.cli", "authorizers", "--config",
                         str(config), "--name", name[:2], "--json"],
        capture_output=True, text=True, timeout=60, env=clean_env(), cwd=ROOT)
    assert found.returncode == 0, found.stderr
    assert [json.loads(line)["authorizer_appid"] for line in found.stdout.splitlines()] == [
        appid]
