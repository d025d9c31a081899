"""The admin API (admin listener only): tokens, authorization links, the authorizers.

Every route needs ``Authorization: Bearer <api_key>`` (401 otherwise; compared in constant
time). The right key is always served. Wrong keys (and a missing one) are limited per client
address: past ``auth_failure_limit`` within a minute they are answered 429 (with
``Retry-After``) until the budget refills, so a misconfigured client does not lock out the
services that share its address. Without a configured ``api_key`` the API is off (403).
Answers are JSON::

    GET  /api/{component_appid}/component_token
    POST /api/{component_appid}/component_token/refresh                  {"stale": "…"}
    GET  /api/{component_appid}/authorizers/{authorizer_appid}/token
    POST /api/{component_appid}/authorizers/{authorizer_appid}/token/refresh   {"stale": "…"}
    GET  /api/{component_appid}/authorizers/{authorizer_appid}/jsapi_ticket

    -> {"access_token": "…", "expires_at": 1700007200, "expires_in": 7012}
       ({"ticket": …} for the JS-SDK ticket)

    GET  /api/{component_appid}/authorizers?status=authorized&after=…&limit=100
    -> {"authorizers": [{"authorizer_appid": …, "status": …, "tenant": …, …}], "next": …}

    POST /api/{component_appid}/links   {"tenant": "customer-42", "auth_type": 3,
                                         "biz_appid": …, "category_ids": […], "mobile": false,
                                         "expires_in": 86400}
    -> 201 {"url": "https://…/authorize?link=…", "link_id": …, "tenant": …, "expires_at": …}

``refresh`` is compare-and-refresh: give the token that WeChat refused (40001) as ``stale``;
it is renewed only if it is still the stored one, so a hundred callers reporting the same
token cause one refresh. Without ``stale`` the stored token is renewed. Errors answer
``{"error": "<type>", "message": "…"}`` (and ``errcode`` for WeChat's) with 400, 401, 404,
409 (the account revoked), 413 (a body over 4 KiB, counted as it arrives), 429 (quota, or
too many wrong keys), 502 (WeChat refused) or 503 (retry later).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..client import AsyncComponent
from ..config import validate_appid
from ..core.authurl import AuthType
from ..core.context import TokenKind
from ..errors import InvalidArgument, WxComponentError
from ..stores.base import AuthorizerRecord, AuthorizerStatus, CachedToken
from .authorization import AuthorizationFlows, PageOptions
from .body import BodyRefused, ClientGone, read_json_object
from .errors import error_body, error_status
from .links import MAX_CATEGORIES, check_appid, validate_tenant
from .metrics import Metrics
from .ratelimit import RateLimiter, client_address

__all__ = ["TokenAPI"]

log = logging.getLogger("wxcomponent.service")

#: The largest request body of the admin API.
MAX_BODY = 4096
#: What a producer returns: the token with its expiry, and the JSON name of its value.
Produced = tuple[CachedToken, str]
Producer = Callable[[AsyncComponent, Request], Awaitable[Produced]]
Handler = Callable[[AsyncComponent, Request], Awaitable[Response]]


def _json(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
          ) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


async def _stale(request: Request) -> str | None:
    """The ``stale`` token of a refresh request's JSON body (None when not given)."""
    data = await read_json_object(request, MAX_BODY, '{"stale": "<token>"}')
    if data is None:
        return None
    stale = data.get("stale")
    if stale is not None and (not isinstance(stale, str) or not stale):
        raise InvalidArgument("stale", "must be the token that failed, as a string")
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


_STATUSES: dict[str, AuthorizerStatus | None] = {"authorized": "authorized",
                                                 "revoked": "revoked", "all": None}
_LINK_FIELDS = frozenset({"tenant", "auth_type", "biz_appid", "category_ids", "mobile",
                          "expires_in"})
#: The largest page of the authorizers' listing.
MAX_PAGE = 500


def _record_json(record: AuthorizerRecord) -> dict[str, Any]:
    return {"authorizer_appid": record.authorizer_appid, "status": record.status,
            "tenant": record.tenant,
            "func_info": list(record.func_info), "authorized_at": record.authorized_at,
            "updated_at": record.updated_at, "revoked_at": record.revoked_at}


def _link_request(data: Mapping[str, Any] | None, max_lifetime: float
                  ) -> tuple[str, float, PageOptions]:
    """(tenant, lifetime, page options) of a link creation request's body."""
    if data is None:
        raise InvalidArgument("body", 'must be a JSON object such as {"tenant": "customer-42"}')
    unknown = sorted(str(k) for k in set(data) - _LINK_FIELDS)
    if unknown:
        raise InvalidArgument(unknown[0][:40], "is not a field of a link; the fields are "
                                               + ", ".join(sorted(_LINK_FIELDS)))
    tenant = validate_tenant(data.get("tenant"))
    auth_type = data.get("auth_type", AuthType.BOTH)
    if isinstance(auth_type, bool) or auth_type not in AuthType.VALID:
        raise InvalidArgument("auth_type", f"must be one of {sorted(AuthType.VALID)}")
    biz_appid = data.get("biz_appid")
    if biz_appid is not None:
        check_appid(biz_appid, "biz_appid")
    raw_ids = data.get("category_ids") or []
    if not isinstance(raw_ids, list) or len(raw_ids) > MAX_CATEGORIES or any(
            isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 2**31
            for i in raw_ids):
        raise InvalidArgument("category_ids", f"must be a list of at most {MAX_CATEGORIES} "
                                              "non-negative integers")
    mobile = data.get("mobile", False)
    if not isinstance(mobile, bool):
        raise InvalidArgument("mobile", "must be true or false")
    lifetime = data.get("expires_in", max_lifetime)
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) \
            or not 60 <= lifetime <= max_lifetime:
        raise InvalidArgument("expires_in", f"must be a number of seconds from 60 to "
                                            f"{max_lifetime:g} (the link_ttl setting)")
    return tenant, float(lifetime), PageOptions(auth_type, biz_appid, tuple(raw_ids), mobile)


