"""The openapi methods against the emulator, on both shells: a path's quota, a failed call's
rid and what WeChat kept of it, clearing the quota with each account's token or the secret,
and WeChat's callback and API addresses."""

from __future__ import annotations

import logging

import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    APIError,
    InvalidArgument,
    OptionInvalid,
    QuotaExceeded,
    QuotaResetsExhausted,
)
from wxcomponent.stores import MemoryStore

from .conftest import CONFIG, seed_ticket

IPS = "/cgi-bin/get_api_domain_ip"
RID_GET = "/cgi-bin/openapi/rid/get"


def test_rid_of_a_failed_call(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        appid = comp.query_auth(emu.authorize(CONFIG.appid, push=False).auth_code)\
            .authorizer_appid
        called = int(emu.now())
        with pytest.raises(OptionInvalid) as failed:
            comp.get_authorizer_option(appid, "no_such_option")
        rid = failed.value.rid
        assert rid and f"rid: {rid}" in failed.value.errmsg
        # options are read with the authorizer's token: the rid is the authorizer's to read
        info = comp.authorizer(appid).get_rid(rid)
        assert called <= info.invoke_time <= int(emu.now())  # the emulator's clock runs
        assert '"no_such_option"' in info.request_body
        assert f"rid: {rid}" in info.response_body and info.client_ip == "127.0.0.1"
        assert info.errcode == 61012
        # an authorizer's failed call is the authorizer's to look up
        client = comp.authorizer(appid)
        with pytest.raises(APIError) as own:
            client.post_json("/cgi-bin/message/custom/send", {"touser": "nobody"})
        assert client.get_rid(own.value.rid).errcode == own.value.errcode
        with pytest.raises(APIError) as refused:
            comp.get_rid(own.value.rid)
        assert refused.value.errcode == 76003


def test_quota_and_its_clearing(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    emu.set_quota(IPS, 1)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        appid = comp.query_auth(emu.authorize(CONFIG.appid, push=False).auth_code)\
            .authorizer_appid
        client = comp.authorizer(appid)
        assert client.api_domain_ips()
        with pytest.raises(QuotaExceeded) as spent:
            client.api_domain_ips()
        assert spent.value.rid
        quota = client.get_quota(IPS)
        assert (quota.daily_limit, quota.used, quota.remain) == (1, 1, 0)
        client.clear_quota()
        assert client.get_quota(IPS).used == 0
        # the platform's own quota, with its token
        assert comp.api_domain_ips() == client.api_domain_ips()
        assert comp.get_quota(IPS).remain == 0
        comp.clear_component_quota()
        assert comp.get_quota(IPS).remain == 1


def test_clear_limit_reached() -> None:
    with EmulatorServer(ticket_interval=None, quota_resets_per_month=1) as emu:
        store = MemoryStore()
        seed_ticket(emu, store)
        with Component(CONFIG, store, api_base=emu.url) as comp:
            comp.clear_quota()
            with pytest.raises(QuotaResetsExhausted):
                comp.clear_component_quota()


def test_callback_addresses(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    emu.set_callback_ips(["203.0.113.7", "198.51.100.0/24"], api_ip_list=["192.0.2.1"])
    with Component(CONFIG, store, api_base=emu.url) as comp:
        assert comp.callback_ips() == ("203.0.113.7", "198.51.100.0/24")
        assert comp.api_domain_ips() == ("192.0.2.1",)


def test_bad_arguments_send_nothing(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        for rid in ("", "x" * 200, None):
            with pytest.raises(InvalidArgument):
                comp.get_rid(rid)  # type: ignore[arg-type]
        for path in ("", "cgi-bin/no-slash", "https://api.weixin.qq.com/cgi-bin/x"):
            with pytest.raises(InvalidArgument):
                comp.get_quota(path)
    assert emu.calls(RID_GET) == 0 and emu.calls("/cgi-bin/openapi/quota/get") == 0


async def test_the_same_on_the_async_shell(emu: EmulatorServer) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    emu.set_quota(IPS, 1)
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        info = await comp.query_auth(emu.authorize(CONFIG.appid, push=False).auth_code)
        client = comp.authorizer(info.authorizer_appid)
        assert await client.api_domain_ips()
        with pytest.raises(QuotaExceeded) as spent:
            await client.api_domain_ips()
        assert (await client.get_rid(spent.value.rid)).errcode == 45009
        assert (await client.get_quota(IPS)).remain == 0
        await client.clear_quota()
        assert (await client.get_quota(IPS)).remain == 1
        await comp.clear_component_quota()
        assert "127.0.0.1" in await comp.callback_ips()
        with pytest.raises(InvalidArgument):
            await comp.get_rid("")


def test_every_call_is_announced_and_logged_only_at_debug(
        emu: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryStore()
    seed_ticket(emu, store)
    seen: list[tuple[str, dict[str, object]]] = []
    with Component(CONFIG, store, api_base=emu.url,
                   listeners=(lambda name, fields: seen.append((name, dict(fields))),)) as comp:
        with caplog.at_level(logging.INFO, logger="wxcomponent"):
            comp.api_domain_ips()
        assert not [r for r in caplog.records if getattr(r, "wx_event", "") == "api_called"]
        with caplog.at_level(logging.DEBUG, logger="wxcomponent"):
            comp.api_domain_ips()
        assert [r.levelno for r in caplog.records
                if getattr(r, "wx_event", "") == "api_called"] == [logging.DEBUG]
    calls = [fields for name, fields in seen if name == "api_called"]
    assert {"path": "/cgi-bin/component/api_component_token", "authorizer_appid": "",
            "errcode": 0, "rid": ""} in calls
    assert calls[-1] == {"path": IPS, "authorizer_appid": "", "errcode": 0, "rid": ""}
