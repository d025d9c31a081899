"""The public surface of ``wxcomponent.stores``: the names users import, pinned, each with its
docstring, and the package's own description naming every backend it exports."""

from __future__ import annotations

import inspect
import types
import typing

from wxcomponent import stores

#: What ``from wxcomponent.stores import ...`` offers; a change here is a change of the API.
PUBLIC = {
    "AsyncMemoryStore",
    "AsyncPostgresStore",
    "AsyncRedisStore",
    "AsyncSQLiteStore",
    "AsyncStore",
    "AuthorizerRecord",
    "AuthorizerStatus",
    "CachedToken",
    "ComplianceRecord",
    "Job",
    "JobState",
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "Store",
    "Ticket",
    "as_async_store",
    "open_store",
}

#: The exported names that are types of values (literal strings), not classes.
TYPE_ALIASES = {"AuthorizerStatus", "JobState"}


def test_all_is_the_pinned_public_surface() -> None:
    assert sorted(stores.__all__) == sorted(PUBLIC)
    assert len(stores.__all__) == len(set(stores.__all__))


def test_every_public_name_of_the_package_is_exported() -> None:
    """A class or function the stores define and the package shows is in ``__all__``;
    what it imports from elsewhere (errors, ``urllib``) and its modules are not API."""
    shown = {
        name for name, value in vars(stores).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("wxcomponent.stores")
    }
    assert shown == PUBLIC - TYPE_ALIASES


def test_every_exported_name_exists_and_has_a_docstring() -> None:
    for name in PUBLIC - TYPE_ALIASES:
        value = getattr(stores, name)
        assert inspect.isclass(value) or inspect.isfunction(value), name
        assert (inspect.getdoc(value) or "").strip(), name
    for name in TYPE_ALIASES:
        assert typing.get_origin(getattr(stores, name)) is typing.Literal, name


def test_the_package_docstring_names_every_backend_in_both_flavours() -> None:
    doc = stores.__doc__ or ""
    backends = sorted(name for name in PUBLIC
                      if name.endswith("Store") and not name.startswith("Async")
                      and name != "Store")
    assert backends == ["MemoryStore", "PostgresStore", "RedisStore", "SQLiteStore"]
    for name in backends:
        assert f":class:`{name}` / :class:`Async{name}`" in doc, name
    assert "four backends" in doc
