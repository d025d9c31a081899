"""The service: two ASGI applications, public and admin, for every platform a company runs.

The **public** application (``{appid}`` is a component appid; with a single platform the
callback URLs and the pages also answer without it):

* ``/{appid}/events`` — the authorization-event URL; ``/{appid}/messages/{authorizer_appid}``
  — the message URL (``…/messages/$APPID$`` in WeChat's console); see :mod:`wxcomponent.web`;
* ``/{appid}/authorize`` and ``/{appid}/authorized`` — the authorization pages
  (:mod:`wxcomponent.service.pages`), rate-limited per client address;
* ``/healthz`` (liveness) and ``/readyz`` (readiness), with no detail.

The **admin** application, for the admin listener only:

* ``/api/{appid}/…`` — tokens, authorization links and the authorizers
  (:mod:`wxcomponent.service.api`);
* ``/healthz``, ``/readyz`` (which step of the store failed) and ``/status`` (tickets and
  refresh failures too; :mod:`wxcomponent.service.health`), ``/metrics`` (Prometheus);
* ``/console/`` — the operator's console (:mod:`wxcomponent.service.console.app`).

:attr:`Service.app` serves both by listener: a request that came in on one of
:attr:`Service.admin_ports` gets the admin application, any other the public one (so an
ASGI server given only the public socket never serves an admin route). The background
refresher of every platform starts with the application (ASGI lifespan) and stops with it;
uvicorn turns SIGTERM into that graceful shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..client import AsyncComponent, AsyncRefresher
from ..client._shell import http_options
from ..core.callbacks import CallbackOptions
from ..core.listener_events import ListenerEvent, listening_to
from ..core.policy import Policy
from ..errors import ConfigurationError, StoreError
from ..events import AuthorizerMessage
from ..stores import as_async_store, open_store
from ..stores.base import AsyncStore, Store
from ..web import CallbackASGIApp, asgi_app, route
from .allowlist import CallbackAllowlist, refuse
from .api import TokenAPI
from .authorization import AuthorizationFlows, tenant_of
from .console.app import Console
from .forward import Forwarder, ReplySource
from .health import HealthTracker, ReadinessProbe
from .links import LinkSigner
from .metrics import Metrics
from .pages import authorization_result, authorization_start, problem
from .posting import webhook_poster
from .ratelimit import RateLimiter, client_address
from .retention import purge_json
from .settings import ServiceSettings, SettingsError

__all__ = ["Service", "ServiceApp", "create_app", "open_service_store"]

log = logging.getLogger("wxcomponent.service")


def open_service_store(settings: ServiceSettings) -> tuple[Store, list[Store]]:
    """The store the settings name, and every store opened for it (to close at the end)."""
    try:
        if settings.durable_store is None:
            store = open_store(settings.store)
            return store, [store]
        from ..stores import RedisStore

        durable = open_store(settings.durable_store)
        try:
            return RedisStore(settings.store, durable=durable), [durable]
        except Exception:
            durable.close()
            raise
    except ImportError:
        raise SettingsError("store", "a redis:// store needs the redis package: "
                                     "pip install 'wxcomponent[redis]'") from None
    except ValueError as exc:
        raise SettingsError("store", str(exc)) from None


class Service:
    """Everything the service runs: the platforms, their store, metrics and health.

    ``store`` replaces the store named by the settings (the caller then closes it);
    ``policy`` and ``callbacks`` tune the token rules and the push handling of every platform;
    ``clock`` is for tests (tokens, links, rate limits); ``readiness_ttl`` is how long a
    readiness probe of the store is answered again. :attr:`app` is the ASGI application
    of both listeners (:attr:`public_app` and :attr:`admin_app` are each alone); serve it
    with :func:`~wxcomponent.service.serve` or :class:`~wxcomponent.service.ServiceServer`.
    Register push handlers on the platforms before serving::

        service = Service(load_settings("wxcomponent.toml"))

        @service.component("wx0123456789abcdef").on("text")
        async def echo(event, push):
            ...
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        store: Store | None = None,
        policy: Policy | None = None,
        callbacks: CallbackOptions | None = None,
        clock: Callable[[], float] = time.time,
        readiness_ttl: float = 1.0,
    ) -> None:
        self.settings = settings
        self._clock = clock
        policy = policy or Policy()
        callbacks = callbacks or CallbackOptions()
        try:  # before anything is opened or started
            settings.retention.check_dedupe(callbacks.dedupe_ttl)
        except ConfigurationError as exc:
            raise SettingsError(exc.field, str(exc).split(": ", 1)[-1]) from None
        policy = dataclasses.replace(policy, exchange_retention=settings.retention.exchanges)
        if store is None:
            store, self._opened = open_service_store(settings)
        else:
            self._opened = []
        self.store: Store = store
        self.aio_store: AsyncStore = as_async_store(store)
        self.metrics = Metrics()
        self.health = HealthTracker(clock)
        self.readiness_probe = ReadinessProbe(self.aio_store, settings.platforms[0].appid,
                                              clock, ttl=readiness_ttl)
        if settings.webhooks:
            callbacks = dataclasses.replace(callbacks, forward_topics=tuple(
                dict.fromkeys((*callbacks.forward_topics,
                               *(hook.topic for hook in settings.webhooks)))))
        self._http: list[httpx.AsyncClient] = []
        self.platforms: dict[str, AsyncComponent] = {}
        for config in settings.platforms:
            http = httpx.AsyncClient(
                **http_options(settings.api_base, policy),
                event_hooks={"response": [self.metrics.response_hook(config.appid)]},
            )
            self._http.append(http)
            self.platforms[config.appid] = AsyncComponent(
                config, self.aio_store, api_base=settings.api_base,
                auth_base=settings.auth_base, policy=policy, http_client=http, clock=clock,
                listeners=(self.metrics.listener(config.appid),
                           self.health.listener(config.appid), self._queued_listener()),
                callbacks=callbacks,
            )
        self._refreshers: list[AsyncRefresher] = []
        self._closed = False
        self.authorizations = AuthorizationFlows(
            self.platforms, self.aio_store,
            {c.appid: LinkSigner(c.appid, settings.link_key or c.secret)
             for c in settings.platforms},
            settings.public_url, clock)
        self.authorizations.register()
        self._outside = httpx.AsyncClient(trust_env=False, follow_redirects=False)
        self.forwarder: Forwarder | None = None
        self._poster = webhook_poster(self._outside)  # aiohttp's when installed
        if settings.webhooks:
            self.forwarder = Forwarder(
                self.aio_store, tuple(self.platforms), settings.webhooks, self._poster,
                drive=next(iter(self.platforms.values()))._drive,
                retention=settings.retention, clock=clock,
                tenant_of=self._tenant_of_authorizer,
                observe=self.metrics.delivery)
        self._forwarding: asyncio.Task[None] | None = None
        self._stop_forwarding: asyncio.Event | None = None
        if settings.reply_url and settings.reply_secret:
            replies = ReplySource(settings.reply_url, settings.reply_secret, self._poster,
                                  timeout=settings.reply_timeout, clock=clock)
            for component in self.platforms.values():
                component.on(AuthorizerMessage)(replies)
        if settings.handlers:
            register = import_handlers(settings.handlers)
            for component in self.platforms.values():
                register(component)
        self.page_limiter = RateLimiter(settings.page_rate_limit, clock)
        self.failure_limiter = RateLimiter(settings.auth_failure_limit, clock)
        #: The ports of the admin listener (set by the server that binds it).
        self.admin_ports: set[int] = set()
        self.callbacks: CallbackASGIApp = asgi_app(*self.platforms.values())
        self.starlette = Starlette(routes=self._routes(), lifespan=self._lifespan,
                                   exception_handlers={Exception: _internal_error})
        self.starlette.state.service = self
        self.admin_starlette = Starlette(routes=self._admin_routes(),
                                         exception_handlers={Exception: _internal_error})
        self.admin_starlette.state.service = self
        self.public_app: ASGIApp = self._proxied(PublicApp(self))
        self.admin_app: ASGIApp = self._proxied(self.admin_starlette)
        self.app = ServiceApp(self)

    def __repr__(self) -> str:
        return f"<Service platforms={sorted(self.platforms)}>"

    @property
    def clock(self) -> Callable[[], float]:
        """The service's clock (epoch seconds)."""
        return self._clock

    # ------------------------------------------------------------------ platforms

    def component(self, appid: str | None = None) -> AsyncComponent:
        """The platform ``appid`` (the only one when None and there is one)."""
        return self.platforms[self.settings.platform(appid).appid]

    def rotate_aes_key(self, appid: str, new_encoding_aes_key: str) -> None:
        """Install a new EncodingAESKey for platform ``appid`` at run time (thread-safe);
        pushes encrypted with the current key keep being accepted as the previous one."""
        self.component(appid).rotate_aes_key(new_encoding_aes_key)

    async def tenant_of(self, appid: str, *, pre_auth_code: str | None = None,
                        authorizer_appid: str | None = None) -> str | None:
        """The tenant of an authorization of platform ``appid``: of the link that created
        ``pre_auth_code``, else of the stored ``authorizer_appid`` (see
        :func:`wxcomponent.service.authorization.tenant_of`)."""
        return await tenant_of(self.aio_store, appid, pre_auth_code=pre_auth_code,
                               authorizer_appid=authorizer_appid)

    def _queued_listener(self) -> Callable[[str, Any], None]:
        """Wakes the forwarder when a push was queued in this process."""

        @listening_to(ListenerEvent.PUSH_QUEUED)
        def queued(name: str, fields: Any) -> None:
            if self.forwarder is not None:
                self.forwarder.wake()

        return queued

    async def _tenant_of_authorizer(self, appid: str, authorizer_appid: str) -> str | None:
        return await tenant_of(self.aio_store, appid, authorizer_appid=authorizer_appid)

    def _proxied(self, app: ASGIApp) -> ASGIApp:
        proxies = list(self.settings.trusted_proxies)
        if not proxies:
            return app
        return cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=proxies))

    # ------------------------------------------------------------------ routes

    def _routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/healthz", _alive, methods=["GET"]),
            Route("/readyz", self._ready_public, methods=["GET"]),
            Route("/{platform}/authorize", self._authorize, methods=["GET"]),
            Route("/{platform}/authorized", self._authorized, methods=["GET"]),
        ]
        if len(self.platforms) == 1:
            routes += [Route("/authorize", self._authorize, methods=["GET"]),
                       Route("/authorized", self._authorized, methods=["GET"])]
        routes.append(Mount("", app=self.callbacks))  # anything else: the callback app's 404
        return routes

    def _admin_routes(self) -> list[BaseRoute]:
        api = TokenAPI(self.platforms, self.settings.api_key, self.metrics, self._clock,
                       failures=self.failure_limiter, flows=self.authorizations,
                       link_ttl=self.settings.link_ttl)
        self.console = Console(self.settings, self.platforms, self.aio_store,
                               health=self.health, failures=self.failure_limiter,
                               flows=self.authorizations, clock=self._clock)
        return [
            Route("/healthz", _alive, methods=["GET"]),
            Route("/readyz", self._ready_admin, methods=["GET"]),
            Route("/status", self._status, methods=["GET"]),
            Route("/metrics", self._metrics, methods=["GET"]),
            *api.routes(),
            self.console.mount(),
        ]

    def _platform_of(self, request: Request) -> AsyncComponent | None:
        appid = request.path_params.get("platform")
        if appid is None:
            return next(iter(self.platforms.values()))
        return self.platforms.get(str(appid))

    def _limited(self, request: Request) -> Response | None:
        wait = self.page_limiter.take(client_address(request.scope))
        if not wait:
            return None
        return problem(429, "Too many requests from your address; try again in a moment.",
                       {"Retry-After": str(wait)})

    def _page_platform(self, request: Request) -> AsyncComponent | Response:
        """The platform an authorization page is for, or the answer refusing the request
        (too many from its address, an unknown platform)."""
        refused = self._limited(request)
        if refused is not None:
            return refused
        component = self._platform_of(request)
        return _unknown_platform() if component is None else component

    async def _authorize(self, request: Request) -> Response:
        component = self._page_platform(request)
        if isinstance(component, Response):
            return component
        return await authorization_start(self.authorizations, component, request,
                                         open_start=self.settings.open_authorize,
                                         now=self._clock())

    async def _authorized(self, request: Request) -> Response:
        component = self._page_platform(request)
        if isinstance(component, Response):
            return component
        return await authorization_result(self.authorizations, component, request)

    async def readiness(self) -> dict[str, Any]:
        """The store's probe: ``{"ok", "read", "write", "error"}`` (see
        :func:`~wxcomponent.service.health.probe_store`), at most one per ``readiness_ttl``
        seconds however many ask."""
        return await self.readiness_probe.result()

    async def _ready_public(self, request: Request) -> Response:
        ready = (await self.readiness())["ok"]
        return JSONResponse({"status": "ready" if ready else "unready"},
                            status_code=200 if ready else 503,
                            headers={"Cache-Control": "no-store"})

    async def _ready_admin(self, request: Request) -> Response:
        probe = await self.readiness()
        return JSONResponse({"status": "ready" if probe["ok"] else "unready", "store": probe},
                            status_code=200 if probe["ok"] else 503,
                            headers={"Cache-Control": "no-store"})

    async def _status(self, request: Request) -> Response:
        healthy, report = await self.health.report(self.aio_store, list(self.platforms),
                                                   self.settings.ticket_max_age)
        report["retention"] = self.retention_report()
        return JSONResponse(report, status_code=200 if healthy else 503,
                            headers={"Cache-Control": "no-store"})

    def retention_report(self) -> dict[str, Any]:
        """What ``/status`` says of the retention in effect (seconds, by setting) and of the
        purges' last runs in this process: the outbox's (``{"at", "deleted"}``, null before
        the first, or without webhooks) and each platform's finished code exchanges (null
        until its refresher purged them, or when another host of the fleet does)."""
        purges = {refresher.component._ctx.appid: purge_json(refresher.stats.exchange_purge)
                  for refresher in self._refreshers}
        return {**self.settings.retention.settings(),
                "outbox_purge": purge_json(self.forwarder.last_purge
                                           if self.forwarder is not None else None),
                "exchange_purges": {appid: purges.get(appid) for appid in self.platforms}}

    async def _metrics(self, request: Request) -> Response:
        if not self.metrics.enabled:
            return JSONResponse({"error": "metrics_unavailable",
                                 "message": "metrics need prometheus-client: "
                                            "pip install 'wxcomponent[service]'"},
                                status_code=404)
        for appid in self.platforms:
            try:
                self.metrics.compliance(appid, await self.aio_store.count_compliance(appid))
            except StoreError as exc:  # the gauges keep their last values
                log.warning("compliance counts not read for metrics: %s", exc)
        body, content_type = self.metrics.exposition()
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    # ------------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    def check_store(self) -> None:
        """Read from the store once; raises :class:`~wxcomponent.errors.StoreError` if it
        cannot be used (a missing directory, a Redis server down)."""
        self.store.load_ticket(next(iter(self.platforms)))

    async def startup(self) -> None:
        """Check that the store answers, then start the background refreshers."""
        try:
            await self.aio_store.load_ticket(next(iter(self.platforms)))
        except StoreError as exc:
            log.error("the store cannot be used: %s", exc)
            raise
        interval = self.settings.refresh_interval
        if interval > 0:
            for component in self.platforms.values():
                self._refreshers.append(component.start_refresher(interval=interval))
        if self.forwarder is not None:
            self._stop_forwarding = asyncio.Event()
            self._forwarding = asyncio.get_running_loop().create_task(
                self.forwarder.run(self._stop_forwarding), name="wxcomponent-forwarder")
        log.info("serving %d platform(s): %s", len(self.platforms), ", ".join(self.platforms))

    async def shutdown(self) -> None:
        """Stop the refreshers, finish background work, close HTTP clients and stores."""
        if self._closed:
            return
        self._closed = True
        refreshers, self._refreshers = self._refreshers, []
        for refresher in refreshers:
            await refresher.stop()
        if self._forwarding is not None and self._stop_forwarding is not None:
            self._stop_forwarding.set()
            await self._forwarding
            self._forwarding = None
        for component in self.platforms.values():
            await component.aclose()
        await self.authorizations.wait()
        for http in self._http:
            await http.aclose()
        await self._poster.aclose()
        await self._outside.aclose()
        await self.aio_store.close()
        for store in self._opened:
            store.close()
        log.info("stopped")


