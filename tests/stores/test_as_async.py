"""as_async_store: every kind of store it accepts, and what it refuses; and the async faces,
derived from the sync protocol."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path
from typing import Any

import pytest

from wxcomponent.stores import (
    AsyncMemoryStore,
    AsyncSQLiteStore,
    AsyncStore,
    MemoryStore,
    SQLiteStore,
    Store,
    _codegen,
    as_async_store,
)
from wxcomponent.stores._aio import AsyncOverSync, ThreadedAsyncStore

C1 = "wxc1"


class PlainStore:
    """A foreign sync store with no ``aio`` flavour: MemoryStore's methods, one by one,
    remembering the thread each call ran on."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.threads: list[int] = []
        self.closed = False

    def __getattr__(self, name: str) -> Any:
        if name == "aio":
            raise AttributeError(name)
        target = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            return target(*args, **kwargs)

        return call

    def close(self) -> None:
        self.closed = True


async def test_an_async_store_is_returned_as_is() -> None:
    store = AsyncMemoryStore()
    assert as_async_store(store) is store


async def test_a_sync_store_gives_its_aio_flavour_over_the_same_data(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite3")
    view = as_async_store(store)
    assert isinstance(view, AsyncSQLiteStore)
    assert await view.save_ticket(C1, "ticket", 1)
    await view.close()
    loaded = store.load_ticket(C1)  # closing the view left the store open
    assert loaded is not None and loaded.value == "ticket"
    store.close()


async def test_an_aio_method_is_called() -> None:
    inner = MemoryStore()

    class WithMethod(PlainStore):
        def aio(self) -> AsyncMemoryStore:
            return inner.aio

    view = as_async_store(WithMethod())  # type: ignore[arg-type]
    assert isinstance(view, AsyncMemoryStore) and view.sync is inner


async def test_a_plain_sync_store_runs_on_worker_threads() -> None:
    store = PlainStore()
    view = as_async_store(store)  # type: ignore[arg-type]
    assert isinstance(view, ThreadedAsyncStore) and isinstance(view, AsyncStore)
    assert await view.save_ticket(C1, "ticket", 1)
    assert store.threads and threading.get_ident() not in store.threads
    await view.close()
    assert not store.closed  # the view never closes the store it was given


@pytest.mark.parametrize("bad", [None, object(), "memory://", MemoryStore.aio])
def test_anything_else_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="store must be an AsyncStore"):
        as_async_store(bad)  # type: ignore[arg-type]


def test_an_aio_that_is_not_async_is_a_type_error() -> None:
    class Wrong(PlainStore):
        aio = MemoryStore()

    with pytest.raises(TypeError, match=r"Wrong\.aio is not an async store"):
        as_async_store(Wrong())  # type: ignore[arg-type]


@pytest.mark.parametrize("target", _codegen.TARGETS, ids=lambda path: path.name)
def test_the_async_protocol_and_the_bodies_arguments_are_generated_from_the_protocol(
    target: Path,
) -> None:
    # after a change to Store: python -m wxcomponent.stores._codegen
    assert target.read_text() == _codegen.render(target)


@pytest.mark.parametrize("name", [n for n in dir(Store) if not n.startswith("_")])
def test_the_async_protocol_and_face_mirror_the_sync_protocol(name: str) -> None:
    sync = str(inspect.signature(getattr(Store, name)))
    assert str(inspect.signature(getattr(AsyncStore, name))) == sync
    # the generated face names the types of stores/base.py as `base.<name>`
    face = str(inspect.signature(getattr(AsyncOverSync, name)))
    assert face.replace("base.", "") == sync
    assert inspect.iscoroutinefunction(getattr(AsyncStore, name))
    assert inspect.iscoroutinefunction(getattr(AsyncOverSync, name))
