"""Signing in to the console and out of it, and its front page.

Sign-in takes the admin key (with an empty name or ``admin``) or an operator's name and
password, opens a session in the store (:mod:`.session`) and sets its cookie; wrong
operators' passwords count against the client address in the service's failure limiter.
Signing out deletes the session's record, so its cookie dies on every host; with
``everywhere=yes`` every session of its operator ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from ..ratelimit import RateLimiter, client_address
from .forms import read_form
from .guard import Guard
from .rendering import Problem, Renderer, redirect, root_of
from .session import COOKIE, Sessions

__all__ = ["NOTICES", "SignIn", "next_target"]

log = logging.getLogger("wxcomponent.service.console")

#: What the sign-in page says after each ending of a session (and whether it is good news),
#: by the word of its query.
NOTICES = {
    "expired": ("Your session has expired; sign in again.", False),
    "ended": ("Your session has ended: it was signed out (here or everywhere), or your "
              "operator or key changed. Sign in again.", False),
    "out": ("You are signed out.", True),
    "everywhere": ("You are signed out everywhere: every session of yours has ended, on "
                   "every host.", True),
}


def next_target(request: Request, value: object) -> str:
    """Where to go after signing in: ``value`` when it is a path of the console, else the
    console's front page (never another site)."""
    root = root_of(request)
    if isinstance(value, str) and value.startswith(root + "/") and "//" not in value \
            and "\\" not in value and len(value) < 512 and value.isprintable():
        return value
    return root + "/"


@dataclass(frozen=True)
class SignIn:
    """The console's front page and its sign-in and sign-out endpoints.

    ``sessions`` opens and closes sessions, ``failures`` limits wrong credentials per client
    address, ``platforms`` are the appids served (the front page leads to the first),
    ``guard`` reads a request's session and ``view`` renders the pages.
    """

    sessions: Sessions
    failures: RateLimiter
    platforms: Iterable[str]
    guard: Guard
    view: Renderer

    async def home(self, request: Request) -> Response:
        """``GET /console/``: the first platform's overview, or sign-in."""
        session = await self.guard.signed_in(request)
        if isinstance(session, Response):
            return session
        return redirect(f"{root_of(request)}/{next(iter(self.platforms))}/")

    async def signin(self, request: Request) -> Response:
        """``GET /console/signin``: the form; ``POST``: check the credentials, open a session
        and go on to the page asked for."""
        try:
            return await self._signin(request)
        except Problem as exc:
            return self.view.refused(request, exc)
        except Exception:
            log.exception("console: sign-in failed")
            return self.view.problem(request, 503, "The console is unavailable; try again "
                                                   "later.")

    async def _signin(self, request: Request) -> Response:
        sessions, view = self.sessions, self.view
        if not sessions.enabled:
            return view.problem(request, 403, "Nobody can sign in: configure api_key or "
                                              "operators.")
        address = client_address(request.scope)
        if request.method == "GET":
            query = request.query_params
            notice, good = "", False
            for key, (text, is_good) in NOTICES.items():
                if query.get(key) == "1":
                    notice, good = text, is_good
            return view.render(request, "signin.html", next=next_target(
                request, query.get("next")), notice=notice, good=good,
                named=bool(sessions.operator_names))
        form = await read_form(request)
        target = next_target(request, form.get("next"))
        given = form.get("name", "")
        # The admin key (long and random) is served whatever came before it, so a client
        # with a wrong key cannot lock out its neighbours. An operator's password is chosen
        # by a person and could be guessed: an address over the limit gets no answer to it,
        # right or wrong, and costs no password hash.
        wait = 0 if sessions.is_admin_name(given) else self.failures.blocked(address)
        name = None if wait else await sessions.check(given, form.get("password", ""))
        if name is None:
            wait = wait or self.failures.take(address)
            if wait:
                return view.render(request, "signin.html", 429, next=target, named=True,
                                   notice=f"Too many failed sign-ins from your address; try "
                                          f"again in {wait} s.", good=False,
                                   headers={"Retry-After": str(wait)})
            log.warning("console: a failed sign-in from %s", address)
            return view.render(request, "signin.html", 401, next=target, named=True,
                               notice="Wrong name or password.", good=False)
        value, _ = await sessions.open(name)
        log.info("console: %s signed in from %s", name, address)
        response = redirect(target)
        response.set_cookie(COOKIE, value, max_age=int(sessions.ttl), path=root_of(request),
                            httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    async def signout(self, request: Request) -> Response:
        """``POST /console/signout``: end this session (its record is deleted, so the cookie
        dies on every host), or with ``everywhere=yes`` every session of its operator."""
        found = await self.guard.session(request)
        if isinstance(found, Response):
            return found
        session, _ = found
        try:
            form = await read_form(request)
        except Problem as exc:
            return self.view.refused(request, exc)
        everywhere = form.get("everywhere") == "yes"
        if session is not None and not self.sessions.csrf_ok(session, form.get("csrf")):
            return self.view.problem(request, 403, "This form has expired; reload the page.")
        if session is not None:
            try:
                if everywhere:
                    await self.sessions.close_everywhere(session)
                else:
                    await self.sessions.close(session)
            except Exception:
                log.exception("console: %s could not sign out", session.operator)
                return self.view.problem(request, 503, "You are still signed in: the console "
                                                       "cannot reach its store; try again "
                                                       "later.", session)
            if everywhere:
                log.warning("console: %s signed out everywhere (every session of %s ended)",
                            session.operator, session.operator)
            else:
                log.info("console: %s signed out", session.operator)
        done = "everywhere" if everywhere and session is not None else "out"
        response = redirect(f"{root_of(request)}/signin?{done}=1")
        response.delete_cookie(COOKIE, path=root_of(request), httponly=True,
                               samesite="strict")
        return response
