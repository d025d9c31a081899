"""The ``callback_allowlist`` setting over real HTTP: pushes only from WeChat's callback
addresses (``getcallbackip``), the list refreshed daily on the service's clock and shared by
the hosts of a fleet through the store, the client address as ``trusted_proxies`` say."""

from __future__ import annotations

import time

from wxcomponent.emulator import EmulatorServer
from wxcomponent.emulator.pusher import seal
from wxcomponent.stores import MemoryStore

from ..support.service import APPID, FakeClock, Running, running

CALLBACK_IPS = "/cgi-bin/getcallbackip"


def seeded(emu: EmulatorServer, clock: FakeClock) -> tuple[MemoryStore, str]:
    """A store holding a verify ticket (the list is fetched with the component token)."""
    store = MemoryStore(clock=clock)
    ticket = emu.issue_ticket(APPID)
    store.save_ticket(APPID, ticket, int(time.time()))
    return store, ticket


async def push_ticket(svc: Running, clock: FakeClock, **headers: str) -> tuple[int, str]:
    """Push a new ticket as WeChat would, stamped with the service's clock."""
    ticket = svc.emu.issue_ticket(APPID)
    fields = {"AppId": APPID, "CreateTime": int(clock.now),
              "InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket}
    query, body = seal(svc.emu.platform(APPID), fields, ("AppId", APPID),
                       timestamp=int(clock.now))
    answer = await svc.client.post(f"/{APPID}/events", params=query, content=body,
                                   headers=headers)
    return answer.status_code, ticket


async def test_a_push_from_elsewhere_is_refused_and_the_list_refreshed_daily(
        wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    clock = FakeClock()
    store, first = seeded(emu, clock)
    emu.set_callback_ips(["203.0.113.7", "198.51.100.0/24"])
    async with running(emu, store=store, clock=clock, callback_allowlist=True) as svc:
        status, _ = await push_ticket(svc, clock)
        assert status == 403
        stored = store.load_ticket(APPID)
        assert stored is not None and stored.value == first  # nothing changed
        # WeChat's list now names loopback; the service keeps the day's list
        emu.set_callback_ips(["127.0.0.1"])
        assert (await push_ticket(svc, clock))[0] == 403
        assert emu.calls(CALLBACK_IPS) == 1
        clock.advance(86400)
        status, ticket = await push_ticket(svc, clock)
        assert status == 200
        stored = store.load_ticket(APPID)
        assert stored is not None and stored.value == ticket
        assert emu.calls(CALLBACK_IPS) == 2


async def test_the_list_is_shared_through_the_store(wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    clock = FakeClock()
    store, _ = seeded(emu, clock)
    async with running(emu, store=store, clock=clock, callback_allowlist=True) as one, \
            running(emu, store=store, clock=clock, callback_allowlist=True) as two:
        assert (await push_ticket(one, clock))[0] == 200
        assert (await push_ticket(two, clock))[0] == 200
        assert emu.calls(CALLBACK_IPS) == 1  # the second host read the first one's list


async def test_the_client_address_honours_trusted_proxies(
        wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    clock = FakeClock()
    store, _ = seeded(emu, clock)
    emu.set_callback_ips(["203.0.113.7"])
    async with running(emu, store=store, clock=clock, callback_allowlist=True,
                       trusted_proxies=["127.0.0.1"]) as svc:
        assert (await push_ticket(svc, clock, **{"X-Forwarded-For": "203.0.113.7"}))[0] == 200
        assert (await push_ticket(svc, clock, **{"X-Forwarded-For": "198.51.100.9"}))[0] == 403
        assert (await push_ticket(svc, clock))[0] == 403  # the proxy itself is not WeChat


async def test_off_by_default(wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    clock = FakeClock()
    store, _ = seeded(emu, clock)
    emu.set_callback_ips(["203.0.113.7"])
    async with running(emu, store=store, clock=clock) as svc:
        assert (await push_ticket(svc, clock))[0] == 200
    assert emu.calls(CALLBACK_IPS) == 0


async def test_before_the_first_ticket_pushes_are_let_through(
        wechat_emulator: EmulatorServer) -> None:
    emu = wechat_emulator
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    emu.set_callback_ips(["203.0.113.7"])
    async with running(emu, store=store, clock=clock, callback_allowlist=True) as svc:
        # without a ticket there is no token to ask WeChat with: the first ticket comes in
        status, ticket = await push_ticket(svc, clock)
        assert status == 200
        stored = store.load_ticket(APPID)
        assert stored is not None and stored.value == ticket
        # from then on the list holds
        assert (await push_ticket(svc, clock))[0] == 403
