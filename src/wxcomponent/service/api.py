"""The internal token API: tokens for services written in other languages.

Every route needs ``Authorization: Bearer <api_key>`` (401 otherwise; compared in constant
time). Without a configured ``api_key`` the API is off (403). Answers are JSON::

    GET  /api/{component_appid}/component_token
    POST /api/{component_appid}/component_token/refresh                  {"stale": "…"}
    GET  /api/{component_appid}/authorizers/{authorizer_appid}/token
    POST /api/{component_appid}/authorizers/{authorizer_appid}/token/refresh   {"stale": "…"}
    GET  /api/{component_appid}/authorizers/{authorizer_appid}/jsapi_ticket

    -> {"access_token": "…", "expires_at": 1700007200, "expires_in": 7012}
       ({"ticket": …} for the JS-SDK ticket)

``refresh`` is compare-and-refresh: give the token that WeChat refused (40001) as ``stale``;
it is renewed only if it is still the stored one, so a hundred callers reporting the same
token cause one refresh. Without ``stale`` the stored token is renewed. Errors answer
``{"error": "<type>", "message": "…"}`` (and ``errcode`` for WeChat's) with 400, 401, 404,
409 (the account revoked), 429 (quota), 502 (WeChat refused) or 503 (retry later).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..client import AsyncComponent
from ..config import validate_appid
from ..core.context import TokenKind
from ..errors import ConfigurationError, WxComponentError
from ..stores.base import CachedToken
from .errors import error_body, error_status
from .metrics import Metrics

__all__ = ["TokenAPI"]

log = logging.getLogger("wxcomponent.service")

_MAX_BODY = 4096
#: What a producer returns: the token with its expiry, and the JSON name of its value.
Produced = tuple[CachedToken, str]
Producer = Callable[[AsyncComponent, Request], Awaitable[Produced]]


def _json(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
          ) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


async def _stale(request: Request) -> str | None:
    """The ``stale`` token of a refresh request's JSON body (None when not given)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _MAX_BODY:
        raise ConfigurationError("body", f"must be at most {_MAX_BODY} bytes")
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ConfigurationError("body", 'must be JSON such as {"stale": "<token>"}') from None
    if not isinstance(data, dict):
        raise ConfigurationError("body", 'must be a JSON object such as {"stale": "<token>"}')
    stale = data.get("stale")
    if stale is not None and (not isinstance(stale, str) or not stale):
        raise ConfigurationError("stale", "must be the token that failed, as a string")
    return stale


def _appid(request: Request) -> str:
    return validate_appid(str(request.path_params["authorizer_appid"]), "authorizer_appid")


async def _component_token(component: AsyncComponent, request: Request) -> Produced:
    return await component.token(TokenKind.COMPONENT_ACCESS_TOKEN), "access_token"


async def _component_refresh(component: AsyncComponent, request: Request) -> Produced:
    stale = await _stale(request)
    return (await component.renew_token(TokenKind.COMPONENT_ACCESS_TOKEN, "", stale),
            "access_token")


async def _authorizer_token(component: AsyncComponent, request: Request) -> Produced:
    return (await component.token(TokenKind.AUTHORIZER_ACCESS_TOKEN, _appid(request)),
            "access_token")


async def _authorizer_refresh(component: AsyncComponent, request: Request) -> Produced:
    appid = _appid(request)
    stale = await _stale(request)
    return (await component.renew_token(TokenKind.AUTHORIZER_ACCESS_TOKEN, appid, stale),
            "access_token")


async def _jsapi_ticket(component: AsyncComponent, request: Request) -> Produced:
    return await component.token(TokenKind.JSAPI_TICKET, _appid(request)), "ticket"


class TokenAPI:
    """The token API's routes over the service's platforms."""

    def __init__(self, platforms: Mapping[str, AsyncComponent], api_key: str | None,
                 metrics: Metrics, clock: Callable[[], float]) -> None:
        self._platforms = platforms
        self._key = api_key.encode("utf-8") if api_key else None
        self._metrics = metrics
        self._clock = clock

    def routes(self) -> list[Route]:
        """The Starlette routes, under ``/api``."""
        base = "/api/{platform}"
        who = base + "/authorizers/{authorizer_appid}"
        table: tuple[tuple[str, str, str, Producer], ...] = (
            (base + "/component_token", "GET", "component_token", _component_token),
            (base + "/component_token/refresh", "POST", "component_token_refresh",
             _component_refresh),
            (who + "/token", "GET", "authorizer_token", _authorizer_token),
            (who + "/token/refresh", "POST", "authorizer_token_refresh", _authorizer_refresh),
            (who + "/jsapi_ticket", "GET", "jsapi_ticket", _jsapi_ticket),
        )
        return [Route(path, self._endpoint(name, produce), methods=[method], name=name)
                for path, method, name, produce in table]

    def _endpoint(self, name: str, produce: Producer) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            response = await self._serve(request, produce)
            self._metrics.token_api_request(name, response.status_code)
            return response

        endpoint.__name__ = name
        return endpoint

    def _authorized(self, request: Request) -> bool:
        assert self._key is not None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8"), self._key)

    async def _serve(self, request: Request, produce: Producer) -> Response:
        if self._key is None:
            return _json(403, {"error": "disabled",
                               "message": "the token API is off: configure api_key"})
        if not self._authorized(request):
            return _json(401, {"error": "unauthorized",
                               "message": "send the configured key as 'Authorization: Bearer "
                                          "<api_key>'"},
                         {"WWW-Authenticate": 'Bearer realm="wxcomponent"'})
        platform = str(request.path_params["platform"])
        component = self._platforms.get(platform)
        if component is None:
            return _json(404, {"error": "not_found",
                               "message": f"no platform {platform[:40]!r} is served here"})
        try:
            token, field = await produce(component, request)
        except WxComponentError as exc:
            status = error_status(exc)
            log.log(logging.WARNING if status >= 500 else logging.INFO,
                    "token API %s answered %d: %s", request.url.path, status, exc)
            return _json(status, error_body(exc))
        return _json(200, {field: token.value, "expires_at": int(token.expires_at),
                           "expires_in": max(0, int(token.expires_at - self._clock()))})
