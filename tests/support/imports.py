"""Reading a tree of Python modules' imports from their source (``ast``, nothing imported):
for the tests of the library's layers and of the suite's own helpers."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    """The dotted name of the module in ``path`` under ``root`` (a package for its
    ``__init__.py``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_under(package: Path) -> dict[str, Path]:
    """Every module of ``package`` and its subpackages, by dotted name."""
    return {module_name(path, package.parent): path for path in sorted(package.rglob("*.py"))}


def imported(path: Path, root: Path, modules: Collection[str]) -> Iterator[tuple[str, list[str]]]:
    """``(module, names taken from it)`` for every import in ``path``, wherever it is written
    (top level, inside functions, for type checking only), relative ones resolved. A module
    imported whole (``import a.b``, or ``from a import b`` where ``a.b`` is in ``modules``)
    comes with the names ``[]``."""
    package = module_name(path.parent / "__init__.py", root).split(".")
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names: list[str] = []
            for alias in node.names:
                if f"{module}.{alias.name}" in modules:
                    yield f"{module}.{alias.name}", []
                else:
                    names.append(alias.name)
            if names:
                yield module, names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
