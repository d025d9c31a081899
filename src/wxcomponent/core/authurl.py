"""Authorization page URLs (PC QR-code page, mobile page, the seed's form with ``state``).

Internal module: import these names from :mod:`wxcomponent`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from ..errors import InvalidArgument

__all__ = [
    "MOBILE_AUTH_URL",
    "PC_AUTH_URL",
    "AuthType",
    "auth_code_url",
    "mobile_authorization_url",
    "pc_authorization_url",
]

PC_AUTH_URL = "https://mp.weixin.qq.com/cgi-bin/componentloginpage"
MOBILE_AUTH_URL = "https://open.weixin.qq.com/wxaopen/safe/bindcomponent"


class AuthType:
    """Values of ``auth_type``: which kinds of account may authorize."""

    OFFICIAL_ACCOUNT = 1
    MINI_PROGRAM = 2
    BOTH = 3
    MINI_PROGRAM_PROMOTER = 4
    CHANNELS = 5
    ALL = 6
    SHOPPING_ASSISTANT = 8

    VALID = frozenset({1, 2, 3, 4, 5, 6, 8})


def _check(component_appid: str, pre_auth_code: str, redirect_uri: str) -> None:
    for name, value in (
        ("component_appid", component_appid),
        ("pre_auth_code", pre_auth_code),
        ("redirect_uri", redirect_uri),
    ):
        if not isinstance(value, str) or not value:
            raise InvalidArgument(name, "must be a non-empty string")
    if not redirect_uri.startswith(("http://", "https://")):
        raise InvalidArgument("redirect_uri", "must be an absolute http(s) URL")


def _params(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    auth_type: int | None,
    biz_appid: str | None,
    category_ids: Iterable[int | str] | None,
) -> list[tuple[str, str]]:
    _check(component_appid, pre_auth_code, redirect_uri)
    params = [
        ("component_appid", component_appid),
        ("pre_auth_code", pre_auth_code),
        ("redirect_uri", redirect_uri),
    ]
    if auth_type is not None:
        if auth_type not in AuthType.VALID:
            raise InvalidArgument("auth_type", f"must be one of {sorted(AuthType.VALID)}")
        params.append(("auth_type", str(auth_type)))
    if biz_appid:
        params.append(("biz_appid", biz_appid))
    if category_ids:
        try:
            ids = [str(int(c)) for c in category_ids]
        except ValueError:
            raise InvalidArgument("category_ids", "must be integers (or their digits)") from None
        params.append(("category_id_list", "|".join(ids)))
    return params


def pc_authorization_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    *,
    auth_type: int | None = AuthType.BOTH,
    biz_appid: str | None = None,
    category_ids: Iterable[int | str] | None = None,
    base: str = PC_AUTH_URL,
) -> str:
    """The PC (QR-code scan) authorization page URL, every value URL-encoded."""
    params = _params(component_appid, pre_auth_code, redirect_uri, auth_type, biz_appid,
                     category_ids)
    return f"{base}?{urlencode(params)}"


def mobile_authorization_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    *,
    auth_type: int | None = AuthType.BOTH,
    biz_appid: str | None = None,
    category_ids: Iterable[int | str] | None = None,
    base: str = MOBILE_AUTH_URL,
) -> str:
    """The mobile authorization URL (opened inside WeChat), ending in ``#wechat_redirect``."""
    params = [("action", "bindcomponent"), ("no_scan", "1")]
    params += _params(component_appid, pre_auth_code, redirect_uri, auth_type, biz_appid,
                      category_ids)
    return f"{base}?{urlencode(params)}#wechat_redirect"


def auth_code_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    state: str = "",
    *,
    auth_type: int | None = None,
    biz_appid: str | None = None,
    category_ids: Iterable[int | str] | None = None,
    base: str = PC_AUTH_URL,
) -> str:
    """The seed's ``AuthCodeURL(appId, preAuthCode, redirectURI, state)``: the PC page URL.

    ``state`` is added when not empty; the keyword arguments extend the seed's form.
    """
    params = _params(component_appid, pre_auth_code, redirect_uri, auth_type, biz_appid,
                     category_ids)
    if state:
        params.append(("state", state))
    return f"{base}?{urlencode(params)}"
