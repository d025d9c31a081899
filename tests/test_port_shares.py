"""The suite's ports are shared out between pytest-xdist's workers: no port, and no Redis
Cluster bus port, can be picked by two workers."""

from __future__ import annotations

import pytest

from .support.servers import _in_share, _worker_share


@pytest.mark.parametrize("count", [1, 2, 3, 4, 8])
def test_every_port_is_in_exactly_one_share_and_its_bus_port_in_the_same(count: int) -> None:
    for port in range(20000, 55536):
        owners = [i for i in range(count) if _in_share(port, i, count)]
        assert len(owners) == 1
        assert _in_share(port + 10000, owners[0], count)


def test_the_share_follows_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
    assert _worker_share() == (2, 3)
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT")
    assert _worker_share() == (0, 1)
