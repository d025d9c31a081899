"""Keeping every token fresh ahead of expiry: one round, and the loop of rounds.

A round renews the component token, then asks the store for the authorized accounts whose
refresh time has come (:meth:`~wxcomponent.stores.Store.due_authorizers`, served by an index)
and renews each one's access token when it is within ``policy.refresh_lead`` of its margin,
with at most ``concurrency`` refreshes at a time (:class:`~.effects.Gather`). After each check
the account is scheduled again: at its new token's refresh time
(:meth:`~.policy.Policy.refresh_time`), or ``retry_after`` seconds later when the refresh
failed. So a round costs what is due, not what is stored: 100,000 fresh accounts cost one
empty query.

Each refresh goes through single flight, so every host of a fleet may run its own refresher:
they never refresh the same token twice. A failure is logged and counted, never raised.

The schedule is a hint kept beside the token cache. If the cache loses a token the schedule
says is fresh (a flushed Redis), the next call for that account refreshes it on demand.

A missing ticket heals itself: when the stored verify ticket is missing or older than
``policy.ticket_request_age`` (a fresh install, a wrong URL fixed in WeChat's console, an
outage), a round asks WeChat to push one (``api_start_push_ticket``), once per
``policy.ticket_request_interval`` across the fleet (a lease that is never released, it ends),
and records when under :func:`ticket_request_key` in the token cache for ``/status`` and the
console (:func:`last_ticket_request`).

Finished code exchanges are purged once ``policy.exchange_retention`` has passed, an hour at
a time by one host of a fleet, in bounded batches (:mod:`.retention`).

Internal module.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, cast

from ..errors import APIError, InvalidArgument, TransportError
from ..stores.base import AuthorizerRecord, AuthorizerStatus, CachedToken, Store, Ticket
from .accounts import clear_release_check_records
from .compliance import check_round
from .context import Context, TokenKind
from .effects import Emit, Flow, Gather, Pause, store_call
from .endpoints.component import get_authorizer_info, start_push_ticket
from .engine import ACCOUNT_CALL_FAILURES, CALL_FAILURES
from .listener_events import ListenerEvent
from .outbox import EXCHANGE_TOPIC, run_exchanges
from .paging import Page, Pages
from .reconcile import reconcile_authorizers
from .release_accounts import is_release_check_account
from .retention import PurgeRun, purge_old_jobs
from .singleflight import Busy
from .tokens import authorizer_token, get_token

__all__ = [
    "RefresherStats",
    "TicketRequest",
    "last_ticket_request",
    "refresh_due",
    "refresh_one",
    "refresh_scheduled",
    "request_ticket_when_missing",
    "run_refresher",
    "stored_authorizers",
    "ticket_request_key",
]

log = logging.getLogger("wxcomponent")

#: Records read from the store per page.
STORE_PAGE = 200
#: Most accounts a round looks up when their record has no name or account type (records
#: kept before these were, or whose lookup after the exchange failed): a fleet upgrade fills
#: them in over a few rounds.
NAMES_PER_ROUND = 50


def refresh_one(ctx: Context, kind: TokenKind, authorizer_appid: str = "") -> Flow[bool]:
    """Renew one token ahead of time; False (logged, emitted) when the refresh failed."""
    try:
        yield from get_token(ctx, kind, authorizer_appid, lead=ctx.policy.refresh_lead)
    except ACCOUNT_CALL_FAILURES as exc:
        log.warning("background refresh of %s %s failed: %s", kind.value,
                    authorizer_appid or ctx.appid, exc)
        return False
    return True


def stored_authorizers(ctx: Context, *,
                       status: str | None = "authorized") -> Pages[AuthorizerRecord]:
    """Every authorizer record of the platform in the store (all statuses with
    ``status=None``), in appid order, a page at a time."""
    if status not in (None, "authorized", "revoked"):
        raise InvalidArgument("status", "must be 'authorized', 'revoked' or None")
    wanted = cast("AuthorizerStatus | None", status)

    def fetch(cursor: Any) -> Flow[Page[AuthorizerRecord]]:
        records: list[AuthorizerRecord] = yield from store_call(
            Store.list_authorizers, ctx.appid, status=wanted, after=cursor, limit=STORE_PAGE)
        last = records[-1].authorizer_appid if len(records) == STORE_PAGE else None
        return Page(tuple(records), last)

    return Pages(fetch)


def refresh_due(ctx: Context, *, concurrency: int = 8,
                retry_after: float = 60.0) -> Flow[tuple[int, int]]:
    """Renew every token that is near its margin: (tokens checked, refreshes failed).

    Reads the store's refresh schedule a page at a time; an account whose refresh fails is
    scheduled again ``retry_after`` seconds later.
    """
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise InvalidArgument("concurrency", "must be an integer >= 1")
    if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) \
            or not retry_after > 0:
        raise InvalidArgument("retry_after", "must be a positive number of seconds")
    ok = yield from refresh_one(ctx, TokenKind.COMPONENT_ACCESS_TOKEN)
    checked, failed = 1, 0 if ok else 1
    seen: set[str] = set()
    names_left = NAMES_PER_ROUND
    while True:
        due: list[AuthorizerRecord] = yield from store_call(
            Store.due_authorizers, ctx.appid, before=ctx.clock(), limit=STORE_PAGE)
        legacy = [r.authorizer_appid for r in due if is_release_check_account(r.authorizer_appid)]
        if legacy:  # written by an older version: never refreshed, removed
            yield from clear_release_check_records(ctx)
        full = len(due) == STORE_PAGE
        due = [r for r in due if r.authorizer_appid not in legacy]
        # Each checked account is rescheduled past now, so the next page holds new ones; one
        # whose schedule could not be written is not checked twice in a round.
        batch = {r.authorizer_appid for r in due if r.authorizer_appid not in seen}
        if not batch:
            return checked, failed
        seen.update(batch)
        results = yield Gather(tuple(_refresher(ctx, r.authorizer_appid, float(retry_after))
                                     for r in due if r.authorizer_appid in batch), concurrency)
        checked += len(results)
        failed += sum(1 for ok in results if not ok)
        unnamed = [r.authorizer_appid for r in due
                   if (r.name is None or r.account_type is None)
                   and r.authorizer_appid in batch][:names_left]
        if unnamed:
            names_left -= len(unnamed)
            yield Gather(tuple(_namer(ctx, appid) for appid in unnamed), concurrency)
        if not full:
            return checked, failed


def refresh_scheduled(ctx: Context, authorizer_appid: str, retry_after: float) -> Flow[bool]:
    """Check one due account's token (renewing it when near its margin) and schedule its next
    check; False when the refresh failed (logged, emitted).

    An account whose token another thread, task or host is refreshing right now is left to
    it, without waiting: this round moves on to the next due account, so the refreshers of a
    fleet share a page of due accounts instead of queueing behind each other's leases. Its
    schedule is left as it is; if nobody moves it, the next round checks it again."""
    kind = TokenKind.AUTHORIZER_ACCESS_TOKEN
    try:
        token = yield from authorizer_token(ctx, authorizer_appid,
                                            lead=ctx.policy.refresh_lead, wait=False)
    except Busy:
        return True
    except ACCOUNT_CALL_FAILURES as exc:
        log.warning("background refresh of %s %s failed: %s", kind.value, authorizer_appid, exc)
        yield from store_call(
            Store.schedule_refresh, ctx.appid, authorizer_appid, ctx.clock() + retry_after)
        return False
    yield from store_call(
        Store.schedule_refresh, ctx.appid, authorizer_appid, ctx.policy.refresh_time(token))
    return True


def _resume_exchanges(ctx: Context) -> Flow[None]:
    """Finish the code exchanges a crashed worker left in the durable queue."""
    options = getattr(ctx.callbacks, "options", None)
    if options is None or not options.exchange_codes or not options.durable_exchanges:
        return
    try:
        done = yield from run_exchanges(ctx, max_attempts=options.exchange_attempts,
                                        backoff_base=options.exchange_backoff,
                                        read_backoff=options.exchange_backoff)
    except Exception as exc:
        log.warning("pending code exchanges not resumed: %s", type(exc).__name__)
        return
    if done:
        log.info("%d pending code exchange(s) resumed", len(done))


#: How long the record of the last ticket request is kept for ``/status`` and the console.
TICKET_REQUEST_MEMORY = 86400.0


@dataclass(frozen=True)
class TicketRequest:
    """The last time a host of the fleet asked WeChat to push a verify ticket: when (epoch
    seconds), and the name of the error when the request failed (None when WeChat took it)."""

    at: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when WeChat accepted the request."""
        return self.error is None


