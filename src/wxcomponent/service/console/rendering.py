"""How the console answers: its Jinja2 templates and filters, the headers of every page,
redirects, the page of a refused request, and the QR code of a link.

Every page goes out with :data:`HEADERS`: a Content-Security-Policy without inline scripts or
styles, no framing, no sniffing, no caching and no referrer. Templates are autoescaped and
see, besides their own context, the session, the platform shown, every platform served, the
console's root path and this server process's name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...client import AsyncComponent
from .session import Session

__all__ = ["CSP", "HEADERS", "PERMISSIONS", "STATE_WORDS", "Problem", "Renderer", "duration",
           "platform_url", "qr_svg", "redirect", "root_of"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: The headers of every page and redirect the console answers.
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
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
#: The one word the console uses for each stored state of a delivery.
STATE_WORDS = {"pending": "pending", "done": "delivered", "dead": "dead"}


class Problem(Exception):
    """A request the console refuses, with the page's status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(seconds: float) -> str:
    """``seconds`` since the epoch as an ISO 8601 UTC time, to the second."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(
        timespec="seconds").replace("+00:00", "Z")


def duration(seconds: float | None) -> str:
    """A span of time as people read it (``90 s``, ``5 min``, ``3 h 20 min``, ``2 d 4 h``)."""
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


def environment() -> Any:
    """The Jinja2 environment of the console's templates, or None without Jinja2."""
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
        stamp = iso(seconds)
        shown = stamp.replace("T", " ").replace("Z", " UTC")
        return Markup('<time datetime="{}">{}</time>').format(stamp, escape(shown))

    env.filters["when"] = when
    env.filters["duration"] = duration
    env.globals["permissions"] = PERMISSIONS
    env.globals["state_words"] = STATE_WORDS
    return env


def root_of(request: Request) -> str:
    """The path the console is mounted at (``/console`` unless mounted elsewhere)."""
    return str(request.scope.get("root_path", "")).rstrip("/") or "/console"


def platform_url(request: Request, component: AsyncComponent, path: str = "") -> str:
    """The URL of ``path`` among the console's pages of ``component``'s platform."""
    return f"{root_of(request)}/{component.appid}/{path}"


def redirect(url: str) -> Response:
    """A ``303 See Other`` to ``url``, with the console's headers."""
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def qr_svg(url: str) -> str:
    """An inline SVG of the QR code of ``url``."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=4, border=2, title="QR code",
                                                     dark="#000", light="#fff"))


class Renderer:
    """The console's pages: a template rendered with what every page shows.

    ``platforms`` are the appids the service serves; ``host`` names this server process.
    """

    def __init__(self, platforms: Iterable[str], host: str) -> None:
        self._platforms = platforms
        #: The name of this server process, shown beside what only it has seen.
        self.host = host
        self._env = environment()

    def render(self, request: Request, template: str, status: int = 200, *,
               session: Session | None = None, component: AsyncComponent | None = None,
               headers: Mapping[str, str] | None = None, **context: Any) -> Response:
        """``template`` rendered with ``context``, answered with ``status`` (a 503 page
        asking for Jinja2 when it is not installed)."""
        if self._env is None:
            return HTMLResponse("<!doctype html><title>Console unavailable</title><p>The "
                                "console needs Jinja2: pip install 'wxcomponent[service]'",
                                status_code=503, headers=HEADERS)
        text = self._env.get_template(template).render(
            session=session, platform=component.appid if component else None,
            platforms=list(self._platforms), root=root_of(request), host=self.host,
            **context)
        return HTMLResponse(text, status_code=status, headers={**HEADERS, **(headers or {})})

    def problem(self, request: Request, status: int, message: str,
                session: Session | None = None,
                component: AsyncComponent | None = None) -> Response:
        """The page of a refused request: ``message`` with ``status`` (a 413 closes the
        connection, whose body was not read)."""
        return self.render(request, "problem.html", status, session=session,
                           component=component, message=message,
                           headers={"Connection": "close"} if status == 413 else None)

    def refused(self, request: Request, problem: Problem, session: Session | None = None,
                component: AsyncComponent | None = None) -> Response:
        """The page of ``problem``."""
        return self.problem(request, problem.status, problem.message, session, component)
