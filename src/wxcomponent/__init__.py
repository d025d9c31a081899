"""wxcomponent: run a WeChat third-party platform (component), sync or asyncio."""

from __future__ import annotations

from . import errors, events
from .client import AsyncAuthorizerClient, AsyncComponent, AuthorizerClient, Component
from .config import ComponentConfig
from .core.authurl import AuthType, auth_code_url, mobile_authorization_url, pc_authorization_url
from .core.crypto import MessageCrypto
from .events import parse_event

__all__ = [
    "AsyncAuthorizerClient",
    "AsyncComponent",
    "AuthType",
    "AuthorizerClient",
    "Component",
    "ComponentConfig",
    "MessageCrypto",
    "auth_code_url",
    "errors",
    "events",
    "mobile_authorization_url",
    "parse_event",
    "pc_authorization_url",
]
__version__ = "0.1.0"
