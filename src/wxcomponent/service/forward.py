"""Handing pushes on: webhooks fed from the durable outbox, and passive replies asked of the
application.

**Deliveries.** Every accepted push is a job of the store's queue (topic ``deliver:<webhook>``,
grouped by authorizer) before WeChat is answered. :class:`Forwarder` claims due jobs and POSTs
each to its webhook, signed (:mod:`wxcomponent.webhooks`); a 2xx answer completes it, anything
else is retried with exponential backoff and full jitter until ``max_age`` after the push, then
the job is dead (kept, listed by ``wxcomponent pushes``, replayable). Within one authorizer the
order is kept: its next push waits until the previous one is delivered or dead. Every host of a
fleet runs a forwarder; claims keep them from delivering one job at once, and a claim whose
host died expires and is taken again (so a receiver may see a delivery twice: the
``X-Wxcomponent-Delivery`` id tells).

Delivered pushes are kept 3 days and dead ones 30 days by default (for ``wxcomponent
pushes``; the ``delivered_retention`` and ``dead_retention`` settings,
:class:`~wxcomponent.service.retention.Retention`), then purged once an hour in batches of at
most 500 jobs, each its own store transaction, the pushes coming in meanwhile served between
two batches (:mod:`wxcomponent.core.retention`). The purge runs beside the deliveries, not
before them.

**Passive replies.** With ``reply_url`` set, a user's message is also POSTed there (signed, the
same JSON) while WeChat waits; an answer within ``reply_timeout`` of the form
``{"reply": {"type": "text", "content": "…"}}`` becomes the passive reply. ``reply_timeout``
is one deadline for the whole exchange (connecting, sending, and reading the whole answer):
when it passes the request is abandoned and WeChat is answered ``success`` at once. This is at
most once and never replaces the delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..core.effects import Flow
from ..core.outbox import backoff, deliver_topic, push_document, push_of
from ..core.retention import PurgeRun, purge_old_jobs
from ..errors import ConfigurationError, InvalidArgument, StoreError
from ..events import AuthorizerMessage, Event
from ..replies import (
    Article,
    ImageReply,
    MusicReply,
    NewsReply,
    Reply,
    TextReply,
    TransferCustomerService,
    VideoReply,
    VoiceReply,
)
from ..stores.base import AsyncStore, Job, JobState
from ..webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from .posting import MAX_ANSWER, AiohttpPoster, HttpxPoster, Poster
from .retention import Retention

__all__ = ["Forwarder", "ReplySource", "Webhook", "reply_from_json"]

log = logging.getLogger("wxcomponent.service")

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_MIN_SECRET = 16


@dataclass(frozen=True)
class Webhook:
    """Where pushes are delivered: a name (``[a-z0-9_-]``, the queue topic), an http(s) URL,
    the HMAC ``secret``, the ``kinds`` of push to deliver (route names such as ``authorized``,
    ``text``, ``event:subscribe``; empty: every push), the ``timeout`` of a delivery (one
    deadline for the whole request, the answer's last byte included), and how long
    deliveries are retried (``max_age`` seconds after the push) with their backoff."""

    name: str
    url: str
    secret: str = field(repr=False)
    kinds: tuple[str, ...] = ()
    timeout: float = 10.0
    max_age: float = 86400.0
    backoff_base: float = 5.0
    backoff_cap: float = 1800.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ConfigurationError("webhooks.name", "must be 1-32 of a-z, 0-9, _ and -")
        _check_url("webhooks.url", self.url)
        if not isinstance(self.secret, str) or len(self.secret) < _MIN_SECRET:
            raise ConfigurationError("webhooks.secret",
                                     f"must be at least {_MIN_SECRET} characters")
        for name in ("timeout", "max_age", "backoff_base", "backoff_cap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigurationError(f"webhooks.{name}", "must be a positive number")
        object.__setattr__(self, "kinds", tuple(k.strip().lower() for k in self.kinds))

    @property
    def topic(self) -> str:
        """The queue topic of this webhook's deliveries."""
        return deliver_topic(self.name)

    def wants(self, kind: str) -> bool:
        """True when pushes of ``kind`` are delivered here."""
        return not self.kinds or kind.lower() in self.kinds


def _check_url(name: str, url: object) -> None:
    if not isinstance(url, str):
        raise ConfigurationError(name, "must be an http(s) URL")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(name, "must be an http(s) URL")


@dataclass
class ForwardStats:
    """Counts since start, by outcome."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0


class Forwarder:
    """Delivers the outbox of every platform to every webhook (see the module).

    ``drive`` runs a flow against ``store`` (a platform's ``AsyncComponent._drive``): the
    purge of old deliveries is one (:func:`~wxcomponent.core.retention.purge_old_jobs`);
    ``retention`` says how long delivered and dead pushes are kept."""

    def __init__(
        self,
        store: AsyncStore,
        platforms: tuple[str, ...],
        webhooks: tuple[Webhook, ...],
        http: httpx.AsyncClient | Poster,
        *,
        drive: Callable[[Flow[int]], Awaitable[int]],
        retention: Retention | None = None,
        clock: Callable[[], float] = time.time,
        concurrency: int = 8,
        poll_interval: float = 1.0,
        tenant_of: Callable[[str, str], Any] | None = None,
        observe: Callable[[str, str, str], None] | None = None,
    ) -> None:
        if concurrency < 1 or poll_interval <= 0:
            raise InvalidArgument("concurrency", "concurrency and poll_interval must be positive")
        self.store = store
        self.platforms = platforms
        self.webhooks = webhooks
        #: What POSTs the deliveries (an httpx client given is used through
        #: :class:`~.posting.HttpxPoster`).
        self.poster: Poster = http if isinstance(http, Poster) else HttpxPoster(http)
        self.clock = clock
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.stats = ForwardStats()
        self._tenant_of = tenant_of
        self._observe = observe
        self._rng = random.Random()
        self._drive = drive
        self.retention = retention or Retention()
        self._purged_at: float | None = None
        #: The last purge of old deliveries (when it began, how many it deleted), or None.
        self.last_purge: PurgeRun | None = None
        self._wake = asyncio.Event()
        self._lease = max(w.timeout for w in webhooks) + 30.0 if webhooks else 60.0

    def wake(self) -> None:
        """Look for new jobs now (a push was just queued in this process)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: a pass over every outbox, then a pause until woken or
        ``poll_interval`` passed (jobs queued by other hosts)."""
        purging: asyncio.Task[int] | None = None
        try:
            while not stop.is_set():
                if self._purge_due() and (purging is None or purging.done()):
                    purging = asyncio.get_running_loop().create_task(
                        self._purge_logged(), name="wxcomponent-outbox-purge")
                await self._pass(stop)
        finally:
            if purging is not None:
                purging.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await purging

    async def _pass(self, stop: asyncio.Event) -> None:
        """One pass over every outbox, then a pause when it found nothing to deliver."""
        try:
            worked = await self.run_once()
        except StoreError as exc:
            log.warning("push forwarding paused: the store failed (%s)", exc)
            worked = 0
        except Exception:
            log.exception("push forwarding pass failed")
            worked = 0
        if worked:
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()),
                   asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=self.poll_interval,
                           return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    #: How often old deliveries are purged (seconds).
    PURGE_INTERVAL = 3600.0

    def _purge_due(self) -> bool:
        return self._purged_at is None or self.clock() - self._purged_at >= self.PURGE_INTERVAL

    async def purge_when_due(self) -> int:
        """Delete delivered pushes kept longer than ``retention.delivered`` and dead ones
        kept longer than ``retention.dead``, at most once an hour, in bounded batches with
        others' store calls between two; the number deleted (:attr:`last_purge` says it too,
        with when)."""
        if not self._purge_due():
            return 0
        now = self._purged_at = self.clock()
        removed = 0
        for appid in self.platforms:
            for hook in self.webhooks:
                kept: tuple[tuple[JobState, float], ...] = (
                    ("done", self.retention.delivered), ("dead", self.retention.dead))
                for state, age in kept:
                    removed += await self._drive(purge_old_jobs(
                        appid, topic=hook.topic, state=state, before=now - age))
        self.last_purge = PurgeRun(now, removed)
        if removed:
            log.info("purged %d old deliveries from the outbox", removed)
        return removed

    async def _purge_logged(self) -> int:
        try:
            return await self.purge_when_due()
        except StoreError as exc:
            log.warning("old deliveries not purged: the store failed (%s)", exc)
        except Exception:
            log.exception("purging old deliveries failed")
        return 0

    async def run_once(self) -> int:
        """Claim and deliver what is due now, for every platform and webhook; the number of
        jobs handled."""
        handled = 0
        for appid in self.platforms:
            for hook in self.webhooks:
                jobs = await self.store.claim_jobs(appid, hook.topic, limit=self.concurrency,
                                                   lease=self._lease)
                if jobs:
                    await asyncio.gather(*(self._deliver(hook, job) for job in jobs))
                    handled += len(jobs)
        return handled

    async def _deliver(self, hook: Webhook, job: Job) -> None:
        assert job.claim is not None
        try:
            stored = json.loads(job.payload)
        except ValueError:
            stored = None
        if not isinstance(stored, dict):
            await self.store.bury_job(job.id, job.claim, "the stored push is not JSON")
            self._count(hook, "dead", "unreadable")
            return
        document = push_of(job, stored)
        kind = str(document.get("kind", ""))
        if not hook.wants(kind):
            await self.store.ack_job(job.id, job.claim)
            self._count(hook, "skipped", kind)
            return
        await self._enrich(document)
        document["delivery_id"] = job.id
        document["attempt"] = job.attempts
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   SIGNATURE_HEADER: sign(hook.secret, body),  # the wall clock: it is sent
                   DELIVERY_HEADER: str(job.id), EVENT_HEADER: kind}
        error = await self._post(hook, body, headers)
        if error is None:
            await self.store.ack_job(job.id, job.claim)
            self._count(hook, "delivered", kind)
            return
        age = self.clock() - float(document.get("received_at") or job.created_at)
        if age >= hook.max_age:
            await self.store.bury_job(job.id, job.claim, error)
            log.error("delivery %d of %s to webhook %s is dead after %d tries: %s", job.id,
                      kind, hook.name, job.attempts, error)
            self._count(hook, "dead", kind)
            return
        delay = backoff(job.attempts, self._rng, base=hook.backoff_base, cap=hook.backoff_cap)
        await self.store.retry_job(job.id, job.claim, self.clock() + delay, error)
        log.info("delivery %d of %s to webhook %s failed (%s); retry in %.0f s", job.id, kind,
                 hook.name, error, delay)
        self._count(hook, "retried", kind)

    async def _post(self, hook: Webhook, body: bytes, headers: Mapping[str, str]) -> str | None:
        # One deadline for the whole request, within the claim's lease.
        return await self.poster.post(hook.url, body, headers, hook.timeout)

    async def _enrich(self, document: dict[str, Any]) -> None:
        appid, about = document.get("component_appid"), document.get("authorizer_appid")
        if document.get("tenant") or not isinstance(appid, str) or not isinstance(about, str):
            return
        if self._tenant_of is not None:
            found = self._tenant_of(appid, about)
            if asyncio.iscoroutine(found):
                found = await found
            document["tenant"] = found if isinstance(found, str) else None
            return
        record = await self.store.get_authorizer(appid, about)
        document["tenant"] = getattr(record, "tenant", None) if record is not None else None

    def _count(self, hook: Webhook, outcome: str, kind: str) -> None:
        setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)
        if self._observe is not None:
            self._observe(hook.name, outcome, kind)


# --------------------------------------------------------------------------- passive replies


def _text(spec: Mapping[str, Any], name: str, default: str = "") -> str:
    value = spec.get(name, default)
    if not isinstance(value, str):
        raise InvalidArgument(f"reply.{name}", "must be a string")
    return value


def reply_from_json(spec: object) -> Reply:
    """A :class:`~wxcomponent.replies.Reply` from its JSON form: ``{"type": "text",
    "content": …}``, ``image``/``voice`` (``media_id``), ``video`` (``media_id``, ``title``,
    ``description``), ``music`` (``thumb_media_id``, ``title``, ``description``,
    ``music_url``, ``hq_music_url``), ``news`` (``articles``: title, url, description,
    pic_url) or ``transfer_customer_service`` (``kf_account``)."""
    if not isinstance(spec, Mapping):
        raise InvalidArgument("reply", "must be a JSON object with a type")
    kind = spec.get("type")
    if kind == "text":
        return TextReply(_text(spec, "content"))
    if kind == "image":
        return ImageReply(_text(spec, "media_id"))
    if kind == "voice":
        return VoiceReply(_text(spec, "media_id"))
    if kind == "video":
        return VideoReply(_text(spec, "media_id"), _text(spec, "title"),
                          _text(spec, "description"))
    if kind == "music":
        return MusicReply(_text(spec, "thumb_media_id"), _text(spec, "title"),
                          _text(spec, "description"), _text(spec, "music_url"),
                          _text(spec, "hq_music_url"))
    if kind == "news":
        articles = spec.get("articles")
        if not isinstance(articles, list):
            raise InvalidArgument("reply.articles", "must be a list")
        return NewsReply([Article(_text(a, "title"), _text(a, "url"), _text(a, "description"),
                                  _text(a, "pic_url"))
                          if isinstance(a, Mapping) else _bad_article() for a in articles])
    if kind == "transfer_customer_service":
        account = spec.get("kf_account")
        return TransferCustomerService(account if isinstance(account, str) else None)
    raise InvalidArgument("reply.type", f"unknown reply type {str(kind)[:40]!r}")


def _bad_article() -> Article:
    raise InvalidArgument("reply.articles", "each article must be an object")


class ReplySource:
    """Asks the application for a passive reply to a user's message (see the module)."""

    def __init__(self, url: str, secret: str, http: httpx.AsyncClient | AiohttpPoster | HttpxPoster,
                 *, timeout: float = 4.0, clock: Callable[[], float] = time.time) -> None:
        _check_url("reply_url", url)
        if not isinstance(secret, str) or len(secret) < _MIN_SECRET:
            raise ConfigurationError("reply_secret", f"must be at least {_MIN_SECRET} characters")
        if not 0 < timeout <= 4.5:
            raise ConfigurationError("reply_timeout", "must be between 0 and 4.5 seconds "
                                                      "(WeChat waits 5)")
        self.url = url
        self._secret = secret
        #: How the message is posted (an httpx client given is wrapped in an
        #: :class:`~.posting.HttpxPoster`).
        self.poster = HttpxPoster(http) if isinstance(http, httpx.AsyncClient) else http
        self.timeout = timeout
        self._clock = clock

    async def __call__(self, event: Event, push: Any) -> Reply | None:
        """The handler registered on every platform: the application's reply, or None."""
        if not isinstance(event, AuthorizerMessage):
            return None
        document = push_document(event, component_appid=push.component_appid,
                                 authorizer_appid=push.authorizer_appid,
                                 received_at=self._clock())
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   SIGNATURE_HEADER: sign(self._secret, body),
                   EVENT_HEADER: document["kind"]}
        answer = await self.poster.exchange(self.url, body, headers, self.timeout)
        if answer.failure == "timeout":
            log.info("no passive reply: the reply URL did not answer within %g s", self.timeout)
            return None
        if answer.failure is not None:
            log.info("no passive reply: the reply URL failed (%s)", answer.failure)
            return None
        if answer.status != 200 or not answer.body.strip():
            return None
        if not answer.complete:
            log.warning("the reply URL answered more than %d bytes: no passive reply", MAX_ANSWER)
            return None
        try:
            data = json.loads(answer.body)
            spec = data.get("reply") if isinstance(data, dict) else None
            return None if spec is None else reply_from_json(spec)
        except (ValueError, InvalidArgument) as exc:
            log.warning("the reply URL answered a reply that cannot be used: %s", exc)
            return None
