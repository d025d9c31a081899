"""The emulator: WeChat's state for registered platforms, its control methods and its pushes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Literal

from ..errors import InvalidArgument
from .addresses import AddressControl
from .app import build_app
from .background import Background
from .clock import Clock
from .model import (
    DEFAULT_PLATFORM,
    Account,
    AccountKind,
    Authorization,
    Delivery,
    FastRegistration,
    Grant,
    NotFound,
    Platform,
    PlatformConfig,
    User,
)
from .modes import ModesControl
from .pages import UNPUBLISHED
from .pusher import Pusher, seal
from .release_check import run_release_check
from .state import DEFAULT_DAILY_LIMIT, Fault, Settings, State, normalize_path
from .wxa.compliance_control import ComplianceControl
from .wxa.model import REGISTRATION_TIMED_OUT
from .wxa.opening import LinkOpener
from .wxa.order_control import OrderControl

__all__ = ["Emulator"]

#: The ``info`` of a registration's push: the fields of WeChat's new version.
_FAST_REGISTER_INFO = {
    "name": "模拟快速注册企业",
    "code": "91110000MA01CANT01",
    "component_phone": "13800000000",
}


class Emulator(ModesControl, AddressControl, ComplianceControl, OrderControl, LinkOpener):
    """WeChat's side of a third-party platform: state, control methods and pushes.

    ``app`` is the ASGI application that answers like ``api.weixin.qq.com`` (and serves the
    authorization pages); run it with :class:`~wxcomponent.emulator.EmulatorServer` or any
    ASGI server. Every method is thread-safe. Methods that push (``push_ticket``,
    ``authorize`` …) deliver synchronously in the calling thread and return the
    :class:`Delivery` or a result carrying it (``Authorization.delivery``,
    ``FastRegistration.delivery``). :meth:`push_ticket_soon`, the background ticket schedule
    and the pushes caused by HTTP requests (the consent page, ``api_start_push_ticket``) are
    sent from worker threads.

    ``platforms`` defaults to ``[DEFAULT_PLATFORM]``. Lifetimes are in seconds on
    :attr:`clock`; ``ticket_interval=None`` turns the background ticket pushes off;
    ``quota_resets_per_month`` is how many times an account may clear its quota in a month
    (WeChat: 10; past it, 48006).
    """

    def __init__(
        self,
        *,
        platforms: Iterable[PlatformConfig] | None = None,
        clock: Clock | None = None,
        token_lifetime: float = 7200.0,
        token_overlap: float = 300.0,
        code_lifetime: float = 600.0,
        ticket_interval: float | None = 600.0,
        ticket_lifetime: float = 12 * 3600.0,
        default_daily_limit: int | None = DEFAULT_DAILY_LIMIT,
        quota_resets_per_month: int = 10,
        push_tries: int = 3,
        push_retry_delay: float = 0.2,
        push_timeout: float = 5.0,
    ) -> None:
        if push_tries < 1:
            raise InvalidArgument("push_tries", "must be at least 1")
        self.clock = clock or Clock()
        self.settings = Settings(
            token_lifetime=token_lifetime,
            token_overlap=token_overlap,
            code_lifetime=code_lifetime,
            ticket_interval=ticket_interval,
            ticket_lifetime=ticket_lifetime,
            default_daily_limit=default_daily_limit,
            quota_resets_per_month=quota_resets_per_month,
        )
        self._initial = tuple(platforms) if platforms is not None else (DEFAULT_PLATFORM,)
        self._state = State(self.clock, self.settings, self._initial)
        self._pusher = Pusher(tries=push_tries, retry_delay=push_retry_delay, timeout=push_timeout)
        self._background = Background(self)
        #: The ASGI application.
        self.app = build_app(self)

    def __repr__(self) -> str:
        return f"<Emulator platforms={sorted(self._state.platforms)}>"

    @property
    def state(self) -> State:
        """The current state (replaced by :meth:`reset`)."""
        return self._state

    # ------------------------------------------------------------------ platforms and accounts

    def add_platform(
        self,
        appid: str,
        secret: str,
        token: str,
        encoding_aes_key: str,
        *,
        auth_event_url: str | None = None,
        message_url: str | None = None,
        redirect_domain: str | None = None,
    ) -> Platform:
        """Register a platform (again: update its configuration, keeping its state)."""
        config = PlatformConfig(appid, secret, token, encoding_aes_key, auth_event_url,
                                message_url, redirect_domain)
        return self._state.add_platform(config)

    def platform(self, appid: str) -> Platform:
        """The registered platform ``appid`` (raises :class:`NotFound`)."""
        return self._state.platform(appid)

    def configure(self, component_appid: str, **changes: Any) -> Platform:
        """Change a platform's configuration, e.g. ``auth_event_url=...`` (state is kept).

        Accepted names: ``secret``, ``token``, ``encoding_aes_key``, ``auth_event_url``,
        ``message_url``, ``redirect_domain``.
        """
        if "appid" in changes:
            raise InvalidArgument("appid", "a platform's appid cannot change")
        platform = self.platform(component_appid)
        return self._state.add_platform(replace(platform.config, **changes))

    @property
    def platforms(self) -> list[Platform]:
        """Every registered platform."""
        with self._state.lock:
            return list(self._state.platforms.values())

    def add_account(
        self,
        component_appid: str,
        *,
        kind: AccountKind = "official_account",
        appid: str | None = None,
        nick_name: str | None = None,
    ) -> Account:
        """Add a simulated merchant account (generated appid unless given)."""
        state = self._state
        return state.add_account(state.platform(component_appid), kind, appid, nick_name)

    def add_user(
        self, component_appid: str, authorizer_appid: str, openid: str | None = None
    ) -> User:
        """A user of an account (followers for ``/cgi-bin/user/info``); random openid if none."""
        with self._state.lock:
            return self.platform(component_appid).account(authorizer_appid).user(openid)

    # ------------------------------------------------------------------ tickets

    def issue_ticket(self, component_appid: str) -> str:
        """Issue a new verify ticket without pushing it; return it."""
        state = self._state
        return state.issue_ticket(state.platform(component_appid))

    def latest_ticket(self, component_appid: str) -> str | None:
        """The last verify ticket issued to the platform, if any."""
        return self.platform(component_appid).latest_ticket

    def push_ticket(self, component_appid: str) -> Delivery:
        """Push a verify ticket now to the authorization-event URL (blocking): a new one, or
        the last one again while :meth:`repeat_tickets` says so."""
        state = self._state
        platform = state.platform(component_appid)
        ticket = state.ticket_to_push(platform)
        fields = self._event(platform, "component_verify_ticket", ComponentVerifyTicket=ticket)
        return self._push_event(platform, fields, background=False)

    def push_ticket_soon(self, component_appid: str) -> None:
        """Push a new ticket from a worker thread and restart the ticket schedule."""
        state = self._state
        with state.lock:
            platform = state.platform(component_appid)
            platform.next_ticket_at = self.clock.now() + (self.settings.ticket_interval or 0.0)
        self._background.submit(self.push_ticket, component_appid)

    # ------------------------------------------------------------------ authorization

    def authorize(
        self,
        component_appid: str,
        authorizer_appid: str | None = None,
        *,
        kind: AccountKind = "official_account",
        func_info: Iterable[int] | None = None,
        push: bool = True,
    ) -> Authorization:
        """A merchant authorizes the platform, as if through the consent page.

        Without ``authorizer_appid``, the first account of ``kind`` not yet authorized is used
        (a new one is added when none is left); an unknown ``authorizer_appid`` is added as an
        account of ``kind``. An account already authorized gets an update
        (``updateauthorized``) and a new refresh token, the old one refused with 61023.
        Pushes ``authorized`` with the auth code unless ``push`` is false. Before the
        platform goes live (:meth:`set_live`) only its test accounts may authorize it;
        another account raises :class:`~wxcomponent.errors.InvalidArgument` (61028).
        """
        return self._authorize(component_appid, authorizer_appid, kind, func_info, push,
                               renew=True)

    def _authorize(self, component_appid: str, authorizer_appid: str | None,
                   kind: AccountKind, func_info: Iterable[int] | None, push: bool, *,
                   renew: bool) -> Authorization:
        state = self._state
        with state.lock:
            platform = state.platform(component_appid)
            if authorizer_appid is None:
                free = [a for a in platform.accounts.values()
                        if a.kind == kind and platform.active_grant(a.appid) is None]
                account = free[0] if free else state.add_account(platform, kind)
            else:
                account = state.add_account(platform, kind, authorizer_appid)
            if not platform.live and account.appid not in platform.test_accounts:
                raise InvalidArgument("authorizer_appid", f"{account.appid}: {UNPUBLISHED}")
            pre_auth = state.issue_code("pre_auth", platform.appid, prefix="preauthcode@@@",
                                        used_by=account.appid)
            pre_auth.used = True
        return self.consent(platform, account, func_info, pre_auth.value,
                            push="wait" if push else None, renew=renew)

    def update_authorization(
        self,
        component_appid: str,
        authorizer_appid: str,
        *,
        func_info: Iterable[int] | None = None,
        push: bool = True,
    ) -> Authorization:
        """An authorized account changes its permissions: new auth code, ``updateauthorized``;
        its refresh token is kept."""
        self._grant(component_appid, authorizer_appid)
        kind = self.platform(component_appid).account(authorizer_appid).kind
        return self._authorize(component_appid, authorizer_appid, kind, func_info, push,
                               renew=False)

    def consent(
        self,
        platform: Platform,
        account: Account,
        func_info: Iterable[int] | None,
        pre_auth_code: str,
        *,
        push: Literal["wait", "background"] | None = "wait",
        renew: bool = True,
    ) -> Authorization:
        """Record a merchant's consent (used by :meth:`authorize` and the consent page).

        Issues an auth code and pushes ``authorized`` (``updateauthorized`` for an account
        already authorized, with a new refresh token unless ``renew`` is false):
        ``push="wait"`` delivers in this thread, ``"background"`` from a worker thread,
        ``None`` not at all.
        """
        state = self._state
        with state.lock:
            _, updated = state.grant(platform, account, func_info, renew=renew)
            code = state.issue_auth_code(platform, account)
            fields = self._event(
                platform,
                "updateauthorized" if updated else "authorized",
                AuthorizerAppid=account.appid,
                AuthorizationCode=code.value,
                AuthorizationCodeExpiredTime=int(code.expires_at),
                PreAuthCode=pre_auth_code,
            )
        delivery = None
        if push is not None:
            delivery = self._push_event(platform, fields, background=push == "background")
        return Authorization(code.value, account.appid, delivery)

    def revoke(
        self, component_appid: str, authorizer_appid: str, push: bool = True
    ) -> Delivery | None:
        """The account cancels its authorization: its calls answer 61003 from now on."""
        grant = self._grant(component_appid, authorizer_appid)
        platform = self.platform(component_appid)
        with self._state.lock:
            grant.revoked = True
            fields = self._event(platform, "unauthorized", AuthorizerAppid=authorizer_appid)
        return self._push_event(platform, fields, background=False) if push else None

    def fast_register(
        self,
        component_appid: str,
        *,
        success: bool = True,
        name: str | None = None,
        status: int | None = None,
        msg: str | None = None,
        push: bool = True,
    ) -> FastRegistration:
        """Simulate the result of a fast mini-program registration.

        On success a new mini program is created and authorized and the push carries its
        ``appid`` and an ``auth_code`` for ``api_query_auth`` (status 0). A failure pushes
        ``status`` (default 100003: the legal person did not confirm in time) and ``msg``,
        with no appid or code.
        """
        state = self._state
        info = dict(_FAST_REGISTER_INFO, name=name or _FAST_REGISTER_INFO["name"])
        result: dict[str, object]
        with state.lock:
            platform = state.platform(component_appid)
            appid = code = None
            if success:
                status = 0
                account, auth_code = state.add_mini_program(platform, str(info["name"]))
                appid, code = account.appid, auth_code.value
                result = {"appid": appid, "status": status, "auth_code": code, "msg": msg or "OK"}
            else:
                status = status or 100003
                result = {"status": status, "msg": msg or REGISTRATION_TIMED_OUT}
            fields = self._event(platform, "notify_third_fasteregister", **result, info=info)
        delivery = self._push_event(platform, fields, background=False) if push else None
        return FastRegistration(status, appid, code, delivery)

    def push_message(
        self,
        component_appid: str,
        authorizer_appid: str,
        fields: Mapping[str, object],
    ) -> Delivery:
        """Push a message or event of an authorizer to the message URL (blocking).

        ``ToUserName`` (the account's gh_ id), ``FromUserName`` (a user's openid) and
        ``CreateTime`` are filled in unless given. ``$APPID$`` in the URL is replaced. Any
        HTTP 200 answer counts as delivered (it may be a passive reply).
        """
        state = self._state
        with state.lock:
            platform = state.platform(component_appid)
            account = platform.account(authorizer_appid)
            given = fields.get("FromUserName")
            user = account.user(str(given) if given is not None else None)
            payload: dict[str, Any] = {
                "ToUserName": account.user_name,
                "FromUserName": user.openid,
                "CreateTime": int(self.clock.now()),
                **fields,
            }
            url = platform.config.message_url
            url = url.replace("$APPID$", authorizer_appid) if url else None
            event = str(payload.get("Event") or payload.get("MsgType") or "message")
            delivery = state.new_delivery(platform, "message", event, url, payload)
        query, body = seal(platform, payload, ("ToUserName", account.user_name),
                           {"openid": str(payload["FromUserName"])})
        return self._pusher.deliver(delivery, query, body, strict=False)

    def release_check(self, component_appid: str, timeout: float = 5.0) -> dict[str, Any]:
        """Run WeChat's release check (全网发布) against the platform's message URL: every case
        for both test accounts; the report says which passed (see
        :mod:`wxcomponent.emulator.release_check`)."""
        if not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
            raise InvalidArgument("timeout", "must be a number of seconds between 0 and 60")
        return run_release_check(self, component_appid, timeout=float(timeout)).to_dict()

    def custom_messages(self, authorizer_appid: str | None = None) -> list[dict[str, Any]]:
        """The customer-service messages accounts sent (of one account when given)."""
        with self._state.lock:
            return [dict(m) for m in self._state.custom_messages
                    if authorizer_appid is None or m["authorizer_appid"] == authorizer_appid]

    # ------------------------------------------------------------------ faults and knobs

    def inject(
        self,
        path: str,
        *,
        errcode: int | None = None,
        status: int | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` calls of ``path`` fail (``times=None``: every call).

        ``delay`` adds latency (then the call proceeds unless another fault is given);
        ``drop`` closes the connection without an answer; ``status`` answers that HTTP status
        (5xx: an HTML error page); ``errcode`` answers HTTP 200 with that errcode. Faults on
        one path are used in the order they were injected.
        """
        if errcode is None and status is None and not delay and not drop:
            raise InvalidArgument("errcode/status/delay/drop", "give at least one")
        if status is not None and not 200 <= status <= 599:
            raise InvalidArgument("status", "must be an HTTP status (200-599)")
        if times is not None and times < 1:
            raise InvalidArgument("times", "must be at least 1 (or None for every call)")
        if delay < 0:
            raise InvalidArgument("delay", "must not be negative")
        self._state.add_fault(path, Fault(errcode, status, float(delay), bool(drop), times))

    def clear_faults(self, path: str | None = None) -> None:
        """Forget the injected faults and bursts of ``path`` (of every path when ``None``)."""
        state = self._state
        with state.lock:
            if path is None:
                state.faults.clear()
            else:
                state.faults.pop(normalize_path(path), None)
            state.behaviours.clear_bursts(None if path is None else normalize_path(path))

    def invalidate_tokens(
        self,
        component_appid: str,
        *,
        authorizer_appid: str | None = None,
        component: bool | None = None,
    ) -> int:
        """End current tokens now: the next call with them gets 40001. Returns how many.

        Without ``authorizer_appid`` the component tokens go; with it, that authorizer's
        tokens (and its JS-SDK tickets), plus the component tokens when ``component=True``.
        """
        state = self._state
        state.platform(component_appid)
        if component is None:
            component = authorizer_appid is None
        count = state.invalidate(component_appid, {"component"}) if component else 0
        if authorizer_appid is not None:
            count += state.invalidate_authorizer(component_appid, authorizer_appid)
        return count

    @property
    def rotate_refresh_tokens(self) -> bool:
        """Whether ``api_authorizer_token`` rotates the refresh token (off by default).

        Rule: a call presenting the current refresh token gets a new one, and the presented
        token becomes the *previous* one. The previous token stays accepted for
        ``token_overlap`` seconds (300 by default) after its replacement, and a call with it
        does not rotate again: it gets a new access token and the current refresh token, so
        a retry whose first answer was lost is harmless. Any older token, or the previous one
        after the overlap, is 61023. :meth:`rotate_refresh_tokens_at_random` rotates on a
        share of the refreshes only.
        """
        return self._state.rotate_refresh_tokens

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, enabled: bool) -> None:
        self._state.rotate_refresh_tokens = bool(enabled)

    def set_rotate_refresh_tokens(self, enabled: bool) -> bool:
        """Set :attr:`rotate_refresh_tokens` (for the HTTP control API); return it."""
        self.rotate_refresh_tokens = enabled
        return self.rotate_refresh_tokens

    def set_quota(self, path: str, daily_limit: int | None) -> None:
        """Set the daily quota of ``path`` per caller (``None``: unlimited). Over it: 45009."""
        if daily_limit is not None and daily_limit < 0:
            raise InvalidArgument("daily_limit", "must not be negative")
        with self._state.lock:
            self._state.quotas[normalize_path(path)] = daily_limit

    def now(self) -> float:
        """The emulated time (``clock.now()``)."""
        return self.clock.now()

    def advance_clock(self, seconds: float) -> float:
        """Move :attr:`clock` forward; return the new emulated time."""
        return self.clock.advance(seconds)

    def reset(self) -> None:
        """Back to the initial state: initial platforms only, fresh accounts, no tokens,
        grants, faults, quotas, counts or deliveries; the clock back to wall time."""
        with self._state.lock:
            self.clock.reset()
            self._state = State(self.clock, self.settings, self._initial)

    # ------------------------------------------------------------------ inspection

    def calls(self, path: str) -> int:
        """How many requests ``path`` received (failed and faulted ones included)."""
        with self._state.lock:
            return self._state.counts[normalize_path(path)]

    def call_counts(self) -> dict[str, int]:
        """Requests received per path."""
        with self._state.lock:
            return dict(self._state.counts)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every push so far, oldest first, with its attempts."""
        with self._state.lock:
            return list(self._state.deliveries)

    def current_refresh_token(self, component_appid: str, authorizer_appid: str) -> str:
        """The refresh token the emulator currently expects for an authorizer."""
        return self._grant(component_appid, authorizer_appid).refresh_token

    def oauth_code(
        self,
        component_appid: str,
        authorizer_appid: str,
        openid: str | None = None,
        scope: str = "snsapi_userinfo",
    ) -> str:
        """A web OAuth code of a user of an official account (for ``/sns/oauth2/...``)."""
        if scope not in ("snsapi_base", "snsapi_userinfo"):
            raise InvalidArgument("scope", "must be snsapi_base or snsapi_userinfo")
        return self._user_code(component_appid, authorizer_appid, "official_account",
                               "oauth_code", openid, scope)

    def js_code(
        self, component_appid: str, authorizer_appid: str, openid: str | None = None
    ) -> str:
        """A mini-program login code (for ``/sns/component/jscode2session``)."""
        return self._user_code(component_appid, authorizer_appid, "mini_program", "js_code",
                               openid, None)

    def snapshot(self) -> dict[str, Any]:
        """A JSON view of platforms, accounts and their authorization status, faults, quotas."""
        return self._state.snapshot()

    # ------------------------------------------------------------------ background work

    def start_background(self) -> None:
        """Start the scheduler thread (idempotent): it pushes tickets every
        ``ticket_interval`` (unless None) and the audit results as they fall due."""
        self._background.start()

    def close(self) -> None:
        """Stop the ticket thread and the push workers."""
        self._background.close()

    # ------------------------------------------------------------------ internals

    def _event(self, platform: Platform, info_type: str, **fields: object) -> dict[str, Any]:
        return {"AppId": platform.appid, "CreateTime": int(self.clock.now()),
                "InfoType": info_type, **fields}

    def _push_event(
        self, platform: Platform, fields: dict[str, Any], *, background: bool
    ) -> Delivery:
        delivery = self._state.new_delivery(platform, "auth_event", str(fields["InfoType"]),
                                            platform.config.auth_event_url, fields)
        query, body = seal(platform, fields, ("AppId", platform.appid))
        if background:
            self._background.submit(self._pusher.deliver, delivery, query, body)
        else:
            self._pusher.deliver(delivery, query, body)
        return delivery

    def _grant(self, component_appid: str, authorizer_appid: str) -> Grant:
        grant = self.platform(component_appid).active_grant(authorizer_appid)
        if grant is None:
            raise NotFound(f"{authorizer_appid!r} has not authorized {component_appid}")
        return grant

    def _user_code(
        self,
        component_appid: str,
        authorizer_appid: str,
        kind: AccountKind,
        code_kind: str,
        openid: str | None,
        scope: str | None,
    ) -> str:
        state = self._state
        with state.lock:
            self._grant(component_appid, authorizer_appid)
            account = self.platform(component_appid).account(authorizer_appid)
            if account.kind != kind:
                raise InvalidArgument("authorizer_appid",
                                      f"{authorizer_appid} is a {account.kind}, not a {kind}")
            user = account.user(openid)
            return state.issue_code(
                code_kind, component_appid, authorizer_appid,
                lifetime=state.settings.user_code_lifetime, openid=user.openid, scope=scope,
            ).value
