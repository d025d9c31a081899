"""Every rule of tokens and API calls, written once as flows (generators of effects).

A flow yields :mod:`~wxcomponent.core.effects` and receives their answers; it does no I/O.
:class:`~wxcomponent.Component` drives flows with blocking calls, and
:class:`~wxcomponent.AsyncComponent` with awaited ones, so both behave identically.

The rules:

* **Single flight** (``ensure_token``): a token is refreshed under an in-process lock *and* a
  store lease; the lease holder re-reads, fetches, writes with its fence and releases. Waiters
  poll the store with backoff until the new token lands or the lease expires (a dead holder
  blocks nobody beyond ``lease_ttl``); the wait is bounded by ``wait_timeout``.
* **Compare-and-refresh**: after 40001/40014/42001 the token is refreshed only if the failing
  token is still the stored one; then the call is retried once.
* **Durable first**: a refresh token returned by WeChat is written to the durable store before
  the new access token is cached or handed out.
* **Retries**: -1, HTTP 5xx, connection errors and timeouts are retried with exponential backoff
  and jitter, ``attempts`` times in all; every other errcode raises its typed error at once.
* **61023**: the refresh token is re-read (store, then ``api_get_authorizer_list``) and the
  refresh tried once more; if that fails the authorizer is marked revoked and
  :class:`~wxcomponent.errors.RefreshTokenInvalid` raised.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from ..config import ComponentConfig
from ..errors import (
    TOKEN_INVALID_CODES,
    APIError,
    AuthorizerNotFound,
    LeaseTimeout,
    NotAuthorized,
    QuotaExceeded,
    RefreshTokenInvalid,
    TicketNotFound,
    TransportError,
    api_error,
)
from ..stores.base import AuthorizerRecord, CachedToken
from .authurl import (
    MOBILE_AUTH_URL,
    PC_AUTH_URL,
    mobile_authorization_url,
    pc_authorization_url,
)
from .crypto import MessageCrypto
from .effects import Emit, Flow, Http, HttpResult, Lock, Sleep, StoreCall, Unlock
from .models import (
    AuthorizationInfo,
    AuthorizerInfo,
    AuthorizerListPage,
    AuthorizerOption,
    OAuthToken,
    PreAuthCode,
    Quota,
    SessionInfo,
    UserInfo,
)
from .policy import Policy, is_fresh
from .xml import DEFAULT_MAX_BODY

__all__ = ["Context", "TokenRef"]

log = logging.getLogger("wxcomponent")

COMPONENT = "/cgi-bin/component"


@dataclass
class Context:
    """What every flow of one platform needs: its config, policy, clock and randomness."""

    config: ComponentConfig
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    pc_auth_url: str = PC_AUTH_URL
    mobile_auth_url: str = MOBILE_AUTH_URL
    #: Callback settings and handlers (a :class:`wxcomponent.core.callbacks.Callbacks`).
    callbacks: Any = None

    def __post_init__(self) -> None:
        cfg = self.config
        options = getattr(self.callbacks, "options", None)
        self.crypto = MessageCrypto(cfg.token, cfg.encoding_aes_key, cfg.appid,
                                    previous_encoding_aes_key=cfg.previous_encoding_aes_key,
                                    max_body=getattr(options, "max_body", DEFAULT_MAX_BODY))

    @property
    def appid(self) -> str:
        """The component appid."""
        return self.config.appid

    # keys of the volatile store: always under the component appid
    def component_token_key(self) -> str:
        """Store key of the component access token."""
        return f"{self.appid}:component_access_token"

    def authorizer_token_key(self, authorizer_appid: str) -> str:
        """Store key of an authorizer's access token."""
        return f"{self.appid}:authorizer_access_token:{authorizer_appid}"

    def jsapi_ticket_key(self, authorizer_appid: str) -> str:
        """Store key of an authorizer's JS-SDK ticket."""
        return f"{self.appid}:jsapi_ticket:{authorizer_appid}"

    def auth_code_key(self, code: str) -> str:
        """Store key remembering which authorizer an auth code was exchanged for."""
        digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:32]
        return f"{self.appid}:auth_code:{digest}"


# --------------------------------------------------------------------------- single flight


