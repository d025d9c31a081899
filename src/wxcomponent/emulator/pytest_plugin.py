"""pytest plugin: the ``wechat_emulator`` fixture, registered through the ``pytest11`` entry point.

Installing wxcomponent is enough: any test may ask for ``wechat_emulator`` and gets a running
:class:`~wxcomponent.emulator.EmulatorServer` on a free loopback port, reset to its initial
state before each test. One server is started per test session (``wechat_emulator_server``)
and shared, so the fixture costs a reset, not a server start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported lazily so that loading the plugin stays cheap
    from .server import EmulatorServer

__all__ = ["wechat_emulator", "wechat_emulator_server"]


@pytest.fixture(scope="session")
def wechat_emulator_server() -> Iterator[EmulatorServer]:
    """One emulator server for the whole session (prefer ``wechat_emulator`` in tests)."""
    from .server import EmulatorServer

    with EmulatorServer() as server:
        yield server


@pytest.fixture
def wechat_emulator(wechat_emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """A running emulator of WeChat's side, reset before and after the test.

    ``wechat_emulator.url`` is the base to use in place of ``https://api.weixin.qq.com``; the
    fixture exposes every method of :class:`~wxcomponent.emulator.Emulator`.
    """
    wechat_emulator_server.reset()
    yield wechat_emulator_server
    wechat_emulator_server.reset()
