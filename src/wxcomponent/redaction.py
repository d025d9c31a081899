"""The one rule for secrets in logs, messages and reprs.

:data:`SECRET_NAMES` lists every parameter, field, header and cookie whose value is a secret:
the app secret, the EncodingAESKey, the message-check token, access and refresh tokens, the
verify ticket, one-use codes, authorization links and their state, the service's keys,
webhook and reply secrets, operators' passwords and the console's session cookie.
:func:`redact_text` masks their values wherever they appear in text:

* ``name=value`` as in a query string or a form, percent-encoded once or twice (``%3D``,
  ``%253D``, as inside a ``redirect_uri``), the name too (``access%5Ftoken``), the value
  quoted or not;
* JSON or a Python mapping (``"name": "value"``) and XML (``<Name>value</Name>``, CDATA too);
* headers: ``Authorization: Bearer …`` (any ``Bearer`` or ``Basic`` credential) and
  ``Cookie:`` / ``Set-Cookie:`` lines;
* the password of a URL or DSN (``postgresql://user:pw@``, ``redis://:pw@``).

:class:`RedactingFilter` applies it to log records, and :func:`install_log_redaction` puts it
on the loggers that may carry secrets: the library on its own and httpx's loggers when a shell
is imported, the service, the command line and the emulator on uvicorn's as well.
:func:`redact` is the short form reprs show (:func:`masked` where they show none), and
:data:`PUSH_SECRET_FIELDS` the fields of a push that are never handed on
(:func:`mask_fields`).

This module sits below every layer (beside :mod:`wxcomponent.errors`): the stores, the core,
the shells, the service, the command line and the emulator all use it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "LIBRARY_LOGGERS",
    "LOGGERS",
    "MASK",
    "PUSH_SECRET_FIELDS",
    "SECRET_NAMES",
    "RedactingFilter",
    "abbreviate",
    "install_log_redaction",
    "mask_fields",
    "masked",
    "redact",
    "redact_text",
]

#: What a secret's value becomes.
MASK = "***"

#: Parameter, field, header and cookie names whose values never reach a log (compared
#: without regard to case).
SECRET_NAMES = (
    # the platform's credentials
    "secret", "appsecret", "component_appsecret", "encoding_aes_key", "encodingaeskey",
    "previous_encoding_aes_key", "token",
    # tokens and tickets
    "access_token", "component_access_token", "authorizer_access_token", "refresh_token",
    "authorizer_refresh_token", "stale", "ticket", "component_verify_ticket",
    "componentverifyticket", "jsapi_ticket",
    # one-use codes
    "code", "js_code", "auth_code", "authorization_code", "authorizationcode", "pre_auth_code",
    "preauthcode", "echostr",
    # authorization links
    "link", "state", "link_key",
    # the service's keys, webhook and reply secrets, operators, the console's session
    "key", "api_key", "reply_secret", "password", "password_hash", "csrf",
    "wxcomponent_console",
    # headers
    "authorization", "proxy-authorization", "cookie", "set-cookie",
)

#: Fields of a push that are never handed on (webhooks, the console, ``decrypt``): the one-use
#: codes and the verify ticket, which the platform uses itself.
PUSH_SECRET_FIELDS = frozenset({"AuthorizationCode", "ComponentVerifyTicket", "auth_code",
                                "PreAuthCode"})

#: The library's loggers and those of the HTTP client it uses.
LIBRARY_LOGGERS = ("httpx", "httpcore", "wxcomponent", "wxcomponent.stores",
                   "wxcomponent.emulator")
#: Every logger whose records are redacted where they are made by a running service, the
#: command line or the emulator: the library's and uvicorn's.
LOGGERS = (*LIBRARY_LOGGERS, "wxcomponent.service", "wxcomponent.service.console",
           "uvicorn", "uvicorn.access", "uvicorn.error", "uvicorn.asgi")


def _spelled(name: str) -> str:
    """A pattern of ``name`` whose punctuation may be percent-encoded once or twice."""
    parts = []
    for char in name:
        if char.isalnum():
            parts.append(re.escape(char))
        else:
            code = f"{ord(char):02X}"
            parts.append(f"(?:{re.escape(char)}|%{code}|%25{code})")
    return "".join(parts)


_NAMES = "|".join(_spelled(n) for n in sorted(SECRET_NAMES, key=len, reverse=True))
# A name starts a word, or follows an encoded character (…%26code%3D… inside a redirect_uri).
_START = r"(?:(?<![A-Za-z0-9_])|(?<=%[0-9A-Fa-f]{2})|(?<=%25[0-9A-Fa-f]{2}))"
# name=value where '=' may be encoded once (%3D) or twice (%253D); a quoted value runs to its
# quote, a bare one to the next separator, raw or encoded (&, %26, %2526), or to a space,
# quote, bracket or '#'.
_QUERY = re.compile(
    rf"(?i){_START}({_NAMES})(=|%3D|%253D)"
    r"(?:([\"'])[^\"'\r\n]*|((?:(?!%26|%2526)[^&\s\"'<>#,;)\]}])*))")
_JSON = re.compile(rf"(?i)([\"']({_NAMES})[\"']\s*:\s*[\"'])([^\"']*)")
_XML = re.compile(rf"(?i)(<({_NAMES})>\s*(?:<!\[CDATA\[)?)([^<\]]*)")
_COOKIE = re.compile(r"(?im)\b((?:set-)?cookie\s*:[ \t]*)([^\r\n\"']+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)([^\s\"',;&]+)")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s\"'<>]*:)([^@/\s\"'<>]+)@")


def _query(match: re.Match[str]) -> str:
    name, sep, quote, bare = match.groups()
    if quote:
        return f"{name}{sep}{quote}{MASK}"
    return f"{name}{sep}{MASK if bare else ''}"


def redact_text(text: str) -> str:
    """``text`` with the value of every secret parameter, field, header or URL password
    replaced by ``***`` (see the module's documentation for the forms). Applying it twice
    changes nothing more."""
    if not text:
        return text
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    text = _QUERY.sub(_query, text)
    text = _JSON.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _XML.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _COOKIE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def abbreviate(secret: str, keep: int = 4) -> str:
    """A short, recognisable but harmless form of ``secret``: its first ``keep`` characters
    and ``…``, or ``***`` when it is too short to show any (``2 * keep`` characters or fewer)."""
    if len(secret) <= keep * 2:
        return MASK
    return f"{secret[:keep]}…"


def redact(secret: str | None, keep: int = 4) -> str:
    """``secret`` as a repr shows it: :func:`abbreviate`'s form in quotes, or ``None``."""
    if secret is None:
        return "None"
    return f"'{abbreviate(secret, keep)}'"


def masked(secret: str | None) -> str:
    """``secret`` as a repr shows a secret it never abbreviates: ``'***'``, or ``None`` when
    there is none."""
    return f"'{MASK}'" if secret else "None"


def mask_fields(value: Any) -> Any:
    """``value`` (a push's fields, nested mappings too) with every field of
    :data:`PUSH_SECRET_FIELDS` replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: (MASK if k in PUSH_SECRET_FIELDS else mask_fields(v))
                for k, v in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """A filter that redacts each record with :func:`redact_text`: its message, and the text
    of the exception it carries.

    The arguments are redacted one by one when that is enough (formatters such as uvicorn's
    access formatter read them as a tuple); a secret spread over the format string and an
    argument gets the whole message redacted and the arguments dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        self._redact_exception(record)
        redacted = redact_text(message)
        if redacted == message:
            return True
        if isinstance(record.args, tuple):
            args = tuple(redact_text(a) if isinstance(a, str) else a for a in record.args)
            try:
                if str(record.msg) % args == redacted:
                    record.args = args
                    return True
            except (TypeError, ValueError):
                pass
        record.msg, record.args = redacted, None
        return True

    @staticmethod
    def _redact_exception(record: logging.LogRecord) -> None:
        """Format the record's exception once, redacted (formatters reuse ``exc_text``)."""
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            redacted = redact_text(text)
            if redacted != text:
                record.exc_text = redacted
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)


def install_log_redaction(loggers: Iterable[str] = LOGGERS) -> None:
    """Redact every record of ``loggers`` where it is made, whatever handlers an embedding
    application configured (once per logger)."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
