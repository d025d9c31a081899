"""``wxcomponent pushes``: list, show and replay deliveries kept in a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

from wxcomponent.emulator import DEFAULT_PLATFORM as P
from wxcomponent.stores import AuthorizerRecord, SQLiteStore

from ..support.cli import assert_one_line_error, needs_toml, wxcomponent

SECRET = "webhook-secret-0123456789abcdef"


def config(tmp_path: Path, store: Path) -> Path:
    path = tmp_path / "wx.toml"
    path.write_text(
        f'store = "sqlite:///{store}"\n\n'
        f'[[webhooks]]\nname = "app"\nurl = "https://app.example/hook"\nsecret = "{SECRET}"\n\n'
        f'[[platforms]]\nappid = "{P.appid}"\nsecret = "{P.secret}"\ntoken = "{P.token}"\n'
        f'encoding_aes_key = "{P.encoding_aes_key}"\n', encoding="utf-8")
    return path


def seed(store_path: Path) -> tuple[int, int]:
    store = SQLiteStore(store_path)
    try:
        doc = {"kind": "text", "component_appid": P.appid,
               "authorizer_appid": "wxaaaaaaaaaaaaaaaa", "received_at": 1.0, "tenant": None,
               "fields": {"Content": "hello"}}
        # the forwarder adds the account's tenant to each delivery as it sends it
        store.save_authorizer(AuthorizerRecord(P.appid, "wxbbbbbbbbbbbbbbbb", "rt@@@b",
                                               tenant="customer-7"))
        delivered = store.enqueue(P.appid, "deliver:app", "wxaaaaaaaaaaaaaaaa",
                                  json.dumps(doc).encode(), key="a")
        dead = store.enqueue(P.appid, "deliver:app", "wxbbbbbbbbbbbbbbbb",
                             json.dumps({**doc, "kind": "unauthorized",
                                        "authorizer_appid": "wxbbbbbbbbbbbbbbbb"}).encode(),
                             key="b")
        store.enqueue(P.appid, "exchange", "wxaaaaaaaaaaaaaaaa", b"{}", key="c")
        for job in store.claim_jobs(P.appid, "deliver:app", limit=10, lease=60):
            assert job.claim is not None
            if job.id == delivered:
                store.ack_job(job.id, job.claim)
            else:
                store.bury_job(job.id, job.claim, "HTTP 503")
        return delivered, dead
    finally:
        store.close()


@needs_toml
def test_list_show_and_replay(tmp_path: Path) -> None:
    store_path = tmp_path / "wx.sqlite3"
    delivered, dead = seed(store_path)
    cfg = str(config(tmp_path, store_path))
    listed = wxcomponent("pushes", "list", "-c", cfg, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert [(r["id"], r["state"], r["kind"]) for r in rows] == [
        (delivered, "done", "text"), (dead, "dead", "unauthorized")]  # no exchange jobs
    only_dead = wxcomponent("pushes", "list", "-c", cfg, "--state", "dead")
    assert "unauthorized" in only_dead.stdout and "HTTP 503" in only_dead.stdout
    shown = wxcomponent("pushes", "show", "-c", cfg, str(dead))
    assert shown.returncode == 0 and json.loads(shown.stdout)["push"]["kind"] == "unauthorized"
    assert json.loads(shown.stdout)["tenant"] == "customer-7"  # the tenant it carries
    plain = wxcomponent("pushes", "show", "-c", cfg, str(delivered))
    assert json.loads(plain.stdout)["tenant"] is None  # an account without a tenant
    replayed = wxcomponent("pushes", "replay", "-c", cfg, str(dead))
    assert replayed.returncode == 0 and "queued again" in replayed.stdout
    store = SQLiteStore(store_path)
    try:
        job = store.get_job(dead)
        assert job is not None and job.state == "pending"
    finally:
        store.close()
    again = wxcomponent("pushes", "replay", "-c", cfg, str(dead))
    assert "pending already" in assert_one_line_error(again)
    missing = wxcomponent("pushes", "show", "-c", cfg, "999")
    assert "no push delivery 999" in assert_one_line_error(missing)
    exchange = wxcomponent("pushes", "show", "-c", cfg, str(dead + 1))
    assert "no push delivery" in assert_one_line_error(exchange)
