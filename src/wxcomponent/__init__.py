"""wxcomponent: run a WeChat third-party platform (component), sync or asyncio."""

from __future__ import annotations

from . import errors
from .config import ComponentConfig
from .core.crypto import MessageCrypto

__all__ = ["ComponentConfig", "MessageCrypto", "errors"]
__version__ = "0.1.0"
