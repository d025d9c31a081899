"""Open-platform accounts: creating one for an authorizer, binding and unbinding authorizers,
and reading the one an authorizer is bound to.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..calls import OK, Call
from ..model import Account, WxError
from ._handlers import home_of
from .model import WxaPlatform

__all__ = ["bind", "create", "get", "unbind"]


def _owner(call: Call) -> tuple[WxaPlatform, Account, str | None]:
    """The platform's side, the account of the token (which ``appid`` must name) and the open
    account it is bound to, if any."""
    _, _, account = call.owned()
    if call.text("appid") != account.appid:
        raise WxError(40013, "appid must be the account of the token")
    home = home_of(call)
    bound = next((o for o, members in home.open_accounts.items() if account.appid in members),
                 None)
    return home, account, bound


def _unbound(call: Call) -> tuple[WxaPlatform, Account]:
    """:func:`_owner` of an account bound to no open account (89000 otherwise)."""
    home, account, bound = _owner(call)
    if bound is not None:
        raise WxError(89000)
    return home, account


def _bound(call: Call) -> tuple[WxaPlatform, Account, str]:
    """:func:`_owner` of an account bound to an open account (89002 otherwise)."""
    home, account, bound = _owner(call)
    if bound is None:
        raise WxError(89002)
    return home, account, bound


def create(call: Call) -> dict[str, Any]:
    home, account = _unbound(call)
    open_appid = "wx" + secrets.token_hex(8)
    home.open_accounts[open_appid] = {account.appid}
    return {**OK, "open_appid": open_appid}


def bind(call: Call) -> dict[str, Any]:
    home, account = _unbound(call)
    members = home.open_accounts.get(call.text("open_appid"))
    if members is None:
        raise WxError(89003)
    if len(members) >= 100:
        raise WxError(89004)
    members.add(account.appid)
    return dict(OK)


def unbind(call: Call) -> dict[str, Any]:
    home, account, current = _bound(call)
    if current != call.text("open_appid"):
        raise WxError(89003)
    home.open_accounts[current].discard(account.appid)
    return dict(OK)


def get(call: Call) -> dict[str, Any]:
    _, _, current = _bound(call)
    return {**OK, "open_appid": current}
