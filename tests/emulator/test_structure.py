"""The emulator's modules import one another without a circle (TYPE_CHECKING imports too)."""

from __future__ import annotations

import ast
from pathlib import Path

import wxcomponent.emulator as package

PACKAGE = Path(package.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module name -> sibling modules it imports, wherever the import statement is."""
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name in modules:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text("utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module \
                    and node.module.startswith("wxcomponent.emulator."):
                found.add(node.module.split(".")[2])
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
    assert {"app", "emulator", "pages"} <= graph.keys()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_only_the_emulator_builds_the_app() -> None:
    graph = _imports()
    assert "app" in graph["emulator"]
    assert "emulator" not in graph["app"] | graph["pages"]
