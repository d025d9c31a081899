"""The service: one ASGI application for every platform a company runs.

Routes (``{appid}`` is a component appid; with a single platform the callback URLs and the
authorization pages also answer without it):

* ``/{appid}/events`` — the authorization-event URL; ``/{appid}/messages/{authorizer_appid}``
  — the message URL (``…/messages/$APPID$`` in WeChat's console); see :mod:`wxcomponent.web`;
* ``/{appid}/authorize`` and ``/{appid}/authorized`` — the authorization pages
  (:mod:`wxcomponent.service.pages`);
* ``/api/{appid}/…`` — the internal token API (:mod:`wxcomponent.service.api`);
* ``/healthz`` (:mod:`wxcomponent.service.health`) and ``/metrics`` (Prometheus).

The background refresher of every platform starts with the application (ASGI lifespan) and
stops with it; uvicorn turns SIGTERM into that graceful shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from ..client import AsyncComponent, AsyncRefresher
from ..client._shell import http_options
from ..core.callbacks import CallbackOptions
from ..core.policy import Policy
from ..errors import StoreError
from ..stores import as_async_store, open_store
from ..stores.base import AsyncStore, Store
from ..web import CallbackASGIApp, asgi_app, route
from .api import TokenAPI
from .health import HealthTracker
from .metrics import Metrics
from .pages import authorization_result, authorization_start, page
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
    ``clock`` is for tests. :attr:`app` is the ASGI application; serve it with uvicorn or any
    ASGI server. Register push handlers on the platforms before serving::

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
    ) -> None:
        self.settings = settings
        self._clock = clock
        if store is None:
            store, self._opened = open_service_store(settings)
        else:
            self._opened = []
        self.store: Store = store
        self.aio_store: AsyncStore = as_async_store(store)
        self.metrics = Metrics()
        self.health = HealthTracker(clock)
        policy = policy or Policy()
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
                           self.health.listener(config.appid)),
                callbacks=callbacks,
            )
        self._refreshers: list[AsyncRefresher] = []
        self._closed = False
        self.callbacks: CallbackASGIApp = asgi_app(*self.platforms.values())
        self.starlette = Starlette(routes=self._routes(), lifespan=self._lifespan,
                                   exception_handlers={Exception: _internal_error})
        self.starlette.state.service = self
        self.app = ServiceApp(self)

    def __repr__(self) -> str:
        return f"<Service platforms={sorted(self.platforms)}>"

    # ------------------------------------------------------------------ platforms

    def component(self, appid: str | None = None) -> AsyncComponent:
        """The platform ``appid`` (the only one when None and there is one)."""
        return self.platforms[self.settings.platform(appid).appid]

    def rotate_aes_key(self, appid: str, new_encoding_aes_key: str) -> None:
        """Install a new EncodingAESKey for platform ``appid`` at run time (thread-safe);
        pushes encrypted with the current key keep being accepted as the previous one."""
        self.component(appid).rotate_aes_key(new_encoding_aes_key)

    # ------------------------------------------------------------------ routes

    def _routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/healthz", self._healthz, methods=["GET"]),
            Route("/metrics", self._metrics, methods=["GET"]),
            *TokenAPI(self.platforms, self.settings.api_key, self.metrics, self._clock).routes(),
            Route("/{platform}/authorize", self._authorize, methods=["GET"]),
            Route("/{platform}/authorized", self._authorized, methods=["GET"]),
        ]
        if len(self.platforms) == 1:
            routes += [Route("/authorize", self._authorize, methods=["GET"]),
                       Route("/authorized", self._authorized, methods=["GET"])]
        routes.append(Mount("", app=self.callbacks))  # anything else: the callback app's 404
        return routes

    def _platform_of(self, request: Request) -> AsyncComponent | None:
        appid = request.path_params.get("platform")
        if appid is None:
            return next(iter(self.platforms.values()))
        return self.platforms.get(str(appid))

    async def _authorize(self, request: Request) -> Response:
        component = self._platform_of(request)
        if component is None:
            return _unknown_platform()
        return await authorization_start(component, request, self.settings.public_url)

    async def _authorized(self, request: Request) -> Response:
        component = self._platform_of(request)
        if component is None:
            return _unknown_platform()
        return await authorization_result(component, request)

    async def _healthz(self, request: Request) -> Response:
        healthy, report = await self.health.report(self.aio_store, list(self.platforms),
                                                   self.settings.ticket_max_age)
        return JSONResponse(report, status_code=200 if healthy else 503,
                            headers={"Cache-Control": "no-store"})

    async def _metrics(self, request: Request) -> Response:
        if not self.metrics.enabled:
            return JSONResponse({"error": "metrics_unavailable",
                                 "message": "metrics need prometheus-client: "
                                            "pip install 'wxcomponent[service]'"},
                                status_code=404)
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
        log.info("serving %d platform(s): %s", len(self.platforms), ", ".join(self.platforms))

    async def shutdown(self) -> None:
        """Stop the refreshers, finish background work, close HTTP clients and stores."""
        if self._closed:
            return
        self._closed = True
        refreshers, self._refreshers = self._refreshers, []
        for refresher in refreshers:
            await refresher.stop()
        for component in self.platforms.values():
            await component.aclose()
        for http in self._http:
            await http.aclose()
        await self.aio_store.close()
        for store in self._opened:
            store.close()
        log.info("stopped")


class ServiceApp:
    """The service's ASGI application: pushes go straight to the callback app (the hot
    path), everything else (and the lifespan) through the Starlette routes."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._platforms = service.platforms
        self._callbacks = service.callbacks
        self._starlette = service.starlette

    def __repr__(self) -> str:
        return f"<ServiceApp platforms={sorted(self._platforms)}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = route(scope["path"], self._platforms) if scope["type"] == "http" else None
        if found is not None:
            await self._callbacks.serve(scope, receive, send, found)
        else:
            await self._starlette(scope, receive, send)


def _unknown_platform() -> Response:
    return page("Not found", "Not found", "<p>No such platform is served here.</p>", 404)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected failure on %s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal", "message": "unexpected failure; see the "
                                                         "service log"}, status_code=500)


def create_app(settings: ServiceSettings, **options: Any) -> ServiceApp:
    """The service's ASGI application for ``settings`` (see :class:`Service` for options)."""
    return Service(settings, **options).app