def ensure_token(
    ctx: Context,
    key: str,
    fetch: Callable[[], Flow[CachedToken]],
    *,
    stale: str | None = None,
    lead: float = 0.0,
    kind: str = "token",
    subject: str = "",
) -> Flow[str]:
    """Return a fresh token under ``key``, fetching it at most once across the fleet.

    ``stale`` is a token the caller saw fail: it is never returned, and it is replaced only if
    it is still the stored one (compare-and-refresh). ``lead`` asks for a token that stays fresh
    at least that much longer (the background refresher's renewal ahead of time).
    """
    policy = ctx.policy
    cached: CachedToken | None = yield StoreCall("get_token", (key,))
    if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
        assert cached is not None
        return cached.value
    deadline = ctx.clock() + policy.wait_timeout
    taken = yield Lock(key, policy.wait_timeout)
    if not taken:
        raise LeaseTimeout(f"waited {policy.wait_timeout:.0f}s for the {kind} refresh lock")
    try:
        delays = policy.poll_delays(ctx.rng)
        while True:
            cached = yield StoreCall("get_token", (key,))
            if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                assert cached is not None
                return cached.value
            fence: int | None = yield StoreCall("acquire_lease", (key, policy.lease_ttl))
            if fence is not None:
                break
            if ctx.clock() >= deadline:
                raise LeaseTimeout(
                    f"waited {policy.wait_timeout:.0f}s for another worker to refresh the {kind}"
                    + (f" of {subject}" if subject else "")
                )
            yield Sleep(delays.next())
        try:
            # Someone may have written between our read and our lease: read once more.
            cached = yield StoreCall("get_token", (key,))
            if is_fresh(cached, ctx.clock(), policy, stale=stale, lead=lead):
                assert cached is not None
                return cached.value
            started = ctx.clock()
            try:
                token = yield from fetch()
            except Exception as exc:
                yield Emit("refresh_failed", {"kind": kind, "appid": subject or ctx.appid,
                                              "error": type(exc).__name__})
                raise
            landed = yield StoreCall("set_token", (key, token), {"fence": fence})
            if not landed:
                # Our lease expired while fetching; a newer token may exist. Prefer it.
                newer: CachedToken | None = yield StoreCall("get_token", (key,))
                log.warning("lease on %s expired during the refresh; token not cached", kind)
                if is_fresh(newer, ctx.clock(), policy, stale=stale):
                    assert newer is not None
                    return newer.value
            yield Emit("token_refreshed", {
                "kind": kind, "appid": subject or ctx.appid,
                "expires_in": round(token.expires_at - token.obtained_at),
                "seconds": round(ctx.clock() - started, 3),
            })
            return token.value
        finally:
            yield StoreCall("release_lease", (key, fence))
    finally:
        yield Unlock(key)


# --------------------------------------------------------------------------- HTTP calls


@dataclass(frozen=True)
class TokenRef:
    """Which managed token a call carries, and under which query parameter."""

    kind: Literal["component", "authorizer"]
    authorizer_appid: str = ""
    param: str = "access_token"

    def get(self, ctx: Context) -> Flow[str]:
        """The current token (fetching if needed)."""
        if self.kind == "component":
            return component_token(ctx)
        return authorizer_token(ctx, self.authorizer_appid)

    def refresh(self, ctx: Context, stale: str) -> Flow[str]:
        """Compare-and-refresh after ``stale`` failed."""
        if self.kind == "component":
            return component_token(ctx, stale=stale)
        return authorizer_token(ctx, self.authorizer_appid, stale=stale)


def component_ref(param: str = "component_access_token") -> TokenRef:
    """The component token, sent as ``param``."""
    return TokenRef("component", param=param)


def authorizer_ref(authorizer_appid: str) -> TokenRef:
    """An authorizer's token, sent as ``access_token``."""
    return TokenRef("authorizer", authorizer_appid, "access_token")


def decode_answer(result: HttpResult, path: str) -> dict[str, Any]:
    """The JSON object of an answer; HTTP 5xx and unreadable bodies are transport errors."""
    if result.status >= 500:
        raise TransportError(f"HTTP {result.status} from {path}", path=path, status=result.status)
    try:
        data = json.loads(result.content)
    except (ValueError, UnicodeDecodeError):
        raise TransportError(
            f"HTTP {result.status} from {path} is not JSON", path=path, status=result.status
        ) from None
    if not isinstance(data, dict):
        raise TransportError(f"answer of {path} is not a JSON object", path=path,
                             status=result.status)
    if result.status >= 400 and "errcode" not in data:
        raise TransportError(f"HTTP {result.status} from {path}", path=path, status=result.status)
    return data


