"""What scanning a code or opening a link opens, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API, ``/__emulator__/open_link``):
the text a decoder reads from one of the emulator's codes, a URL Scheme, URL Link or Short
Link, or an ordinary link that a published rule (or a rule's test link) maps to a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..control_host import ControlHost
from ..model import LinkExpired, NotFound
from ..qr import read_code_text

if TYPE_CHECKING:
    from .model import JumpRule

__all__ = ["LinkOpener"]

_VERSIONS = {1: "develop", 2: "trial", 3: "release"}


class LinkOpener(ControlHost):
    """Opening codes and links, part of :class:`~wxcomponent.emulator.Emulator`."""

    def open_link(self, link: str) -> dict[str, Any]:
        """What ``link`` opens: ``kind``, ``appid``, ``path``, ``query`` and ``env_version``
        (with ``scene`` for an unlimited code, ``expire_time`` for a link).

        ``link`` is the text of one of the emulator's codes, a URL Scheme, URL Link or Short
        Link, or an ordinary link a rule maps to the mini program. A link past its expiry on
        the emulated clock opens nothing, as in WeChat: :class:`LinkExpired` (HTTP 410 from
        the control API); an unknown one raises :class:`NotFound` (404).
        """
        code = read_code_text(link)
        if code is not None:
            kind, fields = code
            return {"kind": kind, **fields}
        now = self.clock.now()
        with self.state.lock:
            found = self.state.wxa.links.get(link)
            if found is not None:
                if found.expires_at and now >= found.expires_at:
                    raise LinkExpired(f"the {found.kind} expired", found.expires_at)
                return found.opens()
            return self._follow_rule(link, now)

    def _follow_rule(self, link: str, now: float) -> dict[str, Any]:
        best: tuple[str, JumpRule] | None = None
        for (_, appid), program in self.state.wxa.programs.items():
            for rule in program.jump_rules.values():
                live = rule.published and link.startswith(rule.prefix)
                if (live or link in rule.debug_url) \
                        and (best is None or len(rule.prefix) > len(best[1].prefix)):
                    best = (appid, rule)
        if best is None:
            raise NotFound(f"no code, link or rule opens {link!r}")
        appid, rule = best
        query = f"q={quote(link, safe='')}&scancode_time={int(now)}"
        return {"kind": "qrcode_jump", "appid": appid, "path": rule.path, "query": query,
                "env_version": _VERSIONS[rule.open_version]}
