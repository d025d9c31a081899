"""Fixtures of the callbacks suite: platforms, a store that records every call, shells."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from typing import Any

import pytest

from wxcomponent import ComponentConfig
from wxcomponent.client import AsyncComponent, Component
from wxcomponent.core.callbacks import CallbackOptions
from wxcomponent.stores import MemoryStore
from wxcomponent.stores._aio import AsyncOverSync

from .wire import APPID, KEY, OLD_KEY, SECRET, TOKEN, Sender

UNUSED_API = "http://127.0.0.1:9"  # nothing listens there: these tests make no API call


class RecordingStore:
    """A :class:`MemoryStore` that records every call and can be told to fail some."""

    def __init__(self, inner: MemoryStore | None = None) -> None:
        self.inner = inner or MemoryStore()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.failing: dict[str, Exception] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target) or name.startswith("_") or name == "aio":
            return target

        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            if name in self.failing:
                raise self.failing[name]
            return target(*args, **kwargs)

        return record

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def config(appid: str = APPID, key: str = KEY, previous: str | None = None) -> ComponentConfig:
    return ComponentConfig(appid=appid, secret=SECRET, token=TOKEN, encoding_aes_key=key,
                           previous_encoding_aes_key=previous)


@pytest.fixture
def sender() -> Sender:
    return Sender()


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def component(store: RecordingStore) -> Iterator[Component]:
    with Component(config(), store, api_base=UNUSED_API) as c:  # type: ignore[arg-type]
        yield c


def make_shell(kind: str, store: RecordingStore, *, options: CallbackOptions | None = None,
               cfg: ComponentConfig | None = None, api_base: str = UNUSED_API,
               **kwargs: Any) -> Component | AsyncComponent:
    cfg = cfg or config()
    if kind == "sync":
        return Component(cfg, store, api_base=api_base, callbacks=options,  # type: ignore[arg-type]
                         **kwargs)
    return AsyncComponent(cfg, AsyncOverSync(store, owns=False),  # type: ignore[arg-type]
                          api_base=api_base, callbacks=options, **kwargs)


async def call(shell: Component | AsyncComponent, *args: Any, **kwargs: Any) -> Any:
    """``handle_callback`` on either shell; the blocking one on a worker thread, as the ASGI
    app runs it (it runs coroutine handlers with ``asyncio.run``, so not inside a loop)."""
    if isinstance(shell, AsyncComponent):
        return await shell.handle_callback(*args, **kwargs)
    return await asyncio.to_thread(functools.partial(shell.handle_callback, *args, **kwargs))


@pytest.fixture(params=["sync", "async"])
def shell_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rotated() -> tuple[ComponentConfig, Sender, Sender]:
    """A platform mid-rotation: (config, sender with the new key, sender with the old key)."""
    return config(key=KEY, previous=OLD_KEY), Sender(), Sender(encoding_aes_key=OLD_KEY)


@pytest.fixture
async def shells(store: RecordingStore) -> Any:
    """``make(kind, **options)``: a sync or async shell over ``store``, closed after the test."""
    made: list[Component | AsyncComponent] = []

    def make(kind: str, **kwargs: Any) -> Component | AsyncComponent:
        shell = make_shell(kind, store, **kwargs)
        made.append(shell)
        return shell

    yield make
    for shell in made:
        if isinstance(shell, AsyncComponent):
            await shell.aclose()
        else:
            shell.close()