def errcode_of(data: Mapping[str, Any]) -> int:
    """``errcode`` as an int (one endpoint sends it as a string); 0 when absent."""
    value = data.get("errcode", 0)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


def split_path(path: str) -> tuple[str, dict[str, str]]:
    """Split ``/path?a=1`` (the seed's "incomplete URL") into the path and its parameters."""
    if not isinstance(path, str) or not path:
        raise ValueError("path must be a non-empty string")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        raise ValueError("give the API path only (e.g. /cgi-bin/user/info), not a full URL")
    clean = parts.path if parts.path.startswith("/") else "/" + parts.path
    params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if k not in ("access_token", "component_access_token")}
    return clean, params


def call(
    ctx: Context,
    method: str,
    path: str,
    *,
    token: TokenRef | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
) -> Flow[dict[str, Any]]:
    """One API call with the token injected, retries, compare-and-refresh and typed errors."""
    path, query = split_path(path)
    base = {**query, **{k: str(v) for k, v in (params or {}).items()}}
    policy = ctx.policy
    attempt = 0
    token_retried = False
    while True:
        attempt += 1
        q = dict(base)
        value = ""
        if token is not None:
            value = yield from token.get(ctx)
            q[token.param] = value
        try:
            result: HttpResult = yield Http(method, path, q, body)
            data = decode_answer(result, path)
        except TransportError as exc:
            if attempt >= policy.attempts:
                raise
            log.info("transient failure on %s (%s); try %d of %d", path, exc, attempt + 1,
                     policy.attempts)
            yield Sleep(policy.backoff(attempt, ctx.rng))
            continue
        errcode = errcode_of(data)
        if errcode == 0:
            return data
        errmsg = str(data.get("errmsg", ""))
        if errcode in TOKEN_INVALID_CODES and token is not None and not token_retried:
            token_retried = True
            attempt -= 1  # a token retry is not a transient-failure try
            log.info("errcode %d on %s: compare-and-refresh of the %s token", errcode, path,
                     token.kind)
            yield from token.refresh(ctx, stale=value)
            continue
        error = api_error(errcode, errmsg, path)
        if error.retryable and attempt < policy.attempts:
            yield Sleep(policy.backoff(attempt, ctx.rng))
            continue
        if isinstance(error, QuotaExceeded):
            yield Emit("quota_exhausted", {"path": path, "errcode": errcode})
        if isinstance(error, NotAuthorized) and token is not None and token.kind == "authorizer":
            yield from forget_authorizer(ctx, token.authorizer_appid)
        raise error


# --------------------------------------------------------------------------- component token


def component_token(ctx: Context, *, stale: str | None = None, lead: float = 0.0) -> Flow[str]:
    """The component access token, from the stored verify ticket."""

    def fetch() -> Flow[CachedToken]:
        ticket = yield StoreCall("load_ticket", (ctx.appid,))
        if ticket is None:
            raise TicketNotFound(ctx.appid)
        started = ctx.clock()
        data = yield from call(ctx, "POST", f"{COMPONENT}/api_component_token", body={
            "component_appid": ctx.appid,
            "component_appsecret": ctx.config.secret,
            "component_verify_ticket": ticket.value,
        })
        return _token_from(data, "component_access_token", started)

    return ensure_token(ctx, ctx.component_token_key(), fetch, stale=stale, lead=lead,
                        kind="component_access_token")


def _token_from(data: Mapping[str, Any], name: str, started: float) -> CachedToken:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise TransportError(f"the answer has no {name}")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    return CachedToken(value, started + expires_in, started)


# --------------------------------------------------------------------------- authorizer token


def _load_authorizer(ctx: Context, authorizer_appid: str) -> Flow[AuthorizerRecord]:
    record: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, authorizer_appid)
    )
    if record is None:
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=False)
    if record.status != "authorized":
        raise AuthorizerNotFound(ctx.appid, authorizer_appid, revoked=True)
    return record


