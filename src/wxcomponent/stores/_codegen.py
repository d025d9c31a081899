"""Writes what is derived from the sync protocol, so that it is never written by hand:
``python -m wxcomponent.stores._codegen``.

From every operation of :class:`~.base.Store` (``close``, whose rule is each store's own,
apart) it writes:

* :data:`ARGS`, the module of each operation's arguments as one :class:`~typing.NamedTuple`
  (``ListAuthorizers`` for ``list_authorizers``): what a backend's body receives;
* the end of :data:`PROTOCOL`, below its :data:`MARKER` line: each operation as a member of the
  :class:`~.base.AsyncStore` protocol, an ``async def`` of the same signature.

A test checks that each file on disk is what :func:`render` makes, so an operation declared
or changed in :class:`~.base.Store` fails the tests until the files are written again.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["ARGS", "MARKER", "PROTOCOL", "TARGETS", "args_name", "operations", "render"]

HERE = Path(__file__).parent
#: The module of the protocols, whose :class:`~.base.AsyncStore` ends it.
PROTOCOL = HERE / "base.py"
#: The module of the operations' arguments.
ARGS = HERE / "_args.py"
#: The modules written.
TARGETS = (PROTOCOL, ARGS)
_LIMIT = 100

#: The line of :data:`PROTOCOL` after which everything is generated; what comes before it
#: (the sync protocol, the head of the async one) is written by hand and kept as it is.
MARKER = "    # ---------------------------------------------------------- generated from Store\n"

_ARGS_HEAD = '''"""The arguments of each store operation, as the one value its body receives.

Written by :mod:`._codegen` from :class:`~.base.Store` (``python -m
wxcomponent.stores._codegen``): never edit by hand. A backend's body for ``list_authorizers``
is ``_list_authorizers(self, a: ListAuthorizers)``; the values are those the operation was
called with, after its check (:mod:`._checked`), defaults filled in.
"""

from __future__ import annotations

from typing import NamedTuple

from . import base
'''


def _base() -> ast.Module:
    return ast.parse(PROTOCOL.read_text())


def operations() -> list[ast.FunctionDef]:
    """The methods of :class:`~.base.Store`, in their order, ``close`` left out."""
    store = next(n for n in _base().body if isinstance(n, ast.ClassDef) and n.name == "Store")
    return [n for n in store.body if isinstance(n, ast.FunctionDef) and n.name != "close"]


def args_name(operation: str) -> str:
    """The name of the arguments' class of ``operation``: ``list_authorizers`` gives
    ``ListAuthorizers``."""
    return "".join(part.title() for part in operation.split("_"))


class _Qualify(ast.NodeTransformer):
    """Names of :mod:`.base` in annotations become ``base.<name>`` (the generated module
    imports the module, not each name): those it defines and those it re-exports (the
    records, from :mod:`._records`)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        for node in _base().body:
            if isinstance(node, ast.ClassDef):
                self.names.add(node.name)
            elif isinstance(node, ast.ImportFrom) and node.level == 1:
                self.names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                self.names.update(t.id for t in targets if isinstance(t, ast.Name))

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.names:
            return ast.Attribute(ast.Name("base", ast.Load()), node.id, ast.Load())
        return node


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


def _member(fn: ast.FunctionDef) -> str:
    """``fn`` as a member of the :class:`~.base.AsyncStore` protocol."""
    args = fn.args
    params = [ast.unparse(a) for a in args.args]  # self first
    defaults: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults))
    defaults += args.defaults
    params = [p if d is None else f"{p} = {ast.unparse(d)}"
              for p, d in zip(params, defaults, strict=True)]
    if args.kwonlyargs:
        params.append("*")
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            params.append(ast.unparse(a) + ("" if d is None else f" = {ast.unparse(d)}"))
    returns = ast.unparse(fn.returns) if fn.returns is not None else "None"
    head = _wrapped(f"    async def {fn.name}(", params, f") -> {returns}:", "    ")
    return f'{head}\n        """See :meth:`Store.{fn.name}`."""\n        _backend_body()\n'


def _arguments(fn: ast.FunctionDef, qualify: _Qualify) -> str:
    """The :class:`~typing.NamedTuple` of ``fn``'s arguments (``self`` left out)."""
    fields = "".join(
        f"    {a.arg}: {ast.unparse(qualify.visit(a.annotation)) if a.annotation else 'object'}\n"
        for a in [*fn.args.args[1:], *fn.args.kwonlyargs]
    )
    return (f"\n\nclass {args_name(fn.name)}(NamedTuple):\n"
            f'    """The arguments of :meth:`~.base.Store.{fn.name}`."""\n\n{fields}')


def render(target: Path = PROTOCOL) -> str:
    """The text ``target`` (one of :data:`TARGETS`) should have."""
    if target == ARGS:
        qualify = _Qualify()
        return _ARGS_HEAD + "".join(_arguments(fn, qualify) for fn in operations())
    kept, marker, _ = target.read_text().partition(MARKER)
    assert marker, f"{target.name} lost the line {MARKER.strip()!r}"
    return kept + MARKER + "\n".join(_member(fn) for fn in operations())


if __name__ == "__main__":
    for path in TARGETS:
        path.write_text(render(path))
