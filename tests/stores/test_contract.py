"""The store contract: every backend in both flavours (sync, async), through the ``store``
fixture of ``conftest``.

Each test body is written once, with ``await``; a sync store is seen through
:class:`~tests.support.stores.Awaiting`. Expiry is driven by ``store_time``, the store's
clock, which only moves when a test moves it.
"""

from __future__ import annotations

import ast
import dataclasses
import time
from pathlib import Path
from typing import Any

import wxcomponent.stores
from wxcomponent.stores import AuthorizerRecord, CachedToken

from ..support.stores import CLASSES, CONTRACT_BACKENDS, StoreTime, contract_class

C1 = "wxcomponent0000001"
C2 = "wxcomponent0000002"
SECRET_RT = "refresh-token-very-secret-1234567890"
SECRET_TICKET = "ticket@@@very-secret-ticket-value-0987654321"
SECRET_TOKEN = "access-token-very-secret-abcdefghijklmnop"


def record(appid: str, component: str = C1, **changes: Any) -> AuthorizerRecord:
    base = AuthorizerRecord(
        component_appid=component,
        authorizer_appid=appid,
        refresh_token=f"rt-{appid}-{SECRET_RT}",
        func_info=(1, 15, 18),
        authorized_at=1700000000.5,
        updated_at=1700000001.25,
    )
    return dataclasses.replace(base, **changes)


def token(value: str = SECRET_TOKEN, ttl: float = 3600.0) -> CachedToken:
    now = time.time()
    return CachedToken(value=value, expires_at=now + ttl, obtained_at=now)


# ------------------------------------------------------------------ tickets


async def test_ticket_round_trip(store: Any, store_time: StoreTime) -> None:
    assert await store.load_ticket(C1) is None
    assert await store.save_ticket(C1, SECRET_TICKET, 1700000000) is True
    ticket = await store.load_ticket(C1)
    assert ticket is not None
    assert (ticket.component_appid, ticket.value, ticket.created_at) == (
        C1,
        SECRET_TICKET,
        1700000000,
    )
    assert isinstance(ticket.created_at, int)
    assert ticket.received_at == store_time.now


async def test_older_ticket_never_overwrites_newer(store: Any) -> None:
    assert await store.save_ticket(C1, "ticket-100", 100)
    assert await store.save_ticket(C1, "ticket-99", 99) is False
    assert (await store.load_ticket(C1)).value == "ticket-100"
    # equal created_at: replace
    assert await store.save_ticket(C1, "ticket-100-bis", 100) is True
    assert (await store.load_ticket(C1)).value == "ticket-100-bis"
    assert await store.save_ticket(C1, "ticket-101", 101) is True
    stored = await store.load_ticket(C1)
    assert (stored.value, stored.created_at) == ("ticket-101", 101)


async def test_tickets_of_two_platforms_never_collide(store: Any) -> None:
    assert await store.save_ticket(C1, "ticket-one", 200)
    assert await store.save_ticket(C2, "ticket-two", 100)
    assert (await store.load_ticket(C1)).value == "ticket-one"
    assert (await store.load_ticket(C2)).value == "ticket-two"
    # An older ticket for C2 is judged against C2's ticket only.
    assert await store.save_ticket(C2, "ticket-two-b", 150)
    assert (await store.load_ticket(C1)).value == "ticket-one"


# ------------------------------------------------------------------ authorizers


async def test_authorizer_round_trip(store: Any) -> None:
    assert await store.get_authorizer(C1, "wxa1") is None
    rec = record("wxa1")
    await store.save_authorizer(rec)
    assert await store.get_authorizer(C1, "wxa1") == rec
    revoked = record("wxa1", status="revoked", revoked_at=1700000100.0, func_info=())
    await store.save_authorizer(revoked)
    assert await store.get_authorizer(C1, "wxa1") == revoked
    assert await store.count_authorizers(C1) == 1


