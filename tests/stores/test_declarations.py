"""Every store operation is declared once, with its argument check, and every backend has a
body for it that runs behind that check: a backend that misses an operation, or a declaration
without a check, fails here before any contract test runs."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import (
    AsyncStore,
    AuthorizerRecord,
    MemoryStore,
    Store,
    _args,
    _compliance_record,
    _validate,
)
from wxcomponent.stores._checked import (
    OPERATIONS,
    CheckedAsyncStore,
    CheckedStore,
    is_checked,
    programs,
)
from wxcomponent.stores._codegen import args_name
from wxcomponent.stores._over_sync import AsyncOverSync
from wxcomponent.stores.base import CHECKS

from ..support.stores import CLASSES

#: Every operation of the protocol (``close``, whose rule is each store's own, apart).
DECLARED = [name for name, value in vars(Store).items()
            if inspect.isfunction(value) and not name.startswith("_") and name != "close"]


def test_every_operation_of_the_protocol_declares_its_check() -> None:
    assert list(CHECKS) == DECLARED == list(OPERATIONS)
    for name, (check, into) in CHECKS.items():
        # the checks live in _validate; those of compliance records beside that record
        assert inspect.getmodule(check) in (_validate, _compliance_record), name
        params = list(inspect.signature(getattr(Store, name)).parameters)[1:]
        # the check takes the operation's arguments, in their order, and normalises only those
        assert len(inspect.signature(check).parameters) >= len(params), name
        assert set(into) <= set(params), name


def _shown(operation: Any) -> str:
    """An operation's signature, its annotations read as plain names."""
    return str(inspect.signature(operation)).replace("'", "").replace("base.", "")


@pytest.mark.parametrize("backend", sorted(CLASSES))
def test_every_backend_has_every_operation_behind_its_check(backend: str) -> None:
    sync, aio = CLASSES[backend]
    for name in DECLARED:
        assert inspect.iscoroutinefunction(getattr(aio, name)), (aio.__name__, name)
        assert not inspect.iscoroutinefunction(getattr(sync, name)), (sync.__name__, name)
        assert is_checked(getattr(sync, name)), (sync.__name__, name)
        # an async flavour either checks itself or hands the call to a sync store that does
        assert is_checked(getattr(aio, name)) or issubclass(aio, AsyncOverSync), aio.__name__
        for cls in (sync, aio):  # the body keeps its name, signature and docstring
            assert _shown(getattr(cls, name)) == _shown(getattr(Store, name)), (cls, name)
            assert (getattr(cls, name).__doc__ or "").strip(), (cls.__name__, name)


def test_a_backend_missing_an_operation_is_refused_when_its_class_is_made() -> None:
    with pytest.raises(TypeError, match="Partial lacks the store operations save_ticket, "):

        class Partial(CheckedStore):
            def get_token(self, key: str) -> None:
                """Only one body."""

    def blocking(self: Any, *args: Any, **kwargs: Any) -> None:
        """A body that does not await."""

    with pytest.raises(TypeError, match=r"Blocking\.save_ticket must be a coroutine function"):
        type("Blocking", (CheckedAsyncStore,), dict.fromkeys(DECLARED, blocking))


async def test_a_body_runs_only_after_its_check_and_with_the_normalised_arguments() -> None:
    seen: list[tuple[Any, ...]] = []

    class Recording(MemoryStore):
        def schedule_refresh(self, component_appid: str, authorizer_appid: str,
                             at: float) -> bool:
            """Records what it is handed."""
            seen.append((component_appid, authorizer_appid, at))
            return True

    store = Recording()
    with pytest.raises(InvalidArgument, match="authorizer_appid"):
        store.schedule_refresh("wxcomponent0000001", "bad appid", 5)
    assert seen == []  # nothing ran on bad input
    assert store.schedule_refresh("wxcomponent0000001", "wxa1", 5) is True
    assert seen == [("wxcomponent0000001", "wxa1", 5.0)] and type(seen[0][2]) is float
    with pytest.raises(InvalidArgument, match="ticket"):
        await store.aio.save_ticket("wxcomponent0000001", "", 1)


