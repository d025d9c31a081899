"""``wxcomponent release-check`` against a running emulator and a platform served over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wxcomponent import CallbackOptions, Component, ComponentConfig
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.stores import MemoryStore

from ..support.cli import assert_one_line_error, wxcomponent
from ..support.serving import serve

P = DEFAULT_PLATFORM
CONFIG = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                         encoding_aes_key=P.encoding_aes_key)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(ticket_interval=None) as server:
        yield server


@pytest.mark.parametrize("responder", [True, False])
def test_release_check_prints_each_case_and_exits_by_the_outcome(
        emu: EmulatorServer, responder: bool) -> None:
    store = MemoryStore()
    store.save_ticket(P.appid, emu.issue_ticket(P.appid), 0)
    component = Component(CONFIG, store, api_base=emu.url,
                          callbacks=CallbackOptions(release_check=responder))
    with serve(component.asgi_app()) as url:
        result = wxcomponent("release-check", "--emulator", emu.url, "--platform", P.appid,
                             "--message-url", f"{url}/messages/$APPID$", "--timeout", "1")
    component.close()
    if responder:
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("passed") >= 6 and "every case passed" in result.stdout
    else:
        assert result.returncode == 1
        assert "failed" in result.stdout
        assert "the release check failed" in assert_one_line_error(result)


def test_release_check_errors_are_one_line(emu: EmulatorServer) -> None:
    unknown = wxcomponent("release-check", "--emulator", emu.url, "--platform",
                          "wx0000000000000000")
    assert unknown.returncode == 1 and "refused" in assert_one_line_error(unknown)
    down = wxcomponent("release-check", "--emulator", "http://127.0.0.1:9", "--platform",
                       P.appid)
    assert down.returncode == 1 and "cannot be reached" in assert_one_line_error(down)
