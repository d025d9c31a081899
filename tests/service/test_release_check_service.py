"""WeChat's release check against the running service: its two test accounts are answered and
otherwise kept apart from the merchants — no record in the store (so never listed by the admin
API or ``wxcomponent authorizers``, counted, refreshed or reconciled back), their token only in
the volatile cache, and their pushes handed on to webhooks marked as the release check."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from wxcomponent import Component, ComponentConfig
from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import AuthorizerRecord, MemoryStore, SQLiteStore

from ..support.cli import write_config, wxcomponent
from ..support.console import BASE, signed_in
from ..support.receiver import hooks, receiver
from ..support.service import APPID, running
from ..support.waiting import wait_for_async

CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)
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
            with Component(CONFIG, store, api_base=wechat_emulator.url) as component:
                wechat_lists = await asyncio.to_thread(
                    lambda: {i.authorizer_appid for i in component.iter_authorizers()})
                assert wechat_lists == {merchant, *TEST_ACCOUNTS}
                reconciled = await asyncio.to_thread(component.reconcile_authorizers)
            assert reconciled.added == () and reconciled.listed == 1
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


async def test_the_console_shows_the_last_release_check_as_such(
        wechat_emulator: EmulatorServer) -> None:
    with receiver() as r:
        async with running(wechat_emulator, webhooks=hooks(r.url)) as svc:
            await svc.push_ticket()
            wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                         "/messages/$APPID$")
            merchant = await svc.authorize_by_push()
            report = await asyncio.to_thread(wechat_emulator.release_check, APPID)
            assert report["passed"], report
            await asyncio.to_thread(r.wait_for, 7)
            async with signed_in(svc) as client:
                overview = (await client.get(f"{BASE}/")).text
                pushes = (await client.get(f"{BASE}/pushes")).text
    card = _section(overview, "Release check")
    assert "Last release check" in card
    for appid, kind in (("wx570bc396a51b8ff8", "official account"),
                        ("wxd101a85aa106f53e", "mini program")):
        rows = [row for row in _rows(card) if appid in row]
        assert kind in " ".join(rows)
        cases = {case: row for row in rows for case in ("event", "text", "query_auth_code")
                 if f">{case}<" in row}
        assert set(cases) == {"event", "text", "query_auth_code"}, rows
        assert "answered through the API" in cases["query_auth_code"]
    assert merchant not in card
    # the latest pushes and the outbox mark the check's pushes, and only them
    for table in (_section(pushes, "Latest pushes"), _section(pushes, "Outbox")):
        marked = [row for row in _rows(table) if "release check" in row]
        assert marked and all(any(a in row for a in TEST_ACCOUNTS) for row in marked)
        assert not any(merchant in row for row in marked)
        assert any(">authorized<" in row for row in _rows(table) if row not in marked)


def _section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}")
    end = page.find("</section>", start)
    return page[start:end]


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", html, flags=re.S)


async def test_a_failed_answer_through_the_api_shows_as_failed(
        wechat_emulator: EmulatorServer) -> None:
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                     "/messages/$APPID$")
        wechat_emulator.inject("/cgi-bin/message/custom/send", errcode=48001, times=None)
        report = await asyncio.to_thread(wechat_emulator.release_check, APPID, timeout=0.5)
        failed = {c["case"] for c in report["cases"] if not c["passed"]}
        assert failed == {"query_auth_code"}
        async with signed_in(svc) as client:

            async def card() -> str | None:
                page = (await client.get(f"{BASE}/")).text
                section = _section(page, "Release check")
                return section if section.count("failed: ") == 2 else None

            shown = await wait_for_async(card, "the failed cases never showed")
    assert "Last release check" in shown and 'class="bad">failed<' in shown
    rows = _rows(shown)
    assert all("failed: " in row for row in rows if ">query_auth_code<" in row)
    assert all(">answered<" in row for row in rows if ">event<" in row or ">text<" in row)
    assert svc.store.count_authorizers(APPID) == 0


async def test_records_an_older_version_kept_of_the_test_accounts_are_removed(
        wechat_emulator: EmulatorServer) -> None:
    store = MemoryStore()
    for appid, status in zip(TEST_ACCOUNTS, ("authorized", "revoked"), strict=True):
        store.save_authorizer(AuthorizerRecord(APPID, appid, f"refresh@@@{appid}", status,
                                               authorized_at=1.0, updated_at=1.0))
    store.save_authorizer(AuthorizerRecord(APPID, "wx00000000000000a1", "refresh@@@merchant",
                                           authorized_at=1.0, updated_at=1.0,
                                           refresh_at=4e9))
    async with running(wechat_emulator, store=store, refresh_interval=3600) as svc:
        await wait_for_async(lambda: store.count_authorizers(APPID) == 1,
                             "the test accounts' records were never removed")
        listed = await svc.api("GET", "/authorizers")
    assert [a["authorizer_appid"] for a in listed.json()["authorizers"]] == [
        "wx00000000000000a1"]
