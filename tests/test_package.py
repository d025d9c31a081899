"""The built package: the wheel (built from the sdist, as ``pip`` does from an sdist) holds
every file the code loads, nothing from the tests or caches, and one version everywhere.

``.ci/check-package`` goes further (a fresh virtual environment, the demo and the pytest
plugin from the installed wheel); this module catches a missing package file in the suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.meta
import pytest

import wxcomponent
from wxcomponent.service.console import static as console_static

from .support.servers import _missing

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "wxcomponent"
VERSION = wxcomponent.__version__
WHEEL = f"wxcomponent-{VERSION}-py3-none-any.whl"
SDIST = f"wxcomponent-{VERSION}.tar.gz"
DIST_INFO = f"wxcomponent-{VERSION}.dist-info"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``uv build``'s output: the sdist, and the wheel built from it."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        _missing("uv is not installed")
    assert uv is not None
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([uv, "build", "--out-dir", str(out), str(ROOT)], cwd=out,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    yield out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> dict[str, bytes]:
    path = dist / WHEEL
    assert path.is_file(), sorted(p.name for p in dist.iterdir())
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()
                if not info.is_dir()}


def package_files() -> set[str]:
    """Every file of the package in the tree (git's files, tracked or not, less the ignored
    ones: what the build takes), as the wheel names it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
        cwd=PACKAGE, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        paths = [PACKAGE / name for name in listed.stdout.decode().split("\0") if name]
    else:  # not a git checkout
        paths = list(PACKAGE.rglob("*"))
    return {"wxcomponent/" + path.relative_to(PACKAGE).as_posix() for path in paths
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def test_every_file_of_the_package_is_in_the_wheel(wheel: dict[str, bytes]) -> None:
    missing = package_files() - set(wheel)
    assert not missing
    for name in package_files():
        assert wheel[name] == (PACKAGE.parent / name).read_bytes(), name
    data = [name for name in package_files() if not name.endswith(".py")]
    assert "wxcomponent/py.typed" in data
    assert any(name.endswith(".html") for name in data)


def test_the_console_finds_its_templates_and_static_files_in_the_wheel(
        wheel: dict[str, bytes]) -> None:
    """Every template the console renders, every template those extend or include, and every
    static file the pages link."""
    folder = "wxcomponent/service/console/templates/"
    source = "\n".join(path.read_text(encoding="utf-8")
                        for path in sorted(Path(console_static.__file__).parent.glob("*.py")))
    rendered = set(re.findall(r'\brender\(\s*request,\s*"([\w.-]+\.html)"', source))
    assert {"signin.html", "overview.html", "problem.html"} <= rendered
    needed: set[str] = set()
    todo = list(rendered)
    env = jinja2.Environment(autoescape=True)
    linked: set[str] = set()
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        if folder + name not in wheel:
            pytest.fail(f"the console renders {name}, which is not in the wheel")
        text = wheel[folder + name].decode()
        todo.extend(ref for ref in jinja2.meta.find_referenced_templates(env.parse(text))
                    if ref is not None)
        linked.update(re.findall(r"/static/([\w.-]+)", text))
    assert "base.html" in needed
    assert linked == set(console_static.STATIC)
    absent = {name for name in linked if f"wxcomponent/service/console/static/{name}" not in wheel}
    assert absent == set(), "the pages link static files that are not in the wheel"


def test_nothing_but_the_package_and_its_metadata(wheel: dict[str, bytes]) -> None:
    outside = [name for name in wheel if not name.startswith(("wxcomponent/", DIST_INFO + "/"))]
    assert outside == []
    junk = [name for name in wheel
            if "__pycache__" in name or name.endswith((".pyc", ".pyo")) or "/tests/" in name]
    assert junk == []
    assert set(wheel) - package_files() == {
        f"{DIST_INFO}/{name}"
        for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE")}


def test_the_command_and_the_pytest_plugin_are_entry_points(wheel: dict[str, bytes]) -> None:
    text = wheel[f"{DIST_INFO}/entry_points.txt"].decode()
    assert re.search(r"^\[console_scripts\]\nwxcomponent = wxcomponent\.cli:main$", text,
                     re.MULTILINE), text
    assert re.search(r"^\[pytest11\]\nwxcomponent = wxcomponent\.emulator\.pytest_plugin$", text,
                     re.MULTILINE), text


def test_one_version_everywhere(dist: Path, wheel: dict[str, bytes]) -> None:
    """pyproject.toml (as the built metadata says), ``__version__``, the file names and the
    changelog agree."""
    metadata = wheel[f"{DIST_INFO}/METADATA"].decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    assert (dist / SDIST).is_file()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[Unreleased\]$", changelog, re.MULTILINE)
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - ", changelog, re.MULTILINE), (
        f"CHANGELOG.md has no section for {VERSION}")
    assert wheel[f"{DIST_INFO}/licenses/LICENSE"] == (ROOT / "LICENSE").read_bytes()
