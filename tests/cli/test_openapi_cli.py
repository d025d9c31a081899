"""``wxcomponent rid``, ``quota`` and ``callback-ips`` run as an operator runs them, against
the emulator over HTTP, with the configured SQLite store."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wxcomponent import ComponentConfig
from wxcomponent.client import Component
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, OptionInvalid
from wxcomponent.stores import SQLiteStore

from ..support.cli import P, assert_one_line_error, needs_toml, write_config, wxcomponent

IPS = "/cgi-bin/get_api_domain_ip"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(ticket_interval=None) as server:
        yield server


@pytest.fixture
def config(emulator: EmulatorServer, tmp_path: Path) -> Path:
    store_path = tmp_path / "ops.sqlite3"
    store = SQLiteStore(store_path)
    store.save_ticket(P.appid, emulator.issue_ticket(P.appid), int(time.time()))
    store.close()
    return write_config(tmp_path / "wx.toml", api_base=emulator.url, store=store_path)


def _component(emulator: EmulatorServer, config: Path) -> Component:
    platform = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                               encoding_aes_key=P.encoding_aes_key)
    return Component(platform, SQLiteStore(config.parent / "ops.sqlite3"), api_base=emulator.url)


@needs_toml
def test_rid_prints_what_wechat_kept(emulator: EmulatorServer, config: Path) -> None:
    with _component(emulator, config) as comp:
        appid = comp.query_auth(emulator.authorize(P.appid, push=False).auth_code)\
            .authorizer_appid
        with pytest.raises(OptionInvalid) as failed:  # a call of the platform's own token
            comp.post_json("/cgi-bin/component/api_get_authorizer_option", {
                "component_appid": P.appid, "authorizer_appid": appid,
                "option_name": "no_such_option"})
        with pytest.raises(APIError) as own:
            comp.authorizer(appid).post_json("/cgi-bin/message/custom/send", {"touser": "x"})
    shown = wxcomponent("rid", failed.value.rid, "--config", str(config))
    assert shown.returncode == 0, shown.stderr
    assert "61012" in shown.stdout and "no_such_option" in shown.stdout
    assert "component_access_token=***" in shown.stdout
    as_json = wxcomponent("rid", own.value.rid, "--authorizer", appid, "--json",
                          "--config", str(config))
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["account"] == appid and data["errcode"] == own.value.errcode
    # WeChat's hints come in [brackets]: shown as they are, not taken for markup
    assert "hint: [" in own.value.errmsg
    table = wxcomponent("rid", own.value.rid, "--authorizer", appid, "--config", str(config))
    assert own.value.errmsg.split(" rid:")[0] in table.stdout
    assert data["client_ip"] == "127.0.0.1" and data["invoke_time"] > 0
    # the platform may not read an authorizer's rid: one line, WeChat's code in it
    refused = assert_one_line_error(wxcomponent("rid", own.value.rid, "--config", str(config)))
    assert "76003" in refused


@needs_toml
def test_quota_prints_and_clears(emulator: EmulatorServer, config: Path) -> None:
    emulator.set_quota(IPS, 5)
    with _component(emulator, config) as comp:
        appid = comp.query_auth(emulator.authorize(P.appid, push=False).auth_code)\
            .authorizer_appid
        comp.authorizer(appid).api_domain_ips()
        comp.authorizer(appid).api_domain_ips()
    shown = wxcomponent("quota", IPS, "--authorizer", appid, "--json", "--config", str(config))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"cgi_path": IPS, "account": appid, "daily_limit": 5,
                                        "used": 2, "remain": 3, "cleared": False}
    table = wxcomponent("quota", IPS, "--authorizer", appid, "--clear", "--config", str(config))
    assert table.returncode == 0, table.stderr
    assert "used today" in table.stdout and "remaining" in table.stdout
    assert json.loads(wxcomponent("quota", IPS, "--authorizer", appid, "--json", "--config",
                                  str(config)).stdout)["used"] == 0


@needs_toml
def test_callback_ips(emulator: EmulatorServer, config: Path) -> None:
    emulator.set_callback_ips(["203.0.113.7", "198.51.100.0/24"], api_ip_list=["192.0.2.1"])
    shown = wxcomponent("callback-ips", "--json", "--config", str(config))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"callback_ips": ["203.0.113.7", "198.51.100.0/24"],
                                        "api_domain_ips": ["192.0.2.1"]}
    table = wxcomponent("callback-ips", "--config", str(config))
    assert "198.51.100.0/24" in table.stdout and "192.0.2.1" in table.stdout


@needs_toml
def test_bad_arguments_are_one_line_and_send_nothing(emulator: EmulatorServer,
                                                     config: Path) -> None:
    assert "rid" in assert_one_line_error(wxcomponent("rid", "no such rid!", "--config",
                                                      str(config)))
    assert "cgi_path" in assert_one_line_error(wxcomponent("quota", "cgi-bin/x", "--config",
                                                           str(config)))
    assert emulator.calls("/cgi-bin/openapi/rid/get") == 0
    assert emulator.calls("/cgi-bin/openapi/quota/get") == 0
