"""Argument checks shared by the mini-program endpoints: each raises
:class:`~wxcomponent.errors.InvalidArgument` naming the argument, before anything is sent.

Internal module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument

__all__ = ["choice", "flag", "json_text", "number", "optional_text", "text", "texts"]


def text(value: object, argument: str, *, max_len: int | None = None) -> str:
    """A non-empty string of at most ``max_len`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(argument, "must be a non-empty string")
    if max_len is not None and len(value) > max_len:
        raise InvalidArgument(argument, f"must be at most {max_len} characters")
    return value


def optional_text(value: object, argument: str, *, max_len: int | None = None) -> str:
    """A string (possibly empty) of at most ``max_len`` characters."""
    if not isinstance(value, str):
        raise InvalidArgument(argument, "must be a string")
    if max_len is not None and len(value) > max_len:
        raise InvalidArgument(argument, f"must be at most {max_len} characters")
    return value


def number(value: object, argument: str, *, minimum: int = 0,
           maximum: int | None = None) -> int:
    """An integer (not a bool) between ``minimum`` and ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(argument, "must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        bound = (f"between {minimum} and {maximum}" if maximum is not None
                 else f"{minimum} or more")
        raise InvalidArgument(argument, f"must be {bound}")
    return value


def flag(value: object, argument: str) -> bool:
    """A bool."""
    if not isinstance(value, bool):
        raise InvalidArgument(argument, "must be True or False")
    return value


def choice(value: object, argument: str, options: Iterable[str]) -> str:
    """One of ``options``."""
    allowed = tuple(options)
    if value not in allowed:
        names = ", ".join(repr(o) for o in allowed)
        raise InvalidArgument(argument, f"must be one of {names}")
    return str(value)


def texts(values: object, argument: str, *, max_items: int | None = None) -> list[str]:
    """A list of non-empty strings (a lone string is refused: it is not a list)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (Sequence, set,
                                                                           frozenset)):
        raise InvalidArgument(argument, "must be a list of strings")
    items = list(values)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgument(argument, "every entry must be a non-empty string")
    if max_items is not None and len(items) > max_items:
        raise InvalidArgument(argument, f"must have at most {max_items} entries")
    return items


def json_text(value: object, argument: str) -> str:
    """A JSON object as a string: a mapping is serialized, a string must parse to an object."""
    if isinstance(value, Mapping):
        try:
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(argument, f"cannot be written as JSON: {exc}") from None
    if not isinstance(value, str):
        raise InvalidArgument(argument, "must be a JSON object, as a string or a mapping")
    try:
        parsed: Any = json.loads(value)
    except (ValueError, RecursionError):
        raise InvalidArgument(argument, "is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise InvalidArgument(argument, "must be a JSON object")
    return value
