"""The gate of the console's pages: a request's session (or the way to sign in), the platform
its URL names, and the page of whatever its handler refuses or fails at — never a 500."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from ...client import AsyncComponent
from ...errors import ConfigurationError, InvalidArgument, WxComponentError
from ..errors import error_status
from .rendering import Problem, Renderer, redirect, root_of
from .session import COOKIE, Session, Sessions

__all__ = ["ENDINGS", "Endpoint", "Guard", "Handler"]

log = logging.getLogger("wxcomponent.service.console")

#: Why a request went back to sign-in, as the sign-in page's query says it (a cookie that is
#: not a session of this console, e.g. one signed before the admin key changed, has ended).
ENDINGS = {"expired": "expired", "ended": "ended", "invalid": "ended"}

#: A page of a platform, for a signed-in operator.
Handler = Callable[[Request, Session, AsyncComponent], Awaitable[Response]]
#: A Starlette endpoint.
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Guard:
    """Lets signed-in operators through to the pages of the platforms served.

    ``sessions`` reads the session of a request, ``platforms`` are the platforms by appid and
    ``view`` renders the pages of refusals.
    """

    sessions: Sessions
    platforms: Mapping[str, AsyncComponent]
    view: Renderer

    async def session(self, request: Request) -> tuple[Session | None, str] | Response:
        """The request's session (or None and why), or the page to answer when the store
        cannot say."""
        try:
            return await self.sessions.read(request.cookies.get(COOKIE))
        except Exception:
            log.exception("console: the session of a request could not be read")
            return self.view.problem(request, 503, "The console cannot reach its store to "
                                                   "check your session; try again later.")

    def to_signin(self, request: Request, why: str) -> Response:
        """The way to the sign-in page, which comes back here after (a ``GET``) or to the
        console's front page (anything else), saying why the session is no more."""
        target = request.url.path
        if request.method != "GET":
            target = root_of(request) + "/"
        ending = ENDINGS.get(why)
        query = urlencode({"next": target, **({ending: "1"} if ending else {})})
        return redirect(f"{root_of(request)}/signin?{query}")

    async def signed_in(self, request: Request) -> Session | Response:
        """The request's session, or the page to answer instead (sign-in, or the store's
        503)."""
        found = await self.session(request)
        if isinstance(found, Response):
            return found
        session, why = found
        if session is None:
            return self.to_signin(request, why)
        return session

    def page(self, handler: Handler) -> Endpoint:
        """The endpoint of ``handler``: for a signed-in operator and a platform served, the
        page it answers, else the way to sign in or the page that says what is wrong."""

        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = await self.signed_in(request)
            if isinstance(session, Response):
                return session
            component = self.platforms.get(str(request.path_params["platform"]))
            if component is None:
                return self.view.problem(request, 404, "No such platform is served here.",
                                         session)
            return await self._run(request, session, component, handler)

        return endpoint

    async def _run(self, request: Request, session: Session, component: AsyncComponent,
                   handler: Handler) -> Response:
        view = self.view
        try:
            return await handler(request, session, component)
        except Problem as exc:
            return view.refused(request, exc, session, component)
        except (InvalidArgument, ConfigurationError) as exc:
            return view.problem(request, 400, str(exc), session, component)
        except WxComponentError as exc:
            status = error_status(exc)
            log.warning("console: %s on %s answered %d: %s", session.operator,
                        request.url.path, status, exc)
            return view.problem(request, status, f"{type(exc).__name__}: {exc}", session,
                                component)
        except Exception:
            log.exception("console: unexpected failure on %s", request.url.path)
            return view.problem(request, 503, "The console could not do this now; try again "
                                              "later.", session, component)