async def test_func_info_given_as_list_comes_back_as_tuple(store: Any) -> None:
    await store.save_authorizer(record("wxa1", func_info=[3, 1]))
    assert (await store.get_authorizer(C1, "wxa1")).func_info == (3, 1)


async def test_authorizers_of_two_platforms_never_collide(store: Any) -> None:
    await store.save_authorizer(record("wxa1", C1))
    await store.save_authorizer(record("wxa1", C2, refresh_token="rt-of-c2-xxxxxxxxxxxx"))
    await store.save_authorizer(record("wxa2", C2))
    assert (await store.get_authorizer(C1, "wxa1")).refresh_token.startswith("rt-wxa1")
    assert (await store.get_authorizer(C2, "wxa1")).refresh_token == "rt-of-c2-xxxxxxxxxxxx"
    assert await store.count_authorizers(C1) == 1
    assert await store.count_authorizers(C2) == 2
    assert [r.authorizer_appid for r in await store.list_authorizers(C1)] == ["wxa1"]
    assert await store.mark_revoked(C2, "wxa1")
    assert (await store.get_authorizer(C1, "wxa1")).status == "authorized"


async def test_list_authorizers_keyset_paging_and_status_filter(store: Any) -> None:
    appids = [f"wx{n:04d}" for n in range(23)]
    for n, appid in enumerate(reversed(appids)):
        await store.save_authorizer(record(appid, status="revoked" if n % 3 == 0 else "authorized"))
    statuses = {r.authorizer_appid: r.status for r in await store.list_authorizers(C1, limit=1000)}
    assert len(statuses) == 23

    async def all_pages(**kw: Any) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            page = await store.list_authorizers(C1, after=after, limit=5, **kw)
            assert len(page) <= 5
            seen.extend(r.authorizer_appid for r in page)
            if len(page) < 5:
                return seen
            after = page[-1].authorizer_appid

    assert await all_pages() == appids
    revoked = [a for a in appids if statuses[a] == "revoked"]
    authorized = [a for a in appids if statuses[a] == "authorized"]
    assert revoked and authorized
    assert await all_pages(status="revoked") == revoked
    assert await all_pages(status="authorized") == authorized
    assert await store.count_authorizers(C1, status="revoked") == len(revoked)
    assert await store.count_authorizers(C1, status="authorized") == len(authorized)
    # a cursor that is not a stored appid still pages correctly
    page = await store.list_authorizers(C1, after="wx0010a", limit=2)
    assert [r.authorizer_appid for r in page] == ["wx0011", "wx0012"]
    assert await store.list_authorizers(C1, after="wx9999") == []
    assert await store.list_authorizers(C2) == []


async def test_replace_refresh_token_is_compare_and_set(store: Any) -> None:
    assert await store.replace_refresh_token(C1, "wxa1", None, "new-token") is False
    rec = record("wxa1")
    await store.save_authorizer(rec)
    assert await store.replace_refresh_token(C1, "wxa1", "not-the-stored-one", "x-new") is False
    assert await store.get_authorizer(C1, "wxa1") == rec
    assert await store.replace_refresh_token(C1, "wxa1", rec.refresh_token, "rt-second") is True
    second = await store.get_authorizer(C1, "wxa1")
    assert second.refresh_token == "rt-second"
    assert second.updated_at > rec.updated_at
    assert (second.status, second.func_info, second.authorized_at) == (
        rec.status,
        rec.func_info,
        rec.authorized_at,
    )
    # the old value no longer matches
    assert await store.replace_refresh_token(C1, "wxa1", rec.refresh_token, "rt-third") is False
    # None: unconditional
    assert await store.replace_refresh_token(C1, "wxa1", None, "rt-fourth") is True
    assert (await store.get_authorizer(C1, "wxa1")).refresh_token == "rt-fourth"


