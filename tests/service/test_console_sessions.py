"""The console's sessions live in the store, over real HTTP: a signed-out cookie is refused on
every host of a fleet (two services sharing one SQLite file, or one Redis server), signing
out everywhere ends one operator's sessions only, a removed operator or a changed password
ends theirs, sessions expire with their record, and a store that cannot answer gives a page,
never a 500."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import StoreUnavailable
from wxcomponent.service.console import hash_password
from wxcomponent.service.console.session import COOKIE, SESSION_TTL, Sessions
from wxcomponent.stores import MemoryStore, RedisStore, SQLiteStore

from ..support.console import BASE, OPERATORS, PASSWORD, csrf_of, sign_in, signed_in
from ..support.service import FakeClock, Running, running

BOB = {"name": "bob", "password_hash": hash_password("bob's own password")}
TEAM = [*OPERATORS, BOB]


async def visit(svc: Running, cookie: str, path: str = f"{BASE}/") -> httpx.Response:
    """GET ``path`` of ``svc``'s admin listener with the session cookie ``cookie`` (a browser
    of another host, or a replayed cookie)."""
    async with httpx.AsyncClient(base_url=svc.server.admin_url, trust_env=False) as client:
        client.cookies.set(COOKIE, cookie, path="/console")
        return await client.get(path)


def refused(answer: httpx.Response, why: str = "ended") -> bool:
    return answer.status_code == 303 and answer.headers["location"].startswith(
        "/console/signin?") and f"{why}=1" in answer.headers["location"]


async def sign_out(client: httpx.AsyncClient, *, everywhere: bool = False) -> httpx.Response:
    page = await client.get(f"{BASE}/")
    assert page.status_code == 200, page.text
    data = {"csrf": csrf_of(page.text), **({"everywhere": "yes"} if everywhere else {})}
    return await client.post("/console/signout", data=data)


@pytest.fixture(params=["sqlite", "redis"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Any]]:
    """The stores of two hosts of a fleet: two SQLite stores on one file, or two Redis
    stores on one server."""
    if request.param == "sqlite":
        path = str(tmp_path / "fleet.sqlite3")
        stores: list[Any] = [SQLiteStore(path), SQLiteStore(path)]
    else:
        url = request.getfixturevalue("redis_url")
        stores = [RedisStore(url), RedisStore(url)]
    yield stores
    for store in stores:
        store.close()


@contextlib.asynccontextmanager
async def fleet(emu: EmulatorServer, stores: list[Any], **extra: Any
                ) -> AsyncIterator[tuple[Running, Running]]:
    """Two services with the same settings, each with its own store on the shared data."""
    async with running(emu, store=stores[0], **extra) as a, \
            running(emu, store=stores[1], **extra) as b:
        yield a, b


def session_id(svc: Running, cookie: str) -> str:
    sealed = svc.service.console.sessions.unseal(cookie)
    assert sealed is not None
    return sealed[0]


async def test_a_signed_out_cookie_is_refused_on_every_host(
        wechat_emulator: EmulatorServer, shared: list[Any]) -> None:
    async with fleet(wechat_emulator, shared, operators=OPERATORS) as (a, b):
        async with signed_in(a, "alice", PASSWORD) as client:
            cookie = client.cookies[COOKIE]
            assert (await visit(b, cookie)).status_code == 200  # the other host knows it
            record = Sessions.record_key(session_id(a, cookie))
            assert shared[1].get_token(record) is not None
            answer = await sign_out(client)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/console/signin?out=1"
            assert "max-age=0" in answer.headers["set-cookie"].lower()
            shown = await client.get(answer.headers["location"])
            assert "You are signed out." in shown.text
        assert shared[0].get_token(record) is None
        # the cookie, replayed after sign-out, is refused by both hosts
        for svc in (a, b):
            for path in (f"{BASE}/", f"{BASE}/authorizers", "/console/"):
                answer = await visit(svc, cookie, path)
                assert refused(answer), (path, answer.status_code, answer.headers)
        shown = await a.admin.get(answer.headers["location"])
        assert "Your session has ended" in shown.text
        # signing out on one host ends a session made on the other
        async with signed_in(b, "alice", PASSWORD) as client:
            cookie = client.cookies[COOKIE]
            async with httpx.AsyncClient(base_url=a.server.admin_url, trust_env=False) as there:
                there.cookies.set(COOKIE, cookie, path="/console")
                assert (await sign_out(there)).status_code == 303
            assert refused(await client.get(f"{BASE}/"))


async def test_sign_out_everywhere_ends_that_operators_sessions_only(
        wechat_emulator: EmulatorServer, shared: list[Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wxcomponent.service.console")
    async with fleet(wechat_emulator, shared, operators=TEAM) as (a, b), \
            signed_in(a, "alice", PASSWORD) as alice_here, \
            signed_in(b, "alice", PASSWORD) as alice_there, \
            signed_in(a, "bob", "bob's own password") as bob, signed_in(b) as admin:
        old = alice_here.cookies[COOKIE]
        answer = await sign_out(alice_here, everywhere=True)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/signin?everywhere=1"
        shown = await a.admin.get(answer.headers["location"])
        assert "every session of yours has ended" in shown.text
        for svc in (a, b):
            assert refused(await visit(svc, alice_there.cookies[COOKIE]))
            assert refused(await visit(svc, old))
            assert (await visit(svc, bob.cookies[COOKIE])).status_code == 200
            assert (await visit(svc, admin.cookies[COOKIE])).status_code == 200
        assert refused(await alice_there.get(f"{BASE}/pushes"))
        # alice signs in again: the new session works on both hosts, the old ones do not
        async with signed_in(b, "alice", PASSWORD) as again:
            fresh = again.cookies[COOKIE]
            for svc in (a, b):
                assert (await visit(svc, fresh)).status_code == 200
                assert refused(await visit(svc, old))
            # a second sign-out everywhere ends the sessions made since the first
            async with signed_in(a, "alice", PASSWORD) as third:
                assert (await sign_out(third, everywhere=True)).status_code == 303
            assert refused(await visit(a, fresh)) and refused(await visit(b, fresh))
        assert (await bob.get(f"{BASE}/")).status_code == 200
    logged = [r.getMessage() for r in caplog.records
              if r.name == "wxcomponent.service.console"]
    assert logged.count("console: alice signed out everywhere (every session of alice "
                        "ended)") == 2
    assert not any("bob signed out" in m for m in logged)


async def test_a_removed_operator_or_a_changed_password_ends_their_sessions(
        wechat_emulator: EmulatorServer, shared: list[Any]) -> None:
    store = shared[0]
    async with running(wechat_emulator, store=store, operators=TEAM) as svc, \
            signed_in(svc, "alice", PASSWORD) as alice, \
            signed_in(svc, "bob", "bob's own password") as bob, signed_in(svc) as admin:
        cookies = {"alice": alice.cookies[COOKIE], "bob": bob.cookies[COOKIE],
                   "admin": admin.cookies[COOKIE]}
    # the settings change: alice is removed; her record in the store is refused
    async with running(wechat_emulator, store=store, operators=[BOB]) as svc:
        assert refused(await visit(svc, cookies["alice"]))
        assert (await visit(svc, cookies["bob"])).status_code == 200
        assert (await visit(svc, cookies["admin"])).status_code == 200
    # alice is back with a new password: her old session stays ended, bob's goes on
    renewed = [{"name": "alice", "password_hash": hash_password("a new password")}, BOB]
    async with running(wechat_emulator, store=store, operators=renewed) as svc:
        assert refused(await visit(svc, cookies["alice"]))
        assert (await visit(svc, cookies["bob"])).status_code == 200
    # another admin key: the admin's session ends
    async with running(wechat_emulator, store=store, operators=TEAM,
                       api_key="another-admin-key-0123456789") as svc:
        assert refused(await visit(svc, cookies["admin"]))


async def test_a_session_ends_with_its_record(wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock) as svc, signed_in(svc) as client:
        cookie = client.cookies[COOKIE]
        record = Sessions.record_key(session_id(svc, cookie))
        stored = svc.store.get_token(record)
        assert stored is not None and stored.expires_at == pytest.approx(
            clock() + SESSION_TTL, abs=1)
        assert "admin" in stored.value and session_id(svc, cookie) not in stored.value
        clock.advance(SESSION_TTL - 60)
        assert (await client.get(f"{BASE}/")).status_code == 200
        clock.advance(61)
        assert svc.store.get_token(record) is None
        assert refused(await client.get(f"{BASE}/"), "expired")
        # a cookie whose record was dropped from the cache is refused too
        async with signed_in(svc) as other:
            svc.store.delete_token(Sessions.record_key(session_id(svc, other.cookies[COOKIE])))
            assert refused(await other.get(f"{BASE}/"))


class FailingStore:
    """A memory store whose token cache can be made unreachable (the store down)."""

    def __init__(self) -> None:
        self._store = MemoryStore()
        self.down = False

    def __getattr__(self, name: str) -> Any:
        if name == "aio":  # the service then runs this store's calls on threads
            raise AttributeError(name)
        target = getattr(self._store, name)
        if name not in ("get_token", "set_token", "delete_token"):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailable("the store at memory:// is unavailable")
            return target(*args, **kwargs)

        return call


async def test_a_store_that_cannot_answer_gives_a_page_never_a_500(
        wechat_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    store: Any = FailingStore()
    caplog.set_level(logging.ERROR, logger="wxcomponent.service.console")
    async with running(wechat_emulator, store=store) as svc, \
            signed_in(svc) as client:
        page = await client.get(f"{BASE}/")
        store.down = True
        for path in (f"{BASE}/", f"{BASE}/authorizers", "/console/"):
            answer = await client.get(path)
            assert answer.status_code == 503, (path, answer.text[-300:])
            assert "cannot reach its store" in answer.text
            assert "Traceback" not in answer.text
        answer = await client.post("/console/signout", data={"csrf": csrf_of(page.text)})
        assert answer.status_code == 503
        signin = await sign_in(svc.admin)  # right, but no session can be recorded
        assert signin.status_code == 503 and "unavailable" in signin.text
        assert COOKIE not in signin.headers.get("set-cookie", "")
        store.down = False
        answer = await sign_out(client)
        assert answer.status_code == 303 and "max-age=0" in \
            answer.headers["set-cookie"].lower()
    assert "the session of a request could not be read" in caplog.text
