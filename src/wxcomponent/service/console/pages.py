"""The console's pages of a platform, which only read: the overview, the authorizers (and one
account), the compliance board, the pushes (and one delivery), the releases, and the form of a
new link."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from ...client import AsyncComponent
from ...core.authurl import AuthType
from ...core.compliance_state import BLOCKERS, CODES, EXPIRY_WARNING
from ...core.context import TokenKind
from ...core.outbox import job_document
from ...core.refresher import last_ticket_request, ticket_request_key
from ...errors import WxComponentError
from ...stores.base import MAX_ACCOUNT_NAME_LENGTH, AsyncStore, AuthorizerStatus, Job, JobState
from ..authorization import AuthorizationFlows
from ..health import HealthTracker
from ..settings import ServiceSettings
from . import paging
from .failed_calls import FailedCalls
from .lookup import authorizer_named, delivery_named
from .recorder import Recorder
from .rendering import STATE_WORDS, Problem, Renderer
from .session import Session

__all__ = ["JOB_STATES", "STATUSES", "Pages"]

#: The statuses the authorizers' page filters by, and the store's name for each.
STATUSES: dict[str, AuthorizerStatus | None] = {"all": None, "authorized": "authorized",
                                                "revoked": "revoked"}
#: The one word the console uses for each state of a delivery, and the store's name for it.
JOB_STATES: dict[str, JobState | None] = {"all": None, "pending": "pending",
                                          "delivered": "done", "dead": "dead"}


def _looks_like_appid(text: str) -> bool:
    """A search for an appid (or its beginning) rather than a name: WeChat's appids are
    ``wx`` and hexadecimal digits."""
    return text.startswith("wx") and text.isascii() and text.isalnum()


@dataclass(frozen=True)
class Pages:
    """The handlers of the read-only pages (see :class:`.guard.Guard` for the way to them).

    They read ``store`` (and WeChat, for an account's details on request), what this process
    has seen (``recorder``, and each account's failed calls in ``failed_calls``) and the
    refresh failures (``health``); ``settings`` gives the
    webhooks and limits, ``flows`` whether links can be made, ``clock`` the time.
    """

    settings: ServiceSettings
    store: AsyncStore
    flows: AuthorizationFlows
    recorder: Recorder
    failed_calls: FailedCalls
    health: HealthTracker
    clock: Callable[[], float]
    view: Renderer

    async def overview(self, request: Request, session: Session,
                       component: AsyncComponent) -> Response:
        """The ticket, the component token, authorizers by status, the refresher, the latest
        errors, the release check and the outbox."""
        store, settings, recorder = self.store, self.settings, self.recorder
        appid = component.appid
        now = self.clock()
        ticket = await store.load_ticket(appid)
        ticket_request = last_ticket_request(await store.get_token(ticket_request_key(appid)))
        token = await store.get_token(component.token_key(TokenKind.COMPONENT_ACCESS_TOKEN))
        counts = {status: await store.count_authorizers(appid, status=status)
                  for status in ("authorized", "revoked")}
        outbox = {hook.name: await store.count_jobs(appid, topic=hook.topic)
                  for hook in settings.webhooks}
        ticket_age = None if ticket is None else max(0.0, now - ticket.received_at)
        return self.view.render(
            request, "overview.html", session=session, component=component, now=now,
            ticket=ticket, ticket_age=ticket_age, ticket_request=ticket_request,
            ticket_stale=ticket_age is not None and ticket_age > settings.ticket_max_age,
            token=token, counts=counts, outbox=outbox,
            refresh_interval=settings.refresh_interval,
            refreshed=recorder.refreshed(appid),
            failures=self.health.failures(appid),
            errors=recorder.errors(appid)[:10],
            failed_calls=self.failed_calls.of(appid, "")[:10],
            release_check=component.callback_options.release_check,
            release_check_run=recorder.last_release_check(appid))

    async def authorizers(self, request: Request, session: Session,
                          component: AsyncComponent) -> Response:
        """A page of authorizers: by status, searched by appid or name."""
        query = request.query_params
        status_name = query.get("status", "all")
        if status_name not in STATUSES:
            raise Problem(400, "The status must be all, authorized or revoked.")
        status = STATUSES[status_name]
        search = query.get("q", "").strip()
        # without a choice, the text decides: an appid's shape is searched as an appid
        chosen_by = query.get("by") or ""
        by = chosen_by or ("name" if search and not _looks_like_appid(search) else "appid")
        if by not in ("appid", "name"):
            raise Problem(400, "Search by appid or by name.")
        appid = component.appid
        if by == "name":
            if len(search) > MAX_ACCOUNT_NAME_LENGTH or not search.isprintable():
                raise Problem(400, "Search by the beginning of a name: at most "
                                   f"{MAX_ACCOUNT_NAME_LENGTH} printable characters.")
            rows, following, after = await paging.authorizers_by_name(
                self.store, appid, status, search, query)
        else:
            if search and (len(search) > 32 or not search.isascii() or not search.isalnum()):
                raise Problem(400, "Search by an appid or its beginning: letters and digits, "
                                   "at most 32.")
            rows, following, after = await paging.authorizers_by_appid(
                self.store, appid, status, search, query)
        total = await self.store.count_authorizers(appid, status=status)
        tokens = {}
        for record in rows:
            tokens[record.authorizer_appid] = await self.store.get_token(component.token_key(
                TokenKind.AUTHORIZER_ACCESS_TOKEN, record.authorizer_appid))
        return self.view.render(request, "authorizers.html", session=session,
                                component=component, rows=rows, tokens=tokens,
                                chosen=status_name, search=search, by=by, chosen_by=chosen_by,
                                after=after, following=following, total=total,
                                now=self.clock(), statuses=list(STATUSES))

    async def compliance(self, request: Request, session: Session,
                         component: AsyncComponent) -> Response:
        """The compliance board: the mini programs by what blocks them (``blocked``: any
        blocker or one code; ``expiring=1``: verification ending within 30 days or ended),
        with the counts per reason, a store page at a time."""
        query = request.query_params
        blocked = query.get("blocked", "")
        if blocked not in ("", "any", *BLOCKERS):
            raise Problem(400, "Choose what blocks: any, or one of " + ", ".join(BLOCKERS) + ".")
        expiring = query.get("expiring", "")
        if expiring not in ("", "1"):
            raise Problem(400, "expiring is 1 (verification ending within 30 days) or empty.")
        now = self.clock()
        rows, following, after = await paging.compliance(
            self.store, component.appid, blocked or None,
            now + EXPIRY_WARNING if expiring else None, query)
        counts = await self.store.count_compliance(component.appid)
        names = {}
        for record in rows:
            account = await self.store.get_authorizer(component.appid, record.authorizer_appid)
            names[record.authorizer_appid] = account.name if account is not None else None
        return self.view.render(request, "compliance.html", session=session,
                                component=component, rows=rows, names=names, counts=counts,
                                codes=CODES, blockers=BLOCKERS, blocked=blocked,
                                expiring=expiring, after=after, following=following, now=now)

    async def authorizer(self, request: Request, session: Session,
                         component: AsyncComponent) -> Response:
        """One account: its record and token, and with ``info=1`` its details from WeChat."""
        record = await authorizer_named(self.store, component, request)
        token = await self.store.get_token(component.token_key(
            TokenKind.AUTHORIZER_ACCESS_TOKEN, record.authorizer_appid))
        info: dict[str, str] = {}
        info_error = ""
        if record.status == "authorized" and request.query_params.get("info") == "1":
            try:
                found = await component.get_authorizer_info(record.authorizer_appid)
                info = {"nickname": found.nick_name, "account": found.user_name,
                        "principal": found.principal_name,
                        "kind": "mini program" if found.is_mini_program
                        else "official account"}
            except WxComponentError as exc:
                info_error = f"{type(exc).__name__}: {exc}"
        return self.view.render(request, "authorizer.html", session=session,
                                component=component, record=record, token=token,
                                now=self.clock(), info=info, info_error=info_error,
                                failed_calls=self.failed_calls.of(component.appid,
                                                                  record.authorizer_appid))

    async def pushes(self, request: Request, session: Session,
                     component: AsyncComponent) -> Response:
        """The latest pushes seen here, and a page of the outbox by webhook and state."""
        query = request.query_params
        hooks = {hook.name: hook for hook in self.settings.webhooks}
        webhook = query.get("webhook") or None
        if webhook is not None and webhook not in hooks:
            raise Problem(404, "No such webhook is configured.")
        state = query.get("state", "all")
        state = STATE_WORDS.get(state, state)  # a link that names the stored state
        if state not in JOB_STATES:
            raise Problem(400, "The state must be all, pending, delivered or dead.")
        after = paging.number_cursor(query.get("after") or "",
                                     "The page must start after a delivery number.")
        jobs: list[Job] = []
        following = None
        if hooks:
            topics = [hooks[webhook].topic] if webhook else [h.topic for h in hooks.values()]
            jobs, following = await paging.deliveries(self.store, component.appid, topics,
                                                      JOB_STATES[state], after)
        counts = {name: await self.store.count_jobs(component.appid, topic=hook.topic)
                  for name, hook in hooks.items()}
        rows = [(job, job_document(job)) for job in jobs]
        return self.view.render(request, "pushes.html", session=session, component=component,
                                rows=rows, counts=counts, webhook=webhook or "", state=state,
                                states=list(JOB_STATES), after=after, following=following,
                                recent=self.recorder.pushes(component.appid))

    async def push(self, request: Request, session: Session,
                   component: AsyncComponent) -> Response:
        """One delivery and its push."""
        job = await delivery_named(self.store, self.settings, component, request)
        document = job_document(job)
        return self.view.render(request, "push.html", session=session, component=component,
                                job=job, document=document,
                                webhook=job.topic.partition(":")[2],
                                shown=json.dumps(document.get("fields", {}),
                                                 ensure_ascii=False, indent=2))

    async def releases(self, request: Request, session: Session,
                       component: AsyncComponent) -> Response:
        """A page of the platform's shipments, or with ``shipment=NAME`` one shipment."""
        query = request.query_params
        name = query.get("shipment", "").strip()
        if name:
            report = await component.fleet.report(name)
            return self.view.render(request, "releases.html", session=session,
                                    component=component, shipment=name, report=report,
                                    counts=report.counts(), rows=[], before=None,
                                    following=None)
        before = paging.number_cursor(query.get("before") or "",
                                      "The page must start before a shipment number.")
        rows, following = await paging.shipments(component, before)
        return self.view.render(request, "releases.html", session=session,
                                component=component, shipment="", report=None, counts={},
                                rows=rows, before=before, following=following,
                                now=self.clock())

    async def link_form(self, request: Request, session: Session,
                        component: AsyncComponent) -> Response:
        """The form of a new authorization link."""
        return self.view.render(request, "link_form.html", session=session,
                                component=component,
                                enabled=self.flows.public_url is not None,
                                link_ttl=int(self.settings.link_ttl),
                                auth_types=AuthType.VALID)