async def test_mark_revoked(store: Any, store_time: StoreTime) -> None:
    assert await store.mark_revoked(C1, "wxa1") is False
    await store.save_authorizer(record("wxa1"))
    await store.save_authorizer(record("wxa2"))
    assert await store.mark_revoked(C1, "wxa1") is True
    rec = await store.get_authorizer(C1, "wxa1")
    assert rec.status == "revoked"
    assert rec.revoked_at == store_time.now
    assert rec.refresh_token.startswith("rt-wxa1")  # the record is kept
    assert await store.count_authorizers(C1, status="revoked") == 1
    assert [r.authorizer_appid for r in await store.list_authorizers(C1, status="authorized")] == [
        "wxa2"
    ]
    store_time.advance(10)
    assert await store.mark_revoked(C1, "wxa1") is True
    assert (await store.get_authorizer(C1, "wxa1")).revoked_at == rec.revoked_at  # not moved


async def test_an_older_authorization_change_never_moves_a_record_back(store: Any) -> None:
    """``auth_event_at`` is the CreateTime of the latest authorization change applied: a
    revocation or a save carrying an older one changes nothing, an equal or later one
    applies, and 0 keeps what is stored."""
    assert await store.mark_revoked(C1, "wxa1", event_at=100) is False  # no record
    assert await store.save_authorizer(record("wxa1", auth_event_at=100)) is True
    assert (await store.get_authorizer(C1, "wxa1")).auth_event_at == 100

    assert await store.mark_revoked(C1, "wxa1", event_at=99) is False  # a replay: older
    kept = await store.get_authorizer(C1, "wxa1")
    assert (kept.status, kept.auth_event_at, kept.revoked_at) == ("authorized", 100, None)
    assert [r.authorizer_appid for r in await store.list_authorizers(C1, status="authorized")
            ] == ["wxa1"]

    assert await store.mark_revoked(C1, "wxa1", event_at=120) is True
    revoked = await store.get_authorizer(C1, "wxa1")
    assert (revoked.status, revoked.auth_event_at) == ("revoked", 120)
    assert await store.count_authorizers(C1, status="revoked") == 1

    # an authorization older than the revocation is not saved
    assert await store.save_authorizer(record("wxa1", refresh_token="rt-old-one",
                                              auth_event_at=110)) is False
    still = await store.get_authorizer(C1, "wxa1")
    assert (still.status, still.auth_event_at) == ("revoked", 120)
    assert still.refresh_token == revoked.refresh_token
    assert await store.due_authorizers(C1, before=4e9) == []

    # a later one is, and a save without a time (0) keeps the stored one
    assert await store.save_authorizer(record("wxa1", auth_event_at=130)) is True
    assert await store.save_authorizer(record("wxa1", refresh_token="rt-new-one")) is True
    again = await store.get_authorizer(C1, "wxa1")
    assert (again.status, again.auth_event_at, again.refresh_token) == (
        "authorized", 130, "rt-new-one")
    assert await store.mark_revoked(C1, "wxa1", event_at=129) is False
    # a revocation without a time (61003, a dead refresh token) always applies
    assert await store.mark_revoked(C1, "wxa1") is True
    last = await store.get_authorizer(C1, "wxa1")
    assert (last.status, last.auth_event_at) == ("revoked", 130)
    # an equal time applies; a later revocation of a revoked record moves its time
    assert await store.save_authorizer(record("wxa1", auth_event_at=130)) is True
    assert await store.mark_revoked(C1, "wxa1", event_at=130) is True
    assert await store.mark_revoked(C1, "wxa1", event_at=140) is True
    assert (await store.get_authorizer(C1, "wxa1")).auth_event_at == 140


