"""How the memory store reads a page: the values of sorted keys after a key, those wanted, up
to a limit (keyset paging over a sorted list, as the other stores' indexes do)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import islice
from typing import Any, TypeVar

__all__ = ["page_after"]

V = TypeVar("V")


def page_after(keys: list[Any], after: Any, limit: int, value: Callable[[Any], V],
               wanted: Callable[[V], bool]) -> list[V]:
    """Up to ``limit`` values (``value(key)``) of the sorted ``keys`` after ``after`` (from the
    first when None), those ``wanted``, in the keys' order."""
    start = 0 if after is None else bisect.bisect_right(keys, after)
    return list(islice(filter(wanted, map(value, keys[start:])), limit))
