"""Typed answers of WeChat's component APIs. Every model keeps ``raw``, the JSON as received.

Secrets (tokens, refresh tokens, session keys) are kept out of every ``repr``. The public
names are exported by :mod:`wxcomponent`.

Internal module.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from ..redaction import redact

__all__ = [
    "AuthorizationInfo",
    "AuthorizerInfo",
    "AuthorizerListItem",
    "AuthorizerListPage",
    "AuthorizerOption",
    "IPList",
    "Media",
    "OAuthToken",
    "PreAuthCode",
    "Quota",
    "RidInfo",
    "SessionInfo",
    "UserInfo",
    "func_info_ids",
]

JSON = Mapping[str, Any]


def _str(raw: JSON, name: str, default: str = "") -> str:
    value = raw.get(name, default)
    return default if value is None else str(value)


def _int(raw: JSON, name: str, default: int = 0) -> int:
    value = raw.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _map(raw: JSON, name: str) -> JSON:
    value = raw.get(name)
    return value if isinstance(value, Mapping) else {}


def _absent(value: int) -> dict[str, int]:
    """Field metadata: the number a flat answer's field takes when WeChat leaves it out."""
    return {"absent": value}


#: How a flat answer reads a field of each annotated type: its name, the field's metadata.
_READERS: dict[Any, Callable[[JSON, str, Mapping[str, Any]], Any]] = {
    str: lambda raw, name, meta: _str(raw, name),
    int: lambda raw, name, meta: _int(raw, name, meta.get("absent", 0)),
    str | None: lambda raw, name, meta: _str(raw, name) or None,  # unionid: None when absent
}

_A = TypeVar("_A", bound="_FlatAnswer")


class _FlatAnswer:
    """Base of the answers whose fields stand under their own names (within the object
    ``_within`` names, when it names one): :meth:`from_json` reads each by its annotated
    type."""

    _within: ClassVar[str] = ""
    _plans: ClassVar[dict[type, list[tuple[str, Callable[..., Any], Mapping[str, Any]]]]] = {}

    @classmethod
    def from_json(cls: type[_A], raw: JSON) -> _A:
        """Build from the API answer."""
        plan = _FlatAnswer._plans.get(cls)
        if plan is None:
            hints = typing.get_type_hints(cls)
            plan = _FlatAnswer._plans[cls] = [
                (f.name, _READERS[hints[f.name]], f.metadata)
                for f in fields(cls) if f.name != "raw"]  # type: ignore[arg-type]
        source = _map(raw, cls._within) if cls._within else raw
        values = {name: read(source, name, meta) for name, read, meta in plan}
        return cls(**values, raw=raw)  # type: ignore[call-arg]  # the dataclass's own fields


def func_info_ids(items: object) -> tuple[int, ...]:
    """The permission-set ids of a ``func_info`` list, sorted, duplicates dropped."""
    ids: set[int] = set()
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, Mapping):
                continue
            scope = item.get("funcscope_category")
            if isinstance(scope, Mapping):
                try:
                    ids.add(int(scope.get("id")))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    continue
    return tuple(sorted(ids))


@dataclass(frozen=True)
class PreAuthCode(_FlatAnswer):
    """A one-use pre-authorization code and its lifetime in seconds."""

    pre_auth_code: str = field(repr=False)
    expires_in: int = field(metadata=_absent(600))
    raw: JSON = field(repr=False, compare=False)


@dataclass(frozen=True)
class AuthorizationInfo:
    """What ``api_query_auth`` (and ``authorization_info`` elsewhere) tells of an authorizer."""

    authorizer_appid: str
    authorizer_access_token: str = field(repr=False)
    expires_in: int
    authorizer_refresh_token: str = field(repr=False)
    func_info: tuple[int, ...]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, raw: JSON) -> AuthorizationInfo:
        """Build from an answer holding ``authorization_info`` (or that object itself)."""
        info = _map(raw, "authorization_info") or raw
        return cls(
            authorizer_appid=_str(info, "authorizer_appid"),
            authorizer_access_token=_str(info, "authorizer_access_token"),
            expires_in=_int(info, "expires_in", 7200),
            authorizer_refresh_token=_str(info, "authorizer_refresh_token"),
            func_info=func_info_ids(info.get("func_info")),
            raw=raw,
        )

    def __repr__(self) -> str:
        return (
            f"AuthorizationInfo(authorizer_appid={self.authorizer_appid!r}, "
            f"authorizer_access_token={redact(self.authorizer_access_token)}, "
            f"expires_in={self.expires_in}, "
            f"authorizer_refresh_token={redact(self.authorizer_refresh_token)}, "
            f"func_info={self.func_info!r})"
        )