async def test_delete_authorizer_leaves_no_trace(store: Any) -> None:
    assert await store.delete_authorizer(C1, "wxa1") is False
    await store.save_authorizer(record("wxa1", name="Gone Shop"))
    await store.save_authorizer(record("wxa2", name="Kept Shop"))
    await store.save_authorizer(record("wxa3", status="revoked"))
    await store.save_authorizer(record("wxa1", component=C2))
    assert await store.delete_authorizer(C1, "wxa1") is True
    assert await store.delete_authorizer(C1, "wxa3") is True
    assert await store.get_authorizer(C1, "wxa1") is None
    assert [r.authorizer_appid for r in await store.list_authorizers(C1)] == ["wxa2"]
    assert [r.authorizer_appid for r in await store.list_authorizers(C1, status="authorized")
            ] == ["wxa2"]
    assert await store.list_authorizers(C1, status="revoked") == []
    assert await store.count_authorizers(C1) == 1
    assert await store.count_authorizers(C1, status="revoked") == 0
    assert [r.authorizer_appid for r in await store.due_authorizers(C1, before=4e9)] == ["wxa2"]
    assert [r.authorizer_appid for r in await store.search_authorizers(C1, "")] == ["wxa2"]
    assert await store.delete_authorizer(C1, "wxa1") is False
    assert await store.get_authorizer(C2, "wxa1") is not None  # another platform's stays
    await store.save_authorizer(record("wxa1"))  # and the appid can be saved again
    assert [r.authorizer_appid for r in await store.list_authorizers(C1)] == ["wxa1", "wxa2"]


# ------------------------------------------------------------------ tokens


async def test_token_round_trip_and_expiry(store: Any, store_time: StoreTime) -> None:
    assert await store.get_token("c:token") is None
    tok = CachedToken(SECRET_TOKEN, expires_at=store_time.now + 60, obtained_at=store_time.now)
    assert await store.set_token("c:token", tok) is True
    assert await store.get_token("c:token") == tok
    assert await store.get_token("c:other") is None
    store_time.advance(59)
    assert await store.get_token("c:token") == tok
    store_time.advance(1)  # now == expires_at: no longer usable
    assert await store.get_token("c:token") is None


async def test_token_already_expired_is_never_returned(
    store: Any, store_time: StoreTime
) -> None:
    now = store_time.now
    await store.set_token("k", CachedToken("stale-value", expires_at=now - 5, obtained_at=now - 10))
    assert await store.get_token("k") is None


async def test_token_values_with_spaces_survive(store: Any) -> None:
    tok = token(value="a b  c\nd")
    await store.set_token("k", tok)
    assert await store.get_token("k") == tok
    assert await store.delete_token("k", if_value="a b  c\nd") is True


async def test_delete_token_if_equal(store: Any) -> None:
    assert await store.delete_token("k") is False
    await store.set_token("k", token("value-one"))
    assert await store.delete_token("k", if_value="value-two") is False
    assert (await store.get_token("k")).value == "value-one"
    assert await store.delete_token("k", if_value="value-one") is True
    assert await store.get_token("k") is None
    await store.set_token("k", token("value-three"))
    assert await store.delete_token("k") is True
    assert await store.get_token("k") is None
    assert await store.delete_token("k") is False


# ------------------------------------------------------------------ leases


async def test_lease_is_exclusive_and_fences_grow(store: Any) -> None:
    first = await store.acquire_lease("lease", 30)
    assert isinstance(first, int) and not isinstance(first, bool)
    assert await store.acquire_lease("lease", 30) is None
    assert await store.acquire_lease("other", 30) is not None  # leases are per key
    assert await store.release_lease("lease", first + 1) is False
    assert await store.acquire_lease("lease", 30) is None
    assert await store.release_lease("lease", first) is True
    assert await store.release_lease("lease", first) is False  # not twice
    second = await store.acquire_lease("lease", 30)
    assert second is not None and second > first
    third_try = await store.acquire_lease("lease", 30)
    assert third_try is None


async def test_expired_lease_can_be_taken_by_anyone(store: Any, store_time: StoreTime) -> None:
    first = await store.acquire_lease("lease", 5)
    assert first is not None
    assert await store.acquire_lease("lease", 5) is None
    store_time.expire_lease("lease", 5)
    second = await store.acquire_lease("lease", 5)
    assert second is not None and second > first
    assert await store.release_lease("lease", first) is False
    assert await store.acquire_lease("lease", 5) is None


