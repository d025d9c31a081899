"""What the mini-program handlers share: the mini program and the platform's side a call acts
on, its numbers, lists and choices read the way WeChat reads them, and monthly limits.

Internal module.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from ..calls import Call
from ..model import Account, WxError
from .model import MiniProgram, WxaPlatform, month_of

__all__ = ["home_of", "int_param", "list_param", "one_of", "program_of", "spend_monthly"]

T = TypeVar("T")


def program_of(call: Call) -> tuple[MiniProgram, Account]:
    """The mini program the call acts for, and its account."""
    platform, _, account = call.owned()
    return call.state.wxa.program(platform.appid, account.appid), account


def home_of(call: Call) -> WxaPlatform:
    """The calling platform's side of mini-program management."""
    return call.state.wxa.platform(call.platform.appid)


def int_param(call: Call, name: str, errcode: int = 47001) -> int:
    """The parameter ``name`` as an int (``errcode`` when it is none)."""
    value = call.params.get(name)
    if isinstance(value, bool):
        raise WxError(errcode, f"{name} must be a number")
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WxError(errcode, f"{name} must be a number") from None


def list_param(call: Call, name: str) -> list[Any]:
    """The parameter ``name`` as a list (empty when absent, 47001 when not a list)."""
    value = call.params.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise WxError(47001, f"{name} must be a list")
    return value


def one_of(name: str, value: object, choices: tuple[T, ...]) -> T:
    """The choice ``value`` equals (47001 naming the choices when it is none of them)."""
    for choice in choices:
        if value == choice:
            return choice
    listed = ", ".join(str(c) for c in choices[:-1]) + f" or {choices[-1]}"
    raise WxError(47001, f"{name} must be {listed}")


def spend_monthly(used: Counter[str], now: float, limit: int, errcode: int) -> None:
    """Count one more use in ``used`` this (China-time) month, or raise ``errcode`` when the
    month's ``limit`` is spent."""
    month = month_of(now)
    if used[month] >= limit:
        raise WxError(errcode)
    used[month] += 1
