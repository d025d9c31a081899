"""Writes :mod:`._over_sync` from the sync protocol, so the async face over a sync store is
derived, never written by hand: ``python -m wxcomponent.stores._codegen``.

Every method of :class:`~.base.Store` (but ``close``, whose rule is the view's own) becomes an
``async def`` of the same signature and docstring reference that awaits the sync method
through ``_call``. A test checks that the file on disk is what :func:`render` makes, so a new
operation declared in :class:`~.base.Store` fails the tests until the file is written again.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["TARGET", "operations", "render"]

HERE = Path(__file__).parent
#: The module written.
TARGET = HERE / "_over_sync.py"
_LIMIT = 100

_HEAD = '''"""Every :class:`~.base.AsyncStore` method, delegated to a sync :class:`~.base.Store`.

Generated from :class:`~.base.Store` by :mod:`._codegen` (``python -m
wxcomponent.stores._codegen``); do not edit. Subclasses (:mod:`._aio`) decide only *how* a
call runs: inline, or on worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from .base import (
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Store,
    Ticket,
)

__all__ = ["AsyncOverSync"]

P = ParamSpec("P")
T = TypeVar("T")


class AsyncOverSync:
    """Every :class:`AsyncStore` method, delegated to a sync store through :meth:`_call`."""

    def __init__(self, store: Store, *, owns: bool) -> None:
        self._store = store
        self._owns = owns

    async def _call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one sync call; inline here, overridden to use threads."""
        return fn(*args, **kwargs)
'''

_TAIL = '''
    async def close(self) -> None:
        """Close the underlying sync store if this object created it."""
        if self._owns:
            await self._call(self._store.close)
'''


def operations() -> list[ast.FunctionDef]:
    """The methods of :class:`~.base.Store`, in their order, ``close`` left out."""
    tree = ast.parse((HERE / "base.py").read_text())
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Store")
    return [n for n in store.body if isinstance(n, ast.FunctionDef) and n.name != "close"]


def _wrapped(opening: str, parts: list[str], closing: str, indent: str) -> str:
    """``opening`` + the comma-joined ``parts`` + ``closing``, wrapped within the limit."""
    line = f"{opening}{', '.join(parts)}{closing}"
    if len(line) <= _LIMIT:
        return line
    inner = indent + "    "
    joined = f"{inner}{', '.join(parts)}"
    if len(joined) <= _LIMIT:
        return f"{opening}\n{joined}\n{indent}{closing.lstrip()}"
    rows = "".join(f"{inner}{part},\n" for part in parts)
    return f"{opening}\n{rows}{indent}{closing.lstrip()}"


def _method(fn: ast.FunctionDef) -> str:
    args = fn.args
    params = [ast.unparse(a) for a in args.args]  # self first
    defaults: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults))
    defaults += args.defaults
    params = [p if d is None else f"{p} = {ast.unparse(d)}"
              for p, d in zip(params, defaults, strict=True)]
    call = [f"self._store.{fn.name}", *(a.arg for a in args.args[1:])]
    if args.kwonlyargs:
        params.append("*")
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            params.append(ast.unparse(a) + ("" if d is None else f" = {ast.unparse(d)}"))
            call.append(f"{a.arg}={a.arg}")
    returns = ast.unparse(fn.returns) if fn.returns is not None else "None"
    head = _wrapped(f"    async def {fn.name}(", params, f") -> {returns}:", "    ")
    body = _wrapped("        return await self._call(", call, ")", "        ")
    return f'\n{head}\n        """See :meth:`Store.{fn.name}`."""\n{body}\n'


def render() -> str:
    """The text of :mod:`._over_sync`."""
    return _HEAD + "".join(_method(fn) for fn in operations()) + _TAIL


if __name__ == "__main__":
    TARGET.write_text(render())
