"""The answers given WeChat: :class:`CallbackResponse`, the fixed ones (``success``, 405, the
empty body), and a handler's passive reply as XML.

Internal module: import :class:`CallbackResponse` from :mod:`wxcomponent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...events import AuthorizerMessage
from ...replies import Reply, reply_fields
from ..context import Context
from ..xml import build_xml

__all__ = ["APPLICATION_XML", "SUCCESS", "TEXT_PLAIN", "CallbackResponse"]

TEXT_PLAIN = "text/plain; charset=utf-8"
APPLICATION_XML = "application/xml"
SUCCESS = b"success"


@dataclass(frozen=True)
class CallbackResponse:
    """The HTTP answer to give WeChat: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def text(cls, status: int, message: str | bytes,
             headers: tuple[tuple[str, str], ...] = ()) -> CallbackResponse:
        """A plain-text answer (``success``, an echo, or the reason of a refusal)."""
        body = message.encode("utf-8") if isinstance(message, str) else message
        return cls(status, (("Content-Type", TEXT_PLAIN), *headers), body)

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


_SUCCESS = CallbackResponse.text(200, SUCCESS)
_NOT_ALLOWED = CallbackResponse.text(405, "method not allowed: use GET or POST",
                                     (("Allow", "GET, POST"),))
_UNAVAILABLE = "the push could not be processed now; try again"


#: A handler's answer asking for an empty body (no passive reply, not even ``success``).
_EMPTY = object()
_EMPTY_ANSWER = CallbackResponse(200, (("Content-Type", TEXT_PLAIN),), b"")


def _is_empty_reply(result: object) -> bool:
    if result is None:
        return True
    if isinstance(result, bytes):
        return result.strip() in (b"", SUCCESS)
    if isinstance(result, str):
        return result.strip() in ("", "success")
    return False


def _reply_xml(ctx: Context, event: AuthorizerMessage, reply: object) -> str:
    """A handler's reply as plaintext XML: a :class:`~wxcomponent.replies.Reply`, a mapping
    of fields (addressed back to the sender), or XML as it is."""
    if isinstance(reply, (Reply, Mapping)):
        return build_xml(reply_fields(reply, to_user=event.from_user_name,
                                      from_user=event.to_user_name,
                                      create_time=int(ctx.clock())))
    if isinstance(reply, bytes):
        return reply.decode("utf-8")
    if isinstance(reply, str):
        return reply
    raise TypeError(f"a passive reply is a Reply, XML (str or bytes) or a mapping, "
                    f"not {type(reply).__name__}")