class PublicApp:
    """The public application: pushes go straight to the callback app (the hot path),
    everything else (and the lifespan) through the public Starlette routes."""

    def __init__(self, service: Service) -> None:
        self._platforms = service.platforms
        self._callbacks = service.callbacks
        self._starlette = service.starlette
        self._allowlist = (CallbackAllowlist(service.clock)
                           if service.settings.callback_allowlist else None)
        self._metrics = service.metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = route(scope["path"], self._platforms) if scope["type"] == "http" else None
        if found is not None:
            if self._allowlist is not None:
                refused = await self._allowlist.refusal(found[0], scope)
                if refused is not None:
                    self._metrics.push_refused(found[0].appid, refused)
                    await refuse(refused, send, receive)
                    return
            await self._callbacks.serve(scope, receive, send, found)
        else:
            await self._starlette(scope, receive, send)


class ServiceApp:
    """The service's ASGI application for both listeners: a request that came in on an admin
    port (:attr:`Service.admin_ports`) gets the admin application, any other the public one;
    the lifespan is the service's."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._public = service.public_app
        self._admin = service.admin_app
        self._admin_ports = service.admin_ports

    def __repr__(self) -> str:
        return f"<ServiceApp platforms={sorted(self.service.platforms)}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if server and server[1] in self._admin_ports and scope["type"] != "lifespan":
            await self._admin(scope, receive, send)
        else:
            await self._public(scope, receive, send)


def import_handlers(spec: str) -> Callable[[AsyncComponent], Any]:
    """The function named by ``module:function`` (the ``handlers`` setting), which the
    service calls with each platform at start to register push handlers."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SettingsError("handlers", f"cannot import {module_name!r}: {exc}") from None
    target = getattr(module, attribute, None)
    if not callable(target):
        raise SettingsError("handlers", f"{spec!r} is not a function of that module")
    return cast(Callable[[AsyncComponent], Any], target)


def _unknown_platform() -> Response:
    return problem(404, "No such platform is served here.")


async def _alive(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected failure on %s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "unavailable", "message": "temporarily unavailable; try "
                                                            "again later"}, status_code=503)


def create_app(settings: ServiceSettings, **options: Any) -> ServiceApp:
    """The service's ASGI application for ``settings`` (see :class:`Service` for options)."""
    return Service(settings, **options).app
