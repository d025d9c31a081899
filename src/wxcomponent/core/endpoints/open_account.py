"""Open platform accounts, on an authorizer's behalf: create one for the account, bind the
account to one or unbind it, and read which it belongs to (accounts of one open platform
account share users' unionids).

Internal module.
"""

from __future__ import annotations

from ...config import validate_appid
from ...errors import ConfigurationError, InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import OpenAccount

__all__ = ["bind", "create", "get", "unbind"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

CREATE = endpoint("POST", "/cgi-bin/open/create", model(OpenAccount), token=_A)
BIND = endpoint("POST", "/cgi-bin/open/bind", NOTHING, token=_A)
UNBIND = endpoint("POST", "/cgi-bin/open/unbind", NOTHING, token=_A)
GET = endpoint("POST", "/cgi-bin/open/get", model(OpenAccount), token=_A)


def _open_appid(value: object) -> str:
    try:
        return validate_appid(value, "open_appid")
    except ConfigurationError as exc:
        raise InvalidArgument("open_appid", str(exc).split(": ", 1)[-1]) from None


def create(ctx: Context, authorizer_appid: str) -> Flow[OpenAccount]:
    """Create an open platform account and bind this account to it."""
    return call(ctx, CREATE, authorizer_appid=authorizer_appid,
                body={"appid": authorizer_appid})


def bind(ctx: Context, authorizer_appid: str, open_appid: str) -> Flow[None]:
    """Bind this account to the open platform account ``open_appid`` (same subject only)."""
    return call(ctx, BIND, authorizer_appid=authorizer_appid,
                body={"appid": authorizer_appid, "open_appid": _open_appid(open_appid)})


def unbind(ctx: Context, authorizer_appid: str, open_appid: str) -> Flow[None]:
    """Unbind this account from the open platform account ``open_appid``."""
    return call(ctx, UNBIND, authorizer_appid=authorizer_appid,
                body={"appid": authorizer_appid, "open_appid": _open_appid(open_appid)})


def get(ctx: Context, authorizer_appid: str) -> Flow[OpenAccount]:
    """The open platform account this account is bound to."""
    return call(ctx, GET, authorizer_appid=authorizer_appid, body={"appid": authorizer_appid})
