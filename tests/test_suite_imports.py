"""How the test modules share code: a helper lives in ``tests/support`` (or, used by one
package's tests only, in a helper module of that package), never in a test module or in
another package's ``conftest.py``.

* from a test module, another module takes only its tests (``test_*`` names, or ``*``), to
  run them again against another store;
* a ``conftest.py`` is imported only by its own package's modules;
* what one package takes from another comes from ``tests/support``.

The imports are read from the source (``ast``), so nothing is imported to check them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .support.imports import imported, module_name, modules_under

TESTS = Path(__file__).resolve().parent
SUPPORT = "tests.support"


MODULES = modules_under(TESTS)


def package_of(path: Path) -> str:
    return module_name(path.parent / "__init__.py", TESTS.parent)


def imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """``(module of the suite, names taken from it)`` for every import in ``path`` of a module
    of the suite; a module imported whole is taken with the names ``[]``."""
    for module, names in imported(path, TESTS.parent, MODULES):
        if module in MODULES:
            yield module, names


def top_package(module: str) -> str:
    """``tests`` for the suite's root modules, else ``tests.<package>``."""
    return ".".join(module.split(".")[:2]) if module.count(".") >= 2 else "tests"


def every_import() -> Iterator[tuple[str, Path, str, list[str]]]:
    """``(importing module, its path, module imported, names taken)`` across the suite."""
    for name, path in MODULES.items():
        for target, names in imports(path):
            yield name, path, target, names


def in_support(module: str) -> bool:
    return module == SUPPORT or module.startswith(SUPPORT + ".")


def test_the_suite_is_read() -> None:
    assert "tests.support.servers" in MODULES
    found = dict(imports(MODULES["tests.conftest"]))
    assert "start_redis_server" in found["tests.support.servers"]


def test_no_module_takes_a_helper_from_a_test_module() -> None:
    bad = [f"{name} takes {helpers} from {target}"
           for name, _, target, names in every_import()
           if target.rsplit(".", 1)[-1].startswith("test_")
           and (helpers := [n for n in names if n != "*" and not n.startswith("test_")])]
    assert bad == []


def test_a_conftest_is_imported_only_by_its_own_package() -> None:
    bad = [f"{name} imports {target}" for name, path, target, _ in every_import()
           if target.rsplit(".", 1)[-1] == "conftest"
           and target.rsplit(".", 1)[0] != package_of(path)]
    assert bad == []


def test_what_packages_share_comes_from_the_support_package() -> None:
    bad = [f"{name} imports {target}" for name, _, target, _ in every_import()
           if top_package(target) != top_package(name) and not in_support(target)]
    assert bad == []


def test_the_support_package_stands_alone() -> None:
    """Helpers import one another and the library, never a test package."""
    bad = [f"{name} imports {target}" for name, _, target, _ in every_import()
           if in_support(name) and not in_support(target)]
    assert bad == []
