"""The operator's console: what the platforms are doing, and actions on one account.

Mounted under ``/console`` on the **admin** listener only (never the public one). Pages, for
each platform ``{appid}``:

* ``/console/{appid}/`` — the overview: ticket age (and the last time a host asked WeChat to
  push one), the component token's expiry, authorizers by status, the refresher, the latest
  errors, the release check, the outbox;
* ``/console/{appid}/authorizers`` — search by appid (or its beginning), keyset paging that
  reads one page of the store at a time; ``…/authorizers/{authorizer_appid}`` — one account;
* ``/console/{appid}/pushes`` — the latest pushes seen here, and the outbox of deliveries by
  webhook and state; ``…/pushes/{id}`` — one delivery;
* ``/console/{appid}/releases`` — the platform's shipments (``wxcomponent ship``), newest
  first, a page at a time, with their counts; ``…/releases?shipment=NAME`` — one shipment's
  mini programs;
* actions — refresh a token, forget an authorizer, create an authorization link (URL and QR
  code), replay a delivery. Each shows a confirmation step first (a page with a form; nothing
  happens on ``GET``), needs the form's CSRF token, and is logged with the operator's name
  on the ``wxcomponent.service.console`` logger.

What only this server process has seen (the latest pushes, errors and release checks, its own
refreshes) is marked with its host name; everything else is read from the store and is the
same on every host.

Sign-in is by the admin key or an operator's password, into a session kept in the store
(:mod:`.session`): ``POST /console/signout`` ends it on every host, and with
``everywhere=yes`` ends every session of its operator. Pages are rendered with Jinja2
(autoescaped), styled by one CSS file and helped by one small script (times in the viewer's
zone, copying a URL), under a Content-Security-Policy without inline scripts or styles. Bad
input answers a page that says what is wrong (400, 404, 409, 410, 413), never a 500; a store
that cannot answer gives a 503 page.
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ...client import AsyncComponent
from ...config import validate_appid
from ...core.authurl import AuthType
from ...core.context import TokenKind
from ...core.outbox import job_document as _document
from ...core.refresher import last_ticket_request, ticket_request_key
from ...core.shipping import Shipment, ShipmentPage
from ...errors import ConfigurationError, InvalidArgument, WxComponentError
from ...stores.base import (
    MAX_ACCOUNT_NAME_LENGTH,
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    Job,
    JobState,
    name_key,
)
from ..authorization import AuthorizationFlows, PageOptions
from ..body import BodyRefused, ClientGone, read_body
from ..errors import error_status
from ..health import HealthTracker
from ..links import validate_tenant
from ..ratelimit import RateLimiter, client_address
from ..settings import ServiceSettings
from .recorder import Recorder
from .session import COOKIE, Session, Sessions

__all__ = ["PAGE_SIZE", "SHIPMENTS_PAGE", "Console"]

log = logging.getLogger("wxcomponent.service.console")

#: Rows of the authorizers' and the outbox's pages.
PAGE_SIZE = 50
#: Most store pages one search by name reads while a status filter skips records.
NAME_SCAN_PAGES = 10
#: Shipments on a page of the releases (each with its mini programs' counts).
SHIPMENTS_PAGE = 20
#: The largest form body.
MAX_FORM = 8192


def _looks_like_appid(text: str) -> bool:
    """A search for an appid (or its beginning) rather than a name: WeChat's appids are
    ``wx`` and hexadecimal digits."""
    return text.startswith("wx") and text.isascii() and text.isalnum()


_STATUSES: dict[str, AuthorizerStatus | None] = {"all": None, "authorized": "authorized",
                                                 "revoked": "revoked"}
#: The one word the console uses for each state of a delivery, and the store's name for it.
_JOB_STATES: dict[str, JobState | None] = {"all": None, "pending": "pending",
                                           "delivered": "done", "dead": "dead"}
#: The word of each stored state.
_STATE_WORDS = {"pending": "pending", "done": "delivered", "dead": "dead"}
#: Why a request went back to sign-in, as the sign-in page's query says it (a cookie that is
#: not a session of this console, e.g. one signed before the admin key changed, has ended).
_ENDINGS = {"expired": "expired", "ended": "ended", "invalid": "ended"}
#: What the sign-in page says after each (and whether it is good news).
_NOTICES = {
    "expired": ("Your session has expired; sign in again.", False),
    "ended": ("Your session has ended: it was signed out (here or everywhere), or your "
              "operator or key changed. Sign in again.", False),
    "out": ("You are signed out.", True),
    "everywhere": ("You are signed out everywhere: every session of yours has ended, on "
                   "every host.", True),
}
_STATIC = {"console.css": "text/css; charset=utf-8",
           "console.js": "text/javascript; charset=utf-8"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_HEADERS = {"Content-Security-Policy": _CSP, "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer"}
#: WeChat's names of the permission sets (``func_info`` ids) most platforms ask for.
PERMISSIONS = {1: "messages", 2: "users", 3: "account services", 4: "web pages",
               5: "stores", 6: "customer service", 7: "mass messages", 8: "cards",
               9: "scan", 10: "Wi-Fi", 11: "materials", 12: "shake", 13: "shop",
               15: "menus", 17: "account management (mini program)",
               18: "development (mini program)", 19: "customer service (mini program)",
               22: "city service", 24: "open platform account", 25: "data (mini program)",
               30: "basic info (mini program)"}


class Problem(Exception):
    """A request the console refuses, with the page's status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class _Action:
    """A confirmed action: what the confirmation page says and the button's label."""

    title: str
    question: str
    button: str
    danger: bool = False