async def test_fenced_write_of_a_stale_holder_is_rejected(
    store: Any, store_time: StoreTime
) -> None:
    stale = await store.acquire_lease("tok", 5)
    assert stale is not None
    assert await store.set_token("tok", token("written-by-first"), fence=stale) is True
    store_time.expire_lease("tok", 5)
    fresh = await store.acquire_lease("tok", 5)
    assert fresh is not None and fresh > stale
    assert await store.set_token("tok", token("late-write-of-first"), fence=stale) is False
    assert (await store.get_token("tok")).value == "written-by-first"
    assert await store.set_token("tok", token("written-by-second"), fence=fresh) is True
    assert (await store.get_token("tok")).value == "written-by-second"
    assert await store.set_token("tok", token("again-first"), fence=stale) is False
    assert (await store.get_token("tok")).value == "written-by-second"


async def test_fenced_write_needs_the_lease_on_that_key_still_held(
    store: Any, store_time: StoreTime
) -> None:
    assert await store.set_token("tok", token("x-no-lease"), fence=1) is False
    fence = await store.acquire_lease("tok", 5)
    assert fence is not None
    assert await store.set_token("other", token("x-other-key"), fence=fence) is False
    assert await store.get_token("other") is None
    assert await store.release_lease("tok", fence)
    assert await store.set_token("tok", token("x-after-release"), fence=fence) is False
    assert await store.get_token("tok") is None
    # an expired lease no longer covers writes, even if nobody took it since
    short = await store.acquire_lease("tok", 5)
    assert short is not None
    assert await store.set_token("tok", token("x-while-held"), fence=short) is True
    assert await store.delete_token("tok")
    store_time.expire_lease("tok", 5)
    assert await store.set_token("tok", token("x-after-expiry"), fence=short) is False
    assert await store.release_lease("tok", short) is False


async def test_lease_and_token_keys_are_separate(store: Any) -> None:
    fence = await store.acquire_lease("k", 5)
    await store.set_token("k", token("value-k"), fence=fence)
    assert (await store.get_token("k")).value == "value-k"
    assert await store.delete_token("k")
    assert await store.acquire_lease("k", 5) is None  # deleting the token kept the lease


# ------------------------------------------------------------------ secrets


async def test_reprs_hide_secrets(store: Any) -> None:
    await store.save_ticket(C1, SECRET_TICKET, 1)
    await store.save_authorizer(record("wxa1"))
    await store.set_token("k", token())
    shown = " ".join(
        [
            repr(await store.load_ticket(C1)),
            repr(await store.get_authorizer(C1, "wxa1")),
            repr(await store.list_authorizers(C1)),
            repr(await store.get_token("k")),
            repr(store),
        ]
    )
    for secret in (SECRET_TICKET, SECRET_RT, SECRET_TOKEN):
        assert secret not in shown
        assert secret[:12] not in shown
    assert "wxa1" in shown


def test_every_store_class_runs_the_contract() -> None:
    # a backend the `store` fixture does not build would pass no contract test at all
    exported = {name for name in wxcomponent.stores.__all__
                if name.endswith("Store") and name not in ("Store", "AsyncStore")}
    assert {cls.__name__ for pair in CLASSES.values() for cls in pair} == exported
    assert {contract_class(backend) for backend in CONTRACT_BACKENDS} == set(CLASSES)


def _fixtures(tree: ast.Module) -> set[str]:
    """The names of the module-level functions of ``tree`` decorated as pytest fixtures."""
    return {
        node.name for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any("fixture" in ast.unparse(d) for d in node.decorator_list)
    }


def test_no_module_narrows_the_store_fixture_or_reruns_another_modules_tests() -> None:
    # a module's own `store` would run the contract tests it holds on fewer backends, and a
    # star import would run another module's tests again on a hand-picked backend
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        if path.name != "test_purge.py":  # its rule concerns only the backends that purge
            assert not _fixtures(tree) & {"store", "queue"}, path.name
        imported = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                    for alias in node.names}
        assert not {name for name in imported if name == "*" or name.startswith("test_")}, \
            path.name
