"""Many threads and several processes at once; counts read from this process."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter

import httpx

from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

from .support import APPID, C, component_token, errcode

PREAUTH = C + "api_create_preauthcode"
THREADS = 200
CALLS = 5


def run_threads(count: int, target: object) -> None:
    barrier = threading.Barrier(count)

    def start() -> None:
        barrier.wait()
        target()  # type: ignore[operator]

    threads = [threading.Thread(target=start) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)


def test_two_hundred_threads(emu: EmulatorServer) -> None:
    ticket = emu.issue_ticket(APPID)
    tokens: list[str] = []
    failures: list[object] = []
    body = {"component_appid": APPID, "component_appsecret": DEFAULT_PLATFORM.secret,
            "component_verify_ticket": ticket}

    def work() -> None:
        try:
            with httpx.Client(base_url=emu.url, trust_env=False, timeout=30) as c:
                token = c.post(C + "api_component_token", json=body).json()
                tokens.append(token["component_access_token"])
                for _ in range(CALLS):
                    answer = c.post(PREAUTH, params={"access_token": tokens[-1]},
                                    json={"component_appid": APPID}).json()
                    if "pre_auth_code" not in answer:
                        failures.append(answer)
        except Exception as exc:
            failures.append(exc)

    run_threads(THREADS, work)
    assert failures == []
    assert len(set(tokens)) == THREADS
    assert emu.calls(C + "api_component_token") == THREADS
    assert emu.calls(PREAUTH) == THREADS * CALLS


def test_auth_code_is_used_once_under_contention(emu: EmulatorServer) -> None:
    with httpx.Client(base_url=emu.url, trust_env=False) as c:
        token = component_token(emu, c)
    grant = emu.authorize(APPID, push=False)
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def exchange() -> None:
        answer = httpx.post(emu.url + C + "api_query_auth", trust_env=False, timeout=30,
                            params={"component_access_token": token},
                            json={"component_appid": APPID, "authorization_code": grant.auth_code})
        with lock:
            outcomes[errcode(answer.json())] += 1

    run_threads(50, exchange)
    assert outcomes == Counter({0: 1, 61010: 49})


CHILD = """
import sys, httpx
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
    for _ in range(n):
        answer = c.post("/cgi-bin/component/api_create_preauthcode",
                        params={"component_access_token": token},
                        json={"component_appid": sys.argv[4]}).json()
        assert "pre_auth_code" in answer, answer
"""


def test_several_processes(emu: EmulatorServer) -> None:
    with httpx.Client(base_url=emu.url, trust_env=False) as c:
        token = component_token(emu, c)
    processes = [
        subprocess.Popen([sys.executable, "-c", CHILD, emu.url, token, "40", APPID])
        for _ in range(3)
    ]
    assert [p.wait(60) for p in processes] == [0, 0, 0]
    assert emu.calls(PREAUTH) == 120
