"""The emulator's records: platforms, merchant accounts, grants, credentials and deliveries.

These are plain data holders. Platforms, accounts, grants and credentials change under the
state lock of :class:`~wxcomponent.emulator.state.State`; a :class:`Delivery` is filled in by
the thread that sends it, without that lock (read it once :meth:`Delivery.wait` returned).
Objects handed to callers are either immutable or meant to be read only.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..core.crypto import MessageCrypto

__all__ = [
    "DEFAULT_PLATFORM",
    "ERRMSG",
    "Account",
    "AccountKind",
    "Attempt",
    "Authorization",
    "Credential",
    "Delivery",
    "FastRegistration",
    "Grant",
    "LinkExpired",
    "NotFound",
    "Platform",
    "PlatformConfig",
    "User",
    "WxError",
    "new_rid",
]

AccountKind = Literal["official_account", "mini_program"]
ACCOUNT_KINDS: tuple[AccountKind, ...] = ("official_account", "mini_program")

#: errmsg texts answered with each errcode (WeChat's wording where it has one).
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40030: "invalid refresh_token",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41003: "refresh_token missing",
    41004: "appsecret missing",
    41008: "missing code",
    41009: "missing openid",
    42002: "refresh_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    47001: "data format error",
    48001: "api unauthorized",
    48006: "forbid to clear quota because of reaching the limit",
    61003: "component is not authorized by this account",
    61005: "component ticket is expired",
    61006: "component ticket is invalid",
    61009: "code is invalid",
    61010: "code is expired",
    61012: "must use right option name",
    61013: "must use right option value",
    61023: "refresh_token is invalid",
    40005: "invalid file type",
    40006: "invalid meida size",
    40007: "invalid media_id",
    40014: "invalid access_token",
    41005: "media data missing",
    42001: "access_token expired",
    61004: "access clientip is not registered",
    61007: "api is unauthorized to component",
    61011: "invalid component",
    61024: "this api not support component appid",
    61028: "component is unpublished",
    # mini-program management
    53200: "signature modify quota of this month used up",
    53300: "category modify quota of this month used up",
    53301: "category count exceeds the limit",
    53303: "invalid category",
    53304: "category already exists",
    61031: "our last submission is under review, please do not apply again",
    61032: "invalid video type, need mp4-type",
    61033: "the media upload fail, please try again",
    61034: "invalid args, please check",
    61035: "the api not need apply",
    61039: "隐私接口检查任务未完成,请稍等一分钟再重试",
    61040: "ext.json配置的隐私接口无权限,请申请权限后再提交审核。",
    76001: "rid not found",
    76002: "rid is error",
    76003: "could not query this rid,no permission",
    85001: "wechat id not exist or not searchable",
    85002: "tester count reach limit",
    85004: "wechat id already bound",
    85008: "category is in invalid format",
    85009: "already submit a version under auditing",
    85012: "invalid audit id",
    85013: "invalid ext_json, parse fail or containing invalid path",
    85014: "template not exist",
    85016: "domain count reach limit",
    85017: "no domain to modify after filtered, please confirm the domain has been set in "
           "miniprogram or open",
    85019: "no version is under auditing",
    85020: "status not allowed",
    85022: "domain modify quota of this month used up",
    85023: "item size is not in valid range",
    85045: "some path in ext_json not exist",
    85047: "pages are empty",
    85052: "app is already released",
    85064: "template not found",
    85065: "template list is full",
    85079: "miniprogram has no online release",
    85080: "miniprogram commit not approved",
    85081: "invalid gray percentage",
    85082: "gray percentage must be higher than the current one",
    85085: "submit audit reach limit, please try later",
    85086: "must commit before submit audit",
    85301: "invalid domain",
    86001: "component experience version not exists",
    86202: "apply icp filing fail",
    86205: "media_id不合法",
    86324: "备案审批中",
    86328: "无法找到资源",
    86074: "online privacy setting not exists",
    87012: "forbid revert this version release",
    87013: "no quota to undo code",
    89000: "account has bound open",
    89002: "open not exists",
    89003: "the open account is not created by api",
    89004: "open account bind count reach limit",
    89014: "support version error",
    89021: "domain is not a jump domain of the third-party platform",
    89249: "task running",
    89250: "task not found",
    89251: "template message has been sent, waiting for the legal person to verify",
    89255: "invalid code_type",
    89402: "audit not in the queue",
    89404: "audit already sped up",
    89405: "speed up quota of this month used up",
    91011: "invalid nickname",
    10060001: "支付单不存在",
    10060004: "支付单处于不可发货的状态",
    268485228: "统一发货模式下,物流信息列表长度必须为1",
    # codes and links
    40159: "invalid length for path, or the data is not json string",
    40165: "invalid weapp pagepath",
    40169: "invalid length for scene, or the data is not json string",
    40189: "invalid width",
    41030: "invalid page",
    45029: "reach max code count limit",
    85066: "invalid link rule",
    85068: "debug url is not a sub link of the rule",
    85071: "the rule is already added",
    85072: "the rule is taken by another mini program",
    85073: "too many rules",
    85074: "the mini program has no released version",
    85400: "long-term link count reaches the limit",
    85401: "time limit between 1min and 30 days",
    85402: "invalid env_version",
    85403: "link not exist",
}


class WxError(Exception):
    """An ``errcode`` answer (HTTP 200 with ``{"errcode": N, "errmsg": "..."}``)."""

    def __init__(self, errcode: int, hint: str = "") -> None:
        self.errcode = errcode
        self.errmsg = ERRMSG.get(errcode, "error") + (f" hint: [{hint}]" if hint else "")
        super().__init__(f"{errcode}: {self.errmsg}")

    def payload(self, rid: str | None = None) -> dict[str, Any]:
        """The JSON answer, with a request id like WeChat's (a new one unless ``rid``)."""
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg} rid: {rid or new_rid()}"}


