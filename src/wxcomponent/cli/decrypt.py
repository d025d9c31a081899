"""``wxcomponent decrypt``: check and open a captured push, or say which check failed."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click
from rich.table import Table

from ..core.crypto import Decrypted, MessageCrypto
from ..errors import AppIdMismatch, CallbackError, InvalidAESKey, XMLError
from ..events import ComponentEvent, Event, parse_event
from ..redaction import PUSH_SECRET_FIELDS, abbreviate
from ..service.settings import SettingsError, load_settings
from ._common import config_option, out, platform_option

__all__ = ["decrypt", "open_push", "parse_query"]

_ENVELOPE_APPID = re.compile(rb"<AppId>\s*(?:<!\[CDATA\[)?\s*(wx[0-9A-Za-z]{16})")


def parse_query(text: str) -> dict[str, str]:
    """The parameters of a callback URL, a path with a query, or a bare query string."""
    text = text.strip()
    if "://" in text or text.startswith("/"):
        text = urlsplit(text).query
    params: dict[str, str] = {}
    for name, value in parse_qsl(text.lstrip("?"), keep_blank_values=True):
        params.setdefault(name, value)
    return params


def open_push(crypto: MessageCrypto, params: Mapping[str, str], body: bytes) -> Decrypted:
    """Every check WeChat's reference code makes, in order; raises the first failure.

    ``body`` is the POST body (``<xml>…<Encrypt>…</Encrypt></xml>``, or the JSON form
    ``{"Encrypt": "…"}`` of mini programs set to JSON) or the bare ``Encrypt`` value.
    """
    missing = [n for n in ("timestamp", "nonce", "msg_signature") if not params.get(n)]
    if missing:
        raise CallbackError(f"the query has no {', '.join(missing)}")
    encrypt_type = params.get("encrypt_type")
    if encrypt_type is not None and encrypt_type.lower() != "aes":
        raise CallbackError(f"encrypt_type is {encrypt_type!r}, not 'aes'")
    signed = {"msg_signature": params["msg_signature"], "timestamp": params["timestamp"],
              "nonce": params["nonce"]}
    stripped = body.strip()
    if stripped.startswith(b"<"):
        opened = crypto.open_body(stripped, **signed)
    elif stripped.startswith(b"{"):
        try:
            encrypt = json.loads(stripped).get("Encrypt")
        except (ValueError, AttributeError):
            raise XMLError("the body is neither XML nor a JSON object") from None
        if not isinstance(encrypt, str) or not encrypt:
            raise XMLError("the JSON body has no Encrypt field")
        opened = crypto.open(encrypt, **signed)
    else:
        opened = crypto.open(stripped.decode("ascii", "replace"), **signed)
    if params.get("signature"):
        crypto.check_url_signature(params["signature"], timestamp=params["timestamp"],
                                   nonce=params["nonce"])
    return opened


def _flatten(fields: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, value in fields.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _flatten(item, f"{prefix}{name}[{index}].")
                else:
                    yield f"{prefix}{name}[{index}]", str(item)
        else:
            yield f"{prefix}{name}", "" if value is None else str(value)


def _read_body(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def _crypto(config: Path | None, platform: str | None, appid: str | None, token: str | None,
            key: str | None, previous: str | None, body: bytes) -> MessageCrypto:
    given = {"--appid": appid, "--token": token, "--encoding-aes-key": key}
    if any(given.values()):
        missing = [flag for flag, value in given.items() if not value]
        if missing:
            raise click.UsageError(f"give {', '.join(missing)} too (or use --config)")
        assert appid and token and key
        try:
            return MessageCrypto(token, key, appid, previous_encoding_aes_key=previous)
        except InvalidAESKey as exc:
            raise click.BadParameter(f"{exc} ({exc.code})", param_hint="--encoding-aes-key") \
                from None
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        if exc.field != "platforms":
            raise
        raise click.UsageError("give --appid, --token and --encoding-aes-key, or a "
                               "configuration (--config FILE)") from None
    if platform is None and len(settings.platforms) > 1:
        found = _ENVELOPE_APPID.search(body)
        platform = found.group(1).decode() if found else None
    chosen = settings.platform(platform)
    return MessageCrypto(chosen.token, chosen.encoding_aes_key, chosen.appid,
                         previous_encoding_aes_key=chosen.previous_encoding_aes_key)


def _event_table(event: Event | None, message: bytes, reveal: bool) -> Table:
    if event is not None:
        kind = getattr(event, "info_type", None) or getattr(event, "route_key", None) or "event"
        title = f"{kind} ({type(event).__name__})"
        fields: Mapping[str, Any] = event.raw
    else:
        title = "JSON message"
        fields = json.loads(message)
    table = Table(title=title, title_justify="left")
    table.add_column("field", style="bold", overflow="fold")
    table.add_column("value", overflow="fold")
    for name, value in _flatten(fields):
        leaf = name.rsplit(".", 1)[-1]
        # the push's credentials (short-lived ones) are shortened unless --reveal
        shown = (value if reveal or leaf not in PUSH_SECRET_FIELDS
                 else f"{abbreviate(value, 8)} (--reveal shows it)")
        table.add_row(name, shown)
    return table


@click.command()
@click.argument("query", metavar="URL_OR_QUERY")
@click.argument("body", metavar="BODY", default="-")
@config_option
@platform_option
@click.option("--appid", default=None, help="component appid (instead of --config)")
@click.option("--token", default=None, help="message-check Token (instead of --config)")
@click.option("--encoding-aes-key", default=None, help="EncodingAESKey (instead of --config)")
@click.option("--previous-encoding-aes-key", default=None,
              help="the EncodingAESKey before a rotation")
@click.option("--reveal", is_flag=True, help="show tickets and codes in full")
def decrypt(query: str, body: str, config: Path | None, platform: str | None,
            appid: str | None, token: str | None, encoding_aes_key: str | None,
            previous_encoding_aes_key: str | None, reveal: bool) -> None:
    """Verify and decrypt a captured push; print its event as a table.

    URL_OR_QUERY is the request URL (or its query string: timestamp, nonce, msg_signature…);
    BODY is a file holding the POST body (or the bare Encrypt value), '-' for stdin. On a
    failed check, says which one with the reference code, e.g. "msg_signature does not
    match (-40001)", and exits with status 2.
    """
    raw = _read_body(body)
    crypto = _crypto(config, platform, appid, token, encoding_aes_key,
                     previous_encoding_aes_key, raw)
    try:
        opened = open_push(crypto, parse_query(query), raw)
        event: Event | None = None
        try:
            event = parse_event(opened.message)
        except XMLError:
            if not opened.message.lstrip().startswith(b"{"):
                raise
            json.loads(opened.message)
        if isinstance(event, ComponentEvent) and event.component_appid != crypto.appid:
            raise AppIdMismatch(f"the push names AppId {event.component_appid!r}, not "
                                f"{crypto.appid!r}")
    except CallbackError as exc:
        raise _Refused(exc) from None
    except ValueError:
        raise _Refused(XMLError("decrypted, but the message is neither XML nor JSON")) from None
    out.print(_event_table(event, opened.message, reveal))
    key = "previous" if opened.used_previous_key else "current"
    out.print(f"msg_signature ok · decrypted with the {key} EncodingAESKey · "
              f"appid {opened.appid}", highlight=False, markup=False)


class _Refused(click.ClickException):
    """A failed check of the push: one line naming it, exit status 2."""

    exit_code = 2

    def __init__(self, exc: CallbackError) -> None:
        message = " ".join(str(exc).split())
        # The base class's code is no reference code: a missing parameter has none.
        super().__init__(message if type(exc) is CallbackError else f"{message} ({exc.code})")
