"""The layers of docs/ARCHITECTURE.md, checked on the import graph: every module of
``wxcomponent`` belongs to one layer, no module imports from a layer above its own, nothing of
the library but the command line imports the emulator, and no two modules import each other.

The graph is read from the source (``ast``), so nothing is imported to check it, and it holds
every import wherever it is written: top level, inside functions, or for type checking only.
"""

from __future__ import annotations

from pathlib import Path

from .support.imports import imported, modules_under

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

#: The layers of docs/ARCHITECTURE.md, top to bottom, each with the modules and packages it
#: holds. A module belongs to the layer of the longest name that is it or a package holding it.
LAYERS: list[tuple[str, set[str]]] = [
    ("cli", {"wxcomponent.cli"}),
    ("service", {"wxcomponent.service"}),
    ("wxcomponent", {"wxcomponent"}),
    ("client", {"wxcomponent.client"}),
    ("web", {"wxcomponent.web"}),
    ("emulator", {"wxcomponent.emulator"}),
    ("core", {"wxcomponent.core", "wxcomponent.config", "wxcomponent.events",
              "wxcomponent.replies", "wxcomponent.webhooks"}),
    ("stores", {"wxcomponent.stores"}),
    ("errors", {"wxcomponent.errors", "wxcomponent.redaction"}),
]

#: Imports from a layer above, each to be removed rather than added to: none is left.
KNOWN_UPWARD: set[tuple[str, str]] = set()

#: The layers that may import the emulator: WeChat's stand-in is never part of the library.
EMULATOR_USERS = {"cli", "emulator"}


def module_imports() -> dict[str, set[str]]:
    """Every module of ``wxcomponent`` -> the modules of ``wxcomponent`` it imports.

    ``from package import name`` is an edge to the module ``package.name`` when there is one,
    else to ``package`` itself.
    """
    sources = modules_under(SRC / "wxcomponent")
    return {name: {target for target, _ in imported(path, SRC, sources)
                   if target in sources and target != name}
            for name, path in sources.items()}


def layer_of(module: str) -> int | None:
    """The index in ``LAYERS`` of the layer holding ``module`` (0 is the top)."""
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and \
                    (best is None or len(name) > best[0]):
                best = (len(name), index)
    return None if best is None else best[1]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles among modules. A package's ``__init__`` re-exports its modules, so an edge
    between a package and a module inside it is no edge of a cycle."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if node.startswith(target + ".") or target.startswith(node + "."):
                continue
            if state.get(target) == 1:
                found.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_every_module_belongs_to_a_layer() -> None:
    graph = module_imports()
    assert len(graph) > 50
    assert [module for module in sorted(graph) if layer_of(module) is None] == []


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    graph = module_imports()
    upward = set()
    for module, targets in graph.items():
        for target in targets:
            mine, theirs = layer_of(module), layer_of(target)
            assert mine is not None
            assert theirs is not None
            if theirs < mine:
                upward.add((module, target))
    assert sorted(upward - KNOWN_UPWARD) == []
    # an exception that no longer happens leaves the list
    assert sorted(KNOWN_UPWARD - upward) == []


def test_nothing_but_the_command_line_imports_the_emulator() -> None:
    graph = module_imports()
    names = [name for name, _ in LAYERS]
    emulator = names.index("emulator")
    users = {module for module, targets in graph.items()
             if any(layer_of(target) == emulator for target in targets)}
    layers = {names[index] for index in map(layer_of, users) if index is not None}
    assert layers <= EMULATOR_USERS, sorted(users)
    assert "cli" in layers


def test_the_layers_are_the_documented_ones() -> None:
    """The diagram of docs/ARCHITECTURE.md names the layers of ``LAYERS``, in its order."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    section = text.split("## Layers", 1)[1].split("```", 2)[1]
    documented = [line.split()[0] for line in section.splitlines() if line[:1].strip()]
    assert documented == [name for name, _ in LAYERS]


def test_no_import_cycles_between_modules() -> None:
    graph = module_imports()
    assert cycles(graph) == []
    # and the known former circles stay apart
    assert "wxcomponent.client" not in graph["wxcomponent.web"]


def test_the_graph_sees_every_kind_of_import() -> None:
    """Relative and absolute, at the top level, inside functions and for type checking only."""
    graph = module_imports()
    assert "wxcomponent.core.crypto" in graph["wxcomponent.config"]  # from ..core.crypto
    assert "wxcomponent.errors" in graph["wxcomponent.stores"]  # from ..errors import
    assert "wxcomponent.cli.demo" in graph["wxcomponent.cli"]  # inside a function
    assert "wxcomponent.emulator.__main__" in graph["wxcomponent.cli.commands"]
    assert "wxcomponent.client" in graph["wxcomponent.service.pages"]  # type checking only