def new_rid() -> str:
    """A fresh request id in WeChat's form: three groups of eight hex digits."""
    return f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


class NotFound(LookupError):
    """A control call named a platform, account or authorization the emulator does not have."""


class LinkExpired(NotFound):
    """A control call opened a link past its expiry (the control API answers 410 Gone)."""

    def __init__(self, message: str, expire_time: int) -> None:
        super().__init__(message)
        self.expire_time = expire_time


@dataclass(frozen=True)
class PlatformConfig:
    """What identifies a registered platform, and where its pushes go.

    ``message_url`` may contain ``$APPID$``, replaced by the authorizer's appid on each push.
    ``redirect_domain``, when set, is the only host (or parent domain) accepted as the
    authorization page's ``redirect_uri``.
    """

    appid: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)
    auth_event_url: str | None = None
    message_url: str | None = None
    redirect_domain: str | None = None


#: The platform every emulator has unless told otherwise: fixed demo credentials.
DEFAULT_PLATFORM = PlatformConfig(
    appid="wxd0c0ffee5eed0001",
    secret="d3m0c0ffee5ecre7d3m0c0ffee5ecre7",
    token="wxcomponentdemotoken",
    encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
)


@dataclass
class User:
    """A WeChat user as seen by one authorizer (its ``openid``)."""

    openid: str
    unionid: str
    nickname: str


