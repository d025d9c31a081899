"""The two shells: :class:`Component` (blocking, threads) and :class:`AsyncComponent` (asyncio).

Neither holds a rule of its own: every method is declared once (:mod:`._api`) from a flow of
:mod:`wxcomponent.core`, and each shell only performs the effects flows yield — the sync shell
with ``httpx.Client``, a sync store, ``threading`` and ``time.sleep``
(:mod:`.sync`), the async shell with ``httpx.AsyncClient``, an async store and ``asyncio``
(:mod:`.aio`). The background refreshers are in :mod:`.refresher`.

Import these names from :mod:`wxcomponent`; the submodules are internal.
"""

from __future__ import annotations

from ._shell import API_BASE, Listener
from .aio import AsyncAuthorizerClient, AsyncComponent
from .refresher import AsyncRefresher, Refresher
from .sync import AuthorizerClient, Component

__all__ = [
    "API_BASE",
    "AsyncAuthorizerClient",
    "AsyncComponent",
    "AsyncRefresher",
    "AuthorizerClient",
    "Component",
    "Listener",
    "Refresher",
]
