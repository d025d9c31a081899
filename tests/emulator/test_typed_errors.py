"""Bad arguments of the emulator's Python API raise InvalidArgument (still a ValueError)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wxcomponent.emulator import DEFAULT_PLATFORM, Clock, Emulator
from wxcomponent.emulator.pusher import Pusher
from wxcomponent.errors import InvalidArgument

APPID = DEFAULT_PLATFORM.appid


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emulator = Emulator(ticket_interval=None)
    try:
        yield emulator
    finally:
        emulator.close()


def _mini_program(emulator: Emulator) -> str:
    return emulator.authorize(APPID, kind="mini_program", push=False).authorizer_appid


CASES: list[tuple[str, Callable[[Emulator], Any]]] = [
    ("appid", lambda e: e.configure(APPID, appid="wx0000000000000000")),
    ("encoding_aes_key", lambda e: e.configure(APPID, encoding_aes_key="short")),
    ("kind", lambda e: e.add_account(APPID, kind="robot")),  # type: ignore[arg-type]
    ("errcode/status/delay/drop", lambda e: e.inject("/cgi-bin/x")),
    ("status", lambda e: e.inject("/cgi-bin/x", status=700)),
    ("times", lambda e: e.inject("/cgi-bin/x", errcode=-1, times=0)),
    ("delay", lambda e: e.inject("/cgi-bin/x", delay=-1.0)),
    ("daily_limit", lambda e: e.set_quota("/cgi-bin/x", -1)),
    ("scope", lambda e: e.oauth_code(APPID, _mini_program(e), scope="snsapi_other")),
    ("authorizer_appid", lambda e: e.oauth_code(APPID, _mini_program(e))),
    ("seconds", lambda e: e.advance_clock(-1)),
]


@pytest.mark.parametrize(("name", "call"), CASES, ids=[name for name, _ in CASES])
def test_emulator_methods_raise_invalid_argument(emulator: Emulator, name: str,
                                                 call: Callable[[Emulator], Any]) -> None:
    with pytest.raises(InvalidArgument) as caught:
        call(emulator)
    assert caught.value.argument == name


def test_constructors_raise_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as caught:
        Emulator(ticket_interval=None, push_tries=0)
    assert caught.value.argument == "push_tries"
    with pytest.raises(InvalidArgument) as caught:
        Pusher(tries=0)
    assert caught.value.argument == "tries"
    with pytest.raises(InvalidArgument) as caught:
        Clock().advance(-0.5)
    assert caught.value.argument == "seconds"
