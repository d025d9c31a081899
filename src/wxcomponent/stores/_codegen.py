"""Writes the async faces from the sync protocol, so they are derived, never written by hand:
``python -m wxcomponent.stores._codegen``.

Every method of :class:`~.base.Store` (but ``close``, whose rule is each face's own) becomes
an ``async def`` of the same signature and a docstring pointing at it, below the
:data:`MARKER` line of each of :data:`TARGETS`: in :mod:`._over_sync`, a method that awaits the
sync method through ``_call``; at the end of :mod:`.base`, a member of the
:class:`~.base.AsyncStore` protocol. A test checks that each file on disk is what
:func:`render` makes, so a new operation declared in :class:`~.base.Store` fails the tests
until the files are written again.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["MARKER", "PROTOCOL", "TARGET", "TARGETS", "operations", "render"]

HERE = Path(__file__).parent
#: The async face over a sync store.
TARGET = HERE / "_over_sync.py"
#: The module of the protocols, whose :class:`~.base.AsyncStore` ends it.
PROTOCOL = HERE / "base.py"
#: The modules written.
TARGETS = (TARGET, PROTOCOL)
_LIMIT = 100

#: The line of each target after which everything is generated; what comes before it (the
#: imports, the constructor, ``_call`` and ``close``; the sync protocol) is written by hand and
#: kept as it is.
MARKER = "    # ---------------------------------------------------------- generated from Store\n"


def _base() -> ast.Module:
    return ast.parse((HERE / "base.py").read_text())


def operations() -> list[ast.FunctionDef]:
    """The methods of :class:`~.base.Store`, in their order, ``close`` left out."""
    store = next(n for n in _base().body if isinstance(n, ast.ClassDef) and n.name == "Store")
    return [n for n in store.body if isinstance(n, ast.FunctionDef) and n.name != "close"]


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


def _method(fn: ast.FunctionDef, qualify: _Qualify | None) -> str:
    """``fn`` as an async method: one that awaits the sync store's (``qualify`` names the
    types as ``base.<name>``), or without it a member of the protocol, in :mod:`.base`."""
    if qualify is not None:
        fn = qualify.visit(fn)
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
    if qualify is None:
        body = "        ..."
    else:
        body = _wrapped("        return await self._call(", call, ")", "        ")
    return f'{head}\n        """See :meth:`Store.{fn.name}`."""\n{body}\n'


def render(target: Path = TARGET) -> str:
    """The text ``target`` (one of :data:`TARGETS`) should have: its hand-written part, then
    every operation."""
    kept, marker, _ = target.read_text().partition(MARKER)
    assert marker, f"{target.name} lost the line {MARKER.strip()!r}"
    qualify = _Qualify() if target == TARGET else None
    return kept + MARKER + "\n".join(_method(fn, qualify) for fn in operations())


if __name__ == "__main__":
    for path in TARGETS:
        path.write_text(render(path))
