"""The answer of the open platform account binding (``core/endpoints/open_account.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel

__all__ = ["OpenAccount"]


@dataclass(frozen=True)
class OpenAccount(WxaModel):
    """The open platform account an authorizer is bound to (for unionids)."""

    open_appid: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
