"""The console's actions on a platform: refresh a token (an authorizer's or the component
token), forget an authorizer, create an authorization link, replay a delivery.

Every action has one shape. A ``GET`` (or a ``POST`` without ``confirmed=yes``) answers its
confirmation page, whose form posts again with ``confirmed=yes``; that ``POST`` does it and
answers what happened. Nothing happens on a ``GET``; every ``POST`` needs the session's CSRF
token; each action is logged with the operator's name on the ``wxcomponent.service.console``
logger.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...client import AsyncComponent
from ...core.authurl import AuthType
from ...core.context import TokenKind
from ...core.outbox import job_document
from ...errors import InvalidArgument
from ...stores.base import AsyncStore
from ..authorization import AuthorizationFlows, PageOptions
from ..links import validate_tenant
from ..ratelimit import client_address
from ..settings import ServiceSettings
from .forms import read_form
from .guard import Endpoint, Guard
from .lookup import authorizer_named, delivery_named
from .rendering import Problem, Renderer, duration, platform_url, qr_svg, redirect
from .session import Session, Sessions

__all__ = ["AUTH_TYPES", "Actions", "Confirmation", "Done", "Plan", "Step", "link_form"]

log = logging.getLogger("wxcomponent.service.console")

#: What each ``auth_type`` of a link lets authorize, as the confirmation says it.
AUTH_TYPES = {1: "official accounts", 2: "mini programs", 3: "both", 4: "mini stores",
              5: "Weixin Pay", 6: "channels stores", 8: "Weixin channels"}


@dataclass(frozen=True)
class Confirmation:
    """An action's confirmation page: its title, question and button, the fields its form
    posts again and the details it lists."""

    title: str
    question: str
    button: str
    danger: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Done:
    """The page after an action: what happened, the page to go back to, and the expiry of
    the token it brought, if any."""

    title: str
    message: str
    back: str
    expires_at: float | None = None


@dataclass(frozen=True)
class Plan:
    """An action checked and ready: its confirmation, and the deed once it is confirmed (its
    outcome, or the page to answer)."""

    confirmation: Confirmation
    deed: Callable[[], Awaitable[Done | Response]]


#: An action: checks what the URL and the form name, and plans it (or answers at once).
Step = Callable[[Request, Session, AsyncComponent, Mapping[str, str]], Awaitable[Plan | Response]]


def link_form(form: Mapping[str, str], max_lifetime: float) -> tuple[str, float, PageOptions]:
    """The tenant, lifetime and page options a new link's form asks for."""
    tenant = validate_tenant(form.get("tenant", "").strip())
    raw_type = form.get("auth_type", "3")
    if not raw_type.isdigit() or int(raw_type) not in AuthType.VALID:
        raise InvalidArgument("auth_type", f"must be one of {sorted(AuthType.VALID)}")
    raw_life = form.get("expires_in", "") or str(int(max_lifetime))
    if not raw_life.isdigit() or not 60 <= int(raw_life) <= max_lifetime:
        raise InvalidArgument("expires_in", f"must be from 60 to {max_lifetime:g} seconds")
    mobile = form.get("mobile") in ("yes", "on", "1")
    return tenant, float(raw_life), PageOptions(int(raw_type), None, (), mobile)


