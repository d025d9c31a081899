"""Fixtures of the service suite: a running service (see :mod:`tests.support.service`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wxcomponent.emulator import EmulatorServer

from ..support.service import Running, running


@pytest.fixture
async def svc(wechat_emulator: EmulatorServer) -> AsyncIterator[Running]:
    async with running(wechat_emulator) as value:
        yield value