def _recover_refresh_token(ctx: Context, authorizer_appid: str, used: str) -> Flow[str | None]:
    """After 61023: a refresh token other than ``used``, from the store or WeChat's list."""
    record: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, authorizer_appid)
    )
    if record is not None and record.refresh_token and record.refresh_token != used:
        return record.refresh_token
    offset = 0
    while True:
        page = yield from authorizer_list_page(ctx, offset, 500)
        for item in page.items:
            if item.authorizer_appid == authorizer_appid:
                if item.refresh_token and item.refresh_token != used:
                    yield StoreCall("replace_refresh_token",
                                    (ctx.appid, authorizer_appid, used, item.refresh_token))
                    return item.refresh_token
                return None
        after = next_offset(page, offset)
        if after is None:
            return None
        offset = after


def authorizer_token(
    ctx: Context, authorizer_appid: str, *, stale: str | None = None, lead: float = 0.0
) -> Flow[str]:
    """An authorizer's access token, refreshed with its stored refresh token."""

    def refresh_with(refresh_token: str) -> Flow[dict[str, Any]]:
        return call(ctx, "POST", f"{COMPONENT}/api_authorizer_token", token=component_ref(),
                    body={"component_appid": ctx.appid, "authorizer_appid": authorizer_appid,
                          "authorizer_refresh_token": refresh_token})

    def fetch() -> Flow[CachedToken]:
        record = yield from _load_authorizer(ctx, authorizer_appid)
        used = record.refresh_token
        started = ctx.clock()
        try:
            data = yield from refresh_with(used)
        except NotAuthorized:
            yield from forget_authorizer(ctx, authorizer_appid)
            raise
        except RefreshTokenInvalid:
            recovered = yield from _recover_refresh_token(ctx, authorizer_appid, used)
            if recovered is None:
                yield from _give_up_refresh_token(ctx, authorizer_appid)
                raise
            used = recovered
            try:
                data = yield from refresh_with(used)
            except RefreshTokenInvalid:
                yield from _give_up_refresh_token(ctx, authorizer_appid)
                raise
        token = _token_from(data, "authorizer_access_token", started)
        new_refresh = data.get("authorizer_refresh_token")
        if isinstance(new_refresh, str) and new_refresh and new_refresh != used:
            # Durable first: the rotated refresh token is stored before the access token is
            # cached or handed out.
            kept = yield StoreCall("replace_refresh_token",
                                   (ctx.appid, authorizer_appid, used, new_refresh))
            if kept:
                yield Emit("refresh_token_rotated", {"appid": authorizer_appid})
            else:
                log.warning("refresh token of %s changed in the store during a refresh",
                            authorizer_appid)
        return token

    return ensure_token(ctx, ctx.authorizer_token_key(authorizer_appid), fetch, stale=stale,
                        lead=lead, kind="authorizer_access_token", subject=authorizer_appid)


def _give_up_refresh_token(ctx: Context, authorizer_appid: str) -> Flow[None]:
    yield StoreCall("mark_revoked", (ctx.appid, authorizer_appid))
    yield Emit("authorizer_revoked", {"appid": authorizer_appid, "reason": "refresh_token_invalid"})
    log.error("refresh token of %s is invalid; the account must authorize again",
              authorizer_appid)


