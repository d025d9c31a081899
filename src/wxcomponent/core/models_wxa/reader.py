"""The one reader of the mini-program answers: :meth:`WxaModel.from_json` looks each field up
under its JSON names (:func:`key`), converts it to its annotated type and never raises.

Internal module.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, TypeVar, Union

__all__ = ["JSON", "WxaModel", "key", "member"]

JSON = Mapping[str, Any]
M = TypeVar("M", bound="WxaModel")
E = TypeVar("E", bound=enum.IntEnum)
N = TypeVar("N", int, float)
_Step = tuple[str, tuple[Any, ...], Callable[[Any], Any], Any]


def key(*names: str | tuple[str, ...], sep: str | None = None) -> dict[str, Any]:
    """Field metadata: the JSON names a field is read from, first found wins (a tuple is a
    path into nested objects), and for a tuple of strings the separator of a joined string
    (WeChat sends some lists as ``"a|b"`` or ``"a,b"``)."""
    return {"json": names, "sep": sep}


def member(kind: type[E], value: int) -> E | None:
    """The member of ``kind`` that ``value`` is (None for a value WeChat has not
    documented)."""
    try:
        return kind(value)
    except ValueError:
        return None


def _lookup(raw: JSON, names: tuple[str | tuple[str, ...], ...]) -> Any:
    for name in names:
        path = (name,) if isinstance(name, str) else name
        value: Any = raw
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                break
        if value is not None:
            return value
    return None


def _to_str(value: Any) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _parsed(text: str, kind: Callable[[str], N], empty: N) -> N:
    """A number written as text (surrounding spaces allowed), or ``empty``."""
    try:
        return kind(text.strip())
    except ValueError:
        return empty


def _to_int(value: Any) -> int:
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and abs(value) < 2**63 else 0
    return _parsed(value, int, 0) if isinstance(value, str) else 0


def _to_float(value: Any) -> float:
    if isinstance(value, (bool, int, float)):
        return float(value)
    return _parsed(value, float, 0.0) if isinstance(value, str) else 0.0


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    if isinstance(value, (bool, int, float)):
        return bool(value)
    return False


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: _to_str, int: _to_int, float: _to_float, bool: _to_bool}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, WxaModel)


def _reader(tp: Any, sep: str | None) -> Callable[[Any], Any]:
    """A function turning a JSON value into ``tp`` (never raising)."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):  # X | None: None when absent
        inner = _reader(next(a for a in args if a is not type(None)), sep)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _reader(args[0], None)

        def read_items(value: Any) -> tuple[Any, ...]:
            if isinstance(value, str) and sep is not None:
                value = [part for part in value.split(sep) if part]
            if not isinstance(value, list):
                return ()
            if _is_model(args[0]):
                return tuple(item(v) for v in value if isinstance(v, Mapping))
            return tuple(item(v) for v in value)

        return read_items
    if _is_model(tp):
        return lambda value: tp.from_json(value if isinstance(value, Mapping) else {})
    return lambda value: value if isinstance(value, Mapping) else {}  # Mapping[str, Any]


@dataclass(frozen=True)
class WxaModel:
    """Base of the typed answers: :meth:`from_json` reads any JSON object into the model."""

    #: Per class: (field name, JSON names, reader, default) per field, and whether it
    #: keeps ``raw``; built on first use.
    _plans: ClassVar[dict[type, tuple[list[_Step], bool]]] = {}

    @classmethod
    def _plan(cls) -> tuple[list[_Step], bool]:
        plan = WxaModel._plans.get(cls)
        if plan is None:
            hints = typing.get_type_hints(cls)  # each class's hints in its own module
            steps: list[_Step] = []
            for f in fields(cls):
                if f.name == "raw":
                    continue
                default = (f.default if f.default is not MISSING
                           else f.default_factory() if f.default_factory is not MISSING
                           else None)
                steps.append((f.name, f.metadata.get("json", (f.name,)),
                              _reader(hints[f.name], f.metadata.get("sep")), default))
            plan = WxaModel._plans[cls] = (steps, any(f.name == "raw" for f in fields(cls)))
        return plan

    @classmethod
    def from_json(cls: type[M], raw: JSON) -> M:
        """Read an answer (or a nested object of one) into the model; never raises."""
        if not isinstance(raw, Mapping):
            raw = {}
        steps, keeps_raw = cls._plan()
        values: dict[str, Any] = {}
        for name, names, read, default in steps:
            value = _lookup(raw, names)
            values[name] = default if value is None else read(value)
        if keeps_raw:
            values["raw"] = raw
        return cls(**values)
