"""The answers of testers (``core/endpoints/testers.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel

__all__ = ["Tester", "TesterList"]


@dataclass(frozen=True)
class Tester(WxaModel):
    """A tester: WeChat names them by an opaque ``userstr``."""

    userstr: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TesterList(WxaModel):
    """The mini program's testers."""

    members: tuple[Tester, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
