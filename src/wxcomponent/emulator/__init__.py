"""An emulator of WeChat's side of a third-party platform, for tests, demos and development.

It answers like ``api.weixin.qq.com`` (component and authorizer tokens with lifetimes on an
adjustable clock, one-use codes, quotas, WeChat's errcodes), serves the authorization pages,
and pushes encrypted tickets and authorization events to the platform's URLs, with retries and
a delivery log. A control API (Python and HTTP under ``/__emulator__/``) simulates merchants,
injects faults and reads call counts::

    from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer

    with EmulatorServer() as emu:
        emu.configure(DEFAULT_PLATFORM.appid, auth_event_url="http://127.0.0.1:8000/wechat")
        emu.push_ticket(DEFAULT_PLATFORM.appid)
        grant = emu.authorize(DEFAULT_PLATFORM.appid)

The ``wechat_emulator`` pytest fixture gives a running server to any test suite.
"""

from .app import CONTROL, CONTROL_PREFIX, ConnectionDropped
from .clock import Clock
from .emulator import Emulator
from .endpoints import ENDPOINTS, Endpoint
from .model import (
    DEFAULT_PLATFORM,
    Account,
    Attempt,
    Authorization,
    Delivery,
    FastRegistration,
    Grant,
    LinkExpired,
    NotFound,
    Platform,
    PlatformConfig,
    User,
)
from .server import EmulatorServer
from .state import DEFAULT_DAILY_LIMIT

__all__ = [
    "CONTROL",
    "CONTROL_PREFIX",
    "DEFAULT_DAILY_LIMIT",
    "DEFAULT_PLATFORM",
    "ENDPOINTS",
    "Account",
    "Attempt",
    "Authorization",
    "Clock",
    "ConnectionDropped",
    "Delivery",
    "Emulator",
    "EmulatorServer",
    "Endpoint",
    "FastRegistration",
    "Grant",
    "LinkExpired",
    "NotFound",
    "Platform",
    "PlatformConfig",
    "User",
]