def test_the_async_protocol_names_every_operation() -> None:
    assert [n for n in DECLARED if not hasattr(AsyncStore, n)] == []


def test_a_body_receives_the_arguments_as_one_value_with_the_defaults_filled_in() -> None:
    seen: list[object] = []

    class Recording(MemoryStore):
        def _list_authorizers(self, a: _args.ListAuthorizers) -> list[AuthorizerRecord]:
            seen.append(a)
            return []

        def _schedule_refresh(self, a: _args.ScheduleRefresh) -> bool:
            seen.append(a)
            return True

    store = Recording()
    assert store.list_authorizers("wxcomponent0000001", after="wxa1") == []
    assert store.schedule_refresh("wxcomponent0000001", "wxa1", 5) is True
    assert seen == [_args.ListAuthorizers("wxcomponent0000001", None, "wxa1", 100),
                    _args.ScheduleRefresh("wxcomponent0000001", "wxa1", 5.0)]
    assert all(type(a) in (_args.ListAuthorizers, _args.ScheduleRefresh) for a in seen)
    assert type(store.schedule_refresh.__self__) is Recording  # bound as any method
    with pytest.raises(InvalidArgument, match="limit"):
        store.list_authorizers("wxcomponent0000001", limit=0)
    assert len(seen) == 2  # the body never saw bad input


def test_one_body_serves_the_operations_a_backend_names_and_no_other() -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []

    class Generic(CheckedStore):
        _operated = frozenset(DECLARED)

        def _operation(self, name: str, a: tuple[Any, ...]) -> Any:
            calls.append((name, a))
            return None

        def close(self) -> None:
            """Nothing to close."""

    store = Generic()
    store.mark_revoked("wxcomponent0000001", "wxa1")
    store.get_token("key")
    assert calls == [("mark_revoked", _args.MarkRevoked("wxcomponent0000001", "wxa1", 0)),
                     ("get_token", _args.GetToken("key"))]
    with pytest.raises(TypeError, match=r"Partial lacks the store operations get_token$"):
        type("Partial", (CheckedStore,), {
            "_operated": frozenset(DECLARED) - {"get_token"},
            "_operation": Generic._operation, "close": Generic.close,
        })

    async def awaited(self: Any, name: str, a: tuple[Any, ...]) -> None:
        """A body for every operation, awaited."""

    with pytest.raises(TypeError, match=r"Blocking\.save_ticket must be a coroutine function"):
        type("Blocking", (CheckedAsyncStore,), {
            "_operated": frozenset(DECLARED), "_operation": Generic._operation})
    aio = type("Awaited", (CheckedAsyncStore,), {
        "_operated": frozenset(DECLARED), "_operation": awaited})
    assert all(is_checked(getattr(aio, name)) for name in DECLARED)


def test_programs_are_gathered_by_operation_name_the_first_owner_winning() -> None:
    class Tokens:
        def get_token(self, call: _args.GetToken) -> str:
            return "tokens"

    class Both(Tokens):
        def load_ticket(self, call: _args.LoadTicket) -> str:
            return "both"

        def helper(self) -> None:
            """Not an operation: not gathered."""

    found = programs(Tokens(), Both())
    assert sorted(found) == ["get_token", "load_ticket"]
    assert found["get_token"](_args.GetToken("k")) == "tokens"
    assert found["load_ticket"](_args.LoadTicket("c")) == "both"


def test_every_operation_has_its_arguments_value_in_the_order_of_its_signature() -> None:
    for name in DECLARED:
        params = list(inspect.signature(getattr(Store, name)).parameters)[1:]
        assert list(getattr(_args, args_name(name))._fields) == params, name


def test_a_class_naming_the_protocol_without_a_body_is_told_how_to_give_it_one() -> None:
    class Bare(Store):
        def close(self) -> None:
            """Nothing to close."""

    with pytest.raises(TypeError, match="derive from CheckedStore"):
        Bare().get_token("key")
