"""Single flight: a token is fetched at most once across threads, tasks, processes and hosts.

A token is refreshed under an in-process lock *and* a fenced store lease; the lease holder
re-reads, fetches, writes with its fence and releases. Waiters poll the store with backoff
until the new token lands or the lease expires (a dead holder blocks nobody beyond
``lease_ttl``); the whole wait is bounded by ``wait_timeout``. A holder whose lease expired
while it fetched cannot overwrite a newer token: its write carries the old fence and is
refused by the store.

The fetch runs under the lease (:meth:`Context.under`): every upstream call it makes checks
first that the lease still holds by the holder's clock, counted from the moment it was asked
for. A holder that paused past its lease (a stopped process, a slow answer) therefore sends
nothing more when it resumes — no retry of a timed-out call, no 61023 recovery — and waits
like any other caller for the token the next holder writes.

Internal module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..errors import LeaseTimeout
from ..stores.base import CachedToken, Store
from .context import Context, Lease, LeaseLost
from .effects import Emit, Flow, Lock, Sleep, Unlock, store_call
from .listener_events import ListenerEvent
from .policy import is_fresh

__all__ = ["Busy", "LeaseLost", "ensure_token"]

log = logging.getLogger("wxcomponent")


class Busy(LeaseTimeout):
    """Another thread, task, process or host is refreshing the token right now, and the caller
    asked not to wait for it (``wait=False``: the background refresher, which moves on to the
    accounts nobody is refreshing yet)."""


def ensure_token(
    ctx: Context,
    key: str,
    fetch: Callable[[Context], Flow[CachedToken]],
    *,
    stale: str | None = None,
    lead: float = 0.0,
    kind: str = "token",
    subject: str = "",
    wait: bool = True,
) -> Flow[CachedToken]:
    """Return a fresh token under ``key``, fetching it at most once across the fleet.

    ``fetch`` is given the context to fetch with: the caller's, under the lease held (its
    upstream calls stop once the lease has run out). ``stale`` is a token the caller saw fail:
    it is never returned, and it is replaced only if it is still the stored one
    (compare-and-refresh). ``lead`` asks for a token that stays fresh at least that much
    longer (the background refresher's renewal ahead of time). With ``wait=False``, a refresh
    already under way elsewhere raises :class:`Busy` at once instead of being waited for.
    """
    policy = ctx.policy
    cached: CachedToken | None = yield from store_call(Store.get_token, key)
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
        lost = False
        while True:
            cached = yield from store_call(Store.get_token, key)
            if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                assert cached is not None
                return cached
            if lost and ctx.clock() >= deadline:
                # Our lease ran out and nobody wrote since: no new lease past the wait.
                raise _waited_too_long(policy.wait_timeout, kind, subject)
            asked = ctx.clock()
            fence: int | None = yield from store_call(Store.acquire_lease, key, policy.lease_ttl)
            if fence is None:
                if not wait:
                    raise Busy(f"the {kind} is being refreshed elsewhere")
                if ctx.clock() >= deadline:
                    raise _waited_too_long(policy.wait_timeout, kind, subject)
                yield Sleep(delays.next())
                continue
            lease = Lease(key, fence, asked + policy.lease_ttl)
            try:
                # Someone may have written between our read and our lease: read once more.
                cached = yield from store_call(Store.get_token, key)
                if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                    assert cached is not None
                    return cached
                return (yield from _fetch_and_store(ctx.under(lease), key, fetch, fence, stale,
                                                    kind, subject))
            except LeaseLost as ended:
                if ended.lease is not lease:
                    raise
                log.warning("the lease on the %s%s ran out during its refresh; no further "
                            "call is made under it", kind, f" of {subject}" if subject else "")
                yield Emit(ListenerEvent.LEASE_LOST, {"kind": kind, "appid": subject or ctx.appid})
                # Like any waiter now: the token the next holder wrote, or (within the
                # caller's wait) a lease of our own.
                lost = True
            finally:
                yield from store_call(Store.release_lease, key, fence)
    finally:
        yield Unlock(key)


def _waited_too_long(wait_timeout: float, kind: str, subject: str) -> LeaseTimeout:
    return LeaseTimeout(f"waited {wait_timeout:.0f}s for another worker to refresh the {kind}"
                        + (f" of {subject}" if subject else ""))


def _fetch_and_store(ctx: Context, key: str, fetch: Callable[[Context], Flow[CachedToken]],
                     fence: int, stale: str | None, kind: str,
                     subject: str) -> Flow[CachedToken]:
    started = ctx.clock()
    try:
        token = yield from fetch(ctx)
    except LeaseLost:
        raise
    except Exception as exc:
        yield Emit(ListenerEvent.REFRESH_FAILED, {"kind": kind, "appid": subject or ctx.appid,
                                                  "error": type(exc).__name__})
        raise
    landed = yield from store_call(Store.set_token, key, token, fence=fence)
    if not landed:
        # Our lease expired while fetching and another worker may have written since: a
        # fresh stored token wins; otherwise ours is still good to hand out, just not cached.
        newer: CachedToken | None = yield from store_call(Store.get_token, key)
        log.warning("lease on %s expired during the refresh; token not cached", kind)
        if is_fresh(newer, ctx.clock(), ctx.policy, stale=stale):
            assert newer is not None
            return newer
    yield Emit(ListenerEvent.TOKEN_REFRESHED, {
        "kind": kind, "appid": subject or ctx.appid,
        "expires_in": round(token.expires_at - token.obtained_at),
        "seconds": round(ctx.clock() - started, 3),
    })
    return token
