"""Paged listings, written once: the shells only iterate what these describe.

A :class:`Pages` holds a flow that fetches one page for a cursor (None for the first page);
each :class:`Page` names the cursor of the next one, or None at the end. The sync shell
iterates a :class:`Pages` as an iterator, the async shell as an async iterator.

Internal module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .effects import Flow

__all__ = ["Page", "Pages"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the cursor of the next (None when this is the last)."""

    items: tuple[T, ...]
    next: Any = None


@dataclass(frozen=True)
class Pages(Generic[T]):
    """A listing: ``fetch(cursor)`` is the flow of one page; the first cursor is None."""

    fetch: Callable[[Any], Flow[Page[T]]]
