"""Every store operation is declared once, with its argument check, and every backend has a
body for it that runs behind that check: a backend that misses an operation, or a declaration
without a check, fails here before any contract test runs."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from wxcomponent.errors import InvalidArgument
from wxcomponent.stores import AsyncStore, MemoryStore, Store, _compliance_record, _validate
from wxcomponent.stores._checked import OPERATIONS, CheckedAsyncStore, CheckedStore, is_checked
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
