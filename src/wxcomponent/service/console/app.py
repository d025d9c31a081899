"""The operator's console: what the platforms are doing, and actions on one account.

Mounted under ``/console`` on the **admin** listener only (never the public one). Pages, for
each platform ``{appid}``:

* ``/console/{appid}/`` — the overview: ticket age (and the last time a host asked WeChat to
  push one), the component token's expiry, authorizers by status, the refresher, the latest
  errors, the release check, the outbox;
* ``/console/{appid}/authorizers`` — search by appid (or its beginning), keyset paging that
  reads one page of the store at a time; ``…/authorizers/{authorizer_appid}`` — one account,
  with its last failed calls to WeChat seen here and their rids;
* ``/console/{appid}/compliance`` — the compliance board: the mini programs by what blocks
  them, those whose verification ends within 30 days, the counts per reason, keyset-paged;
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

import os
import socket
from collections.abc import Callable, Mapping

from starlette.routing import BaseRoute, Mount, Route

from ...client import AsyncComponent
from ...stores.base import AsyncStore
from ..authorization import AuthorizationFlows
from ..health import HealthTracker
from ..ratelimit import RateLimiter
from ..settings import ServiceSettings
from .actions import Actions
from .failed_calls import FailedCalls
from .guard import Guard
from .pages import Pages
from .recorder import Recorder
from .rendering import Renderer
from .session import Sessions
from .signin import SignIn
from .static import static_file

__all__ = ["Console"]


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
        self.sessions = Sessions(settings, store, clock)
        self.recorder = Recorder(clock)
        self.failed_calls = FailedCalls(clock)
        for appid, component in platforms.items():
            component.add_listener(self.recorder.listener(appid))
            component.add_listener(self.failed_calls.listener(appid))
        self._view = Renderer(
            platforms, host or f"{socket.gethostname() or 'this host'} (pid {os.getpid()})")
        self._guard = Guard(sessions=self.sessions, platforms=platforms, view=self._view)
        self._signin = SignIn(sessions=self.sessions, failures=failures, platforms=platforms,
                              guard=self._guard, view=self._view)
        self._pages = Pages(settings=settings, store=store, flows=flows,
                            recorder=self.recorder, failed_calls=self.failed_calls,
                            health=health, clock=clock,
                            view=self._view)
        self._actions = Actions(settings=settings, store=store, flows=flows,
                                sessions=self.sessions, guard=self._guard, view=self._view)

    @property
    def host(self) -> str:
        """The name of this server process, shown beside what only it has seen."""
        return self._view.host

    @host.setter
    def host(self, name: str) -> None:
        self._view.host = name

    def mount(self) -> Mount:
        """The console's routes under ``/console``."""
        return Mount("/console", routes=self.routes())

    def routes(self) -> list[BaseRoute]:
        """The console's routes, relative to its mount point."""
        base = "/{platform}"
        who = base + "/authorizers/{authorizer_appid}"
        signin, pages, actions = self._signin, self._pages, self._actions
        page, act = self._guard.page, actions.confirmed
        get, get_post = ["GET"], ["GET", "POST"]
        return [
            Route("/", signin.home, methods=get),
            Route("/signin", signin.signin, methods=get_post),
            Route("/signout", signin.signout, methods=["POST"]),
            Route("/static/{name}", static_file, methods=get),
            Route(base + "/", page(pages.overview), methods=get),
            Route(base + "/authorizers", page(pages.authorizers), methods=get),
            Route(base + "/compliance", page(pages.compliance), methods=get),
            Route(who, page(pages.authorizer), methods=get),
            Route(who + "/refresh", act(actions.refresh_authorizer), methods=get_post),
            Route(who + "/forget", act(actions.forget), methods=get_post),
            Route(base + "/component_token/refresh", act(actions.refresh_component),
                  methods=get_post),
            Route(base + "/links", page(pages.link_form), methods=get),
            Route(base + "/links/new", act(actions.new_link), methods=get_post),
            Route(base + "/pushes", page(pages.pushes), methods=get),
            Route(base + "/pushes/{job_id}", page(pages.push), methods=get),
            Route(base + "/pushes/{job_id}/replay", act(actions.replay), methods=get_post),
            Route(base + "/releases", page(pages.releases), methods=get),
        ]
