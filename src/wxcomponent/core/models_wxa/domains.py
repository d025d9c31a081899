"""The answers of domains: the platform's own, a mini program's server, web-view, effective and
DNS-prefetch domains, and confirm files (``core/endpoints/domains.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key

__all__ = [
    "DomainConfirmFile",
    "EffectiveDomains",
    "EffectiveWebviewDomains",
    "JumpDomains",
    "MiniProgramDomains",
    "PrefetchDomain",
    "PrefetchDomains",
    "ServerDomains",
    "WebviewDomains",
]


def _own(state: str, kind: str) -> tuple[str, ...]:
    """The platform's own domains of a kind in a state, sent as ``"a,b"`` under
    ``<state>_wxa_<kind>_domain``."""
    return field(default=(), metadata=key(f"{state}_wxa_{kind}_domain", sep=","))


@dataclass(frozen=True)
class ServerDomains(WxaModel):
    """The platform's own server domains: published, in test, and invalid ones."""

    published: tuple[str, ...] = _own("published", "server")
    testing: tuple[str, ...] = _own("testing", "server")
    invalid: tuple[str, ...] = _own("invalid", "server")
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class JumpDomains(WxaModel):
    """The platform's own jump (business) domains: published, in test, and invalid ones."""

    published: tuple[str, ...] = _own("published", "jump_h5")
    testing: tuple[str, ...] = _own("testing", "jump_h5")
    invalid: tuple[str, ...] = _own("invalid", "jump_h5")
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class DomainConfirmFile(WxaModel):
    """A domain confirm file to serve at the domain's root before it can be added."""

    file_name: str = ""
    file_content: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class MiniProgramDomains(WxaModel):
    """A mini program's server domains by kind."""

    requestdomain: tuple[str, ...] = ()
    wsrequestdomain: tuple[str, ...] = ()
    uploaddomain: tuple[str, ...] = ()
    downloaddomain: tuple[str, ...] = ()
    udpdomain: tuple[str, ...] = ()
    tcpdomain: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class WebviewDomains(WxaModel):
    """A mini program's web-view (business) domains."""

    webviewdomain: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class EffectiveDomains(WxaModel):
    """The server domains in effect, by where they were set: in the mini program's console,
    by the platform, directly, and the union that applies."""

    mp_domain: MiniProgramDomains = field(default_factory=MiniProgramDomains)
    third_domain: MiniProgramDomains = field(default_factory=MiniProgramDomains)
    direct_domain: MiniProgramDomains = field(default_factory=MiniProgramDomains)
    effective_domain: MiniProgramDomains = field(default_factory=MiniProgramDomains)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class EffectiveWebviewDomains(WxaModel):
    """The web-view (business) domains in effect, by where they were set: in the mini
    program's console, by the platform, directly, and the union that applies."""

    mp_webviewdomain: tuple[str, ...] = ()
    third_webviewdomain: tuple[str, ...] = ()
    direct_webviewdomain: tuple[str, ...] = ()
    effective_webviewdomain: tuple[str, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PrefetchDomain(WxaModel):
    """A DNS-prefetch domain (``status`` 1 in use, 2 pending or invalid)."""

    url: str = ""
    status: int = 0


@dataclass(frozen=True)
class PrefetchDomains(WxaModel):
    """The mini program's DNS-prefetch domains and how many it may have."""

    domains: tuple[PrefetchDomain, ...] = field(default=(), metadata=key("prefetch_dns_domain"))
    size_limit: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
