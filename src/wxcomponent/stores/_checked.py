"""Each operation's argument check, applied once for every backend.

:class:`~.base.Store` declares every operation with its check (:func:`~.base.checked`). A
backend derives from :class:`CheckedStore` (blocking) or :class:`CheckedAsyncStore` (asyncio)
and writes only the bodies: for the operation ``list_authorizers``, a method
``_list_authorizers(self, a)`` whose ``a`` is the operation's arguments as one value
(:class:`~._args.ListAuthorizers`). When the class is created, each operation becomes a
function of the operation's own signature that runs the check and hands the body the
normalised arguments, defaults filled in; the type checker reads the operation's signature
from the protocol the base derives from, so a backend never restates it. A backend whose
operations all run the same way writes one body, ``_operation(self, name, a)``, for the
operations it names in ``_operated`` (and may still write some on their own). Those functions are
compiled once, at import, from the declarations (as :mod:`dataclasses` compiles
``__init__``), so a call pays one more Python call and one tuple, and nothing is looked up or
bound per call. A class that lacks a body is refused (:class:`TypeError`) when it is created.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from . import _args
from ._codegen import args_name
from .base import CHECKS, AsyncStore, Store

__all__ = ["OPERATIONS", "CheckedAsyncStore", "CheckedStore", "is_checked", "programs"]

#: The operations of :class:`~.base.Store`, in their order (``close``, whose rule is each
#: store's own, has no arguments to check).
OPERATIONS: tuple[str, ...] = tuple(CHECKS)

_Body = Callable[..., Any]
_Make = Callable[[_Body], _Body]


def _maker(name: str, *, aio: bool, whole: bool, named: bool = False) -> _Make:
    """Compile, for the operation ``name``, the function that wraps a body in its check; with
    ``whole``, the body takes the arguments as one :mod:`._args` value, else one by one; with
    ``named`` too, the body is the backend's ``_operation``, handed the operation's name
    first."""
    check, into = CHECKS[name]
    params = list(inspect.signature(getattr(Store, name)).parameters.values())[1:]
    namespace: dict[str, Any] = {
        "_wx_check": check, "_wx_args": getattr(_args, args_name(name)),
        "_wx_new": tuple.__new__,
    }
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
    names = [p.name for p in params]
    normalised = f"{', '.join(into)} = " if into else ""
    handed = f"_wx_new(_wx_args, ({', '.join(names)},))" if whole else ", ".join(call)
    if named:
        handed = f"{name!r}, {handed}"
    source = (
        f"def make(_wx_body):\n"
        f"    {'async ' if aio else ''}def {name}(self, {', '.join(head)}):\n"
        f"        {normalised}_wx_check({', '.join(names)})\n"
        f"        return {'await ' if aio else ''}_wx_body(self, {handed})\n"
        f"    return {name}\n"
    )
    exec(compile(source, f"<checked {name}>", "exec"), namespace)  # noqa: S102
    make: _Make = namespace["make"]
    return make


#: By (asyncio, arguments as one value, body named): each operation's wrapper maker.
_MAKERS: dict[tuple[bool, bool, bool], dict[str, _Make]] = {
    (aio, whole, named): {name: _maker(name, aio=aio, whole=whole, named=named)
                          for name in OPERATIONS}
    for aio in (False, True) for whole, named in ((False, False), (True, False), (True, True))
}
_WRAPPERS: set[object] = set()


def is_checked(operation: object) -> bool:
    """Whether ``operation`` (a backend's method) checks its arguments before its body runs."""
    return operation in _WRAPPERS


def _body(cls: type, protocol: type, name: str) -> tuple[_Body, bool, bool] | None:
    """The body of the operation ``name`` in ``cls``, whether it takes the arguments as one
    value, and whether it is the generic ``_operation``; None if there is none."""
    own = cls.__dict__.get(name)  # written out in the class itself: its whole signature
    body = getattr(cls, f"_{name}", None)
    if callable(body) and not callable(own):
        return body, True, False
    body = getattr(cls, name, None)
    if callable(body) and body is not getattr(protocol, name):
        return body, False, False
    body = getattr(cls, "_operation", None)
    if callable(body) and name in getattr(cls, "_operated", ()):
        return body, True, True
    return None


def programs(*owners: object) -> dict[str, Callable[..., Any]]:
    """Each operation's program among the methods of ``owners`` (objects whose methods are
    named after the operations they write, taking the arguments as one value): by operation
    name, the first owner's that has one. A backend whose operations all run one way (the
    statements of PostgreSQL, the commands of Redis) runs them from this table in its
    ``_operation``, and names them in its ``_operated``."""
    found: dict[str, Callable[..., Any]] = {}
    for name in OPERATIONS:
        for owner in owners:
            program = getattr(owner, name, None)
            if callable(program):
                found[name] = program
                break
    return found


def _derive(cls: type, protocol: type, *, aio: bool) -> None:
    """Make every operation of ``cls`` its check before its body."""
    bodies = {name: _body(cls, protocol, name) for name in OPERATIONS}
    missing = [name for name, body in bodies.items() if body is None]
    if missing:
        raise TypeError(f"{cls.__name__} lacks the store operations {', '.join(missing)}")
    for name, found in bodies.items():
        assert found is not None
        body, whole, named = found
        if body in _WRAPPERS:
            continue
        if inspect.iscoroutinefunction(body) is not aio:
            kind = "a coroutine function" if aio else "a plain function"
            raise TypeError(f"{cls.__name__}.{name} must be {kind}")
        wrapper = functools.update_wrapper(_MAKERS[aio, whole, named][name](body),
                                           getattr(protocol, name))
        _WRAPPERS.add(wrapper)
        setattr(cls, name, wrapper)


class CheckedStore(Store):
    """The base of a blocking backend: its operations check their arguments first."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _derive(cls, Store, aio=False)


class CheckedAsyncStore(AsyncStore):
    """The base of an asyncio backend: its operations check their arguments first."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _derive(cls, AsyncStore, aio=True)
