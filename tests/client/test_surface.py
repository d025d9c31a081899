"""The public surface: both shells expose the same methods with the same signatures, the
methods made from flows look like real methods, and users import from two places only."""

from __future__ import annotations

import ast
import inspect
import pathlib
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import wxcomponent
import wxcomponent.stores
from wxcomponent import AsyncAuthorizerClient, AsyncComponent, AuthorizerClient, Component

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: Methods that differ by design between the shells (closing, context managers, WSGI).
SHELL_ONLY = {
    Component: {"close", "wsgi_app"},
    AsyncComponent: {"aclose"},
}


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    found = {}
    for name, value in inspect.getmembers(cls):
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            continue
        found[name] = inspect.signature(value)
    return found


def shape(signature: inspect.Signature) -> list[tuple[str, object, object, str]]:
    """Parameters as (name, kind, default, annotation): what callers depend on."""
    return [(p.name, p.kind, p.default, str(p.annotation))
            for p in signature.parameters.values()]


@pytest.mark.parametrize(("sync", "aio"), [(Component, AsyncComponent),
                                           (AuthorizerClient, AsyncAuthorizerClient)])
def test_sync_and_async_expose_the_same_methods_with_the_same_signatures(sync, aio) -> None:
    left, right = public_methods(sync), public_methods(aio)
    left_names = set(left) - SHELL_ONLY.get(sync, set())
    right_names = set(right) - SHELL_ONLY.get(aio, set())
    assert left_names == right_names
    differing = [n for n in left_names if shape(left[n]) != shape(right[n])]
    assert differing == []
    assert len(left_names) > 10


def test_methods_made_from_flows_keep_their_names_docs_and_signatures() -> None:
    method = Component.authorization_url
    assert method.__name__ == "authorization_url"
    assert method.__qualname__ == "Component.authorization_url"
    assert "authorization page URL" in (method.__doc__ or "")
    params = list(inspect.signature(method).parameters)
    assert params == ["self", "redirect_uri", "auth_type", "biz_appid", "category_ids",
                      "mobile"]
    assert inspect.signature(method).return_annotation == "str"
    assert inspect.iscoroutinefunction(AsyncComponent.authorization_url)
    assert not inspect.iscoroutinefunction(Component.authorization_url)
    # an authorizer client's methods drop the appid the client supplies
    assert list(inspect.signature(AuthorizerClient.get_json).parameters) == [
        "self", "path", "params"]
    assert inspect.signature(AsyncComponent.iter_authorizers).return_annotation == (
        "AsyncIterator[AuthorizerListItem]")
    assert "authorization_url" in (pydoc_text := _pydoc(Component))
    assert "redirect_uri" in pydoc_text


def _pydoc(cls: type) -> str:
    import pydoc

    return pydoc.render_doc(cls, renderer=pydoc.plaintext)


def test_a_bad_argument_to_a_generated_method_fails_like_a_real_method() -> None:
    from wxcomponent import ComponentConfig
    from wxcomponent.stores import MemoryStore

    config = ComponentConfig(appid="wx1111111111111111", secret="s", token="t",
                             encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    with Component(config, MemoryStore(), api_base="http://127.0.0.1:9") as component:
        with pytest.raises(TypeError):
            component.get_authorizer_info()  # type: ignore[call-arg]
        with pytest.raises(wxcomponent.errors.InvalidArgument):
            component.query_auth("")


def test_what_the_readme_and_examples_import_comes_from_the_public_packages() -> None:
    allowed = {"wxcomponent", "wxcomponent.stores", "wxcomponent.errors", "wxcomponent.events",
               "wxcomponent.emulator", "wxcomponent.web", "wxcomponent.replies",
               "wxcomponent.webhooks", "wxcomponent.service"}
    sources = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*.py"))]
    bad = []
    for path in sources:
        text = path.read_text()
        if path.suffix == ".md":
            blocks = text.split("```python")[1:]
            text = "\n".join(textwrap.dedent(block.split("```")[0]) for block in blocks)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("wxcomponent") and node.module not in allowed:
                bad.append(f"{path.name}: from {node.module} import ...")
    assert bad == []


def test_every_exported_name_exists_and_has_a_docstring() -> None:
    for module in (wxcomponent, wxcomponent.stores):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                assert (value.__doc__ or "").strip(), f"{module.__name__}.{name}"


def test_each_module_imports_on_its_own() -> None:
    """Each module imports cleanly first, in a fresh interpreter."""
    modules = ["wxcomponent.web", "wxcomponent.client", "wxcomponent.core.engine",
               "wxcomponent.core.tokens", "wxcomponent.emulator.app",
               "wxcomponent.emulator.pages", "wxcomponent.service.api"]
    for name in modules:
        result = subprocess.run([sys.executable, "-c", f"import {name}"],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def _groups(cls: type) -> dict[str, Any]:
    from wxcomponent.client._methods import group

    return {name: inspect.getattr_static(cls, name) for name in dir(cls)
            if isinstance(inspect.getattr_static(cls, name), group)}


@pytest.mark.parametrize(("sync", "aio"), [(Component, AsyncComponent),
                                           (AuthorizerClient, AsyncAuthorizerClient)])
def test_every_group_has_the_same_methods_on_both_shells(sync, aio) -> None:
    groups = _groups(sync)
    assert set(groups) == set(_groups(aio))
    assert groups, "no method groups found"
    for name, declared in groups.items():
        left, right = public_methods(declared.sync), public_methods(declared.aio)
        assert set(left) == set(right), name
        assert len(left) >= 2, name
        for method in left:
            assert shape(left[method]) == shape(right[method]), f"{name}.{method}"
            assert not inspect.iscoroutinefunction(getattr(declared.sync, method))
            assert inspect.iscoroutinefunction(getattr(declared.aio, method)), method
            assert (getattr(declared.sync, method).__doc__ or "").strip(), f"{name}.{method}"


def test_groups_are_real_objects_with_real_methods() -> None:
    from wxcomponent import ComponentConfig
    from wxcomponent.stores import MemoryStore

    config = ComponentConfig(appid="wx1111111111111111", secret="s", token="t",
                             encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    with Component(config, MemoryStore(), api_base="http://127.0.0.1:9") as component:
        client = component.authorizer("wx2222222222222222")
        assert client.code is client.code  # made once per client
        commit = client.code.commit
        assert commit.__qualname__ == "CodeGroup.commit"
        assert list(inspect.signature(commit).parameters) == [
            "template_id", "ext_json", "user_version", "user_desc"]
        assert inspect.signature(type(client.audit).status).return_annotation == "AuditStatus"
        assert "experience version" in (commit.__doc__ or "")
        assert list(inspect.signature(component.templates.add).parameters) == [
            "draft_id", "template_type"]
        with pytest.raises(TypeError):
            client.code.commit()  # type: ignore[call-arg]
    assert AsyncAuthorizerClient.code.aio.__name__ == "AsyncCodeGroup"
