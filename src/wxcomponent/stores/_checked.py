"""Each operation's argument check, applied once for every backend.

:class:`~.base.Store` declares every operation with its check (:func:`~.base.checked`). A
backend derives from :class:`CheckedStore` (blocking) or :class:`CheckedAsyncStore` (asyncio)
and writes only the bodies: when its class is created, each operation is replaced by a
function of the operation's own signature that runs the check, hands the normalised
arguments to the body and returns what the body returns. Those functions are compiled once,
at import, from the declarations (as :mod:`dataclasses` compiles ``__init__``), so a call pays
one more Python call and nothing is looked up or bound per call. A class that lacks an
operation is refused (:class:`TypeError`) when it is created.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .base import CHECKS, Store

__all__ = ["OPERATIONS", "CheckedAsyncStore", "CheckedStore", "is_checked"]

#: The operations of :class:`~.base.Store`, in their order (``close``, whose rule is each
#: store's own, has no arguments to check).
OPERATIONS: tuple[str, ...] = tuple(CHECKS)

_Body = Callable[..., Any]
_Make = Callable[[_Body], _Body]


def _maker(name: str, *, aio: bool) -> _Make:
    """Compile, for the operation ``name``, the function that wraps a body in its check."""
    check, into = CHECKS[name]
    params = list(inspect.signature(getattr(Store, name)).parameters.values())[1:]
    namespace: dict[str, Any] = {"check": check}
    head: list[str] = []
    call: list[str] = []
    for param in params:
        if param.kind is param.KEYWORD_ONLY and "*" not in head:
            head.append("*")
        if param.default is param.empty:
            head.append(param.name)
        else:
            namespace[f"default_{param.name}"] = param.default
            head.append(f"{param.name}=default_{param.name}")
        keyword = param.kind is param.KEYWORD_ONLY
        call.append(f"{param.name}={param.name}" if keyword else param.name)
    normalised = f"{', '.join(into)} = " if into else ""
    source = (
        f"def make(body):\n"
        f"    {'async ' if aio else ''}def {name}(self, {', '.join(head)}):\n"
        f"        {normalised}check({', '.join(p.name for p in params)})\n"
        f"        return {'await ' if aio else ''}body(self, {', '.join(call)})\n"
        f"    return {name}\n"
    )
    exec(compile(source, f"<checked {name}>", "exec"), namespace)  # noqa: S102
    make: _Make = namespace["make"]
    return make


_SYNC: dict[str, _Make] = {name: _maker(name, aio=False) for name in OPERATIONS}
_ASYNC: dict[str, _Make] = {name: _maker(name, aio=True) for name in OPERATIONS}
_WRAPPERS: set[object] = set()


def is_checked(operation: object) -> bool:
    """Whether ``operation`` (a backend's method) checks its arguments before its body runs."""
    return operation in _WRAPPERS


def _derive(cls: type, makers: dict[str, _Make], *, aio: bool) -> None:
    """Wrap every operation of ``cls`` in its check, once (an inherited one is already)."""
    missing = [name for name in OPERATIONS if not callable(getattr(cls, name, None))]
    if missing:
        raise TypeError(f"{cls.__name__} lacks the store operations {', '.join(missing)}")
    for name, make in makers.items():
        body = getattr(cls, name)
        if body in _WRAPPERS:
            continue
        if inspect.iscoroutinefunction(body) is not aio:
            kind = "a coroutine function" if aio else "a plain function"
            raise TypeError(f"{cls.__name__}.{name} must be {kind}")
        wrapper = functools.update_wrapper(make(body), body)
        _WRAPPERS.add(wrapper)
        setattr(cls, name, wrapper)


class CheckedStore:
    """The base of a blocking backend: its operations check their arguments first."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _derive(cls, _SYNC, aio=False)


class CheckedAsyncStore:
    """The base of an asyncio backend: its operations check their arguments first."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _derive(cls, _ASYNC, aio=True)