@dataclass
class Account:
    """A simulated merchant account: an official account or a mini program."""

    appid: str
    kind: AccountKind
    nick_name: str
    user_name: str
    principal_name: str
    users: dict[str, User] = field(default_factory=dict, repr=False)

    def user(self, openid: str | None = None) -> User:
        """The user with ``openid``, created on first sight (a new random one when ``None``)."""
        if openid is None:
            openid = "o" + secrets.token_urlsafe(21)[:27]
        found = self.users.get(openid)
        if found is None:
            digest = hashlib.sha256(openid.encode()).hexdigest()
            found = User(openid, "o" + digest[:27], f"模拟用户{len(self.users) + 1}")
            self.users[openid] = found
        return found

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without users)."""
        return {
            "appid": self.appid,
            "kind": self.kind,
            "nick_name": self.nick_name,
            "user_name": self.user_name,
            "principal_name": self.principal_name,
        }


@dataclass
class Grant:
    """An account's authorization of a platform, with its refresh token(s).

    ``previous_refresh_token`` is the token replaced by the last rotation; it is still accepted
    until ``previous_valid_until`` (see
    :attr:`~wxcomponent.emulator.Emulator.rotate_refresh_tokens`).
    """

    authorizer_appid: str
    func_info: tuple[int, ...]
    auth_time: int
    refresh_token: str = field(repr=False)
    previous_refresh_token: str | None = field(default=None, repr=False)
    previous_valid_until: float = 0.0
    revoked: bool = False
    options: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Platform:
    """A registered third-party platform and everything the emulator keeps for it.

    ``config`` is replaced as a whole when the platform is reconfigured
    (:meth:`Emulator.configure`).
    """

    config: PlatformConfig
    accounts: dict[str, Account] = field(default_factory=dict, repr=False)
    grants: dict[str, Grant] = field(default_factory=dict, repr=False)
    tickets: dict[str, float] = field(default_factory=dict, repr=False)
    latest_ticket: str | None = field(default=None, repr=False)
    next_ticket_at: float = 0.0
    #: The scheduled ticket pushes have stopped until ``api_start_push_ticket`` is called.
    ticket_pushes_stopped: bool = False
    #: Whether the platform went live (全网发布); before, only ``test_accounts`` authorize it.
    live: bool = True
    test_accounts: set[str] = field(default_factory=set, repr=False)

    @property
    def appid(self) -> str:
        """The component appid."""
        return self.config.appid

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the secret, token and key)."""
        c = self.config
        return {
            "appid": c.appid,
            "auth_event_url": c.auth_event_url,
            "message_url": c.message_url,
            "redirect_domain": c.redirect_domain,
            "ticket_pushes_stopped": self.ticket_pushes_stopped,
            "live": self.live,
            "test_accounts": sorted(self.test_accounts),
            "accounts": [a.to_dict() for a in self.accounts.values()],
        }

    def crypto(self) -> MessageCrypto:
        """A :class:`MessageCrypto` for this platform's pushes."""
        return MessageCrypto(self.config.token, self.config.encoding_aes_key, self.appid)

    def account(self, appid: str) -> Account:
        """The account ``appid`` (raises :class:`NotFound`)."""
        try:
            return self.accounts[appid]
        except KeyError:
            raise NotFound(f"no account {appid!r} on platform {self.appid}") from None

    def active_grant(self, appid: str) -> Grant | None:
        """The authorization of ``appid`` unless it is missing or revoked."""
        grant = self.grants.get(appid)
        return grant if grant is not None and not grant.revoked else None


@dataclass(eq=False)
class Credential:
    """A token, ticket or one-use code with its owner and lifetime."""

    value: str = field(repr=False)
    kind: str
    component_appid: str
    authorizer_appid: str | None
    issued_at: float
    expires_at: float
    openid: str | None = None
    scope: str | None = None
    superseded_at: float | None = None
    invalidated: bool = False
    used: bool = False
    data: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt: the HTTP status and body received, or the error."""

    number: int
    at: float
    status: int | None
    body: str | None
    error: str | None
    elapsed: float


class Delivery:
    """A push and every attempt to deliver it (up to the configured number of tries).

    ``ok`` is true once an attempt got the expected answer; ``finished`` once the delivery is
    over (an attempt succeeded, the tries are spent, or no URL is configured). :meth:`wait`
    blocks until then (pushes sent in the background).
    """

    def __init__(
        self, id: int, component_appid: str, target: str, event: str, url: str | None,
        fields: dict[str, Any],
    ) -> None:
        self.id = id
        self.component_appid = component_appid
        self.target = target
        self.event = event
        self.url = url
        self.fields = fields
        self.attempts: list[Attempt] = []
        self.ok = False
        self.error: str | None = None
        self._done = threading.Event()

    def __repr__(self) -> str:
        return (
            f"<Delivery #{self.id} {self.event} to {self.url} ok={self.ok} "
            f"attempts={len(self.attempts)} finished={self.finished}>"
        )

    @property
    def finished(self) -> bool:
        """True once the delivery is over: no further attempt will be made."""
        return self._done.is_set()

    def finish(self, ok: bool, error: str | None = None) -> None:
        """Record the outcome (used by the pusher)."""
        self.ok = ok
        self.error = error
        self._done.set()

    def wait(self, timeout: float | None = 10.0) -> bool:
        """Block until the delivery is finished; return whether it succeeded."""
        self._done.wait(timeout)
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "component_appid": self.component_appid,
            "target": self.target,
            "event": self.event,
            "url": self.url,
            "fields": self.fields,
            "ok": self.ok,
            "finished": self.finished,
            "error": self.error,
            "attempts": [asdict(a) for a in self.attempts],
        }


@dataclass(frozen=True)
class Authorization:
    """The result of a simulated authorization: the auth code and the authorizer's appid."""

    auth_code: str = field(repr=False)
    authorizer_appid: str
    delivery: Delivery | None = None


@dataclass(frozen=True)
class FastRegistration:
    """The result of a simulated fast registration (``appid``/``auth_code`` only on success)."""

    status: int
    appid: str | None
    auth_code: str | None = field(repr=False)
    delivery: Delivery | None = None