def forget_authorizer(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Mark an authorizer revoked and drop its cached tokens (on ``unauthorized`` or 61003)."""
    changed: bool = yield StoreCall("mark_revoked", (ctx.appid, authorizer_appid))
    yield StoreCall("delete_token", (ctx.authorizer_token_key(authorizer_appid),))
    yield StoreCall("delete_token", (ctx.jsapi_ticket_key(authorizer_appid),))
    if changed:
        yield Emit("authorizer_revoked", {"appid": authorizer_appid, "reason": "unauthorized"})
    return changed


def jsapi_ticket(ctx: Context, authorizer_appid: str, *, stale: str | None = None) -> Flow[str]:
    """An official account's JS-SDK ticket, cached and single-flighted like a token."""

    def fetch() -> Flow[CachedToken]:
        started = ctx.clock()
        data = yield from call(ctx, "GET", "/cgi-bin/ticket/getticket",
                               token=authorizer_ref(authorizer_appid), params={"type": "jsapi"})
        return _token_from(data, "ticket", started)

    return ensure_token(ctx, ctx.jsapi_ticket_key(authorizer_appid), fetch, stale=stale,
                        kind="jsapi_ticket", subject=authorizer_appid)


# --------------------------------------------------------------------------- component APIs


def save_ticket(ctx: Context, ticket: str, created_at: int) -> Flow[bool]:
    """Store a pushed verify ticket (an older push never replaces a newer one)."""
    kept: bool = yield StoreCall("save_ticket", (ctx.appid, ticket, created_at))
    yield Emit("ticket_received", {"appid": ctx.appid, "created_at": created_at, "kept": kept})
    return kept


def create_pre_auth_code(ctx: Context) -> Flow[PreAuthCode]:
    """A fresh one-use pre-authorization code."""
    data = yield from call(ctx, "POST", f"{COMPONENT}/api_create_preauthcode",
                           token=component_ref(), body={"component_appid": ctx.appid})
    return PreAuthCode.from_json(data)


def query_auth(ctx: Context, authorization_code: str) -> Flow[AuthorizationInfo]:
    """Exchange an authorization code and persist the authorizer (once per code, fleet-wide).

    WeChat delivers the same code twice (the ``authorized`` push and the browser redirect);
    the second exchange reads the first one's result instead of failing with 61010.
    """
    if not isinstance(authorization_code, str) or not authorization_code:
        raise ValueError("authorization_code must be a non-empty string")
    exchanged: list[AuthorizationInfo] = []

    def fetch() -> Flow[CachedToken]:
        started = ctx.clock()
        data = yield from call(ctx, "POST", f"{COMPONENT}/api_query_auth", token=component_ref(),
                               body={"component_appid": ctx.appid,
                                     "authorization_code": authorization_code})
        info = AuthorizationInfo.from_json(data)
        if not info.authorizer_appid or not info.authorizer_refresh_token:
            raise TransportError("api_query_auth answered without an appid or refresh token")
        yield from _persist_authorization(ctx, info, started)
        exchanged.append(info)
        return CachedToken(info.authorizer_appid, started + 3600, started)

    authorizer_appid = yield from ensure_token(ctx, ctx.auth_code_key(authorization_code), fetch,
                                               kind="authorization_code")
    if exchanged:
        return exchanged[0]
    record: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, authorizer_appid)
    )
    cached: CachedToken | None = yield StoreCall(
        "get_token", (ctx.authorizer_token_key(authorizer_appid),)
    )
    now = ctx.clock()
    return AuthorizationInfo(
        authorizer_appid=authorizer_appid,
        authorizer_access_token=cached.value if cached else "",
        expires_in=max(0, int(cached.expires_at - now)) if cached else 0,
        authorizer_refresh_token=record.refresh_token if record else "",
        func_info=record.func_info if record else (),
        raw={},
    )


def _persist_authorization(ctx: Context, info: AuthorizationInfo, started: float) -> Flow[None]:
    existing: AuthorizerRecord | None = yield StoreCall(
        "get_authorizer", (ctx.appid, info.authorizer_appid)
    )
    keep_since = existing is not None and existing.status == "authorized"
    record = AuthorizerRecord(
        component_appid=ctx.appid,
        authorizer_appid=info.authorizer_appid,
        refresh_token=info.authorizer_refresh_token,
        status="authorized",
        func_info=info.func_info,
        authorized_at=existing.authorized_at if keep_since and existing else started,
        updated_at=started,
        revoked_at=None,
    )
    yield StoreCall("save_authorizer", (record,))  # durable first
    if info.authorizer_access_token:
        yield StoreCall("set_token", (
            ctx.authorizer_token_key(info.authorizer_appid),
            CachedToken(info.authorizer_access_token, started + info.expires_in, started),
        ))
    yield Emit("authorizer_saved", {"appid": info.authorizer_appid,
                                    "func_info": list(info.func_info)})


def get_authorizer_info(ctx: Context, authorizer_appid: str) -> Flow[AuthorizerInfo]:
    """An authorizer's account details."""
    data = yield from call(ctx, "POST", f"{COMPONENT}/api_get_authorizer_info",
                           token=component_ref(),
                           body={"component_appid": ctx.appid,
                                 "authorizer_appid": authorizer_appid})
    return AuthorizerInfo.from_json(data)


def get_authorizer_option(ctx: Context, authorizer_appid: str,
                          option_name: str) -> Flow[AuthorizerOption]:
    """Read an authorizer option."""
    data = yield from call(ctx, "POST", f"{COMPONENT}/api_get_authorizer_option",
                           token=component_ref(),
                           body={"component_appid": ctx.appid, "authorizer_appid": authorizer_appid,
                                 "option_name": option_name})
    return AuthorizerOption.from_json(data)


