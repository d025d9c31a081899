"""Griffe extensions used by the API reference (``mkdocs.yml`` loads them; not part of the site).

``RuntimeMethods``
    The shell classes (``Component``, ``AsyncComponent`` and the authorizer clients) get most
    of their methods at run time: declared by assignment (``access_token = make(flow)``) or
    set on each concrete class when it is created. Static analysis sees attributes without
    docstrings, or nothing at all. This extension imports each class of the package and, for
    every public function found in the class's ``__dict__`` that static analysis saw only as
    such an assignment (or did not see), documents the runtime function: its signature
    (``__signature__`` when set) and its ``__doc__``, marked ``async`` for a coroutine
    function. Only the modules that define classes are imported, never a ``__main__`` module:
    inspecting the whole package (``force_inspection``) would import
    ``wxcomponent.cli.__main__``, which runs the command line with mkdocs' own arguments
    (``mkdocs serve`` would start ``wxcomponent serve``).

``SphinxRoles``
    Docstrings use reST roles (``:class:`Store```, ``:meth:`~Component.refresh_due```,
    ``:mod:`wxcomponent.web```). They are turned into code spans that link to the reference
    when the target is documented there, and stay plain code otherwise (optional cross
    references never warn). reST's ``text::`` before a literal block becomes ``text:``
    (the indented block is a code block in Markdown too).
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import griffe

logger = griffe.get_logger(__name__)

def _annotation(value: Any, parent: griffe.Class) -> str | griffe.Expr | None:
    if value is inspect.Parameter.empty:
        return None
    text = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return text
    return griffe.safe_get_annotation(node, parent) or text


def _default(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return getattr(value, "__name__", None) or repr(value)


class RuntimeMethods(griffe.Extension):
    """Document methods assigned from a call (``x = make_method(...)``) as the runtime function."""

    def __init__(self, packages: list[str] | None = None) -> None:
        self.packages = tuple(packages or ("wxcomponent",))

    def on_class(self, *, cls: griffe.Class, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if not cls.path.startswith(tuple(p + "." for p in self.packages)):
            return
        if "__main__" in cls.path.split("."):
            return  # importing a __main__ module runs it
        try:
            runtime = griffe.dynamic_import(cls.path)
        except ImportError as error:
            logger.info("runtime methods: cannot import %s (%s)", cls.path, error)
            return
        for name, value in list(vars(runtime).items()):
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            member = cls.members.get(name)
            if member is None or (
                isinstance(member, griffe.Attribute) and isinstance(member.value, griffe.ExprCall)
            ):
                cls.set_member(name, self._function(name, value, cls, loader))

    @staticmethod
    def _function(
        name: str, value: Any, cls: griffe.Class, loader: griffe.GriffeLoader
    ) -> griffe.Function:
        old = cls.members.get(name)
        lineno = old.lineno if old is not None else None
        endlineno = old.endlineno if old is not None else None
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):
            parameters, returns = griffe.Parameters(), None
        else:
            parameters = griffe.Parameters(
                *[
                    griffe.Parameter(
                        p.name,
                        annotation=_annotation(p.annotation, cls),
                        kind=griffe.ParameterKind(p.kind.description),
                        default=_default(p.default),
                    )
                    for p in signature.parameters.values()
                ]
            )
            returns = _annotation(signature.return_annotation, cls)
        docstring = None
        if value.__doc__:
            docstring = griffe.Docstring(
                inspect.cleandoc(value.__doc__),
                lineno=lineno,
                endlineno=endlineno,
                parser=loader.docstring_parser,
                parser_options=loader.docstring_options,
            )
        function = griffe.Function(
            name,
            parameters=parameters,
            returns=returns,
            docstring=docstring,
            lineno=lineno,
            endlineno=endlineno,
        )
        if inspect.iscoroutinefunction(value):
            function.labels.add("async")
        return function


# :role:`target` or :role:`~target` or :role:`title <target>`
_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|attr|mod|exc|data|obj|const):"
    r"`(?P<tilde>~?)(?P<body>[^`]+?)`"
)


_LITERAL = re.compile(r"(\S?)[ \t]*::$", re.MULTILINE)


class SphinxRoles(griffe.Extension):
    """Rewrite reST roles in docstrings as code spans with optional cross references."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        self._rewrite(obj)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        # Runtime methods are set after their class was visited: cover every object once more.
        self._walk(pkg)

    def _walk(self, obj: griffe.Object) -> None:
        self._rewrite(obj)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member)  # type: ignore[arg-type]

    def _rewrite(self, obj: griffe.Object) -> None:
        docstring = obj.docstring
        if docstring is None or ("`" not in docstring.value and "::" not in docstring.value):
            return
        value = _ROLE.sub(lambda m: self._replace(m, obj), docstring.value)
        # reST's "text::" introduces a literal block (an indented block, as in Markdown).
        docstring.value = _LITERAL.sub(lambda m: m[1] + ":" if m[1] else "", value)

    @staticmethod
    def _replace(match: re.Match[str], obj: griffe.Object) -> str:
        body = match["body"].strip()
        title_match = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", body)
        if title_match:
            title, target = title_match["title"], title_match["target"]
        else:
            target = body.lstrip(".")
            title = target.rsplit(".", 1)[-1] if match["tilde"] else target
        if match["role"] in ("meth", "func"):
            title += "()"
        identifier = _resolve(target, obj)
        if identifier is None:
            return f"`{title}`"
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'


def _resolve(target: str, obj: griffe.Object) -> str | None:
    """The full path of ``target`` as seen from ``obj``'s scope, or None."""
    if target.startswith("wxcomponent"):
        return target
    head, _, rest = target.partition(".")
    scope: griffe.Object | None = obj if obj.is_class or obj.is_module else obj.parent
    while scope is not None:
        if head in scope.members:
            member = scope.members[head]
            # an imported name points at its definition (its canonical path)
            path = member.target_path if isinstance(member, griffe.Alias) else member.path
            return f"{path}.{rest}" if rest else path
        if scope.is_module:
            break
        scope = scope.parent
    return None
