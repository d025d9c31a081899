"""Messages an authorized account sends to its users (customer-service messages).

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint

__all__ = ["CUSTOM_SEND", "send_custom_message", "send_text"]

CUSTOM_SEND = endpoint("POST", "/cgi-bin/message/custom/send", NOTHING,
                       token=TokenKind.AUTHORIZER_ACCESS_TOKEN)


def send_custom_message(ctx: Context, authorizer_appid: str,
                        message: Mapping[str, Any]) -> Flow[None]:
    """Send a customer-service message as the account (``message`` is WeChat's JSON, with
    ``touser`` and ``msgtype``); allowed within 48 hours of the user's last message."""
    if not isinstance(message, Mapping) or not message.get("touser") \
            or not message.get("msgtype"):
        raise InvalidArgument("message", "must be a mapping with touser and msgtype")
    return call(ctx, CUSTOM_SEND, authorizer_appid=authorizer_appid, body=dict(message))


def send_text(ctx: Context, authorizer_appid: str, to_user: str, content: str) -> Flow[None]:
    """Send a text customer-service message to the user ``to_user`` (an openid)."""
    if not isinstance(to_user, str) or not to_user:
        raise InvalidArgument("to_user", "must be the user's openid")
    if not isinstance(content, str) or not content:
        raise InvalidArgument("content", "must be a non-empty string")
    return send_custom_message(ctx, authorizer_appid, {
        "touser": to_user, "msgtype": "text", "text": {"content": content}})
