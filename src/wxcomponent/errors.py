"""The one exception tree of wxcomponent.

Everything the library raises on purpose derives from :class:`WxComponentError`:

* :class:`CallbackError` and its subclasses describe a push that was refused. Each carries the
  code WeChat's reference implementation uses for that failure (``.code``, e.g. ``-40001``).
* :class:`ConfigurationError` is a bad configuration value, and :class:`InvalidArgument` a bad
  argument of a call (both are also ``ValueError``); nothing was sent or stored.
* :class:`TicketNotFound` means no ``component_verify_ticket`` has been stored yet.
* :class:`APIError` is an ``errcode`` answered by WeChat; :func:`api_error` picks the subclass
  that says what it means (:class:`InvalidCredential`, :class:`QuotaExceeded`, ...).
* :class:`TransportError` is a network failure (connection refused, timeout, HTTP 5xx).
* :class:`StoreError` is a failure of the credential store.

No message built here contains a secret: callers pass paths without query strings, and
redaction is the one rule of :mod:`wxcomponent.redaction`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "APIError",
    "AlreadyReleased",
    "AppIdMismatch",
    "AuditInProgress",
    "AuditNotReleasable",
    "AuthCodeInvalid",
    "AuthorizerNotFound",
    "Base64Error",
    "BodyTooLarge",
    "CallbackError",
    "CodeCheckPending",
    "CodeLimitReached",
    "ConfigurationError",
    "DecryptError",
    "FileTooLarge",
    "FilingApplicationInvalid",
    "FilingFieldError",
    "FilingMediaUnavailable",
    "IPNotWhitelisted",
    "InvalidAESKey",
    "InvalidAppCredentials",
    "InvalidArgument",
    "InvalidBuffer",
    "InvalidCredential",
    "InvalidExtJson",
    "InvalidSignature",
    "LeaseTimeout",
    "LinkNotFound",
    "MiniProgramError",
    "NoCommittedCode",
    "NotAuthorized",
    "OAuthCodeInvalid",
    "OptionInvalid",
    "OrderNotFound",
    "OrderNotShippable",
    "PageNotFound",
    "PermissionDenied",
    "PrivacyInterfaceNotApproved",
    "QuotaExceeded",
    "QuotaResetsExhausted",
    "RefreshTokenInvalid",
    "StalePush",
    "StoreCorrupt",
    "StoreError",
    "StoreUnavailable",
    "SystemBusy",
    "TemplateNotFound",
    "TicketInvalid",
    "TicketNotFound",
    "TransportError",
    "UnexpectedAnswer",
    "WrongTokenEndpoint",
    "WxComponentError",
    "XMLError",
    "api_error",
]


#: The request id at the end of an errmsg.
_RID = re.compile(r"\brid: ?([0-9A-Za-z]+(?:-[0-9A-Za-z]+)*)")


class WxComponentError(Exception):
    """Base class of every error raised by wxcomponent."""


class ConfigurationError(WxComponentError, ValueError):
    """A configuration value is missing or malformed. ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidArgument(WxComponentError, ValueError):
    """An argument of a call is malformed; ``argument`` names it. Nothing was sent or stored."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class FileTooLarge(InvalidArgument):
    """A file to upload is larger than the endpoint accepts (``limit`` bytes); nothing was
    sent, and no more than ``limit + 1`` bytes of it were read."""

    def __init__(self, argument: str, limit: int) -> None:
        super().__init__(argument, f"is larger than the {limit} bytes allowed here")
        self.limit = limit


# --------------------------------------------------------------------------- callbacks


class CallbackError(WxComponentError):
    """A push (or a reply) failed a check. ``code`` is the reference implementation's code."""

    code: int = -40000
    #: HTTP status a callback endpoint answers for this failure.
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)


class InvalidSignature(CallbackError):
    """``msg_signature`` (or ``signature``) does not match. Code -40001."""

    code = -40001
    http_status = 403


class XMLError(CallbackError):
    """The body is not acceptable XML (malformed, DOCTYPE, entities, missing field). Code -40002."""

    code = -40002


class BodyTooLarge(XMLError):
    """The body exceeds the configured size limit. Code -40002, HTTP 413."""

    http_status = 413


class InvalidAESKey(CallbackError):
    """The EncodingAESKey is not 43 base64 characters decoding to 32 bytes. Code -40004."""

    code = -40004


class AppIdMismatch(CallbackError):
    """The appid at the end of the decrypted buffer is not ours. Code -40005."""

    code = -40005
    http_status = 403


class DecryptError(CallbackError):
    """AES decryption failed (length not a multiple of the block size, bad padding). Code -40007."""

    code = -40007


class InvalidBuffer(CallbackError):
    """The decrypted buffer is malformed (padding or length field). Code -40008."""

    code = -40008


class Base64Error(CallbackError):
    """``Encrypt`` is not valid standard base64. Code -40010."""

    code = -40010


class StalePush(CallbackError):
    """The push's timestamp is outside the accepted window (replay protection). Code -40001."""

    code = -40001
    http_status = 403


# --------------------------------------------------------------------------- stores


