"""Redaction of secrets in every log line of the service, encoded or not.

The access log writes request lines as they came, and a request line can hold a one-use
authorization code (``/authorized?auth_code=…``), an authorization link or state, or a
token. :func:`redact_line` replaces the value of every such parameter with ``***``, whether
it appears as ``name=value``, percent-encoded once (``name%3Dvalue``, as inside a
``redirect_uri``) or twice, or as a JSON field; and the credential of an ``Authorization``
header. :class:`RedactingFilter` applies it to each record a handler emits.
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED_LOGGERS", "SECRET_NAMES", "RedactingFilter", "install_redaction",
           "redact_line"]

#: The loggers whose records :func:`install_redaction` redacts at the source.
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "wxcomponent", "wxcomponent.service",
                    "wxcomponent.stores")

#: Parameter and field names whose values never reach a log.
SECRET_NAMES = (
    "auth_code", "authorization_code", "pre_auth_code", "code", "js_code", "link", "state",
    "ticket", "component_verify_ticket", "access_token", "component_access_token",
    "authorizer_access_token", "refresh_token", "authorizer_refresh_token", "stale",
    "api_key", "link_key", "secret", "appsecret", "component_appsecret", "encoding_aes_key",
    "echostr", "token", "key", "password",
)

_NAMES = "|".join(sorted((re.escape(n) for n in SECRET_NAMES), key=len, reverse=True))
# name=value where '=' may be encoded once (%3D) or twice (%253D); the value ends at the next
# separator, raw or encoded (&, %26, %2526), or at a space, quote, bracket or '#'.
_QUERY = re.compile(
    rf"(?i)(?:(?<![A-Za-z0-9_])|(?<=%[0-9A-Fa-f]{{2}})|(?<=%25[0-9A-Fa-f]{{2}}))({_NAMES})(=|%3D|%253D)"
    r"((?:(?!%26|%2526)[^&\s\"'<>#,;)\]}])*)")
_JSON = re.compile(rf"(?i)([\"']({_NAMES})[\"']\s*:\s*[\"'])([^\"']*)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)([^\s\"',;&]+)")
_MASK = "***"


def redact_line(text: str) -> str:
    """``text`` with the value of every secret parameter or field replaced by ``***``."""
    if not text:
        return text
    text = _QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK if m.group(3) else ''}",
                      text)
    text = _JSON.sub(lambda m: f"{m.group(1)}{_MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK}", text)


class RedactingFilter(logging.Filter):
    """A filter that redacts each record with :func:`redact_line`.

    The arguments are redacted one by one when that is enough (formatters such as uvicorn's
    access formatter read them as a tuple); a secret spread over the format string and an
    argument gets the whole message redacted and the arguments dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        redacted = redact_line(message)
        if redacted == message:
            return True
        if isinstance(record.args, tuple):
            args = tuple(redact_line(a) if isinstance(a, str) else a for a in record.args)
            try:
                if str(record.msg) % args == redacted:
                    record.args = args
                    return True
            except (TypeError, ValueError):
                pass
        record.msg, record.args = redacted, None
        return True


def install_redaction() -> None:
    """Redact every record of :data:`REDACTED_LOGGERS` where it is made, whatever handlers
    an embedding application configured (once per logger)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
