"""The emulator's modules, its subpackages' included, import one another without a circle
(TYPE_CHECKING imports too)."""

from __future__ import annotations

import ast
from pathlib import Path

import wxcomponent.emulator as package

PACKAGE = Path(package.__file__).parent


def _name(path: Path) -> str:
    """``app``, ``wxa.code``; a subpackage's ``__init__`` is the subpackage (``wxa``)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module name -> modules of the emulator it imports, wherever the import statement is,
    subpackages included. A module in a subpackage also depends on the subpackage's
    ``__init__``, which runs before it."""
    paths = {_name(path): path for path in PACKAGE.rglob("*.py") if path.parent != PACKAGE
             or path.name != "__init__.py"}
    modules = set(paths)
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package_parts = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        if package_parts:
            found.add(".".join(package_parts))
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                if node.level > len(package_parts) + 1:
                    continue  # outside the emulator
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            elif isinstance(node, ast.ImportFrom) and node.module \
                    and node.module.startswith("wxcomponent.emulator."):
                module = node.module.removeprefix("wxcomponent.emulator.")
            else:
                continue
            submodules = {f"{module}.{alias.name}" if module else alias.name
                          for alias in node.names} & modules
            found |= submodules or {module}
        graph[name] = found & modules - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        for nxt in sorted(graph[node]):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_import_circle_in_the_emulator() -> None:
    graph = _imports()
    assert {"app", "emulator", "pages", "wxa", "wxa.endpoints", "wxa.model"} <= graph.keys()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_only_the_emulator_builds_the_app() -> None:
    graph = _imports()
    assert "app" in graph["emulator"]
    assert "emulator" not in graph["app"] | graph["pages"]
