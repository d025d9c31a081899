"""Services that only use tokens: ``Component(config, tokens=ServiceTokens(url, key))`` takes
every token from a real ``wxcomponent serve`` process (a subprocess on loopback, in front of
the emulator), and a 40001 makes the service refresh the refused token once for every caller
of every process."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wxcomponent import AsyncComponent, Component, ServiceTokens
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import AuthorizerNotFound, ConfigurationError, InvalidArgument
from wxcomponent.stores import SQLiteStore

from ..support.cli import ROOT, clean_env, needs_toml, wait_healthz, write_config
from ..support.servers import free_port
from .conftest import CONFIG

API = "/cgi-bin/get_api_domain_ip"
KEY = "cli-test-key-0123456789"  # the api_key write_config sets
REFRESH = "/cgi-bin/component/api_authorizer_token"


class Service:
    """A running ``wxcomponent serve`` and the account it manages."""

    def __init__(self, admin: str, authorizer_appid: str) -> None:
        self.admin = admin
        self.authorizer_appid = authorizer_appid


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Service, EmulatorServer]]:
    with EmulatorServer(ticket_interval=None) as emu:
        store_path = tmp_path / "service.sqlite3"
        store = SQLiteStore(store_path)
        store.save_ticket(CONFIG.appid, emu.issue_ticket(CONFIG.appid), int(time.time()))
        grant = emu.authorize(CONFIG.appid, push=False)
        with Component(CONFIG, store, api_base=emu.url) as platform:
            platform.add_authorizer(grant.authorizer_appid,
                                    emu.current_refresh_token(CONFIG.appid,
                                                              grant.authorizer_appid))
        store.close()
        port, admin_port = free_port(), free_port()
        config = write_config(tmp_path / "wx.toml", api_base=emu.url, store=store_path,
                              port=port, admin_port=admin_port)
        process = subprocess.Popen(
            [sys.executable, "-m", "wxcomponent.cli", "serve", "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env(),
            cwd=ROOT)
        try:
            wait_healthz(f"http://127.0.0.1:{port}", process)
            yield Service(f"http://127.0.0.1:{admin_port}", grant.authorizer_appid), emu
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


@needs_toml
def test_calls_use_the_services_tokens_and_a_40001_refreshes_once(
    service: tuple[Service, EmulatorServer]
) -> None:
    svc, emu = service
    tokens = ServiceTokens(svc.admin, KEY)
    assert KEY not in repr(tokens)
    with Component(CONFIG, tokens=tokens, api_base=emu.url) as client:
        shop = client.authorizer(svc.authorizer_appid)
        assert "ip_list" in shop.get_json(API)
        assert shop.access_token()  # the same token, from the service
        assert client.access_token()
        before = emu.calls(REFRESH)
        emu.invalidate_tokens(CONFIG.appid, authorizer_appid=svc.authorizer_appid)
        errors: list[BaseException] = []
        start = threading.Barrier(20)

        def call() -> None:
            try:
                start.wait()
                assert "ip_list" in shop.get_json(API)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert emu.calls(REFRESH) == before + 1  # one refresh, by the service, for all 20
    # a second process of the same kind gets the renewed token without refreshing again
    with Component(CONFIG, tokens=ServiceTokens(svc.admin, KEY), api_base=emu.url) as other:
        assert "ip_list" in other.authorizer(svc.authorizer_appid).get_json(API)
    assert emu.calls(REFRESH) == before + 1


@needs_toml
async def test_the_async_shell_too(service: tuple[Service, EmulatorServer]) -> None:
    svc, emu = service
    async with AsyncComponent(CONFIG, tokens=ServiceTokens(svc.admin, KEY),
                              api_base=emu.url) as client:
        shop = client.authorizer(svc.authorizer_appid)
        assert "ip_list" in await shop.get_json(API)
        before = emu.calls(REFRESH)
        emu.invalidate_tokens(CONFIG.appid, authorizer_appid=svc.authorizer_appid)
        answers = await asyncio.gather(*(shop.get_json(API) for _ in range(20)))
        assert all("ip_list" in a for a in answers)
        assert emu.calls(REFRESH) == before + 1


@needs_toml
def test_refusals_by_the_service_are_typed(service: tuple[Service, EmulatorServer]) -> None:
    svc, emu = service
    with Component(CONFIG, tokens=ServiceTokens(svc.admin, "wrong-key-0123456789"),
                   api_base=emu.url) as client:
        with pytest.raises(ConfigurationError) as caught:
            client.authorizer(svc.authorizer_appid).get_json(API)
        assert "401" in str(caught.value) and "wrong-key" not in str(caught.value)
    with (Component(CONFIG, tokens=ServiceTokens(svc.admin, KEY), api_base=emu.url) as client,
          pytest.raises(AuthorizerNotFound)):
        client.authorizer("wx00000000000000ff").get_json(API)


def test_bad_arguments() -> None:
    for url in ("", "ftp://x", "http://", "http://h:1/?a=1"):
        with pytest.raises(ConfigurationError):
            ServiceTokens(url, KEY)
    with pytest.raises(InvalidArgument):
        ServiceTokens("http://127.0.0.1:1", "")
    with pytest.raises(InvalidArgument):
        ServiceTokens("http://127.0.0.1:1", KEY, lead=-1)
