"""Running one piece of work on many threads at once, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["together"]


def together(count: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run ``work(0)`` … ``work(count - 1)`` on ``count`` threads released at once (a
    barrier), wait for all of them, and return what they raised (empty when nothing did)."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # reported to the test, which asserts there is none
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