def set_authorizer_option(ctx: Context, authorizer_appid: str, option_name: str,
                          option_value: str | int) -> Flow[None]:
    """Set an authorizer option."""
    yield from call(ctx, "POST", f"{COMPONENT}/api_set_authorizer_option", token=component_ref(),
                    body={"component_appid": ctx.appid, "authorizer_appid": authorizer_appid,
                          "option_name": option_name, "option_value": str(option_value)})


def authorizer_list_page(
    ctx: Context, offset: int = 0, count: int = 500
) -> Flow[AuthorizerListPage]:
    """One page of WeChat's list of authorizers (``count`` at most 500)."""
    if offset < 0 or not 1 <= count <= 500:
        raise ValueError("offset must be >= 0 and count between 1 and 500")
    data = yield from call(ctx, "POST", f"{COMPONENT}/api_get_authorizer_list",
                           token=component_ref(),
                           body={"component_appid": ctx.appid, "offset": offset, "count": count})
    return AuthorizerListPage.from_json(data)


def start_push_ticket(ctx: Context) -> Flow[None]:
    """Ask WeChat to start (again) pushing verify tickets."""
    yield from call(ctx, "POST", f"{COMPONENT}/api_start_push_ticket",
                    body={"component_appid": ctx.appid, "component_secret": ctx.config.secret})


def clear_quota(ctx: Context, authorizer_appid: str | None = None) -> Flow[None]:
    """Reset the daily API quotas (of the platform, or of one authorizer) with the secret."""
    body = {"component_appid": ctx.appid, "appsecret": ctx.config.secret}
    if authorizer_appid:
        body["appid"] = authorizer_appid
    yield from call(ctx, "POST", f"{COMPONENT}/clear_quota/v2", body=body)


def get_quota(ctx: Context, cgi_path: str) -> Flow[Quota]:
    """The daily quota of one API path, for the platform."""
    data = yield from call(ctx, "POST", "/cgi-bin/openapi/quota/get",
                           token=component_ref("access_token"), body={"cgi_path": cgi_path})
    return Quota.from_json(data)


# --------------------------------------------------------------------------- on behalf


def oauth_access_token(ctx: Context, authorizer_appid: str, code: str) -> Flow[OAuthToken]:
    """Exchange a web OAuth ``code`` of an authorized official account's user."""
    data = yield from call(ctx, "GET", "/sns/oauth2/component/access_token",
                           token=component_ref(), params={
                               "appid": authorizer_appid, "code": code,
                               "grant_type": "authorization_code", "component_appid": ctx.appid})
    return OAuthToken.from_json(data)


def oauth_refresh_token(ctx: Context, authorizer_appid: str,
                        refresh_token: str) -> Flow[OAuthToken]:
    """Refresh a web OAuth access token."""
    data = yield from call(ctx, "GET", "/sns/oauth2/component/refresh_token",
                           token=component_ref(), params={
                               "appid": authorizer_appid, "grant_type": "refresh_token",
                               "component_appid": ctx.appid, "refresh_token": refresh_token})
    return OAuthToken.from_json(data)


def oauth_user_info(ctx: Context, access_token: str, openid: str,
                    lang: str = "zh_CN") -> Flow[UserInfo]:
    """A web user's profile, with that user's OAuth access token."""
    data = yield from call(ctx, "GET", "/sns/userinfo",
                           params={"access_token": access_token, "openid": openid, "lang": lang})
    return UserInfo.from_json(data)


def jscode2session(ctx: Context, authorizer_appid: str, js_code: str) -> Flow[SessionInfo]:
    """Mini-program login on behalf of an authorized mini program."""
    data = yield from call(ctx, "GET", "/sns/component/jscode2session", token=component_ref(),
                           params={"appid": authorizer_appid, "js_code": js_code,
                                   "grant_type": "authorization_code",
                                   "component_appid": ctx.appid})
    return SessionInfo.from_json(data)


# --------------------------------------------------------------------------- refresher