@dataclass(frozen=True)
class Actions:
    """The handlers of the actions, each made an endpoint by :meth:`confirmed`.

    They act through the platforms' components and ``store``; ``flows`` makes links,
    ``settings`` gives the webhooks and the longest link lifetime, ``sessions`` checks the
    forms' CSRF tokens, ``guard`` lets signed-in operators through and ``view`` renders.
    """

    settings: ServiceSettings
    store: AsyncStore
    flows: AuthorizationFlows
    sessions: Sessions
    guard: Guard
    view: Renderer

    def confirmed(self, step: Step) -> Endpoint:
        """The endpoint of an action: ``GET`` (or a ``POST`` without ``confirmed``) shows the
        confirmation, a ``POST`` with ``confirmed=yes`` does it; every ``POST`` needs the
        session's CSRF token."""

        @functools.wraps(step)
        async def act(request: Request, session: Session, component: AsyncComponent
                      ) -> Response:
            posted = request.method == "POST"
            form: dict[str, str] = {}
            if posted:
                form = await read_form(request)
                if not self.sessions.csrf_ok(session, form.get("csrf")):
                    log.warning("console: a form without its CSRF token, for %s, from %s",
                                session.operator, client_address(request.scope))
                    raise Problem(403, "This form has expired or did not come from this "
                                       "console; reload the page and try again.")
            plan = await step(request, session, component, form)
            if isinstance(plan, Response):
                return plan
            if not (posted and form.get("confirmed") == "yes"):
                return self._confirmation(request, session, component, plan.confirmation)
            outcome = await plan.deed()
            if isinstance(outcome, Response):
                return outcome
            return self._done(request, session, component, outcome)

        return self.guard.page(act)

    def _confirmation(self, request: Request, session: Session, component: AsyncComponent,
                      confirmation: Confirmation) -> Response:
        return self.view.render(request, "confirm.html", session=session, component=component,
                                action=confirmation, fields=dict(confirmation.fields),
                                details=dict(confirmation.details), target=request.url.path)

    def _done(self, request: Request, session: Session, component: AsyncComponent,
              done: Done) -> Response:
        expiry: dict[str, Any] = {} if done.expires_at is None else {"expires_at": done.expires_at}
        return self.view.render(request, "done.html", session=session, component=component,
                                title=done.title, message=done.message, back=done.back,
                                **expiry)

    async def refresh_authorizer(self, request: Request, session: Session,
                                 component: AsyncComponent, form: Mapping[str, str]) -> Plan:
        """Fetch a new access token for an authorized account."""
        record = await authorizer_named(self.store, component, request)
        appid = record.authorizer_appid
        if record.status != "authorized":
            raise Problem(409, f"{appid} revoked its authorization: its token cannot be "
                               "refreshed until it authorizes again.")

        async def refresh() -> Done:
            log.info("console: %s refreshes the access token of %s (platform %s)",
                     session.operator, appid, component.appid)
            token = await component.renew_token(TokenKind.AUTHORIZER_ACCESS_TOKEN, appid, None)
            return Done("Token refreshed", f"{appid} has a new access token.",
                        platform_url(request, component, f"authorizers/{appid}"),
                        token.expires_at)

        return Plan(Confirmation("Refresh a token",
                                 f"Fetch a new access token for {appid} from WeChat now?",
                                 "Refresh the token"), refresh)

    async def refresh_component(self, request: Request, session: Session,
                                component: AsyncComponent, form: Mapping[str, str]) -> Plan:
        """Fetch a new component access token."""

        async def refresh() -> Done:
            log.info("console: %s refreshes the component token of %s", session.operator,
                     component.appid)
            token = await component.renew_token(TokenKind.COMPONENT_ACCESS_TOKEN, "", None)
            return Done("Token refreshed", "The platform has a new component access token.",
                        platform_url(request, component), token.expires_at)

        return Plan(Confirmation(
            "Refresh the component token",
            f"Fetch a new component access token for {component.appid} from WeChat now?",
            "Refresh the token"), refresh)

    async def forget(self, request: Request, session: Session, component: AsyncComponent,
                     form: Mapping[str, str]) -> Plan:
        """Mark an authorized account revoked and drop its tokens (its record is kept)."""
        record = await authorizer_named(self.store, component, request)
        appid = record.authorizer_appid
        if record.status != "authorized":
            raise Problem(409, f"{appid} is already revoked.")

        async def forget() -> Done:
            log.warning("console: %s forgets the authorizer %s (platform %s)",
                        session.operator, appid, component.appid)
            await component.forget_authorizer(appid)
            return Done("Authorizer forgotten",
                        f"{appid} is marked revoked and its tokens are dropped.",
                        platform_url(request, component, f"authorizers/{appid}"))

        return Plan(Confirmation(
            "Forget an authorizer",
            f"Mark {appid} revoked and drop its tokens? The platform stops acting for it "
            "until it authorizes again (its record is kept).", "Forget it", danger=True),
            forget)

    async def replay(self, request: Request, session: Session, component: AsyncComponent,
                     form: Mapping[str, str]) -> Plan:
        """Queue a delivered or dead delivery again."""
        job = await delivery_named(self.store, self.settings, component, request)
        if job.state == "pending":
            raise Problem(409, f"Delivery {job.id} is still pending: it will be delivered "
                               "without a replay.")

        async def replay() -> Done:
            if not await self.store.requeue_job(job.id):
                raise Problem(409, f"Delivery {job.id} could not be replayed: it is pending "
                                   "or gone.")
            log.info("console: %s replays delivery %d (platform %s)", session.operator,
                     job.id, component.appid)
            return Done("Push queued again",
                        f"Delivery {job.id} is queued again, after the pending pushes of the "
                        "same account.", platform_url(request, component, f"pushes/{job.id}"))

        kind = job_document(job).get("kind", "?")
        return Plan(Confirmation(
            "Replay a push", f"Deliver push {job.id} ({kind}) to the webhook "
                             f"{job.topic.partition(':')[2]} again?", "Replay it"), replay)

    async def new_link(self, request: Request, session: Session, component: AsyncComponent,
                       form: Mapping[str, str]) -> Plan | Response:
        """Create an authorization link for a tenant, shown as a URL and a QR code (a ``GET``
        goes to the link's form)."""
        flows = self.flows
        if flows.public_url is None:
            raise Problem(409, "Authorization links need the public_url setting (the address "
                               "merchants open).")
        if request.method == "GET":
            return redirect(platform_url(request, component, "links"))
        tenant, lifetime, options = link_form(form, self.settings.link_ttl)

        async def create() -> Response:
            link = flows.new_link(component.appid, tenant, lifetime, options)
            url = flows.link_url(link)
            log.info("console: %s created authorization link %s for tenant %r (platform %s)",
                     session.operator, link.link_id, tenant, component.appid)
            return self.view.render(request, "link.html", session=session,
                                    component=component, url=url, qr=qr_svg(url),
                                    tenant=tenant, expires_at=link.expires_at)

        return Plan(Confirmation(
            "Create an authorization link",
            f"Create a link for tenant {tenant!r}? Whoever opens it can authorize an "
            "account for that tenant.", "Create the link",
            fields={"tenant": tenant, "auth_type": str(options.auth_type),
                    "expires_in": str(int(lifetime)), "mobile": "yes" if options.mobile else ""},
            details={"tenant": tenant, "valid for": duration(lifetime),
                     "accounts": AUTH_TYPES.get(options.auth_type, str(options.auth_type)),
                     "page": "mobile" if options.mobile else "desktop"}), create)