class TokenAPI:
    """The admin API's routes over the service's platforms: tokens, links, authorizers.

    ``failures`` limits the wrong bearer keys per client address; ``flows`` creates the
    authorization links (valid at most ``link_ttl`` seconds).
    """

    def __init__(self, platforms: Mapping[str, AsyncComponent], api_key: str | None,
                 metrics: Metrics, clock: Callable[[], float], *,
                 failures: RateLimiter | None = None, flows: AuthorizationFlows | None = None,
                 link_ttl: float = 7 * 86400.0) -> None:
        self._platforms = platforms
        self._key = api_key.encode("utf-8") if api_key else None
        self._metrics = metrics
        self._clock = clock
        self._failures = failures if failures is not None else RateLimiter(0, clock)
        self._flows = flows
        self._link_ttl = link_ttl

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
        routes = [Route(path, self._endpoint(name, self._token_answer(produce)),
                        methods=[method], name=name)
                  for path, method, name, produce in table]
        routes += [
            Route(base + "/authorizers", self._endpoint("authorizers", self._authorizers),
                  methods=["GET"], name="authorizers"),
            Route(base + "/links", self._endpoint("links", self._links), methods=["POST"],
                  name="links"),
        ]
        return routes

    def _token_answer(self, produce: Producer) -> Handler:
        async def answer(component: AsyncComponent, request: Request) -> Response:
            token, field = await produce(component, request)
            return _json(200, {field: token.value, "expires_at": int(token.expires_at),
                               "expires_in": max(0, int(token.expires_at - self._clock()))})

        return answer

    def _endpoint(self, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            response = await self._serve(request, handler)
            self._metrics.token_api_request(name, response.status_code)
            return response

        endpoint.__name__ = name
        return endpoint

    def _authorized(self, request: Request) -> bool:
        assert self._key is not None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8"), self._key)

    async def _serve(self, request: Request, handler: Handler) -> Response:
        if self._key is None:
            return _json(403, {"error": "disabled",
                               "message": "the admin API is off: configure api_key"})
        if not self._authorized(request):  # the right key is served whatever came before it
            address = client_address(request.scope)
            wait = self._failures.take(address)
            if wait:
                return _json(429, {"error": "too_many_failures",
                                   "message": "too many wrong keys from this address; retry "
                                              "later"}, {"Retry-After": str(wait)})
            log.warning("admin API: a wrong key from %s", address)
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
            return await handler(component, request)
        except BodyRefused as exc:  # a body left unread ends the connection
            return _json(exc.status, error_body(exc),
                         {"Connection": "close"} if exc.status == 413 else None)
        except ClientGone:
            return Response(status_code=400)
        except WxComponentError as exc:
            status = error_status(exc)
            log.log(logging.WARNING if status >= 500 else logging.INFO,
                    "admin API %s answered %d: %s", request.url.path, status, exc)
            return _json(status, error_body(exc))

    async def _authorizers(self, component: AsyncComponent, request: Request) -> Response:
        query = request.query_params
        status_name = query.get("status", "all")
        if status_name not in _STATUSES:
            raise InvalidArgument("status", "must be authorized, revoked or all")
        after = query.get("after") or None
        if after is not None:
            check_appid(after, "after")
        raw_limit = query.get("limit", "100")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE:
            raise InvalidArgument("limit", f"must be a number from 1 to {MAX_PAGE}")
        limit = int(raw_limit)
        records = await component.store.list_authorizers(
            component.appid, status=_STATUSES[status_name], after=after, limit=limit)
        following = records[-1].authorizer_appid if len(records) == limit else None
        return _json(200, {"authorizers": [_record_json(r) for r in records],
                           "next": following})

    async def _links(self, component: AsyncComponent, request: Request) -> Response:
        if self._flows is None or self._flows.public_url is None:
            raise InvalidArgument("public_url", "authorization links need the public_url "
                                                "setting (the address merchants open)")
        data = await read_json_object(request, MAX_BODY, '{"tenant": "customer-42"}')
        tenant, lifetime, options = _link_request(data, self._link_ttl)
        link = self._flows.new_link(component.appid, tenant, lifetime, options)
        log.info("authorization link %s created for tenant %r of %s", link.link_id, tenant,
                 component.appid)
        return _json(201, {"url": self._flows.link_url(link), "link_id": link.link_id,
                           "tenant": tenant, "expires_at": link.expires_at})
