"""Single flight: a token is fetched at most once across threads, tasks, processes and hosts.

A token is refreshed under an in-process lock *and* a fenced store lease; the lease holder
re-reads, fetches, writes with its fence and releases. Waiters poll the store with backoff
until the new token lands or the lease expires (a dead holder blocks nobody beyond
``lease_ttl``); the whole wait is bounded by ``wait_timeout``. A holder whose lease expired
while it fetched cannot overwrite a newer token: its write carries the old fence and is
refused by the store.

Internal module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..errors import LeaseTimeout
from ..stores.base import CachedToken
from .context import Context
from .effects import Emit, Flow, Lock, Sleep, StoreCall, Unlock
from .policy import is_fresh

__all__ = ["Busy", "ensure_token"]

log = logging.getLogger("wxcomponent")


class Busy(LeaseTimeout):
    """Another thread, task, process or host is refreshing the token right now, and the caller
    asked not to wait for it (``wait=False``: the background refresher, which moves on to the
    accounts nobody is refreshing yet)."""


def ensure_token(
    ctx: Context,
    key: str,
    fetch: Callable[[], Flow[CachedToken]],
    *,
    stale: str | None = None,
    lead: float = 0.0,
    kind: str = "token",
    subject: str = "",
    wait: bool = True,
) -> Flow[CachedToken]:
    """Return a fresh token under ``key``, fetching it at most once across the fleet.

    ``stale`` is a token the caller saw fail: it is never returned, and it is replaced only if
    it is still the stored one (compare-and-refresh). ``lead`` asks for a token that stays fresh
    at least that much longer (the background refresher's renewal ahead of time). With
    ``wait=False``, a refresh already under way elsewhere raises :class:`Busy` at once instead
    of being waited for.
    """
    policy = ctx.policy
    cached: CachedToken | None = yield StoreCall("get_token", (key,))
    if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
        assert cached is not None
        return cached
    deadline = ctx.clock() + policy.wait_timeout
    taken = yield Lock(key, policy.wait_timeout if wait else 0.0)
    if not taken:
        if not wait:
            raise Busy(f"the {kind} is being refreshed in this process")
        raise LeaseTimeout(f"waited {policy.wait_timeout:.0f}s for the {kind} refresh lock")
    try:
        delays = policy.poll_delays(ctx.rng)
        while True:
            cached = yield StoreCall("get_token", (key,))
            if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                assert cached is not None
                return cached
            fence: int | None = yield StoreCall("acquire_lease", (key, policy.lease_ttl))
            if fence is not None:
                break
            if not wait:
                raise Busy(f"the {kind} is being refreshed elsewhere")
            if ctx.clock() >= deadline:
                raise LeaseTimeout(
                    f"waited {policy.wait_timeout:.0f}s for another worker to refresh the {kind}"
                    + (f" of {subject}" if subject else "")
                )
            yield Sleep(delays.next())
        try:
            # Someone may have written between our read and our lease: read once more.
            cached = yield StoreCall("get_token", (key,))
            if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                assert cached is not None
                return cached
            return (yield from _fetch_and_store(ctx, key, fetch, fence, stale, kind, subject))
        finally:
            yield StoreCall("release_lease", (key, fence))
    finally:
        yield Unlock(key)


def _fetch_and_store(ctx: Context, key: str, fetch: Callable[[], Flow[CachedToken]], fence: int,
                     stale: str | None, kind: str, subject: str) -> Flow[CachedToken]:
    started = ctx.clock()
    try:
        token = yield from fetch()
    except Exception as exc:
        yield Emit("refresh_failed", {"kind": kind, "appid": subject or ctx.appid,
                                      "error": type(exc).__name__})
        raise
    landed = yield StoreCall("set_token", (key, token), {"fence": fence})
    if not landed:
        # Our lease expired while fetching and another worker may have written since: a
        # fresh stored token wins; otherwise ours is still good to hand out, just not cached.
        newer: CachedToken | None = yield StoreCall("get_token", (key,))
        log.warning("lease on %s expired during the refresh; token not cached", kind)
        if is_fresh(newer, ctx.clock(), ctx.policy, stale=stale):
            assert newer is not None
            return newer
    yield Emit("token_refreshed", {
        "kind": kind, "appid": subject or ctx.appid,
        "expires_in": round(token.expires_at - token.obtained_at),
        "seconds": round(ctx.clock() - started, 3),
    })
    return token
