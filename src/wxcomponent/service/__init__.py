"""The production service: callback URLs and authorization pages on a public listener; the
admin API (tokens, authorization links, authorizers), health and metrics on an admin listener.

Build it from validated settings (a TOML file and/or ``WXCOMPONENT_…`` environment variables,
see :mod:`wxcomponent.service.settings`) and serve it with uvicorn::

    from wxcomponent.service import create_app, load_settings

    app = create_app(load_settings("wxcomponent.toml"))     # uvicorn module:app

or from the command line: ``wxcomponent serve --config wxcomponent.toml``.
"""

from __future__ import annotations

from .app import Service, ServiceApp, create_app, open_service_store
from .authorization import tenant_of
from .links import AuthorizationLink, LinkExpired, LinkInvalid
from .retention import Retention
from .server import ServiceServer, serve
from .settings import ENV_PREFIX, ServiceSettings, SettingsError, load_settings

__all__ = [
    "ENV_PREFIX",
    "AuthorizationLink",
    "LinkExpired",
    "LinkInvalid",
    "Retention",
    "Service",
    "ServiceApp",
    "ServiceServer",
    "ServiceSettings",
    "SettingsError",
    "create_app",
    "load_settings",
    "open_service_store",
    "serve",
    "tenant_of",
]