def ticket_request_key(component_appid: str) -> str:
    """The key of the ticket-request lease and of its record in the token cache."""
    return f"{component_appid}:ticket_request"


def last_ticket_request(record: CachedToken | None) -> TicketRequest | None:
    """The :class:`TicketRequest` kept under :func:`ticket_request_key` (None when there is
    none, or it is not one)."""
    if record is None:
        return None
    try:
        data = json.loads(record.value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    return TicketRequest(record.obtained_at, error if isinstance(error, str) else None)


def request_ticket_when_missing(ctx: Context) -> Flow[TicketRequest | None]:
    """Ask WeChat to push a verify ticket when the stored one is missing or older than
    ``policy.ticket_request_age``, unless a host of the fleet asked within
    ``policy.ticket_request_interval``: the request made (its failure logged and recorded,
    never raised), or None when none was needed or it was another host's turn."""
    policy = ctx.policy
    if policy.ticket_request_age is None:
        return None
    ticket: Ticket | None = yield from store_call(Store.load_ticket, ctx.appid)
    now = ctx.clock()
    age = None if ticket is None else max(0.0, now - ticket.received_at)
    if age is not None and age <= policy.ticket_request_age:
        return None
    key = ticket_request_key(ctx.appid)
    # One host of a fleet asks per interval: the lease is never released, it ends.
    fence: int | None = yield from store_call(
        Store.acquire_lease, key, policy.ticket_request_interval)
    if fence is None:
        return None
    missing = "missing" if age is None else f"{age:.0f}s old"
    error: str | None = None
    try:
        yield from start_push_ticket(ctx)
    except (APIError, TransportError) as exc:
        error = type(exc).__name__
        log.warning("the verify ticket of %s is %s; asking WeChat to push one failed: %s",
                    ctx.appid, missing, exc)
    else:
        log.info("the verify ticket of %s is %s; asked WeChat to push one", ctx.appid, missing)
    request = TicketRequest(now, error)
    yield from store_call(
        Store.set_token, key, CachedToken(json.dumps({"error": error}),
                                         now + TICKET_REQUEST_MEMORY, now),
        fence=fence)
    yield Emit(ListenerEvent.TICKET_REQUESTED, {"appid": ctx.appid, "ticket_age": age,
                                                "error": error or ""})
    return request


def _request_ticket(ctx: Context, stats: RefresherStats) -> Flow[None]:
    try:
        request = yield from request_ticket_when_missing(ctx)
    except Exception as exc:  # the store failed: the round goes on, the next one tries again
        log.warning("the verify ticket was not checked: %s", type(exc).__name__)
        return
    if request is not None:
        stats.ticket_requested_at = request.at


def _reconcile_when_due(ctx: Context, stats: RefresherStats) -> Flow[None]:
    interval = ctx.policy.reconcile_interval
    now = ctx.clock()
    if interval is None or (stats.reconciled_at is not None
                            and now - stats.reconciled_at < interval):
        return
    # One host of a fleet reconciles per interval: the lease is never released, it ends.
    stats.reconciled_at = now
    fence = yield from store_call(Store.acquire_lease, f"{ctx.appid}:reconcile", float(interval))
    if fence is None:
        return
    try:
        report = yield from reconcile_authorizers(ctx)
    except CALL_FAILURES as exc:
        log.warning("reconciliation with WeChat's authorizer list failed: %s", exc)
        return
    stats.reconciled_added += len(report.added)


#: How often finished code exchanges are purged, by one host of a fleet (a lease that ends).
EXCHANGE_PURGE_INTERVAL = 3600.0


def _purge_exchanges_when_due(ctx: Context, stats: RefresherStats) -> Flow[None]:
    """Delete the code exchanges finished (done or dead) more than
    ``policy.exchange_retention`` ago, in bounded batches, once an interval fleet-wide."""
    options = getattr(ctx.callbacks, "options", None)
    now = ctx.clock()
    if options is None or not options.durable_exchanges or (
            stats.exchanges_checked_at is not None
            and now - stats.exchanges_checked_at < EXCHANGE_PURGE_INTERVAL):
        return
    stats.exchanges_checked_at = now
    before = now - ctx.policy.exchange_retention
    try:
        fence = yield from store_call(Store.acquire_lease, f"{ctx.appid}:exchange_purge",
                                      EXCHANGE_PURGE_INTERVAL)
        if fence is None:
            return  # another host purges this interval
        deleted = 0
        for state in ("done", "dead"):
            deleted += yield from purge_old_jobs(ctx.appid, topic=EXCHANGE_TOPIC, state=state,
                                                 before=before)
    except Exception as exc:
        log.warning("old code exchanges not purged: %s", type(exc).__name__)
        return
    stats.exchange_purge = PurgeRun(now, deleted)
    if deleted:
        log.info("purged %d finished code exchanges", deleted)


def fill_name(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Look an account up (``api_get_authorizer_info``), which keeps its name in the store;
    False (logged) when that failed."""
    try:
        yield from get_authorizer_info(ctx, authorizer_appid)
    except CALL_FAILURES as exc:
        log.info("the name of %s was not looked up: %s", authorizer_appid, exc)
        return False
    return True


def _namer(ctx: Context, authorizer_appid: str) -> Any:
    return lambda: fill_name(ctx, authorizer_appid)


def _refresher(ctx: Context, authorizer_appid: str, retry_after: float) -> Any:
    return lambda: refresh_scheduled(ctx, authorizer_appid, retry_after)


@dataclass
class RefresherStats:
    """What a running refresher reports: rounds done, the failures of the last one, the
    last reconciliation with WeChat's list of authorizers (its time and the accounts added),
    when this refresher last asked WeChat to push a verify ticket, how many mini programs'
    compliance it checked, and its last purge of finished code exchanges."""

    rounds: int = 0
    last_failed: int = 0
    reconciled_at: float | None = None
    reconciled_added: int = 0
    ticket_requested_at: float | None = None
    compliance_checked: int = 0
    #: When this refresher last looked whether finished code exchanges were due for purging,
    #: and the last purge of them it ran (when, how many deleted).
    exchanges_checked_at: float | None = None
    exchange_purge: PurgeRun | None = None


def run_refresher(ctx: Context, stats: RefresherStats, stop: object, *, interval: float,
                  concurrency: int) -> Flow[None]:
    """Rounds of :func:`refresh_due` every ``interval`` seconds (±20 % jitter, so a fleet's
    hosts drift apart) until ``stop`` is set. A round that fails is logged and the loop goes
    on. Bad arguments are refused here, before anything runs."""
    if not isinstance(interval, (int, float)) or interval <= 0:
        raise InvalidArgument("interval", "must be a positive number of seconds")
    if not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgument("concurrency", "must be an integer >= 1")
    return _refresher_loop(ctx, stats, stop, float(interval), concurrency)


def _refresher_loop(ctx: Context, stats: RefresherStats, stop: object, interval: float,
                    concurrency: int) -> Flow[None]:
    if (yield Pause(0, stop)):
        return
    try:
        yield from clear_release_check_records(ctx)
    except Exception:
        log.exception("the records of the release check's test accounts could not be removed")
    while True:
        yield from _request_ticket(ctx, stats)
        yield from _resume_exchanges(ctx)
        yield from _reconcile_when_due(ctx, stats)
        yield from _purge_exchanges_when_due(ctx, stats)
        try:
            stats.compliance_checked += yield from check_round(ctx)
        except Exception as exc:
            log.warning("compliance check round failed: %s", type(exc).__name__)
        try:
            _, stats.last_failed = yield from refresh_due(ctx, concurrency=concurrency,
                                                          retry_after=interval)
        except Exception:
            log.exception("token refresher round failed")
        stats.rounds += 1
        if (yield Pause(interval * ctx.rng.uniform(0.8, 1.2), stop)):
            return
