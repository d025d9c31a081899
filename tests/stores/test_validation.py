"""Bad arguments raise InvalidArgument (a ValueError) before any store is touched, on every
backend and flavour."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import AuthorizerRecord, CachedToken

C1 = "wxcomponent0000001"
NOW = time.time()
GOOD_TOKEN = CachedToken("token-value", NOW + 3600, NOW)
GOOD_RECORD = AuthorizerRecord(C1, "wxa1", "refresh-token-value")


def rec(**changes: Any) -> Any:
    fields = {
        "component_appid": C1,
        "authorizer_appid": "wxa1",
        "refresh_token": "refresh-token-value",
    }
    fields.update(changes)
    return AuthorizerRecord(**fields)


BAD_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("save_ticket", ("", "ticket", 1), {}),
    ("save_ticket", (None, "ticket", 1), {}),
    ("save_ticket", (123, "ticket", 1), {}),
    ("save_ticket", ("wx:1", "ticket", 1), {}),
    ("save_ticket", ("wx 1", "ticket", 1), {}),
    ("save_ticket", ("wx\n1", "ticket", 1), {}),
    ("save_ticket", (C1, "", 1), {}),
    ("save_ticket", (C1, None, 1), {}),
    ("save_ticket", (C1, b"ticket", 1), {}),
    ("save_ticket", (C1, "ticket", "1"), {}),
    ("save_ticket", (C1, "ticket", 1.5), {}),
    ("save_ticket", (C1, "ticket", True), {}),
    ("save_ticket", (C1, "ticket", 2**60), {}),
    ("load_ticket", ("",), {}),
    ("load_ticket", (None,), {}),
    ("save_authorizer", ("not a record",), {}),
    ("save_authorizer", (rec(authorizer_appid=""),), {}),
    ("save_authorizer", (rec(component_appid=None),), {}),
    ("save_authorizer", (rec(refresh_token=""),), {}),
    ("save_authorizer", (rec(refresh_token=42),), {}),
    ("save_authorizer", (rec(status="gone"),), {}),
    ("save_authorizer", (rec(func_info=("1",)),), {}),
    ("save_authorizer", (rec(func_info="12"),), {}),
    ("save_authorizer", (rec(authorized_at="yesterday"),), {}),
    ("save_authorizer", (rec(updated_at=math.nan),), {}),
    ("save_authorizer", (rec(revoked_at=math.inf),), {}),
    ("save_authorizer", (rec(auth_event_at=-1),), {}),
    ("save_authorizer", (rec(auth_event_at=1.5),), {}),
    ("save_authorizer", (rec(auth_event_at=True),), {}),
    ("get_authorizer", (C1, ""), {}),
    ("get_authorizer", (C1, 5), {}),
    ("get_authorizer", ("", "wxa1"), {}),
    ("list_authorizers", (C1,), {"status": "gone"}),
    ("list_authorizers", (C1,), {"limit": 0}),
    ("list_authorizers", (C1,), {"limit": "5"}),
    ("list_authorizers", (C1,), {"after": 5}),
    ("list_authorizers", ("",), {}),
    ("count_authorizers", ("",), {}),
    ("count_authorizers", (C1,), {"status": "gone"}),
    ("replace_refresh_token", (C1, "wxa1", "old", ""), {}),
    ("replace_refresh_token", (C1, "wxa1", 5, "new"), {}),
    ("replace_refresh_token", (C1, "", None, "new"), {}),
    ("mark_revoked", ("", "wxa1"), {}),
    ("mark_revoked", (C1, None), {}),
    ("delete_authorizer", ("", "wxa1"), {}),
    ("delete_authorizer", (C1, "wx:1"), {}),
    ("mark_revoked", (C1, "wxa1"), {"event_at": -1}),
    ("mark_revoked", (C1, "wxa1"), {"event_at": "1700000000"}),
    ("mark_revoked", (C1, "wxa1"), {"event_at": None}),
    ("get_token", ("",), {}),
    ("get_token", (None,), {}),
    ("get_token", (5,), {}),
    ("get_token", ("x" * 1000,), {}),
    ("get_token", ("bad\nkey",), {}),
    ("set_token", ("", GOOD_TOKEN), {}),
    ("set_token", ("k", "token-value"), {}),
    ("set_token", ("k", CachedToken("", NOW + 10)), {}),
    ("set_token", ("k", CachedToken("v", math.nan)), {}),
    ("set_token", ("k", CachedToken("v", "soon")), {}),  # type: ignore[arg-type]
    ("set_token", ("k", GOOD_TOKEN), {"fence": "1"}),
    ("set_token", ("k", GOOD_TOKEN), {"fence": 0}),
    ("set_token", ("k", GOOD_TOKEN), {"fence": True}),
    ("delete_token", ("",), {}),
    ("delete_token", ("k",), {"if_value": 5}),
    ("acquire_lease", ("", 1), {}),
    ("acquire_lease", ("k", 0), {}),
    ("acquire_lease", ("k", -1), {}),
    ("acquire_lease", ("k", "1"), {}),
    ("acquire_lease", ("k", math.nan), {}),
    ("acquire_lease", ("k", True), {}),
    ("release_lease", ("k", "1"), {}),
    ("release_lease", ("k", None), {}),
    ("release_lease", ("", 1), {}),
]


#: What InvalidArgument.argument may name: a parameter, or a field of a record or token.
ARGUMENT_NAMES = {
    "component_appid", "authorizer_appid", "ticket", "created_at", "record", "refresh_token",
    "status", "func_info", "authorized_at", "updated_at", "revoked_at", "after", "limit",
    "expected", "new", "key", "token", "token.value", "token.expires_at", "token.obtained_at",
    "fence", "if_value", "ttl", "auth_event_at", "event_at",
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    BAD_CALLS,
    ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(BAD_CALLS)],
)
async def test_bad_arguments_raise_invalid_argument_and_write_nothing(
    store: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await getattr(store, method)(*args, **kwargs)
    assert isinstance(caught.value, ValueError)  # callers catching ValueError still do
    assert caught.value.argument in ARGUMENT_NAMES
    assert str(caught.value).startswith(f"{caught.value.argument}: ")
    # no secret is echoed
    assert "refresh-token-value" not in str(caught.value)
    assert "token-value" not in str(caught.value)
    # nothing was written
    assert await store.load_ticket(C1) is None
    assert await store.count_authorizers(C1) == 0
    assert await store.get_token("k") is None
    assert await store.acquire_lease("k", 5) is not None


async def test_good_arguments_of_the_same_shapes_work(store: Any) -> None:
    # the counterpart of the table above: the same calls with valid values succeed
    assert await store.save_ticket(C1, "ticket", 1)
    await store.save_authorizer(GOOD_RECORD)
    await store.save_authorizer(rec(authorizer_appid="wxa2", authorized_at=1, func_info=[1]))
    assert await store.list_authorizers(C1, status="authorized", after="", limit=1)
    assert await store.set_token("k" * 512, GOOD_TOKEN)
    assert await store.set_token("令牌:键 with spaces", GOOD_TOKEN)
    assert (await store.get_token("令牌:键 with spaces")) == GOOD_TOKEN
    assert await store.acquire_lease("k", 1) is not None