def refresh_one(ctx: Context, kind: str, authorizer_appid: str = "") -> Flow[bool]:
    """Renew one token ahead of time; False (logged, emitted) when the refresh failed."""
    lead = ctx.policy.refresh_lead
    try:
        if kind == "component":
            yield from component_token(ctx, lead=lead)
        else:
            yield from authorizer_token(ctx, authorizer_appid, lead=lead)
    except (APIError, TransportError, LeaseTimeout, TicketNotFound, AuthorizerNotFound) as exc:
        log.warning("background refresh of %s %s failed: %s", kind,
                    authorizer_appid or ctx.appid, exc)
        return False
    return True


STORE_PAGE = 200


def stored_authorizer_page(
    ctx: Context, after: str | None = None, status: str | None = "authorized"
) -> Flow[list[AuthorizerRecord]]:
    """A page of the platform's authorizer records in the store, after appid ``after``."""
    records: list[AuthorizerRecord] = yield StoreCall(
        "list_authorizers", (ctx.appid,), {"status": status, "after": after, "limit": STORE_PAGE}
    )
    return records


def refresh_component_token(ctx: Context, stale: str | None = None) -> Flow[str]:
    """Compare-and-refresh the component token; ``stale=None`` renews the stored one."""
    if stale is None:
        cached: CachedToken | None = yield StoreCall("get_token", (ctx.component_token_key(),))
        stale = cached.value if cached else None
    return (yield from component_token(ctx, stale=stale or ""))


def refresh_authorizer_token(ctx: Context, authorizer_appid: str,
                             stale: str | None = None) -> Flow[str]:
    """Compare-and-refresh an authorizer token; ``stale=None`` renews the stored one."""
    if stale is None:
        cached: CachedToken | None = yield StoreCall(
            "get_token", (ctx.authorizer_token_key(authorizer_appid),)
        )
        stale = cached.value if cached else None
    return (yield from authorizer_token(ctx, authorizer_appid, stale=stale or ""))


def component_get_json(ctx: Context, path: str,
                       params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """GET any API with the component token (the seed's ``GetJSON``)."""
    return (yield from call(ctx, "GET", path, token=component_ref(), params=params))


def component_post_json(ctx: Context, path: str, body: Any = None,
                        params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """POST JSON to any API with the component token (the seed's ``PostJSON``)."""
    return (yield from call(ctx, "POST", path, token=component_ref(), params=params,
                            body={} if body is None else body))


def authorizer_get_json(ctx: Context, authorizer_appid: str, path: str,
                        params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """GET any API on an authorizer's behalf (its token injected, 40001 handled)."""
    return (yield from call(ctx, "GET", path, token=authorizer_ref(authorizer_appid),
                            params=params))


def authorizer_post_json(ctx: Context, authorizer_appid: str, path: str, body: Any = None,
                         params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """POST JSON to any API on an authorizer's behalf (its token injected, 40001 handled)."""
    return (yield from call(ctx, "POST", path, token=authorizer_ref(authorizer_appid),
                            params=params, body={} if body is None else body))


def authorizer_access_token(ctx: Context, authorizer_appid: str) -> Flow[str]:
    """An authorizer's access token."""
    return (yield from authorizer_token(ctx, authorizer_appid))


def component_access_token(ctx: Context) -> Flow[str]:
    """The component access token."""
    return (yield from component_token(ctx))


def authorization_url(
    ctx: Context,
    redirect_uri: str,
    *,
    auth_type: int = 3,
    biz_appid: str | None = None,
    category_ids: Iterable[int | str] | None = None,
    mobile: bool = False,
) -> Flow[str]:
    """A fresh pre-auth code, built into the PC (or ``mobile``) authorization page URL."""
    code = yield from create_pre_auth_code(ctx)
    if mobile:
        return mobile_authorization_url(ctx.appid, code.pre_auth_code, redirect_uri,
                                        auth_type=auth_type, biz_appid=biz_appid,
                                        category_ids=category_ids, base=ctx.mobile_auth_url)
    return pc_authorization_url(ctx.appid, code.pre_auth_code, redirect_uri,
                                auth_type=auth_type, biz_appid=biz_appid,
                                category_ids=category_ids, base=ctx.pc_auth_url)


def next_offset(page: AuthorizerListPage, offset: int) -> int | None:
    """Where the next page of ``api_get_authorizer_list`` starts, or None at the end."""
    offset += len(page.items)
    if not page.items or offset >= page.total_count:
        return None
    return offset
