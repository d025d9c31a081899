"""Open-platform accounts: creating one for an authorizer, binding and unbinding authorizers,
and reading the one an authorizer is bound to.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..calls import OK, Call
from ..model import Account, WxError
from .model import WxaPlatform

__all__ = ["bind", "create", "get", "unbind"]


def _open_owner(call: Call) -> tuple[WxaPlatform, Account]:
    platform, _, account = call.owned()
    if call.text("appid") != account.appid:
        raise WxError(40013, "appid must be the account of the token")
    return call.state.wxa.platform(platform.appid), account


def _bound(home: WxaPlatform, appid: str) -> str | None:
    return next((o for o, members in home.open_accounts.items() if appid in members), None)


def create(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    if _bound(home, account.appid):
        raise WxError(89000)
    open_appid = "wx" + secrets.token_hex(8)
    home.open_accounts[open_appid] = {account.appid}
    return {**OK, "open_appid": open_appid}


def bind(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    if _bound(home, account.appid):
        raise WxError(89000)
    members = home.open_accounts.get(call.text("open_appid"))
    if members is None:
        raise WxError(89003)
    if len(members) >= 100:
        raise WxError(89004)
    members.add(account.appid)
    return dict(OK)


def unbind(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    current = _bound(home, account.appid)
    if current is None:
        raise WxError(89002)
    if current != call.text("open_appid"):
        raise WxError(89003)
    home.open_accounts[current].discard(account.appid)
    return dict(OK)


def get(call: Call) -> dict[str, Any]:
    home, account = _open_owner(call)
    current = _bound(home, account.appid)
    if current is None:
        raise WxError(89002)
    return {**OK, "open_appid": current}
