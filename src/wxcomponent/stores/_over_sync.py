"""Every :class:`~.base.AsyncStore` method, delegated to a sync :class:`~.base.Store`.

Each operation is made, when the module is imported, from its declaration in the protocol:
a coroutine that hands its arguments as they came to the sync store's method of the same
name, which checks them (a foreign sync store checks them as it does). Subclasses
(:mod:`._aio`) decide only *how* a call runs: inline, or on worker threads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from . import base
from ._declare import CHECKS

__all__ = ["AsyncOverSync"]

P = ParamSpec("P")
T = TypeVar("T")


class AsyncOverSync(base.AsyncStore):
    """Every :class:`AsyncStore` method, delegated to a sync store through :meth:`_call`."""

    def __init__(self, store: base.Store, *, owns: bool) -> None:
        self._store = store
        self._owns = owns

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one sync call; inline here, overridden to use threads."""
        return fn(*args, **kwargs)

    async def close(self) -> None:
        """Close the underlying sync store if this object created it."""
        if self._owns:
            await self._call(self._store.close)


def _delegate(name: str) -> Callable[..., Any]:
    """The coroutine of the operation ``name``: the sync store's method, through ``_call``."""

    async def operation(self: AsyncOverSync, *args: Any, **kwargs: Any) -> Any:
        return await self._call(getattr(self._store, name), *args, **kwargs)

    return functools.update_wrapper(operation, getattr(base.AsyncStore, name))


for _name in CHECKS:
    setattr(AsyncOverSync, _name, _delegate(_name))