@dataclass(frozen=True)
class AuthorizerInfo:
    """An authorizer's account details (``api_get_authorizer_info``)."""

    nick_name: str
    head_img: str
    service_type: int
    verify_type: int
    user_name: str
    alias: str
    qrcode_url: str
    principal_name: str
    signature: str
    is_mini_program: bool
    account_status: int
    authorization: AuthorizationInfo | None
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, raw: JSON) -> AuthorizerInfo:
        """Build from the API answer."""
        info = _map(raw, "authorizer_info")
        auth = _map(raw, "authorization_info")
        return cls(
            nick_name=_str(info, "nick_name"),
            head_img=_str(info, "head_img"),
            service_type=_int(_map(info, "service_type_info"), "id", -1),
            verify_type=_int(_map(info, "verify_type_info"), "id", -1),
            user_name=_str(info, "user_name"),
            alias=_str(info, "alias"),
            qrcode_url=_str(info, "qrcode_url"),
            principal_name=_str(info, "principal_name"),
            signature=_str(info, "signature"),
            is_mini_program="MiniProgramInfo" in info,
            account_status=_int(info, "account_status", 1),
            authorization=AuthorizationInfo.from_json(auth) if auth else None,
            raw=raw,
        )


@dataclass(frozen=True)
class AuthorizerOption(_FlatAnswer):
    """An authorizer option (``location_report``, ``voice_recognize``, ``customer_service``)."""

    authorizer_appid: str
    option_name: str
    option_value: str
    raw: JSON = field(repr=False, compare=False)


@dataclass(frozen=True)
class AuthorizerListItem:
    """One row of ``api_get_authorizer_list``; ``refresh_token`` may be empty."""

    authorizer_appid: str
    refresh_token: str = field(repr=False)
    auth_time: int

    def __repr__(self) -> str:
        return (
            f"AuthorizerListItem(authorizer_appid={self.authorizer_appid!r}, "
            f"refresh_token={redact(self.refresh_token)}, auth_time={self.auth_time})"
        )


@dataclass(frozen=True)
class AuthorizerListPage:
    """A page of ``api_get_authorizer_list``."""

    total_count: int
    items: tuple[AuthorizerListItem, ...]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, raw: JSON) -> AuthorizerListPage:
        """Build from the API answer."""
        rows = raw.get("list")
        items = tuple(
            AuthorizerListItem(
                _str(row, "authorizer_appid"), _str(row, "refresh_token"), _int(row, "auth_time")
            )
            for row in (rows if isinstance(rows, list) else [])
            if isinstance(row, Mapping)
        )
        return cls(_int(raw, "total_count"), items, raw)


@dataclass(frozen=True)
class Quota(_FlatAnswer):
    """Daily quota of one API path (``/cgi-bin/openapi/quota/get``)."""

    daily_limit: int
    used: int
    remain: int
    raw: JSON = field(repr=False, compare=False)

    _within = "quota"


@dataclass(frozen=True)
class RidInfo(_FlatAnswer):
    """What WeChat kept of a failed call, looked up by the ``rid`` at the end of its
    ``errmsg`` (``/cgi-bin/openapi/rid/get``): when it was made (``invoke_time``, epoch
    seconds), how long it took, what it sent (``request_url`` is the query string;
    WeChat shows tokens in it shortened) and what it got back.

    WeChat keeps a rid for 7 days and shows it only to the account whose token made the call.
    """

    invoke_time: int
    cost_in_ms: int
    request_url: str
    request_body: str
    response_body: str
    client_ip: str
    raw: JSON = field(repr=False, compare=False)

    _within = "request"

    @property
    def errcode(self) -> int:
        """The errcode the call was answered (0 when the answer is not a JSON object)."""
        answer = self._answer()
        return _int(answer, "errcode")

    @property
    def errmsg(self) -> str:
        """The errmsg the call was answered ("" when the answer is not a JSON object)."""
        return _str(self._answer(), "errmsg")

    def _answer(self) -> JSON:
        try:
            answer = json.loads(self.response_body)
        except ValueError:
            return {}
        return answer if isinstance(answer, Mapping) else {}


@dataclass(frozen=True)
class IPList:
    """WeChat's addresses (``getcallbackip``, ``get_api_domain_ip``): addresses or networks
    such as ``101.226.103.0/25``."""

    ip_list: tuple[str, ...]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, raw: JSON) -> IPList:
        """Build from the API answer."""
        items = raw.get("ip_list")
        return cls(tuple(str(i) for i in items) if isinstance(items, list) else (), raw)


@dataclass(frozen=True)
class OAuthToken(_FlatAnswer):
    """A web OAuth access token obtained on an official account's behalf."""

    access_token: str = field(repr=False)
    expires_in: int = field(metadata=_absent(7200))
    refresh_token: str = field(repr=False)
    openid: str
    scope: str
    unionid: str | None
    raw: JSON = field(repr=False, compare=False)


@dataclass(frozen=True)
class UserInfo(_FlatAnswer):
    """A web user's profile (``/sns/userinfo``)."""

    openid: str
    nickname: str
    headimgurl: str
    unionid: str | None
    raw: JSON = field(repr=False, compare=False)


@dataclass(frozen=True)
class SessionInfo(_FlatAnswer):
    """A mini-program login (``jscode2session``). ``session_key`` must stay on the server."""

    openid: str
    session_key: str = field(repr=False)
    unionid: str | None
    raw: JSON = field(repr=False, compare=False)


@dataclass(frozen=True)
class Media:
    """A binary answer (an image such as ``/wxa/get_qrcode``'s): its bytes and content type."""

    content: bytes = field(repr=False)
    content_type: str

    def __repr__(self) -> str:
        return f"Media(content_type={self.content_type!r}, {len(self.content)} bytes)"