class StoreError(WxComponentError):
    """The credential store failed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (a Redis server down, a locked or unreadable file)."""


class StoreCorrupt(StoreError):
    """The store's data is not ours, corrupted, or written by a newer version."""


# --------------------------------------------------------------------------- tokens


class TicketNotFound(WxComponentError):
    """No ``component_verify_ticket`` is stored for the platform yet."""

    def __init__(self, component_appid: str) -> None:
        super().__init__(
            f"no component_verify_ticket stored for {component_appid}. WeChat pushes one every "
            "10 minutes to the authorization-event URL: check that the URL is reachable and "
            "answers exactly 'success', and that it shares this store. A running refresher "
            "asks WeChat to push one; without a refresher, call start_push_ticket()."
        )
        self.component_appid = component_appid


class AuthorizerNotFound(WxComponentError):
    """No authorized record of this account in the store (never authorized, or revoked)."""

    def __init__(self, component_appid: str, authorizer_appid: str, *, revoked: bool) -> None:
        state = "has revoked the authorization" if revoked else "has no stored authorization"
        super().__init__(
            f"authorizer {authorizer_appid} {state} for platform {component_appid}: "
            "the account must authorize the platform (again)"
        )
        self.component_appid = component_appid
        self.authorizer_appid = authorizer_appid
        self.revoked = revoked


class LeaseTimeout(WxComponentError):
    """Waited too long for another worker's token refresh to land."""


class TransportError(WxComponentError):
    """The request did not get a usable answer: connection error, timeout or HTTP 5xx."""

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class UnexpectedAnswer(WxComponentError):
    """An answer that is neither what the endpoint gives on success nor an error WeChat
    names: an image endpoint that answered JSON without an errcode (WeChat has been seen
    echoing the request body), or an image of no image content type. Not retried."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{message} ({path})" if path else message)
        self.path = path


# --------------------------------------------------------------------------- API errors


class APIError(WxComponentError):
    """WeChat answered a non-zero ``errcode``. ``rid`` is the request id WeChat put at the
    end of ``errmsg`` (``… rid: 61725984-6126f6f9-040f19c4``; "" when there is none): what
    ``get_rid`` looks up, with the token of the account that made the call."""

    def __init__(self, errcode: int, errmsg: str, path: str = "") -> None:
        where = f" ({path})" if path else ""
        super().__init__(f"errcode {errcode}: {errmsg}{where}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        found = _RID.search(errmsg)
        self.rid = found.group(1) if found else ""

    #: True when the same call may succeed if tried again after a pause.
    retryable = False


class SystemBusy(APIError):
    """-1: WeChat is busy; retried with backoff."""

    retryable = True


class InvalidCredential(APIError):
    """40001, 40014, 42001: the access token is invalid, not the latest, or expired."""


class InvalidAppCredentials(APIError):
    """40013, 40125, 41004, 61011: the appid, secret or component is wrong. Not retried."""


class QuotaExceeded(APIError):
    """45009: the daily quota of this API is spent. ``clear_quota`` can reset it."""


class CodeLimitReached(QuotaExceeded):
    """45029: the mini program has made all the limited mini-program codes it may
    (``getwxacode``); use the unlimited kind with a scene instead."""


class QuotaResetsExhausted(QuotaExceeded):
    """48006: the monthly quota resets are used up."""


class PermissionDenied(APIError):
    """48001, 61007: the API is not authorized to this account or platform; 61028: the
    platform has not gone live (全网发布), so WeChat refuses what only a published platform
    may do (fast registration of mini programs)."""


class NotAuthorized(APIError):
    """61003: the account has not authorized the platform, or revoked it."""


class IPNotWhitelisted(APIError):
    """61004: the caller's IP is not on the platform's whitelist. ``ip`` is taken from errmsg."""

    def __init__(self, errcode: int, errmsg: str, path: str = "") -> None:
        super().__init__(errcode, errmsg, path)
        self.ip: str | None = _first_ip(errmsg)


def _first_ip(text: str) -> str | None:
    """The first IPv4 or IPv6 address in ``text`` (request ids and hex digits are not)."""
    import ipaddress
    import re

    for found in re.findall(r"[0-9A-Fa-f:.]{3,45}", text):
        candidate = found.strip(".:") if "::" not in found else found.strip(".")
        if "." not in candidate and ":" not in candidate:
            continue
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


class TicketInvalid(APIError):
    """61005, 61006: the verify ticket is expired or invalid; wait for a push."""


class AuthCodeInvalid(APIError):
    """61009, 61010: the authorization code is invalid, used or expired."""


class OptionInvalid(APIError):
    """61012, 61013: an authorizer option name or value is not accepted."""


class RefreshTokenInvalid(APIError):
    """61023: the authorizer refresh token is invalid; the account must re-authorize."""


class WrongTokenEndpoint(APIError):
    """61024: ``cgi-bin/token`` was called with a component appid."""


class OAuthCodeInvalid(APIError):
    """40029, 40163: an OAuth or js code is invalid or already used."""


class MiniProgramError(APIError):
    """An errcode of the mini-program management APIs that says the mini program's state
    does not allow the call; the subclasses name the common ones."""


class CodeCheckPending(MiniProgramError):
    """61039: the privacy check of the uploaded code has not finished; try again in a minute.
    Do not commit again meanwhile: a new commit restarts the check."""


class PrivacyInterfaceNotApproved(MiniProgramError):
    """61040: the code declares or uses a privacy interface the mini program may not use:
    apply for it (``authorizer.privacy_interfaces.apply``) and wait for the approval, or
    submit the audit with ``privacy_api_not_use=True`` if the code does not use it."""


class InvalidExtJson(MiniProgramError):
    """85013: ``ext_json`` does not parse or names a path the template does not have."""


class TemplateNotFound(MiniProgramError):
    """85014, 85064: no such code template in the platform's library."""


