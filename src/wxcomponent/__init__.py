"""wxcomponent: run a WeChat third-party platform (component), sync or asyncio.

Everything a user imports comes from here or from :mod:`wxcomponent.stores` (and the
:mod:`wxcomponent.errors` and :mod:`wxcomponent.events` namespaces); other modules are
internal and may change.
"""

from __future__ import annotations

from . import errors, events, replies
from .client import (
    API_BASE,
    AsyncAuthorizerClient,
    AsyncComponent,
    AsyncRefresher,
    AuthorizerClient,
    Component,
    Listener,
    Refresher,
)
from .config import ComponentConfig
from .core import models_wxa as _models_wxa
from .core.authurl import AuthType, auth_code_url, mobile_authorization_url, pc_authorization_url
from .core.callback_addresses import CallbackAddresses
from .core.callbacks import CallbackOptions, CallbackResponse, Push
from .core.context import TokenKind
from .core.crypto import Decrypted, MessageCrypto
from .core.engine import File
from .core.models import (
    AuthorizationInfo,
    AuthorizerInfo,
    AuthorizerListItem,
    AuthorizerListPage,
    AuthorizerOption,
    IPList,
    Media,
    OAuthToken,
    PreAuthCode,
    Quota,
    RidInfo,
    SessionInfo,
    UserInfo,
)
from .core.models_wxa import *  # noqa: F403  (the mini-program answers and request parts)
from .core.policy import Policy
from .core.reconcile import ReconcileReport
from .core.service_tokens import ServiceTokens
from .core.shipping import AppShipment, Shipment, ShipmentPage, ShipOptions, ShipReport
from .events import parse_event
from .stores.base import AuthorizerRecord, CachedToken
from .web import asgi_app, wsgi_app

__all__ = [
    "API_BASE",
    "AppShipment",
    "AsyncAuthorizerClient",
    "AsyncComponent",
    "AsyncRefresher",
    "AuthType",
    "AuthorizationInfo",
    "AuthorizerClient",
    "AuthorizerInfo",
    "AuthorizerListItem",
    "AuthorizerListPage",
    "AuthorizerOption",
    "AuthorizerRecord",
    "CachedToken",
    "CallbackAddresses",
    "CallbackOptions",
    "CallbackResponse",
    "Component",
    "ComponentConfig",
    "Decrypted",
    "File",
    "IPList",
    "Listener",
    "Media",
    "MessageCrypto",
    "OAuthToken",
    "Policy",
    "PreAuthCode",
    "Push",
    "Quota",
    "ReconcileReport",
    "Refresher",
    "RidInfo",
    "ServiceTokens",
    "SessionInfo",
    "ShipOptions",
    "ShipReport",
    "Shipment",
    "ShipmentPage",
    "TokenKind",
    "UserInfo",
    "asgi_app",
    "auth_code_url",
    "errors",
    "events",
    "mobile_authorization_url",
    "parse_event",
    "pc_authorization_url",
    "replies",
    "wsgi_app",
]
__all__ += _models_wxa.__all__
__version__ = "0.1.0"