Handler = Callable[[Request, Session, AsyncComponent], Awaitable[Response]]


def _iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(
        timespec="seconds").replace("+00:00", "Z")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{sign}{seconds} s"
    if seconds < 7200:
        return f"{sign}{seconds // 60} min"
    if seconds < 172800:
        return f"{sign}{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{sign}{seconds // 86400} d {seconds % 86400 // 3600} h"


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        return None
    from markupsafe import Markup, escape

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wxcomponent.service.console", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)

    def when(seconds: float | None) -> Markup:
        if not seconds:
            return Markup("—")
        iso = _iso(seconds)
        shown = iso.replace("T", " ").replace("Z", " UTC")
        return Markup('<time datetime="{}">{}</time>').format(iso, escape(shown))

    env.filters["when"] = when
    env.filters["duration"] = _duration
    env.globals["permissions"] = PERMISSIONS
    env.globals["state_words"] = _STATE_WORDS
    return env


class Console:
    """The console's routes over the service's platforms (see the module's description).

    ``settings`` gives the admin key and the operators who may sign in; ``store`` keeps the
    sessions (see :mod:`.session`); ``failures`` is the service's limiter of wrong
    credentials per client address; ``flows`` creates authorization links; ``health`` holds
    the refresh failures; ``clock`` is the service's. ``host`` names this server process on
    the pages, beside what only it has seen (default: the host name and process id).
    """

    def __init__(self, settings: ServiceSettings, platforms: Mapping[str, AsyncComponent],
                 store: AsyncStore, *, health: HealthTracker, failures: RateLimiter,
                 flows: AuthorizationFlows, clock: Callable[[], float],
                 host: str | None = None) -> None:
        self._settings = settings
        self._platforms = platforms
        self._store = store
        self._health = health
        self._failures = failures
        self._flows = flows
        self._clock = clock
        self.sessions = Sessions(settings, store, clock)
        self.recorder = Recorder(clock)
        #: The name of this server process, shown beside what only it has seen.
        self.host = host or f"{socket.gethostname() or 'this host'} (pid {os.getpid()})"
        for appid, component in platforms.items():
            component.add_listener(self.recorder.listener(appid))
        self._env = _environment()

    def mount(self) -> Mount:
        """The console's routes under ``/console``."""
        return Mount("/console", routes=self.routes())

    def routes(self) -> list[BaseRoute]:
        """The console's routes, relative to its mount point."""
        base = "/{platform}"
        who = base + "/authorizers/{authorizer_appid}"
        page, act = self._page, self._action
        return [
            Route("/", self._home, methods=["GET"]),
            Route("/signin", self._signin, methods=["GET", "POST"]),
            Route("/signout", self._signout, methods=["POST"]),
            Route("/static/{name}", self._static, methods=["GET"]),
            Route(base + "/", page(self._overview), methods=["GET"]),
            Route(base + "/authorizers", page(self._authorizers), methods=["GET"]),
            Route(who, page(self._authorizer), methods=["GET"]),
            Route(who + "/refresh", act(self._refresh_authorizer), methods=["GET", "POST"]),
            Route(who + "/forget", act(self._forget), methods=["GET", "POST"]),
            Route(base + "/component_token/refresh", act(self._refresh_component),
                  methods=["GET", "POST"]),
            Route(base + "/links", page(self._link_form), methods=["GET"]),
            Route(base + "/links/new", act(self._new_link), methods=["GET", "POST"]),
            Route(base + "/pushes", page(self._pushes), methods=["GET"]),
            Route(base + "/pushes/{job_id}", page(self._push), methods=["GET"]),
            Route(base + "/pushes/{job_id}/replay", act(self._replay), methods=["GET", "POST"]),
            Route(base + "/releases", page(self._releases), methods=["GET"]),
        ]

    # ------------------------------------------------------------------ rendering

    def _render(self, request: Request, template: str, status: int = 200, *,
                session: Session | None = None, component: AsyncComponent | None = None,
                headers: Mapping[str, str] | None = None, **context: Any) -> Response:
        if self._env is None:
            return HTMLResponse("<!doctype html><title>Console unavailable</title><p>The "
                                "console needs Jinja2: pip install 'wxcomponent[service]'",
                                status_code=503, headers=_HEADERS)
        text = self._env.get_template(template).render(
            session=session, platform=component.appid if component else None,
            platforms=list(self._platforms), root=self._root(request), host=self.host,
            **context)
        return HTMLResponse(text, status_code=status, headers={**_HEADERS, **(headers or {})})

    def _problem(self, request: Request, status: int, message: str,
                 session: Session | None = None,
                 component: AsyncComponent | None = None) -> Response:
        return self._render(request, "problem.html", status, session=session,
                            component=component, message=message,
                            headers={"Connection": "close"} if status == 413 else None)

    @staticmethod
    def _root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/") or "/console"

    # ------------------------------------------------------------------ sessions

    async def _session(self, request: Request) -> tuple[Session | None, str] | Response:
        """The request's session (or None and why), or the page to answer when the store
        cannot say."""
        try:
            return await self.sessions.read(request.cookies.get(COOKIE))
        except Exception:
            log.exception("console: the session of a request could not be read")
            return self._problem(request, 503, "The console cannot reach its store to check "
                                               "your session; try again later.")

    def _to_signin(self, request: Request, why: str) -> Response:
        target = request.url.path
        if request.method != "GET":
            target = self._root(request) + "/"
        ending = _ENDINGS.get(why)
        query = urlencode({"next": target, **({ending: "1"} if ending else {})})
        return RedirectResponse(f"{self._root(request)}/signin?{query}", status_code=303,
                                headers=_HEADERS)

    def _next(self, request: Request, value: object) -> str:
        root = self._root(request)
        if isinstance(value, str) and value.startswith(root + "/") and "//" not in value \
                and "\\" not in value and len(value) < 512 and value.isprintable():
            return value
        return root + "/"

    async def _signin(self, request: Request) -> Response:
        try:
            return await self._signin_page(request)
        except Problem as exc:
            return self._problem(request, exc.status, exc.message)
        except Exception:
            log.exception("console: sign-in failed")
            return self._problem(request, 503, "The console is unavailable; try again later.")

    async def _signin_page(self, request: Request) -> Response:
        if not self.sessions.enabled:
            return self._problem(request, 403, "Nobody can sign in: configure api_key or "
                                               "operators.")
        address = client_address(request.scope)
        if request.method == "GET":
            query = request.query_params
            notice, good = "", False
            for key, (text, is_good) in _NOTICES.items():
                if query.get(key) == "1":
                    notice, good = text, is_good
            return self._render(request, "signin.html", next=self._next(
                request, query.get("next")), notice=notice, good=good,
                named=bool(self.sessions.operator_names))
        form = await _form(request)
        target = self._next(request, form.get("next"))
        given = form.get("name", "")
        # The admin key (long and random) is served whatever came before it, so a client
        # with a wrong key cannot lock out its neighbours. An operator's password is chosen
        # by a person and could be guessed: an address over the limit gets no answer to it,
        # right or wrong, and costs no password hash.
        wait = 0 if self.sessions.is_admin_name(given) else self._failures.blocked(address)
        name = None if wait else await self.sessions.check(given, form.get("password", ""))
        if name is None:
            wait = wait or self._failures.take(address)
            if wait:
                return self._render(request, "signin.html", 429, next=target, named=True,
                                    notice=f"Too many failed sign-ins from your address; try "
                                           f"again in {wait} s.", good=False,
                                    headers={"Retry-After": str(wait)})
            log.warning("console: a failed sign-in from %s", address)
            return self._render(request, "signin.html", 401, next=target, named=True,
                                notice="Wrong name or password.", good=False)
        value, _ = await self.sessions.open(name)
        log.info("console: %s signed in from %s", name, address)
        response = RedirectResponse(target, status_code=303, headers=_HEADERS)
        response.set_cookie(COOKIE, value, max_age=int(self.sessions.ttl),
                            path=self._root(request), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    async def _signout(self, request: Request) -> Response:
        """End this session (its record is deleted, so the cookie dies on every host), or with
        ``everywhere=yes`` every session of its operator."""
        found = await self._session(request)
        if isinstance(found, Response):
            return found
        session, _ = found
        try:
            form = await _form(request)
        except Problem as exc:
            return self._problem(request, exc.status, exc.message)
        everywhere = form.get("everywhere") == "yes"
        if session is not None and not self.sessions.csrf_ok(session, form.get("csrf")):
            return self._problem(request, 403, "This form has expired; reload the page.")
        if session is not None:
            try:
                if everywhere:
                    await self.sessions.close_everywhere(session)
                else:
                    await self.sessions.close(session)
            except Exception:
                log.exception("console: %s could not sign out", session.operator)
                return self._problem(request, 503, "You are still signed in: the console "
                                                   "cannot reach its store; try again later.",
                                     session)
            if everywhere:
                log.warning("console: %s signed out everywhere (every session of %s ended)",
                            session.operator, session.operator)
            else:
                log.info("console: %s signed out", session.operator)
        done = "everywhere" if everywhere and session is not None else "out"
        response = RedirectResponse(f"{self._root(request)}/signin?{done}=1",
                                    status_code=303, headers=_HEADERS)
        response.delete_cookie(COOKIE, path=self._root(request), httponly=True,
                               samesite="strict")
        return response

    async def _home(self, request: Request) -> Response:
        found = await self._session(request)
        if isinstance(found, Response):
            return found
        session, why = found
        if session is None:
            return self._to_signin(request, why)
        return RedirectResponse(f"{self._root(request)}/{next(iter(self._platforms))}/",
                                status_code=303, headers=_HEADERS)

    async def _static(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in _STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        body = importlib.resources.files(__package__).joinpath("static").joinpath(name).read_bytes()
        return Response(body, media_type=_STATIC[name],
                        headers={"Cache-Control": "max-age=300",
                                 "X-Content-Type-Options": "nosniff"})

    # ------------------------------------------------------------------ decorators

    async def _guarded(self, request: Request) -> tuple[Session, AsyncComponent] | Response:
        found = await self._session(request)
        if isinstance(found, Response):
            return found
        session, why = found
        if session is None:
            return self._to_signin(request, why)
        component = self._platforms.get(str(request.path_params["platform"]))
        if component is None:
            return self._problem(request, 404, "No such platform is served here.", session)
        return session, component

    async def _run(self, request: Request, session: Session, component: AsyncComponent,
                   handler: Handler) -> Response:
        try:
            return await handler(request, session, component)
        except Problem as exc:
            return self._problem(request, exc.status, exc.message, session, component)
        except (InvalidArgument, ConfigurationError) as exc:
            return self._problem(request, 400, str(exc), session, component)
        except WxComponentError as exc:
            status = error_status(exc)
            log.warning("console: %s on %s answered %d: %s", session.operator,
                        request.url.path, status, exc)
            return self._problem(request, status, f"{type(exc).__name__}: {exc}", session,
                                 component)
        except Exception:
            log.exception("console: unexpected failure on %s", request.url.path)
            return self._problem(request, 503, "The console could not do this now; try again "
                                               "later.", session, component)

    def _page(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            guarded = await self._guarded(request)
            if isinstance(guarded, Response):
                return guarded
            return await self._run(request, *guarded, handler)

        return endpoint

    def _action(self, handler: Callable[[Request, Session, AsyncComponent,
                                         dict[str, str], bool], Awaitable[Response]]
                ) -> Callable[[Request], Awaitable[Response]]:
        """A confirmed action: ``GET`` (or a ``POST`` without ``confirmed``) shows the
        confirmation, a ``POST`` with ``confirmed=yes`` does it; every ``POST`` needs the
        session's CSRF token."""

        async def act(request: Request, session: Session, component: AsyncComponent
                      ) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                form = await _form(request)
                if not self.sessions.csrf_ok(session, form.get("csrf")):
                    log.warning("console: a form without its CSRF token, for %s, from %s",
                                session.operator, client_address(request.scope))
                    raise Problem(403, "This form has expired or did not come from this "
                                       "console; reload the page and try again.")
            confirmed = request.method == "POST" and form.get("confirmed") == "yes"
            return await handler(request, session, component, form, confirmed)

        return self._page(act)

    def _confirm(self, request: Request, session: Session, component: AsyncComponent,
                 action: _Action, fields: Mapping[str, str] | None = None,
                 details: Mapping[str, str] | None = None) -> Response:
        return self._render(request, "confirm.html", session=session, component=component,
                            action=action, fields=dict(fields or {}),
                            details=dict(details or {}), target=request.url.path)

    def _done(self, request: Request, session: Session, component: AsyncComponent,
              title: str, message: str, back: str, **context: Any) -> Response:
        return self._render(request, "done.html", session=session, component=component,
                            title=title, message=message, back=back, **context)

    # ------------------------------------------------------------------ pages

    async def _overview(self, request: Request, session: Session,
                        component: AsyncComponent) -> Response:
        appid = component.appid
        now = self._clock()
        ticket = await self._store.load_ticket(appid)
        ticket_request = last_ticket_request(
            await self._store.get_token(ticket_request_key(appid)))
        token = await self._store.get_token(component.token_key(
            TokenKind.COMPONENT_ACCESS_TOKEN))
        counts = {status: await self._store.count_authorizers(appid, status=status)
                  for status in ("authorized", "revoked")}
        outbox = {hook.name: await self._store.count_jobs(appid, topic=hook.topic)
                  for hook in self._settings.webhooks}
        ticket_age = None if ticket is None else max(0.0, now - ticket.received_at)
        return self._render(
            request, "overview.html", session=session, component=component, now=now,
            ticket=ticket, ticket_age=ticket_age, ticket_request=ticket_request,
            ticket_stale=ticket_age is not None and ticket_age > self._settings.ticket_max_age,
            token=token, counts=counts, outbox=outbox,
            refresh_interval=self._settings.refresh_interval,
            refreshed=self.recorder.refreshed(appid),
            failures=self._health.failures(appid),
            errors=self.recorder.errors(appid)[:10],
            release_check=component.callback_options.release_check,
            release_check_run=self.recorder.last_release_check(appid))

    async def _authorizers(self, request: Request, session: Session,
                           component: AsyncComponent) -> Response:
        query = request.query_params
        status_name = query.get("status", "all")
        if status_name not in _STATUSES:
            raise Problem(400, "The status must be all, authorized or revoked.")
        status = _STATUSES[status_name]
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
            rows, following, after = await self._by_name(appid, status, search, query)
        else:
            if search and (len(search) > 32 or not search.isascii() or not search.isalnum()):
                raise Problem(400, "Search by an appid or its beginning: letters and digits, "
                                   "at most 32.")
            rows, following, after = await self._by_appid(appid, status, search, query)
        total = await self._store.count_authorizers(appid, status=status)
        tokens = {}
        for record in rows:
            tokens[record.authorizer_appid] = await self._store.get_token(component.token_key(
                TokenKind.AUTHORIZER_ACCESS_TOKEN, record.authorizer_appid))
        return self._render(request, "authorizers.html", session=session, component=component,
                            rows=rows, tokens=tokens, chosen=status_name, search=search,
                            by=by, chosen_by=chosen_by, after=after, following=following,
                            total=total, now=self._clock(), statuses=list(_STATUSES))

    async def _by_appid(self, appid: str, status: AuthorizerStatus | None, search: str,
                        query: Any) -> tuple[list[AuthorizerRecord], str | None, str | None]:
        """A page of records by appid (those beginning with ``search``), keyset-paged."""
        after = query.get("after") or None
        if after is not None:
            after = validate_appid(after, "after")
        rows: list[AuthorizerRecord] = []
        if search and after is None:
            exact = await self._store.get_authorizer(appid, search)
            if exact is not None and (status is None or exact.status == status):
                rows.append(exact)
        # records that begin with the search follow it in the store's order
        page = await self._store.list_authorizers(appid, status=status,
                                                  after=after or search or None,
                                                  limit=PAGE_SIZE + 1)
        more = len(page) > PAGE_SIZE
        for record in page[:PAGE_SIZE]:
            if search and not record.authorizer_appid.startswith(search):
                more = False
                break
            rows.append(record)
        rows = rows[:PAGE_SIZE]
        following = f"after={rows[-1].authorizer_appid}" if more and rows else None
        return rows, following, after

    async def _by_name(self, appid: str, status: AuthorizerStatus | None, search: str,
                       query: Any) -> tuple[list[AuthorizerRecord], str | None, str | None]:
        """A page of records whose name begins with ``search``, in name order; the cursor is
        the last record's name key and appid."""
        after_key, after = query.get("after_key"), query.get("after") or None
        cursor: tuple[str, str] | None = None
        if after is not None:
            after = validate_appid(after, "after")
            if after_key is None or len(after_key) > MAX_ACCOUNT_NAME_LENGTH \
                    or not after_key.isprintable():
                raise Problem(400, "The page to start after is not one this console gave.")
            cursor = (after_key, after)
        rows: list[AuthorizerRecord] = []
        scanned: AuthorizerRecord | None = None
        exhausted = False
        for _ in range(NAME_SCAN_PAGES):  # a status filter skips records: bounded work
            try:
                page = await self._store.search_authorizers(appid, search, after=cursor,
                                                            limit=PAGE_SIZE + 1)
            except InvalidArgument:
                raise Problem(400, "The page to start after is not one this console gave."
                              ) from None
            window = page[:PAGE_SIZE]
            for record in window:
                scanned = record
                if status is None or record.status == status:
                    rows.append(record)
                    if len(rows) == PAGE_SIZE:
                        break
            if len(page) <= PAGE_SIZE and (not window or scanned is window[-1]):
                exhausted = True
                break
            if len(rows) == PAGE_SIZE:
                break
            cursor = (name_key(window[-1].name or ""), window[-1].authorizer_appid)
        following = None
        if not exhausted and scanned is not None:
            following = urlencode({"after_key": name_key(scanned.name or ""),
                                   "after": scanned.authorizer_appid})
        return rows, following, after

    async def _record(self, component: AsyncComponent, request: Request) -> Any:
        try:
            authorizer_appid = validate_appid(str(request.path_params["authorizer_appid"]),
                                              "authorizer_appid")
        except (InvalidArgument, ConfigurationError):
            raise Problem(404, "That is not an appid.") from None
        record = await self._store.get_authorizer(component.appid, authorizer_appid)
        if record is None:
            raise Problem(404, f"No account {authorizer_appid} has authorized this platform.")
        return record

    async def _authorizer(self, request: Request, session: Session,
                          component: AsyncComponent) -> Response:
        record = await self._record(component, request)
        token = await self._store.get_token(component.token_key(
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
        return self._render(request, "authorizer.html", session=session, component=component,
                            record=record, token=token, now=self._clock(), info=info,
                            info_error=info_error)

    async def _pushes(self, request: Request, session: Session,
                      component: AsyncComponent) -> Response:
        query = request.query_params
        hooks = {hook.name: hook for hook in self._settings.webhooks}
        webhook = query.get("webhook") or None
        if webhook is not None and webhook not in hooks:
            raise Problem(404, "No such webhook is configured.")
        state = query.get("state", "all")
        state = _STATE_WORDS.get(state, state)  # a link that names the stored state
        if state not in _JOB_STATES:
            raise Problem(400, "The state must be all, pending, delivered or dead.")
        raw_after = query.get("after") or ""
        if raw_after and (not raw_after.isdigit() or len(raw_after) > 18):
            raise Problem(400, "The page must start after a delivery number.")
        after = int(raw_after) if raw_after else None
        jobs: list[Job] = []
        following = None
        if hooks:
            topics = [hooks[webhook].topic] if webhook else [h.topic for h in hooks.values()]
            page = await self._store.list_jobs(
                component.appid, topic=topics[0] if len(topics) == 1 else None,
                state=_JOB_STATES[state],
                after=after, limit=PAGE_SIZE)
            jobs = [job for job in page if job.topic in topics]
            following = page[-1].id if len(page) == PAGE_SIZE else None
        counts = {name: await self._store.count_jobs(component.appid, topic=hook.topic)
                  for name, hook in hooks.items()}
        rows = [(job, _document(job)) for job in jobs]
        return self._render(request, "pushes.html", session=session, component=component,
                            rows=rows, counts=counts, webhook=webhook or "", state=state,
                            states=list(_JOB_STATES), after=after, following=following,
                            recent=self.recorder.pushes(component.appid))

    async def _job(self, component: AsyncComponent, request: Request) -> Job:
        raw = str(request.path_params["job_id"])
        if not raw.isdigit() or len(raw) > 18:
            raise Problem(404, "That is not a delivery number.")
        job = await self._store.get_job(int(raw))
        topics = {hook.topic for hook in self._settings.webhooks}
        if job is None or job.component_appid != component.appid or job.topic not in topics:
            raise Problem(404, f"There is no delivery {raw} of this platform (it may have "
                               "been purged).")
        return job

    async def _push(self, request: Request, session: Session,
                    component: AsyncComponent) -> Response:
        job = await self._job(component, request)
        document = _document(job)
        return self._render(request, "push.html", session=session, component=component,
                            job=job, document=document, webhook=job.topic.partition(":")[2],
                            shown=json.dumps(document.get("fields", {}), ensure_ascii=False,
                                             indent=2))

    async def _releases(self, request: Request, session: Session,
                        component: AsyncComponent) -> Response:
        query = request.query_params
        name = query.get("shipment", "").strip()
        if name:
            report = await component.fleet.report(name)
            return self._render(request, "releases.html", session=session,
                                component=component, shipment=name, report=report,
                                counts=report.counts(), rows=[], before=None, following=None)
        raw_before = query.get("before") or ""
        if raw_before and (not raw_before.isdigit() or len(raw_before) > 18):
            raise Problem(400, "The page must start before a shipment number.")
        before = int(raw_before) if raw_before else None
        page: ShipmentPage = await component.fleet.shipments(before=before,
                                                             limit=SHIPMENTS_PAGE)
        rows: list[tuple[Shipment, dict[str, int]]] = []
        for shipment in page.shipments:
            report = await component.fleet.report(shipment.name)
            rows.append((shipment, report.counts()))
        return self._render(request, "releases.html", session=session, component=component,
                            shipment="", report=None, counts={}, rows=rows, before=before,
                            following=page.next, now=self._clock())

    async def _link_form(self, request: Request, session: Session,
                         component: AsyncComponent) -> Response:
        return self._render(request, "link_form.html", session=session, component=component,
                            enabled=self._flows.public_url is not None,
                            link_ttl=int(self._settings.link_ttl), auth_types=AuthType.VALID)

    # ------------------------------------------------------------------ actions

    async def _refresh_authorizer(self, request: Request, session: Session,
                                  component: AsyncComponent, form: dict[str, str],
                                  confirmed: bool) -> Response:
        record = await self._record(component, request)
        appid = record.authorizer_appid
        back = f"{self._root(request)}/{component.appid}/authorizers/{appid}"
        if record.status != "authorized":
            raise Problem(409, f"{appid} revoked its authorization: its token cannot be "
                               "refreshed until it authorizes again.")
        if not confirmed:
            return self._confirm(request, session, component, _Action(
                "Refresh a token", f"Fetch a new access token for {appid} from WeChat now?",
                "Refresh the token"))
        log.info("console: %s refreshes the access token of %s (platform %s)",
                 session.operator, appid, component.appid)
        token = await component.renew_token(TokenKind.AUTHORIZER_ACCESS_TOKEN, appid, None)
        return self._done(request, session, component, "Token refreshed",
                          f"{appid} has a new access token.", back, expires_at=token.expires_at)

    async def _refresh_component(self, request: Request, session: Session,
                                 component: AsyncComponent, form: dict[str, str],
                                 confirmed: bool) -> Response:
        back = f"{self._root(request)}/{component.appid}/"
        if not confirmed:
            return self._confirm(request, session, component, _Action(
                "Refresh the component token",
                f"Fetch a new component access token for {component.appid} from WeChat now?",
                "Refresh the token"))
        log.info("console: %s refreshes the component token of %s", session.operator,
                 component.appid)
        token = await component.renew_token(TokenKind.COMPONENT_ACCESS_TOKEN, "", None)
        return self._done(request, session, component, "Token refreshed",
                          "The platform has a new component access token.", back,
                          expires_at=token.expires_at)

    async def _forget(self, request: Request, session: Session, component: AsyncComponent,
                      form: dict[str, str], confirmed: bool) -> Response:
        record = await self._record(component, request)
        appid = record.authorizer_appid
        back = f"{self._root(request)}/{component.appid}/authorizers/{appid}"
        if record.status != "authorized":
            raise Problem(409, f"{appid} is already revoked.")
        if not confirmed:
            return self._confirm(request, session, component, _Action(
                "Forget an authorizer",
                f"Mark {appid} revoked and drop its tokens? The platform stops acting for it "
                "until it authorizes again (its record is kept).", "Forget it", danger=True))
        log.warning("console: %s forgets the authorizer %s (platform %s)", session.operator,
                    appid, component.appid)
        await component.forget_authorizer(appid)
        return self._done(request, session, component, "Authorizer forgotten",
                          f"{appid} is marked revoked and its tokens are dropped.", back)

    async def _replay(self, request: Request, session: Session, component: AsyncComponent,
                      form: dict[str, str], confirmed: bool) -> Response:
        job = await self._job(component, request)
        back = f"{self._root(request)}/{component.appid}/pushes/{job.id}"
        if job.state == "pending":
            raise Problem(409, f"Delivery {job.id} is still pending: it will be delivered "
                               "without a replay.")
        if not confirmed:
            kind = _document(job).get("kind", "?")
            return self._confirm(request, session, component, _Action(
                "Replay a push", f"Deliver push {job.id} ({kind}) to the webhook "
                                 f"{job.topic.partition(':')[2]} again?", "Replay it"))
        if not await self._store.requeue_job(job.id):
            raise Problem(409, f"Delivery {job.id} could not be replayed: it is pending or "
                               "gone.")
        log.info("console: %s replays delivery %d (platform %s)", session.operator, job.id,
                 component.appid)
        return self._done(request, session, component, "Push queued again",
                          f"Delivery {job.id} is queued again, after the pending pushes of "
                          "the same account.", back)

    async def _new_link(self, request: Request, session: Session, component: AsyncComponent,
                        form: dict[str, str], confirmed: bool) -> Response:
        if self._flows.public_url is None:
            raise Problem(409, "Authorization links need the public_url setting (the address "
                               "merchants open).")
        if request.method == "GET":
            return RedirectResponse(f"{self._root(request)}/{component.appid}/links",
                                    status_code=303, headers=_HEADERS)
        tenant, lifetime, options = _link_form(form, self._settings.link_ttl)
        fields = {"tenant": tenant, "auth_type": str(options.auth_type),
                  "expires_in": str(int(lifetime)), "mobile": "yes" if options.mobile else ""}
        if not confirmed:
            return self._confirm(request, session, component, _Action(
                "Create an authorization link",
                f"Create a link for tenant {tenant!r}? Whoever opens it can authorize an "
                "account for that tenant.", "Create the link"), fields,
                {"tenant": tenant, "valid for": _duration(lifetime),
                 "accounts": _AUTH_TYPES.get(options.auth_type, str(options.auth_type)),
                 "page": "mobile" if options.mobile else "desktop"})
        link = self._flows.new_link(component.appid, tenant, lifetime, options)
        url = self._flows.link_url(link)
        log.info("console: %s created authorization link %s for tenant %r (platform %s)",
                 session.operator, link.link_id, tenant, component.appid)
        return self._render(request, "link.html", session=session, component=component,
                            url=url, qr=_qr_svg(url), tenant=tenant,
                            expires_at=link.expires_at)


_AUTH_TYPES = {1: "official accounts", 2: "mini programs", 3: "both", 4: "mini stores",
               5: "Weixin Pay", 6: "channels stores", 8: "Weixin channels"}


def _link_form(form: Mapping[str, str], max_lifetime: float) -> tuple[str, float, PageOptions]:
    tenant = validate_tenant(form.get("tenant", "").strip())
    raw_type = form.get("auth_type", "3")
    if not raw_type.isdigit() or int(raw_type) not in AuthType.VALID:
        raise InvalidArgument("auth_type", f"must be one of {sorted(AuthType.VALID)}")
    raw_life = form.get("expires_in", "") or str(int(max_lifetime))
    if not raw_life.isdigit() or not 60 <= int(raw_life) <= max_lifetime:
        raise InvalidArgument("expires_in", f"must be from 60 to {max_lifetime:g} seconds")
    mobile = form.get("mobile") in ("yes", "on", "1")
    return tenant, float(raw_life), PageOptions(int(raw_type), None, (), mobile)


def _qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=4, border=2, title="QR code",
                                                     dark="#000", light="#fff"))


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form, at most :data:`MAX_FORM` bytes, each field once."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Problem(415, "Send the form as the page does (application/x-www-form-"
                           "urlencoded).")
    try:
        raw = await read_body(request, MAX_FORM)
    except BodyRefused as exc:
        raise Problem(exc.status, f"The form was refused: its {exc}.") from None
    except ClientGone:
        raise Problem(400, "The form did not arrive whole.") from None
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "The form is not valid UTF-8 form data.") from None
    form: dict[str, str] = {}
    for key, values in parsed.items():
        if len(values) != 1:
            raise Problem(400, f"The form field {quote(key[:40])} came more than once.")
        form[key] = values[0]
    return form
