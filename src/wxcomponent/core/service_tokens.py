"""Tokens from a running ``wxcomponent serve``, for services that only use them.

Other services of a company call WeChat's APIs for the accounts the platform manages, but must
never refresh a token themselves: a second refresher would fight the service's (each refresh
invalidates the previous token). :class:`ServiceTokens` is a token source for the shells
(``Component(config, tokens=ServiceTokens(url, api_key))``) that asks the service's token API
instead of WeChat, and on 40001 asks the service for a compare-and-refresh of the refused
token, so the fleet still refreshes once. Tokens are kept in the process until shortly before
they expire.

Internal module; :class:`ServiceTokens` is public from :mod:`wxcomponent`.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import (
    AuthorizerNotFound,
    ConfigurationError,
    InvalidArgument,
    TransportError,
    api_error,
)
from ..stores.base import CachedToken
from .context import Context, TokenKind
from .effects import Flow, Http, HttpResult
from .json_object import json_object

__all__ = ["ServiceTokens"]

_FIELDS = {TokenKind.JSAPI_TICKET: "ticket"}


#: The tokens kept before expired ones are first looked for.
_PRUNE_FLOOR = 1024


class ServiceTokens:
    """A token source that reads from a running ``wxcomponent serve`` over its token API.

    ``url`` is the base URL of the service's token API (its admin listener, e.g.
    ``http://10.0.0.7:8001``); ``api_key`` its bearer key. ``lead`` is how long before expiry
    a token kept in this process is asked for again. Give it to a shell as ``tokens=``: every
    call then carries the service's tokens, and a 40001 makes the service renew the refused
    token (once for the whole fleet) before the call is retried.
    """

    def __init__(self, url: str, api_key: str, *, lead: float = 60.0) -> None:
        if not isinstance(url, str):
            raise InvalidArgument("url", "must be the service's URL as a string")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ConfigurationError("url", "must be the http(s) URL of the service's token "
                                            "API, e.g. http://10.0.0.7:8001")
        if not isinstance(api_key, str) or not api_key or not api_key.isprintable():
            raise InvalidArgument("api_key", "must be the service's API key (a string)")
        if type(lead) is bool or not isinstance(lead, (int, float)) or not 0 <= lead < 3600:
            raise InvalidArgument("lead", "must be a number of seconds from 0 to 3600")
        self._url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._lead = float(lead)
        self._kept: dict[tuple[str, str, str], CachedToken] = {}
        self._prune_at = _PRUNE_FLOOR
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ServiceTokens({self._url!r})"

    def _path(self, ctx: Context, kind: TokenKind, authorizer_appid: str) -> str:
        base = f"{self._url}/api/{quote(ctx.appid, safe='')}"
        if kind is TokenKind.COMPONENT_ACCESS_TOKEN:
            return f"{base}/component_token"
        who = f"{base}/authorizers/{quote(authorizer_appid, safe='')}"
        return f"{who}/jsapi_ticket" if kind is TokenKind.JSAPI_TICKET else f"{who}/token"

    def current(self, ctx: Context, kind: TokenKind, authorizer_appid: str) -> Flow[CachedToken]:
        """The token of ``kind``: the one kept here while fresh, else the service's."""
        key = (ctx.appid, kind.value, authorizer_appid)
        kept = self._kept.get(key)
        if kept is not None and ctx.clock() < kept.expires_at - self._lead:
            return kept
        return (yield from self._ask(ctx, kind, authorizer_appid, "GET",
                                     self._path(ctx, kind, authorizer_appid), None))

    def refresh(self, ctx: Context, kind: TokenKind, authorizer_appid: str,
                stale: str) -> Flow[CachedToken]:
        """Compare-and-refresh at the service: ``stale`` (the token WeChat refused) is renewed
        only if it is still the service's; an empty ``stale`` renews whatever it holds."""
        key = (ctx.appid, kind.value, authorizer_appid)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and (not stale or kept.value == stale):
                del self._kept[key]
        path = self._path(ctx, kind, authorizer_appid)
        if kind is TokenKind.JSAPI_TICKET:  # the service renews tickets on its own
            return (yield from self._ask(ctx, kind, authorizer_appid, "GET", path, None))
        body = {"stale": stale} if stale else {}
        return (yield from self._ask(ctx, kind, authorizer_appid, "POST", path + "/refresh",
                                     body))

    def _ask(self, ctx: Context, kind: TokenKind, authorizer_appid: str, method: str,
             path: str, body: dict[str, str] | None) -> Flow[CachedToken]:
        result: HttpResult = yield Http(method, path, json=body, headers=self._headers)
        data = json_object(result.content)
        if result.status != 200:
            raise _error(ctx, authorizer_appid, result.status, data, path)
        field = _FIELDS.get(kind, "access_token")
        value, expires_at = data.get(field), data.get("expires_at")
        if not isinstance(value, str) or not value or isinstance(expires_at, bool) \
                or not isinstance(expires_at, (int, float)):
            raise TransportError(f"the service's answer to {method} {path} has no {field}",
                                 path=path, status=result.status)
        now = ctx.clock()
        token = CachedToken(value, float(expires_at), now)
        with self._lock:
            if len(self._kept) >= self._prune_at:
                # Tokens kept for accounts no longer asked for are dropped once expired; the
                # next pass waits until the table has doubled, so each costs O(1) a token.
                self._kept = {k: t for k, t in self._kept.items() if now < t.expires_at}
                self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._kept))
            self._kept[(ctx.appid, kind.value, authorizer_appid)] = token
        return token


def _error(ctx: Context, authorizer_appid: str, status: int, data: dict[str, Any],
           path: str) -> Exception:
    """The typed error of a refusal by the service."""
    errcode = data.get("errcode")
    message = str(data.get("message") or data.get("error") or f"HTTP {status}")[:300]
    if type(errcode) is int and errcode != 0:
        return api_error(errcode, message, path)
    if status in (401, 403):
        return ConfigurationError("api_key", f"the service refused the API key ({status}): "
                                             f"{message}")
    if status in (404, 409) and authorizer_appid:
        return AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=status == 409)
    return TransportError(f"the service answered {status} to {path}: {message}", path=path,
                          status=status)