class NoCommittedCode(MiniProgramError):
    """85086, 86001: nothing was committed: commit code before submitting an audit."""


class AuditInProgress(MiniProgramError):
    """85009: a version is already under audit (withdraw it, or wait for its result)."""


class AuditNotReleasable(MiniProgramError):
    """85019, 85020: there is no approved audit to release (none under audit, or its state
    does not allow a release)."""


class AlreadyReleased(MiniProgramError):
    """85052: this version is already released."""


class OrderNotFound(APIError):
    """10060001: WeChat has no such payment for the mini program. A payment reaches order
    shipping management about a minute after it is paid (try again then); payments in a
    foreign currency, and those made before the merchant id was bound, never do."""


class OrderNotShippable(APIError):
    """10060004: the payment's state does not allow this shipping upload (refunded, settled,
    or already shipped and changed once: WeChat allows one change)."""


class PageNotFound(MiniProgramError):
    """41030, 40165: the page does not exist in the released version (or nothing is
    released yet); pass ``check_path=False`` for a code of a page not yet released."""


class LinkNotFound(MiniProgramError):
    """85403: no such URL Scheme or URL Link (of this mini program)."""


@dataclass(frozen=True)
class FilingFieldError:
    """One field WeChat refused in an ICP filing application: its path (``err_field``, such
    as ``icp_subject.principal_info.mobile``), errcode and message."""

    err_field: str
    errcode: int
    errmsg: str

    def __str__(self) -> str:
        return f"{self.err_field or '(no field)'}: {self.errcode} {self.errmsg}"


class FilingApplicationInvalid(MiniProgramError):
    """86202: WeChat refused an ICP filing application; ``hints`` lists each field it
    refused and why (fix them and apply again)."""

    def __init__(self, errcode: int, errmsg: str, path: str = "", *,
                 hints: tuple[FilingFieldError, ...] = ()) -> None:
        super().__init__(errcode, errmsg, path)
        self.hints = hints
        if hints:
            listed = "; ".join(str(h) for h in hints)
            self.args = (f"{self.args[0]}; fields: {listed}",)


class FilingMediaUnavailable(MiniProgramError):
    """86205: no filing material has this ``media_id`` (or the answer carried no media)."""


_BY_CODE: dict[int, type[APIError]] = {
    -1: SystemBusy,
    40001: InvalidCredential,
    40014: InvalidCredential,
    42001: InvalidCredential,
    40013: InvalidAppCredentials,
    40125: InvalidAppCredentials,
    41004: InvalidAppCredentials,
    61011: InvalidAppCredentials,
    45009: QuotaExceeded,
    48006: QuotaResetsExhausted,
    48001: PermissionDenied,
    61007: PermissionDenied,
    61028: PermissionDenied,
    61003: NotAuthorized,
    61004: IPNotWhitelisted,
    61005: TicketInvalid,
    61006: TicketInvalid,
    61009: AuthCodeInvalid,
    61010: AuthCodeInvalid,
    61012: OptionInvalid,
    61013: OptionInvalid,
    61023: RefreshTokenInvalid,
    61024: WrongTokenEndpoint,
    40029: OAuthCodeInvalid,
    40163: OAuthCodeInvalid,
    61039: CodeCheckPending,
    61040: PrivacyInterfaceNotApproved,
    85013: InvalidExtJson,
    85014: TemplateNotFound,
    85064: TemplateNotFound,
    85086: NoCommittedCode,
    86001: NoCommittedCode,
    85009: AuditInProgress,
    85019: AuditNotReleasable,
    85020: AuditNotReleasable,
    85052: AlreadyReleased,
    10060001: OrderNotFound,
    10060004: OrderNotShippable,
    41030: PageNotFound,
    40165: PageNotFound,
    45029: CodeLimitReached,
    85403: LinkNotFound,
    86202: FilingApplicationInvalid,
    86205: FilingMediaUnavailable,
}

#: errcodes meaning "this access token is no longer good" (compare-and-refresh, then retry once).
TOKEN_INVALID_CODES = frozenset({40001, 40014, 42001})


def api_error(errcode: int, errmsg: str, path: str = "") -> APIError:
    """Build the :class:`APIError` subclass that says what ``errcode`` means."""
    cls = _BY_CODE.get(errcode, APIError)
    return cls(errcode, errmsg, path)
