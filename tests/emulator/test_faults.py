"""Injected faults, quotas, the clock and call counting."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from wxcomponent.emulator import Clock, EmulatorServer

from ..support.waiting import wait_for
from .support import APPID, C, authorize, component_token, errcode

PREAUTH = C + "api_create_preauthcode"


def preauth(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(PREAUTH, params={"component_access_token": token},
                       json={"component_appid": APPID})


def test_errcode_fault_for_n_calls(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH, errcode=-1, times=2)
    answers = [preauth(client, token) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [errcode(a.json()) for a in answers] == [-1, -1, 0]
    assert "pre_auth_code" in answers[2].json()
    assert emu.calls(PREAUTH) == 3


def test_status_fault(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH.lstrip("/"), status=502)
    emu.inject(PREAUTH, status=503, errcode=-1)
    bad_gateway = preauth(client, token)
    assert bad_gateway.status_code == 502
    assert "502 Bad Gateway" in bad_gateway.text
    busy = preauth(client, token)
    assert busy.status_code == 503 and busy.json()["errcode"] == -1
    assert preauth(client, token).status_code == 200


def test_latency_fault(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH, delay=0.4)  # one call: delayed, then answered as usual
    emu.inject(PREAUTH, errcode=-1)  # the call after it
    started = time.monotonic()
    slow = preauth(client, token)
    assert time.monotonic() - started >= 0.4
    assert "pre_auth_code" in slow.json()
    # The delay was spent on that one call: the next call gets the next fault, then none.
    assert errcode(preauth(client, token).json()) == -1
    assert "pre_auth_code" in preauth(client, token).json()
    assert emu.calls(PREAUTH) == 3
    emu.inject(PREAUTH, delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        client.post(PREAUTH, params={"component_access_token": token},
                    json={"component_appid": APPID}, timeout=0.3)


def test_latency_does_not_stall_other_calls(emu: EmulatorServer, client: httpx.Client) -> None:
    emu.inject("/slow/path", delay=2.0)
    answered = threading.Event()

    def call_slow() -> None:
        httpx.get(emu.url + "/slow/path", trust_env=False, timeout=30)
        answered.set()

    slow = threading.Thread(target=call_slow, daemon=True)
    slow.start()
    # the slow call has arrived and sits in its delay
    wait_for(lambda: emu.calls("/slow/path"), "the slow call never arrived")
    assert client.get("/other").status_code == 404
    assert not answered.is_set(), "the other call waited for the slow one"
    assert emu.calls("/other") == 1
    slow.join(30)
    assert answered.is_set()


def test_dropped_connection(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH, drop=True, times=2)
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            preauth(client, token)
    assert "pre_auth_code" in preauth(client, token).json()
    assert emu.calls(PREAUTH) == 3


def test_persistent_fault_until_cleared(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.inject(PREAUTH, errcode=45009, times=None)
    assert all(errcode(preauth(client, token).json()) == 45009 for _ in range(5))
    emu.clear_faults(PREAUTH)
    assert errcode(preauth(client, token).json()) == 0


def test_inject_validation(emu: EmulatorServer) -> None:
    cases: list[dict[str, Any]] = [{}, {"status": 99}, {"errcode": 1, "times": 0},
                                   {"delay": -1.0}]
    for kwargs in cases:
        with pytest.raises(ValueError):
            emu.inject(PREAUTH, **kwargs)


def test_daily_quota(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.set_quota(PREAUTH, 2)
    results = [errcode(preauth(client, token).json()) for _ in range(4)]
    assert results == [0, 0, 45009, 45009]
    # Failed calls do not spend quota; every call is counted.
    assert emu.calls(PREAUTH) == 4
    cleared = client.post(C + "clear_quota", params={"component_access_token": token},
                          json={"component_appid": APPID})
    assert errcode(cleared.json()) == 0
    assert errcode(preauth(client, token).json()) == 0
    emu.clock.advance(86400)
    token = component_token(emu, client)
    assert [errcode(preauth(client, token).json()) for _ in range(3)] == [0, 0, 45009]
    emu.set_quota(PREAUTH, None)
    assert all(errcode(preauth(client, token).json()) == 0 for _ in range(3))


def test_quota_is_per_caller(emu: EmulatorServer, client: httpx.Client) -> None:
    first = authorize(emu, client)
    second = authorize(emu, client)
    path = "/cgi-bin/get_api_domain_ip"
    emu.set_quota(path, 1)
    for a in (first, second):
        assert "ip_list" in client.get(path, params={"access_token": a.access_token}).json()
        assert errcode(client.get(path, params={"access_token": a.access_token}).json()) == 45009


def test_counts_include_failures(emu: EmulatorServer, client: httpx.Client) -> None:
    client.post(PREAUTH)
    client.get(PREAUTH)
    client.post("/unknown")
    client.get("/__emulator__/call_counts")
    counts = emu.call_counts()
    assert counts == {PREAUTH: 2, "/unknown": 1}
    assert emu.calls("cgi-bin/component/api_create_preauthcode") == 2
    assert emu.calls("/never") == 0


def test_reset(emu: EmulatorServer, client: httpx.Client) -> None:
    token = component_token(emu, client)
    emu.add_platform("wx6666666666666666", "s", "t", "C" * 43)
    emu.inject(PREAUTH, errcode=-1, times=None)
    emu.rotate_refresh_tokens = True
    emu.clock.advance(100)
    emu.reset()
    assert emu.call_counts() == {} and emu.deliveries == []
    assert emu.rotate_refresh_tokens is False
    assert emu.clock.offset == 0
    assert [p.appid for p in emu.platforms] == [APPID]
    assert errcode(preauth(client, token).json()) == 40001
    assert errcode(preauth(client, component_token(emu, client)).json()) == 0


def test_clock() -> None:
    clock = Clock()
    before = time.time()
    now = clock.now()
    assert before <= now <= time.time()
    before = time.time()
    moved = clock.advance(3600)
    assert before + 3600 <= moved <= time.time() + 3600
    assert clock.offset == 3600
    with pytest.raises(ValueError):
        clock.advance(-1)
    woke = threading.Event()

    def sleeper() -> None:
        clock.wait(3600)  # only a move of the clock ends this wait in time
        woke.set()

    thread = threading.Thread(target=sleeper, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10  # only turns a hang into a failure
    while not woke.wait(0.01):  # move the clock until the sleeper, once waiting, wakes
        assert time.monotonic() < deadline, "advance() never woke the sleeper"
        clock.advance(1)
    thread.join()
    clock.reset()
    assert clock.offset == 0
