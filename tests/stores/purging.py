"""What the purge tests of every store share: the rows a store holds, a cached token, and
leases taken and released by many threads while purges run under them."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable

from wxcomponent.stores import CachedToken, Store

from ..support.stores import StoreTime
from ..support.waiting import Releases

C1 = "wxcomponent0000001"
#: ``(tokens, leases)`` rows a store holds now.
Rows = Callable[[], Awaitable[tuple[int, int]]]


def token(value: str, expires_at: float) -> CachedToken:
    """A cached token expiring at ``expires_at``, obtained two hours before."""
    return CachedToken(value, expires_at, expires_at - 7200)


def contend_with_purges(store: Store, store_time: StoreTime, *, threads: int = 12,
                        keys: int = 3, grants: int = 40) -> list[int]:
    """Threads take turns on a few keys (acquire, fenced write, release) while the released
    rows are purged under them; the clock stands still, so no lease expires. Returns the
    fences granted, in grant order per key, after checking that no two holders of a key ever
    overlapped and that every holder's fenced write landed (a purge never took a held row).
    """
    guard = threading.Lock()
    inside = dict.fromkeys(range(keys), 0)
    granted: dict[int, list[int]] = {k: [] for k in range(keys)}
    problems: list[str] = []
    start = threading.Barrier(threads)
    deadline = time.monotonic() + 120  # only turns a hang into a failure
    releases = Releases()

    def worker(n: int) -> None:
        start.wait()
        done = 0
        while done < grants and time.monotonic() < deadline:
            k = (n + done) % keys
            key = f"{C1}:contended:{k}"
            seen = releases.count
            fence = store.acquire_lease(key, 3600)
            if fence is None:
                releases.wait_after(seen)  # until a holder lets go
                continue
            with guard:
                inside[k] += 1
                if inside[k] > 1:
                    problems.append(f"two holders of {key}")
                granted[k].append(fence)
            if not store.set_token(key, token(f"by-{n}", store_time() + 60), fence=fence):
                problems.append(f"the holder of {key} with fence {fence} could not write")
            with guard:
                inside[k] -= 1
            if not store.release_lease(key, fence):
                problems.append(f"the holder of {key} with fence {fence} could not release")
            releases.released()
            done += 1

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert problems == []
    assert sum(len(f) for f in granted.values()) == threads * grants
    for fences in granted.values():
        assert fences == sorted(set(fences))  # per key, every grant above the one before
    return [f for k in range(keys) for f in granted[k]]
