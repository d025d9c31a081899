"""The readers of a push's fields, for the events that hold their fields strictly: text (a
nested element where text belongs is an :class:`~wxcomponent.errors.XMLError`), required
text, integers and decimals (a malformed one is an ``XMLError``; an empty one is absent) and
nested elements.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core.xml import XMLValue
from ..errors import XMLError
from .base import Raw

__all__ = ["decimal", "integer", "mapping", "need", "plain", "text"]


def text(raw: Raw, name: str, default: str | None = None) -> str | None:
    """The field's text, ``default`` when it is missing."""
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise XMLError(f"field {name} must be text")
    return value


def plain(raw: Raw, name: str) -> str:
    """The field's text, empty when it is missing."""
    return text(raw, name, "") or ""


def need(raw: Raw, name: str) -> str:
    """The field's text, which must be there and not be empty."""
    value = text(raw, name)
    if value is None or value == "":
        raise XMLError(f"field {name} is missing")
    return value


def integer(raw: Raw, name: str, default: int | None = None) -> int | None:
    """The field as an int, ``default`` when it is missing or blank."""
    value = text(raw, name)
    if value is None:
        return default
    try:
        return int(value)  # int() ignores surrounding whitespace, as str.strip() does
    except ValueError:
        if value.strip() == "":
            return default
        raise XMLError(f"field {name} is not an integer") from None


def decimal(raw: Raw, name: str) -> float:
    """The field as a float, 0.0 when it is missing or blank."""
    value = text(raw, name)
    if value is None or value.strip() == "":
        return 0.0
    try:
        return float(value.strip())
    except ValueError:
        raise XMLError(f"field {name} is not a number") from None


def mapping(raw: Raw, name: str) -> Mapping[str, XMLValue]:
    """The field's nested element, empty when it is missing or empty."""
    value = raw.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise XMLError(f"field {name} must be a nested element")
    return value
