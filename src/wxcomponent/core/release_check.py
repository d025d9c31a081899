"""WeChat's release check (全网发布接入检测), answered by the platform itself.

Before a platform may serve every account, WeChat pushes three cases to its message URL as two
dedicated test accounts, and each must be answered within 5 seconds:

1. any event: a text reply ``<Event>from_callback``;
2. the text ``TESTCOMPONENT_MSG_TYPE_TEXT``: a text reply ``TESTCOMPONENT_MSG_TYPE_TEXT_callback``;
3. the text ``QUERY_AUTH_CODE:<code>``: an empty answer at once, then, in the background, the
   code exchanged with ``api_query_auth`` and a customer-service text ``<code>_from_api`` sent
   to the sender with the authorizer token it gave.

Only the two test accounts are ever answered this way; a real account's message is never
touched. :func:`respond` decides, and the push handling performs it.

Internal module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..events import AuthorizerMessage, TextMessage
from ..replies import TextReply
from .context import Context
from .effects import Emit, Flow
from .endpoints.component import query_auth
from .endpoints.message import send_text
from .listener_events import ListenerEvent
from .release_accounts import ACCOUNT_KINDS, TEST_ACCOUNTS, TEST_USER_NAMES

__all__ = ["TEST_ACCOUNTS", "ReleaseCheckAnswer", "account_of", "is_test_account", "respond"]

log = logging.getLogger("wxcomponent")

TEXT_CASE = "TESTCOMPONENT_MSG_TYPE_TEXT"
CODE_PREFIX = "QUERY_AUTH_CODE:"


@dataclass(frozen=True)
class ReleaseCheckAnswer:
    """What to answer a case: a passive ``reply``, or nothing (an empty body) with the
    ``code`` to exchange in the background."""

    case: str
    reply: TextReply | None = None
    code: str | None = None


def is_test_account(message: AuthorizerMessage, authorizer_appid: str | None) -> bool:
    """True for a message of one of the two test accounts (by the appid in the message URL,
    or by ``ToUserName`` on a message URL without ``$APPID$``)."""
    if authorizer_appid:
        return (authorizer_appid in TEST_ACCOUNTS
                and message.to_user_name in (TEST_ACCOUNTS[authorizer_appid], ""))
    return message.to_user_name in TEST_USER_NAMES


def account_of(message: AuthorizerMessage, authorizer_appid: str | None) -> tuple[str, str]:
    """(appid, kind) of the test account a release-check message came from."""
    appid = authorizer_appid or next(
        (a for a, name in TEST_ACCOUNTS.items() if name == message.to_user_name), "")
    return appid, ACCOUNT_KINDS.get(appid, "test account")


def respond(message: AuthorizerMessage, authorizer_appid: str | None
            ) -> ReleaseCheckAnswer | None:
    """The answer to a release-check case, or None when ``message`` is not one."""
    if not is_test_account(message, authorizer_appid):
        return None
    if message.msg_type == "event" and message.event:
        return ReleaseCheckAnswer("event", TextReply(f"{message.event}from_callback"))
    if isinstance(message, TextMessage):
        if message.content == TEXT_CASE:
            return ReleaseCheckAnswer("text", TextReply(f"{TEXT_CASE}_callback"))
        if message.content.startswith(CODE_PREFIX) and len(message.content) > len(CODE_PREFIX):
            return ReleaseCheckAnswer("query_auth_code", code=message.content[len(CODE_PREFIX):])
    return None


def answer_with_api(ctx: Context, code: str, to_user: str,
                    authorizer_appid: str = "") -> Flow[None]:
    """Case 3, after the empty answer: exchange ``code`` and send ``<code>_from_api``.

    The exchange stores no authorizer record for a test account: its token stays in the
    volatile cache only (see :mod:`~wxcomponent.core.release_accounts`). A failure is logged
    and emitted as ``release_check_failed``."""
    try:
        info = yield from query_auth(ctx, code)
        yield from send_text(ctx, info.authorizer_appid, to_user, f"{code}_from_api")
    except Exception as exc:
        log.warning("release check: the answer through the API failed (%s)",
                    type(exc).__name__)
        yield Emit(ListenerEvent.RELEASE_CHECK_FAILED, {"case": "query_auth_code",
                                                        "authorizer_appid": authorizer_appid,
                                                        "error": type(exc).__name__})
        return
    yield Emit(ListenerEvent.RELEASE_CHECK_ANSWERED, {"case": "query_auth_code",
                                                      "authorizer_appid": info.authorizer_appid})
