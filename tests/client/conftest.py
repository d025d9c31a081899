"""Fixtures for the token and API client tests: a running emulator and stores by URL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from wxcomponent import ComponentConfig
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.stores import open_store
from wxcomponent.stores.base import Store

CONFIG = ComponentConfig(
    appid=DEFAULT_PLATFORM.appid,
    secret=DEFAULT_PLATFORM.secret,
    token=DEFAULT_PLATFORM.token,
    encoding_aes_key=DEFAULT_PLATFORM.encoding_aes_key,
)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    """A fresh emulator on a loopback port, without background ticket pushes."""
    with EmulatorServer(ticket_interval=None) as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store URL for each backend (the redis one on a real, flushed redis-server)."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('store') / 'wx.sqlite3'}"
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The store behind ``store_url``."""
    opened = open_store(store_url)
    yield opened
    opened.close()


def seed_ticket(emu: EmulatorServer, store: Store) -> str:
    """Have the emulator issue a ticket and keep it, as the push handler would."""
    ticket = emu.issue_ticket(CONFIG.appid)
    store.save_ticket(CONFIG.appid, ticket, int(time.time()))
    return ticket
