"""The pushes of a mini program's ICP filing (小程序备案), on the authorization-event URL: the
administrator's face verification finished, and the filing rejected or approved.

WeChat's documents are unclear about where these arrive: a widely copied account lists them
under the message URL in JSON, while the platforms' SDKs parse them on the authorization-event
URL as XML, which is where they come. Their values may arrive quoted (``<result>"3"</result>``,
as on some of WeChat's pages): the quotes are dropped. Every field, known or not, stays in
``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import XMLError
from .base import Builder, ComponentEvent, Raw
from .fields import text

__all__ = ["FILING_EVENTS", "IcpFilingResult", "IcpVerifyResult"]

#: ``beian_status`` of a filed mini program, and of its rejections.
_FILED = 6
_REJECTED = (3, 5)


@dataclass(frozen=True)
class IcpVerifyResult(ComponentEvent):
    """``notify_icpfiling_verify_result``: the face verification of the administrator (task
    ``task_id`` of ``create_icp_verifytask``) finished, ``result`` 2 failed or 3 succeeded;
    ``along_with_auth_result`` (9: the SMS check of verification passed) only in the
    combined verification and filing flow."""

    task_id: str = ""
    verify_appid: str = ""
    result: int = 0
    along_with_auth_result: int | None = None

    @property
    def authorizer_appid(self) -> str | None:
        """The mini program verified (``verify_appid``)."""
        return self.verify_appid or None

    @property
    def succeeded(self) -> bool:
        """True when the face verification passed (``result`` 3)."""
        return self.result == 3


@dataclass(frozen=True)
class IcpFilingResult(ComponentEvent):
    """``notify_apply_icpfiling_result``: the filing of ``authorizer_appid`` was rejected (by
    the platform, ``beian_status`` 3, or the bureau, 5: ``get_icp_entrance_info`` says why)
    or approved (6)."""

    authorizer_appid: str = ""
    beian_status: int = 0

    @property
    def filed(self) -> bool:
        """True when the mini program is filed (``beian_status`` 6)."""
        return self.beian_status == _FILED

    @property
    def rejected(self) -> bool:
        """True when the application was rejected and may be fixed and applied again."""
        return self.beian_status in _REJECTED


def _value(raw: Raw, name: str) -> str | None:
    value = text(raw, name)
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].strip()
    return value or None


def _number(raw: Raw, name: str) -> int | None:
    value = _value(raw, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise XMLError(f"field {name} is not an integer") from None


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise XMLError(f"field {name} is missing")
    return value


def _verify_result(base: dict[str, Any], raw: Raw) -> IcpVerifyResult:
    return IcpVerifyResult(
        **base,
        task_id=_required(_value(raw, "task_id"), "task_id"),
        verify_appid=_value(raw, "verify_appid") or "",
        result=_required(_number(raw, "result"), "result"),
        along_with_auth_result=_number(raw, "along_with_auth_result"),
    )


def _filing_result(base: dict[str, Any], raw: Raw) -> IcpFilingResult:
    return IcpFilingResult(
        **base,
        authorizer_appid=_required(_value(raw, "authorizer_appid"), "authorizer_appid"),
        beian_status=_required(_number(raw, "beian_status"), "beian_status"),
    )


#: The filing pushes by ``InfoType``: each builds its event from the common fields (``base``)
#: and the push's fields.
FILING_EVENTS: dict[str, Builder[ComponentEvent]] = {
    "notify_icpfiling_verify_result": _verify_result,
    "notify_apply_icpfiling_result": _filing_result,
}
