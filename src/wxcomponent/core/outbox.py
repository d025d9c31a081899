"""Pushes handed on with nothing lost: the durable outbox and the durable code exchanges.

Both are jobs of the store's durable queue (see :mod:`wxcomponent.stores`), written while the
push is handled and **before** WeChat is answered; a store that cannot write them makes the
push answer 503, so WeChat retries and nothing acknowledged can be lost by a crash.

* **The outbox**: for every accepted push, one job per delivery topic (``deliver:<name>``, one
  per webhook), grouped by the authorizer (``-`` for the platform's own events) so deliveries
  keep each account's order. The job's payload is the push as JSON (:func:`push_document`),
  marked ``release_check`` when it is one of the release check's test accounts.
  Idempotency keys make a retried push (after a 503) enqueue nothing twice.
* **Code exchanges**: the code of an ``authorized`` / ``updateauthorized`` push or of a
  successful fast registration becomes a job of topic ``exchange`` before the answer; a
  background worker claims and runs it (:func:`run_exchanges`). A crash leaves it pending, and
  the next worker — after a restart, or another host's refresher round — finishes it.

Internal module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

from ..events import (
    Authorized,
    AuthorizerMessage,
    ComponentEvent,
    Event,
    FastRegisterResult,
    UpdateAuthorized,
    VerifyTicket,
)
from ..redaction import mask_fields
from ..stores.base import Job, Store
from .accounts import event_time
from .context import Context
from .effects import Emit, Flow, Sleep, store_call
from .exchange import ExchangeError, exchange_once, read_account
from .listener_events import ListenerEvent
from .release_accounts import is_release_check_account

__all__ = [
    "EXCHANGE_TOPIC",
    "Delivery",
    "backoff",
    "deliver_topic",
    "drain_exchanges",
    "enqueue_exchange",
    "enqueue_push",
    "job_document",
    "push_document",
    "push_of",
    "run_exchanges",
]

log = logging.getLogger("wxcomponent")

EXCHANGE_TOPIC = "exchange"
#: The group of the platform's own events in the queue (an appid never looks like this).
PLATFORM_GROUP = "-"


_DELIVER = "deliver:"


def deliver_topic(name: str) -> str:
    """The queue topic of the deliveries to the webhook ``name``."""
    return f"{_DELIVER}{name}"


def push_document(event: Event, *, component_appid: str, authorizer_appid: str | None,
                  received_at: float, tenant: str | None = None) -> dict[str, Any]:
    """The JSON form of a push as webhooks receive it: its kind, who it concerns, when it
    came, and every field of the push (one-use codes and tickets replaced by ``***``).
    ``release_check`` is true for a push of (or about) one of the test accounts of WeChat's
    release check: WeChat's account, not a merchant's."""
    kind = (event.info_type if isinstance(event, ComponentEvent)
            else str(getattr(event, "route_key", type(event).__name__)))
    about = getattr(event, "authorizer_appid", None) or authorizer_appid
    user_name = event.to_user_name if isinstance(event, AuthorizerMessage) else None
    return {
        "kind": kind,
        "type": type(event).__name__,
        "component_appid": component_appid,
        "authorizer_appid": about,
        "release_check": is_release_check_account(about, user_name),
        "tenant": tenant,
        "received_at": received_at,
        "create_time": event.create_time,
        "fields": mask_fields(dict(event.raw)),
    }


#: The keys of a push's document in the order webhooks receive them.
_ORDER = ("kind", "type", "component_appid", "authorizer_appid", "release_check", "tenant",
          "received_at", "create_time", "fields")


def _at_rest(document: dict[str, Any], group: str) -> dict[str, Any]:
    """A push's document as its job stores it: without what the job's row holds already (the
    platform, the account as the job's group) and without the values that go without saying
    (not of the release check, no tenant). :func:`push_of` puts them back."""
    kept = {key: value for key, value in document.items() if key != "component_appid"}
    if document.get("authorizer_appid") == (None if group == PLATFORM_GROUP else group):
        del kept["authorizer_appid"]
    if document.get("release_check") is False:
        del kept["release_check"]
    if document.get("tenant") is None:
        kept.pop("tenant", None)
    return kept


def push_of(job: Job, stored: dict[str, Any]) -> dict[str, Any]:
    """The whole document of the push a delivery job carries, from what it stored (see
    :func:`_at_rest`; a document stored whole, by an older version, comes back as it was)."""
    known = {"component_appid": job.component_appid,
             "authorizer_appid": None if job.group == PLATFORM_GROUP else job.group,
             "release_check": False, "tenant": None}
    whole = {key: stored[key] if key in stored else known[key] for key in _ORDER
             if key in stored or key in known}
    whole.update((key, value) for key, value in stored.items() if key not in whole)
    return whole


def job_document(job: Job) -> dict[str, Any]:
    """The JSON object a queued job carries (for a delivery, the whole push: see
    :func:`push_of`), or ``{}`` when its payload is not one."""
    try:
        loaded = json.loads(job.payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return push_of(job, loaded) if job.topic.startswith(_DELIVER) else loaded


def enqueue_push(ctx: Context, topics: tuple[str, ...], event: Event, *,
                 authorizer_appid: str | None, dedupe_key: str,
                 tenant: str | None = None) -> Flow[list[int]]:
    """Write the push to the outbox: one job per topic, keyed so a retried push adds none.
    Verify tickets are the platform's own business and are never handed on."""
    if not topics or isinstance(event, VerifyTicket):
        return []
    document = push_document(event, component_appid=ctx.appid,
                             authorizer_appid=authorizer_appid, received_at=ctx.clock(),
                             tenant=tenant)
    group = document["authorizer_appid"] or PLATFORM_GROUP
    payload = json.dumps(_at_rest(document, group), ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    ids = []
    for topic in topics:
        job_id: int = yield from store_call(
            Store.enqueue, ctx.appid, topic, group, payload, key=dedupe_key)
        ids.append(job_id)
    yield Emit(ListenerEvent.PUSH_QUEUED, {"event": document["kind"], "topics": list(topics)})
    return ids


# --------------------------------------------------------------------------- code exchanges


@dataclass(frozen=True)
class _Exchange:
    code: str
    authorizer_appid: str
    source: str
    event_at: int = 0


def _code_key(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:40]


def exchange_of(event: Event) -> _Exchange | None:
    """The code exchange a push asks for (None for a push without one)."""
    if isinstance(event, (Authorized, UpdateAuthorized)):
        return _Exchange(event.authorization_code, event.authorizer_appid, event.info_type,
                         event_time(event.create_time))
    if isinstance(event, FastRegisterResult) and event.succeeded and event.auth_code:
        return _Exchange(event.auth_code, event.appid or "", event.info_type,
                         event_time(event.create_time))
    return None


def enqueue_exchange(ctx: Context, exchange: _Exchange, *, attempts: int) -> Flow[int]:
    """Record a code exchange durably (once per code) before WeChat is answered."""
    payload = json.dumps({"code": exchange.code, "source": exchange.source,
                          "authorizer_appid": exchange.authorizer_appid,
                          "event_at": exchange.event_at,
                          "attempts": attempts}).encode("utf-8")
    job_id: int = yield from store_call(
        Store.enqueue, ctx.appid, EXCHANGE_TOPIC, exchange.authorizer_appid or PLATFORM_GROUP,
        payload, key=_code_key(exchange.code))
    return job_id


def backoff(attempt: int, rng: random.Random, *, base: float, cap: float) -> float:
    """The pause before try ``attempt + 1``: exponential from ``base``, capped at ``cap``,
    with full jitter (between half and all of it)."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return rng.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class Delivery:
    """What happened to one job: ``done``, ``retry`` (at ``retry_at``) or ``dead``."""

    job_id: int
    outcome: str
    retry_at: float | None = None
    error: str = ""


def run_exchanges(ctx: Context, *, limit: int = 8, lease: float = 60.0,
                  backoff_base: float = 2.0, backoff_cap: float = 300.0,
                  max_attempts: int = 8, read_backoff: float = 1.0) -> Flow[list[Delivery]]:
    """Claim the due code exchanges of the platform and run them: done when the authorizer is
    stored, retried later on a transient failure, dead (logged, emitted) when a retry cannot
    help or the tries are spent. Once every claimed job is settled, each account exchanged is
    looked up (:func:`~.exchange.read_account`, pausing ``read_backoff`` seconds between
    tries), so its record has a name."""
    jobs: list[Job] = yield from store_call(
        Store.claim_jobs, ctx.appid, EXCHANGE_TOPIC, limit=limit, lease=lease)
    results = []
    exchanged: list[str] = []
    for job in jobs:
        assert job.claim is not None
        try:
            spec = json.loads(job.payload)
            code, source = str(spec["code"]), str(spec.get("source", "authorized"))
            event_at = event_time(int(spec.get("event_at") or 0))
        except (ValueError, KeyError, TypeError):
            yield from store_call(Store.bury_job, job.id, job.claim, "unreadable exchange job")
            results.append(Delivery(job.id, "dead", error="unreadable"))
            continue
        outcome = yield from exchange_once(ctx, code, source=source,
                                           authorizer_appid=spec.get("authorizer_appid") or "",
                                           since=job.created_at, event_at=event_at)
        if not isinstance(outcome, ExchangeError):  # the appid of the account stored
            yield from store_call(Store.ack_job, job.id, job.claim)
            results.append(Delivery(job.id, "done"))
            if outcome and outcome not in exchanged:
                exchanged.append(outcome)
            continue
        if outcome.retryable and job.attempts < max_attempts:
            retry_at = ctx.clock() + backoff(job.attempts, ctx.rng, base=backoff_base,
                                             cap=backoff_cap)
            yield from store_call(Store.retry_job, job.id, job.claim, retry_at, outcome.name)
            results.append(Delivery(job.id, "retry", retry_at, outcome.name))
        else:
            yield from store_call(Store.bury_job, job.id, job.claim, outcome.name)
            log.error("exchange of the %s code of %s failed for good: %s", source,
                      job.group, outcome.name)
            yield Emit(ListenerEvent.AUTHORIZATION_EXCHANGE_FAILED, {
                "appid": job.group, "source": source, "attempts": job.attempts,
                "error": outcome.name})
            results.append(Delivery(job.id, "dead", error=outcome.name))
    # after the settlements, so a slow lookup holds no claim
    for authorizer_appid in exchanged:
        yield from read_account(ctx, authorizer_appid, backoff=read_backoff)
    return results


def drain_exchanges(ctx: Context, *, backoff_base: float = 2.0, backoff_cap: float = 300.0,
                    max_attempts: int = 8) -> Flow[list[Delivery]]:
    """Run the due code exchanges, and keep at it while some wait for a retry: the worker a
    push starts finishes its exchange in this process unless the process dies (then the job
    waits in the store for the next worker)."""
    done: list[Delivery] = []
    while True:
        results = yield from run_exchanges(ctx, backoff_base=backoff_base,
                                           backoff_cap=backoff_cap, max_attempts=max_attempts,
                                           read_backoff=backoff_base)
        done.extend(results)
        waits = [r.retry_at for r in results if r.retry_at is not None]
        if not waits:
            return done
        yield Sleep(max(0.0, min(waits) - ctx.clock()))
