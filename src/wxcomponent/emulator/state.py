"""The emulator's state and the primitives every endpoint and control call is built from.

One re-entrant lock guards everything; each HTTP request or control call holds it for a few
microseconds of bookkeeping and never while doing I/O.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.crypto import MessageCrypto
from ..errors import InvalidAESKey, InvalidArgument
from .behaviours import Behaviours
from .clock import Clock
from .model import (
    Account,
    AccountKind,
    Credential,
    Delivery,
    Grant,
    NotFound,
    Platform,
    PlatformConfig,
    WxError,
)
from .rids import RidLog
from .wxa.model import WxaWorld

__all__ = ["DEFAULT_API_IPS", "DEFAULT_CALLBACK_IPS", "DEFAULT_DAILY_LIMIT", "Fault", "Settings",
           "State"]

#: Daily quota of every path unless :meth:`State.set_quota` says otherwise.
DEFAULT_DAILY_LIMIT = 1_000_000

#: The addresses ``getcallbackip`` answers until the control API sets others: loopback, which
#: the emulator pushes from.
DEFAULT_CALLBACK_IPS: tuple[str, ...] = ("127.0.0.1", "::1")
#: The addresses ``get_api_domain_ip`` answers (documentation ranges, never routed).
DEFAULT_API_IPS: tuple[str, ...] = ("192.0.2.10", "192.0.2.11", "198.51.100.0/24")

_BEIJING = 8 * 3600  # WeChat's quotas reset at midnight China time
_PRUNE_AT = 50_000

#: Names of the default merchant accounts of each platform.
_DEFAULT_ACCOUNTS: tuple[tuple[AccountKind, str], ...] = (
    ("official_account", "模拟咖啡馆"),
    ("official_account", "模拟书店"),
    ("official_account", "模拟健身房"),
    ("mini_program", "模拟点单"),
    ("mini_program", "模拟预约"),
)

#: Permission sets granted by default (``func_info`` ids).
DEFAULT_FUNC_INFO: dict[AccountKind, tuple[int, ...]] = {
    "official_account": (1, 2, 3, 4, 6, 7, 8, 11, 15, 22, 23, 24, 26, 33, 35),
    "mini_program": (17, 18, 19, 25, 30, 31, 36, 37, 40, 41, 48, 49, 65),
}

#: Authorizer options: name → accepted values (the first is the default).
OPTIONS: dict[str, tuple[str, ...]] = {
    "location_report": ("0", "1", "2"),
    "voice_recognize": ("0", "1"),
    "customer_service": ("0", "1"),
}

#: Token kinds that belong to an authorizer (what invalidating its tokens kills).
AUTHORIZER_TOKEN_KINDS = frozenset({"authorizer", "jsapi_ticket", "wx_card_ticket"})


def random_token(prefix: str = "", size: int = 48) -> str:
    """A random URL-safe string with ``prefix``."""
    return prefix + secrets.token_urlsafe(size)


def random_appid() -> str:
    """A fresh appid: ``wx`` and 16 hex digits."""
    return "wx" + secrets.token_hex(8)


@dataclass(frozen=True)
class Settings:
    """Lifetimes and limits (seconds unless named otherwise)."""

    token_lifetime: float = 7200.0
    token_overlap: float = 300.0
    code_lifetime: float = 600.0
    ticket_lifetime: float = 12 * 3600.0
    ticket_interval: float | None = 600.0
    user_code_lifetime: float = 300.0
    user_refresh_lifetime: float = 30 * 86400.0
    default_daily_limit: int | None = DEFAULT_DAILY_LIMIT
    quota_resets_per_month: int = 10


@dataclass
class Fault:
    """An injected fault for the next ``remaining`` calls of a path (``None``: every call)."""

    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    remaining: int | None = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


def normalize_path(path: str) -> str:
    """``path`` with exactly one leading slash and no query."""
    return "/" + path.split("?", 1)[0].lstrip("/")


class State:
    """All mutable data of one emulator; replaced wholesale by a reset."""

    def __init__(self, clock: Clock, settings: Settings, platforms: Iterable[PlatformConfig]):
        self.lock = threading.RLock()
        self.clock = clock
        self.settings = settings
        self.platforms: dict[str, Platform] = {}
        self.tokens: dict[str, Credential] = {}
        self.current: dict[tuple[str, str, str | None, str | None], Credential] = {}
        self.codes: dict[str, Credential] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self.quotas: dict[str, int | None] = {}
        self.usage: Counter[tuple[str, str, int]] = Counter()
        self.quota_resets: Counter[tuple[str, str]] = Counter()
        self.counts: Counter[str] = Counter()
        self.deliveries: list[Delivery] = []
        #: The behaviours turned on (rotation, repeated tickets, bursts of -1).
        self.behaviours = Behaviours()
        #: Uploaded media by id: (owner appid, file name, content type, bytes).
        self.media: dict[str, tuple[str, str, str, bytes]] = {}
        #: Mini-program management: templates, code, audits, releases, domains …
        self.wxa = WxaWorld()
        #: Customer-service messages sent, in order (the JSON body plus the sender's appid).
        self.custom_messages: list[dict[str, Any]] = []
        #: Failed calls by rid (``/cgi-bin/openapi/rid/get``).
        self.rids = RidLog()
        #: What ``getcallbackip`` and ``get_api_domain_ip`` answer.
        self.callback_ips: tuple[str, ...] = DEFAULT_CALLBACK_IPS
        self.api_ips: tuple[str, ...] = DEFAULT_API_IPS
        self._messages_sent = threading.Condition(self.lock)
        for config in platforms:
            self.add_platform(config)

    @property
    def rotate_refresh_tokens(self) -> bool:
        """Whether every refresh rotates the refresh token."""
        return self.behaviours.rotation >= 1.0

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, enabled: bool) -> None:
        self.behaviours.rotation = 1.0 if enabled else 0.0

    # ------------------------------------------------------------------ platforms, accounts

    def add_platform(self, config: PlatformConfig) -> Platform:
        """Register ``config``, or update the configuration of a known appid (keeping state)."""
        try:
            MessageCrypto(config.token, config.encoding_aes_key, config.appid)
        except InvalidAESKey as exc:
            raise InvalidArgument("encoding_aes_key", str(exc)) from None
        with self.lock:
            platform = self.platforms.get(config.appid)
            if platform is not None:
                platform.config = config
                return platform
            platform = Platform(config)
            platform.next_ticket_at = self.clock.now() + (self.settings.ticket_interval or 0.0)
            self.platforms[config.appid] = platform
            for index, (kind, name) in enumerate(_DEFAULT_ACCOUNTS):
                seed = hashlib.sha256(f"{config.appid}/{index}".encode()).hexdigest()
                self.add_account(platform, kind, "wx" + seed[:16], name, "gh_" + seed[16:28])
            return platform

    def platform(self, appid: str) -> Platform:
        """The platform ``appid`` (raises :class:`NotFound`)."""
        try:
            return self.platforms[appid]
        except KeyError:
            raise NotFound(f"no platform {appid!r} is registered") from None

    def add_account(
        self,
        platform: Platform,
        kind: AccountKind,
        appid: str | None = None,
        nick_name: str | None = None,
        user_name: str | None = None,
    ) -> Account:
        """Add a merchant account to ``platform`` (or return the existing one with ``appid``)."""
        if kind not in DEFAULT_FUNC_INFO:
            raise InvalidArgument(
                "kind", f"must be 'official_account' or 'mini_program', not {kind!r}")
        with self.lock:
            if appid is not None and appid in platform.accounts:
                return platform.accounts[appid]
            appid = appid or random_appid()
            label = "公众号" if kind == "official_account" else "小程序"
            account = Account(
                appid=appid,
                kind=kind,
                nick_name=nick_name or f"模拟{label}{len(platform.accounts) + 1}",
                user_name=user_name or "gh_" + secrets.token_hex(6),
                principal_name="模拟科技有限公司",
            )
            platform.accounts[appid] = account
            return account

    # ------------------------------------------------------------------ tickets, tokens, codes

    def issue_ticket(self, platform: Platform) -> str:
        """A new ``component_verify_ticket`` for ``platform``, valid ``ticket_lifetime`` seconds
        (12 hours by default)."""
        with self.lock:
            ticket = random_token("ticket@@@")
            platform.tickets[ticket] = self.clock.now()
            platform.latest_ticket = ticket
            return ticket

    def ticket_to_push(self, platform: Platform) -> str:
        """The ticket a push carries: the last one again while it is younger than the
        ``ticket_repeat`` behaviour says, else a new one."""
        with self.lock:
            latest = platform.latest_ticket
            issued = platform.tickets.get(latest) if latest is not None else None
            if latest is not None and self.behaviours.repeats(issued, self.clock.now()):
                return latest
            return self.issue_ticket(platform)

    def valid(self, cred: Credential, now: float) -> bool:
        """Whether a token is still accepted: unexpired, not invalidated, within the overlap."""
        if cred.invalidated or now >= cred.expires_at:
            return False
        superseded = cred.superseded_at
        return superseded is None or now < superseded + self.settings.token_overlap

    def issue_token(
        self,
        kind: str,
        component_appid: str,
        authorizer_appid: str | None = None,
        *,
        openid: str | None = None,
        scope: str | None = None,
        lifetime: float | None = None,
        supersede: bool = True,
    ) -> Credential:
        """Issue a token; the owner's previous one stays valid for the overlap only."""
        with self.lock:
            now = self.clock.now()
            if len(self.tokens) > _PRUNE_AT:
                self.tokens = {v: c for v, c in self.tokens.items() if self.valid(c, now)}
            cred = Credential(
                value=random_token(f"{secrets.randbelow(90) + 10}_", 96),
                kind=kind,
                component_appid=component_appid,
                authorizer_appid=authorizer_appid,
                issued_at=now,
                expires_at=now + (self.settings.token_lifetime if lifetime is None else lifetime),
                openid=openid,
                scope=scope,
            )
            if supersede:
                owner = (kind, component_appid, authorizer_appid, openid)
                previous = self.current.get(owner)
                if previous is not None and previous.superseded_at is None:
                    previous.superseded_at = now
                self.current[owner] = cred
            self.tokens[cred.value] = cred
            return cred

    def record_custom_message(self, authorizer_appid: str, message: dict[str, Any]) -> None:
        """Keep a customer-service message an account sent, and wake its waiters."""
        with self._messages_sent:
            self.custom_messages.append({**message, "authorizer_appid": authorizer_appid})
            self._messages_sent.notify_all()

    def custom_message_count(self) -> int:
        """How many customer-service messages were sent so far."""
        with self.lock:
            return len(self.custom_messages)

    def wait_custom_message(self, match: Callable[[dict[str, Any]], bool], *, after: int = 0,
                            timeout: float) -> dict[str, Any] | None:
        """The first message after index ``after`` that ``match`` accepts, waiting up to
        ``timeout`` seconds for it to be sent (None when it never was)."""
        deadline = time.monotonic() + timeout
        with self._messages_sent:
            while True:
                found = next((m for m in self.custom_messages[after:] if match(m)), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._messages_sent.wait(left)

    def keep_media(self, owner: str, filename: str, content_type: str, content: bytes) -> str:
        """Keep an uploaded file; its new media id."""
        media_id = secrets.token_urlsafe(24)
        self.media[media_id] = (owner, filename, content_type, content)
        return media_id

    def find_token(self, value: object, kinds: Iterable[str]) -> Credential:
        """The token ``value`` if it is one of ``kinds``, known and valid (else 41001/40001)."""
        if not isinstance(value, str) or not value:
            raise WxError(41001)
        cred = self.tokens.get(value)
        if cred is None or cred.kind not in kinds:
            raise WxError(40001)
        return cred

    def token_owner(self, query: Mapping[str, str]) -> str | None:
        """Whose quota and rids a request spends, by the token in its query (None: no known
        token): the token's authorizer, else its platform."""
        for name in ("access_token", "component_access_token"):
            cred = self.tokens.get(query.get(name) or "")
            if cred is not None:
                return cred.authorizer_appid or cred.component_appid
        return None

    def invalidate(
        self, component_appid: str, kinds: Iterable[str], authorizer_appid: str | None = None
    ) -> int:
        """Invalidate the valid tokens of ``kinds`` of one owner; return how many."""
        wanted = frozenset(kinds)
        with self.lock:
            now = self.clock.now()
            count = 0
            for cred in self.tokens.values():
                if (
                    cred.kind in wanted
                    and cred.component_appid == component_appid
                    and cred.authorizer_appid == authorizer_appid
                    and self.valid(cred, now)
                ):
                    cred.invalidated = True
                    count += 1
            return count

    def issue_code(
        self,
        kind: str,
        component_appid: str,
        authorizer_appid: str | None = None,
        *,
        prefix: str = "",
        lifetime: float | None = None,
        **data: Any,
    ) -> Credential:
        """Issue a one-use code (pre-auth code, auth code, OAuth code, js_code)."""
        with self.lock:
            now = self.clock.now()
            life = self.settings.code_lifetime if lifetime is None else lifetime
            cred = Credential(
                value=random_token(prefix, 36),
                kind=kind,
                component_appid=component_appid,
                authorizer_appid=authorizer_appid,
                issued_at=now,
                expires_at=now + life,
                data=data,
            )
            self.codes[cred.value] = cred
            return cred

    def code(self, value: object, kind: str, component_appid: str) -> Credential | None:
        """The code ``value`` of ``kind`` issued to ``component_appid``, used or not."""
        cred = self.codes.get(value) if isinstance(value, str) else None
        if cred is None or cred.kind != kind or cred.component_appid != component_appid:
            return None
        return cred

    def consume_code(
        self,
        value: object,
        kind: str,
        component_appid: str,
        errcodes: tuple[int, int, int],
        authorizer_appid: str | None = None,
    ) -> Credential:
        """Use a code once; ``errcodes`` are answered for (unknown, used, expired).

        With ``authorizer_appid``, a code issued for another account counts as unknown.
        """
        unknown, used, expired = errcodes
        with self.lock:
            cred = self.code(value, kind, component_appid)
            if cred is None or authorizer_appid not in (None, cred.authorizer_appid):
                raise WxError(unknown)
            if cred.used:
                raise WxError(used)
            if self.clock.now() >= cred.expires_at:
                raise WxError(expired)
            cred.used = True
            return cred

    def issue_auth_code(self, platform: Platform, account: Account) -> Credential:
        """A new authorization code of ``account`` for ``platform`` (``api_query_auth``)."""
        return self.issue_code("auth", platform.appid, account.appid, prefix="queryauthcode@@@")

    # ------------------------------------------------------------------ grants

    def grant(
        self, platform: Platform, account: Account, func_info: Iterable[int] | None,
        *, renew: bool = True,
    ) -> tuple[Grant, bool]:
        """Authorize ``account``; return the grant and whether it was already authorized.

        A new authorization (first, or after a revocation) gets a new refresh token and ends
        every token of the earlier one. An account that authorizes again while authorized
        (``updateauthorized``) gets a new refresh token too when ``renew`` (it went through
        the consent page again: WeChat's refresh token changes when the account
        re-authorizes, and the old one is 61023 from then on); a change of permissions made
        elsewhere (``renew`` false) keeps it.
        """
        funcs = tuple(func_info) if func_info is not None else DEFAULT_FUNC_INFO[account.kind]
        with self.lock:
            existing = platform.active_grant(account.appid)
            if existing is not None:
                existing.func_info = funcs
                if renew:
                    existing.refresh_token = random_token("refreshtoken@@@", 32)
                    existing.previous_refresh_token = None
                return existing, True
            self.invalidate_authorizer(platform.appid, account.appid, everything=True)
            grant = Grant(
                authorizer_appid=account.appid,
                func_info=funcs,
                auth_time=int(self.clock.now()),
                refresh_token=random_token("refreshtoken@@@", 32),
                options={name: values[0] for name, values in OPTIONS.items()},
            )
            platform.grants[account.appid] = grant
            return grant, False

    def add_mini_program(self, platform: Platform, nick_name: str) -> tuple[Account, Credential]:
        """A new mini program that has authorized ``platform``, and its authorization code:
        what a completed registration makes. It is not filed yet."""
        with self.lock:
            account = self.add_account(platform, "mini_program", nick_name=nick_name)
            self.wxa.mark_unfiled(platform.appid, account.appid)
            self.grant(platform, account, None)
            return account, self.issue_auth_code(platform, account)

    def invalidate_authorizer(
        self, component_appid: str, authorizer_appid: str, *, everything: bool = False
    ) -> int:
        """Invalidate an authorizer's tokens (``everything``: OAuth user tokens too)."""
        kinds = set(AUTHORIZER_TOKEN_KINDS)
        if everything:
            kinds |= {"oauth", "oauth_refresh"}
        return self.invalidate(component_appid, kinds, authorizer_appid)

    def use_refresh_token(self, grant: Grant, presented: object) -> None:
        """Accept ``presented`` for ``grant`` and rotate it when rotation is on (else 61023).

        Accepted: the current refresh token (rotated when the rotation behaviour draws it,
        always under :attr:`rotate_refresh_tokens`: it becomes the previous one, valid
        ``token_overlap`` seconds more), or the previous
        one within that window (a retry: no second rotation; the answer carries the current
        token). Anything else is 61023.
        """
        with self.lock:
            now = self.clock.now()
            if presented == grant.refresh_token:
                if self.behaviours.rotates():
                    grant.previous_refresh_token = grant.refresh_token
                    grant.previous_valid_until = now + self.settings.token_overlap
                    grant.refresh_token = random_token("refreshtoken@@@", 32)
            elif not (
                grant.previous_refresh_token is not None
                and presented == grant.previous_refresh_token
                and now < grant.previous_valid_until
            ):
                raise WxError(61023)

    # ------------------------------------------------------------------ calls, faults, quotas

    def enter(self, path: str) -> Fault | None:
        """Count a request of ``path`` and take the fault due for it, if any."""
        with self.lock:
            self.counts[path] += 1
            queue = self.faults.get(path)
            if not queue:
                burst = self.behaviours.burst(path, self.clock.now())
                return None if burst is None else Fault(burst.errcode, remaining=None)
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
            return fault

    def add_fault(self, path: str, fault: Fault) -> None:
        """Queue ``fault`` for ``path`` (after the faults already queued there)."""
        with self.lock:
            self.faults.setdefault(normalize_path(path), deque()).append(fault)

    def _day(self) -> int:
        return int((self.clock.now() + _BEIJING) // 86400)

    def quota_limit(self, path: str) -> int | None:
        """The daily limit of ``path``."""
        return self.quotas.get(path, self.settings.default_daily_limit)

    def quota(self, owner: str, path: str) -> dict[str, int]:
        """``daily_limit``, ``used`` and ``remain`` of ``path`` for ``owner`` today."""
        with self.lock:
            limit = self.quota_limit(path)
            used = self.usage[(owner, path, self._day())]
            shown = limit if limit is not None else max(used, DEFAULT_DAILY_LIMIT)
            return {"daily_limit": shown, "used": used, "remain": max(shown - used, 0)}

    def check_quota(self, owner: str, path: str) -> None:
        """Raise 45009 when ``owner`` has spent today's quota of ``path``."""
        limit = self.quota_limit(path)
        if limit is not None and self.usage[(owner, path, self._day())] >= limit:
            raise WxError(45009)

    def use_quota(self, owner: str, path: str) -> None:
        """Count one successful call of ``path`` by ``owner``."""
        self.usage[(owner, path, self._day())] += 1

    def clear_quota(self, owner: str) -> None:
        """Reset ``owner``'s usage of every path (48006 past the monthly number of resets)."""
        with self.lock:
            month = time.strftime("%Y-%m", time.gmtime(self.clock.now() + _BEIJING))
            if self.quota_resets[(owner, month)] >= self.settings.quota_resets_per_month:
                raise WxError(48006)
            self.quota_resets[(owner, month)] += 1
            for key in [k for k in self.usage if k[0] == owner]:
                del self.usage[key]

    # ------------------------------------------------------------------ deliveries, snapshot

    def new_delivery(
        self, platform: Platform, target: str, event: str, url: str | None, fields: dict[str, Any]
    ) -> Delivery:
        """Create a delivery record and append it to the log."""
        with self.lock:
            number = len(self.deliveries) + 1
            delivery = Delivery(number, platform.appid, target, event, url, fields)
            self.deliveries.append(delivery)
            return delivery

    def snapshot(self) -> dict[str, Any]:
        """A JSON view of the platforms, accounts, grants, faults and quotas."""
        with self.lock:
            platforms = []
            for p in self.platforms.values():
                accounts = []
                for account in p.accounts.values():
                    grant = p.grants.get(account.appid)
                    entry = account.to_dict()
                    entry["status"] = (
                        "unauthorized" if grant is None
                        else "revoked" if grant.revoked
                        else "authorized"
                    )
                    entry["func_info"] = list(grant.func_info) if grant else []
                    accounts.append(entry)
                platforms.append({**p.to_dict(), "accounts": accounts})
            return {
                "now": self.clock.now(),
                "rotate_refresh_tokens": self.rotate_refresh_tokens,
                "behaviours": self.behaviours.to_dict(),
                "platforms": platforms,
                "faults": {k: [f.to_dict() for f in q] for k, q in self.faults.items() if q},
                "quotas": dict(self.quotas),
            }
