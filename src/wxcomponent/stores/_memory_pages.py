"""How the memory store reads a page: the values of sorted keys after a key, those wanted, up
to a limit (keyset paging over a sorted list, as the other stores' indexes do); and the
records due first (a scan: memory is small)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import islice
from typing import Any, Protocol, TypeVar

__all__ = ["earliest", "page_after"]

V = TypeVar("V")


class _Record(Protocol):
    @property
    def authorizer_appid(self) -> str: ...


R = TypeVar("R", bound=_Record)


def page_after(keys: list[Any], after: Any, limit: int, value: Callable[[Any], V],
               wanted: Callable[[V], bool]) -> list[V]:
    """Up to ``limit`` values (``value(key)``) of the sorted ``keys`` after ``after`` (from the
    first when None), those ``wanted``, in the keys' order."""
    start = 0 if after is None else bisect.bisect_right(keys, after)
    return list(islice(filter(wanted, map(value, keys[start:])), limit))



def earliest(records: list[R], when: Callable[[R], float], before: float, limit: int,
             wanted: Callable[[R], bool] = lambda r: True) -> list[R]:
    """Up to ``limit`` of ``records`` due by ``before`` (``when(record) <= before``) and
    ``wanted``, earliest first, ties in appid order."""
    due = sorted((when(r), r.authorizer_appid, r) for r in records
                 if wanted(r) and when(r) <= before)
    return [r for _, _, r in due[:limit]]
