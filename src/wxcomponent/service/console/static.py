"""The console's static files: one stylesheet and one script, served from the package."""

from __future__ import annotations

import importlib.resources

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["STATIC", "static_file"]

#: Each static file the pages link, and its media type.
STATIC = {"console.css": "text/css; charset=utf-8",
          "console.js": "text/javascript; charset=utf-8"}


async def static_file(request: Request) -> Response:
    """``GET /console/static/{name}``: one of :data:`STATIC`, cached for five minutes;
    any other name is not found."""
    name = str(request.path_params["name"])
    if name not in STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    body = importlib.resources.files(__package__).joinpath("static").joinpath(name).read_bytes()
    return Response(body, media_type=STATIC[name],
                    headers={"Cache-Control": "max-age=300",
                             "X-Content-Type-Options": "nosniff"})
