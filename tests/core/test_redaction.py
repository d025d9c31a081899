"""Secrets never reach logs: one table of every secret the project knows, in every form it
takes (plain, percent-encoded, JSON, XML, headers, URLs), through the rule itself
(:mod:`wxcomponent.redaction`) and through the real log output of the library, the service,
the command line and the emulator."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wxcomponent import Component, ComponentConfig
from wxcomponent.emulator import DEFAULT_PLATFORM, EmulatorServer
from wxcomponent.redaction import (
    PUSH_SECRET_FIELDS,
    SECRET_NAMES,
    abbreviate,
    mask_fields,
    redact,
    redact_text,
)
from wxcomponent.service import Service, ServiceServer
from wxcomponent.service.settings import settings_from_mapping
from wxcomponent.stores import MemoryStore

from ..support.cli import clean_env, needs_toml, serving, wait_healthz, write_config
from ..support.servers import free_port

P = DEFAULT_PLATFORM
ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- the table

#: Every secret the project knows, by the names it goes by.
SECRETS: dict[str, tuple[str, ...]] = {
    "app secret": ("secret", "appsecret", "component_appsecret"),
    "EncodingAESKey": ("encoding_aes_key", "EncodingAESKey", "previous_encoding_aes_key"),
    "message-check token": ("token",),
    "access tokens": ("access_token", "component_access_token", "authorizer_access_token"),
    "refresh tokens": ("refresh_token", "authorizer_refresh_token", "stale"),
    "tickets": ("component_verify_ticket", "ComponentVerifyTicket", "jsapi_ticket", "ticket"),
    "codes": ("code", "js_code", "auth_code", "authorization_code", "AuthorizationCode",
              "pre_auth_code", "PreAuthCode", "echostr"),
    "links": ("link", "state", "link_key"),
    "service keys": ("api_key", "key"),
    "passwords": ("password", "password_hash"),
    "session cookies": ("wxcomponent_console", "csrf"),
    "webhook secrets": ("secret", "reply_secret"),
    "headers": ("authorization", "proxy-authorization", "cookie", "set-cookie"),
}
NAMES = sorted({name for names in SECRETS.values() for name in names})


def value_of(name: str) -> str:
    """A secret value of ``name``, unlike any other text of a log line."""
    return "Sx" + hashlib.sha256(name.encode()).hexdigest()[:22] + "-_.~@"


def _encoded_name(name: str) -> str:
    return "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in name)


#: The forms a named secret takes in text.
FORMS: dict[str, Callable[[str, str], str]] = {
    "request line": lambda n, v: f'127.0.0.1:5 - "GET /wx/authorized?a=1&{n}={v}&b=2 HTTP/1.1" 200',
    "form": lambda n, v: f"{n}={v}",
    "quoted": lambda n, v: f"Config(appid='wx1', {n}='{v}')",
    "percent-encoded": lambda n, v: "redirect_uri=" + quote(f"https://h/cb?{n}={v}&z=1", safe=""),
    "percent-encoded twice": lambda n, v: "u=" + quote(quote(f"https://h/cb?{n}={v}", safe=""),
                                                       safe=""),
    "name percent-encoded": lambda n, v: f"q={_encoded_name(n)}%3D{quote(v, safe='')}%26z%3D1",
    "JSON": lambda n, v: json.dumps({"errcode": 0, n: v}),
    "mapping": lambda n, v: repr({"appid": "wx1", n: v}),
    "XML": lambda n, v: f"<xml><{n}><![CDATA[{v}]]></{n}><A>1</A></xml>",
}

#: Secrets in headers and in URLs, by their place rather than a name.
PLACED: dict[str, Callable[[str], str]] = {
    "Authorization: Bearer": lambda v: f"Authorization: Bearer {v}",
    "Authorization: Basic": lambda v: f"authorization: Basic {v}",
    "bearer in a mapping": lambda v: repr([(b"authorization", f"Bearer {v}".encode())]),
    "Cookie": lambda v: f"Cookie: theme=dark; wxcomponent_console={v}",
    "Set-Cookie": lambda v: f"Set-Cookie: wxcomponent_console={v}; Path=/console; HttpOnly",
    "PostgreSQL URL": lambda v: f"postgresql://app:{quote(v, safe='')}@db:5432/wx",
    "PostgreSQL keywords": lambda v: f"host=db user=app password={v} dbname=wx",
    "Redis URL": lambda v: f"redis://:{quote(v, safe='')}@cache:6379/0",
    "Redis URL with a user": lambda v: f"rediss://user:{quote(v, safe='')}@cache/0",
    "Redis password parameter": lambda v: f"redis://cache/0?password={quote(v, safe='')}",
}

CASES = [(name, form) for name in NAMES for form in FORMS]


def leaked(value: str, text: str) -> bool:
    """Whether ``value`` shows in ``text``, raw or percent-encoded once or twice."""
    once = quote(value, safe="")
    return any(v in text for v in (value, once, quote(once, safe="")))


def every_line() -> list[tuple[str, str]]:
    """(secret, line) for the whole table."""
    lines = [(value_of(n), FORMS[f](n, value_of(n))) for n, f in CASES]
    return lines + [(value_of(p), PLACED[p](value_of(p))) for p in PLACED]


# --------------------------------------------------------------------------- the rule


def test_the_table_names_every_secret_name_and_only_those() -> None:
    assert {n.lower() for n in NAMES} == set(SECRET_NAMES)
    assert {n for n in NAMES if n in PUSH_SECRET_FIELDS} == PUSH_SECRET_FIELDS


@pytest.mark.parametrize(("name", "form"), CASES)
def test_no_named_secret_survives(name: str, form: str) -> None:
    value = value_of(name)
    line = FORMS[form](name, value)
    redacted = redact_text(line)
    assert not leaked(value, redacted), redacted
    assert "***" in redacted
    assert redact_text(redacted) == redacted  # idempotent


@pytest.mark.parametrize("place", PLACED)
def test_no_secret_in_a_header_or_a_url_survives(place: str) -> None:
    value = value_of(place)
    redacted = redact_text(PLACED[place](value))
    assert not leaked(value, redacted), redacted
    assert redact_text(redacted) == redacted


def test_what_is_not_secret_is_kept() -> None:
    for line in ('127.0.0.1:5 - "GET /wx/events?timestamp=1&nonce=2&codex=3 HTTP/1.1" 200',
                 "errcode=40001 errmsg=invalid credential EventKey=qrscene_1 msgid=5",
                 '{"errcode": 0, "authorizer_appid": "wx0123456789abcdef"}',
                 "http://127.0.0.1:8000/wx/events?msg_signature=ab&encrypt_type=aes",
                 "postgresql://app@db:5432/wx", "refresh of wx0123456789abcdef failed"):
        assert redact_text(line) == line
    assert redact_text("Authorization: Bearer abc.def") == "Authorization: Bearer ***"
    assert redact_text("redis://user:pw@cache:6379/0") == "redis://user:***@cache:6379/0"


def test_reprs_and_pushes_show_no_secret() -> None:
    assert redact(None) == "None"
    assert redact("short") == "'***'"
    assert redact("refreshtoken@@@abcdef") == "'refr…'"
    assert abbreviate("queryauthcode@@@" + "x" * 40, 16) == "queryauthcode@@@…"
    fields = {"AppId": "wx1", "AuthorizationCode": "c", "Nested": {"PreAuthCode": "p"},
              "ComponentVerifyTicket": "t", "auth_code": "a", "Ticket": "qr-ticket"}
    assert mask_fields(fields) == {"AppId": "wx1", "AuthorizationCode": "***",
                                   "Nested": {"PreAuthCode": "***"},
                                   "ComponentVerifyTicket": "***", "auth_code": "***",
                                   "Ticket": "qr-ticket"}  # a QR code's ticket is no secret


values = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ23456789@_-.~", min_size=8, max_size=60)
secrets = st.text(string.ascii_letters + string.digits + "-_.~@+/=", min_size=8, max_size=64)


@given(name=st.sampled_from(SECRET_NAMES), value=values, encoded=st.integers(0, 2),
       shape=st.sampled_from(["GET /p?{p} HTTP/1.1", "/x?a=1&{p}&b=2", "redirect_uri={u}",
                              '"{n}": "{v}"', "{n}={v}#f"]))
def test_no_secret_parameter_survives_redaction(name: str, value: str, encoded: int,
                                                shape: str) -> None:
    pair = f"{name}={value}"
    nested = f"https://h/cb?{pair}&z=1"
    for _ in range(encoded):
        nested = quote(nested, safe="")
    line = shape.format(p=pair, u=nested, n=name, v=value)
    redacted = redact_text(line)
    assert value not in redacted
    assert quote(value, safe="") not in redacted
    assert redact_text(redacted) == redacted  # idempotent


@given(name=st.sampled_from(NAMES), form=st.sampled_from(sorted(FORMS)),
       place=st.sampled_from(sorted(PLACED)), value=secrets)
@example(name="password", form="form", place="PostgreSQL URL", value="postgres")
def test_random_secret_values_never_survive(name: str, form: str, place: str,
                                            value: str) -> None:
    """Nothing of the secret shows: the redacted line is the same whatever the secret was.
    (A plain search for the value would be wrong: a value such as ``postgres`` also occurs in
    the text around it, and that is no leak.)"""
    for make in (functools.partial(FORMS[form], name), PLACED[place]):
        redacted = redact_text(make(value))
        assert redacted == redact_text(make(value_of("another secret"))), (make(value), redacted)
        assert redact_text(redacted) == redacted


# --------------------------------------------------------------------------- the library

_LIBRARY_RUN = """
import json, logging, sys
import wxcomponent  # the library's own filters, nothing else
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(message)s")
for line in json.load(sys.stdin):
    logging.getLogger("httpx").info("HTTP Request: GET %s", line)
    logging.getLogger("wxcomponent").warning(line)
    try:
        raise RuntimeError(line)
    except RuntimeError:
        logging.getLogger("wxcomponent.stores").exception("store call failed")
"""


def test_the_library_logs_no_secret_of_the_table() -> None:
    """A process that only imports wxcomponent: what its httpx and its own loggers write."""
    lines = every_line()
    result = subprocess.run([sys.executable, "-c", _LIBRARY_RUN],
                            input=json.dumps([line for _, line in lines]), capture_output=True,
                            text=True, timeout=60, cwd=ROOT, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("HTTP Request: GET") == len(lines)
    assert result.stderr.count("RuntimeError") == len(lines)
    for value, line in lines:
        assert not leaked(value, result.stderr), line


def test_a_library_user_s_logs_carry_no_token(caplog: pytest.LogCaptureFixture) -> None:
    """A real run: httpx logs every URL the component calls, tokens in their queries."""
    config = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                             encoding_aes_key=P.encoding_aes_key)
    caplog.set_level(logging.INFO, logger="httpx")
    store = MemoryStore()
    with EmulatorServer(ticket_interval=None) as emu, \
            Component(config, store, api_base=emu.url) as component:
        store.save_ticket(P.appid, emu.issue_ticket(P.appid), int(time.time()))
        grant = emu.authorize(P.appid, push=False)
        info = component.query_auth(grant.auth_code)
        client = component.authorizer(info.authorizer_appid)
        client.get_json("/cgi-bin/get_api_domain_ip")
        secrets = [component.access_token(), client.access_token(), grant.auth_code]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "httpx")
    assert "component_access_token=***" in logged and "?access_token=***" in logged
    for secret in secrets:
        assert not leaked(secret, logged)


# --------------------------------------------------------------------------- the service


def _settings(api_base: str) -> dict[str, object]:
    return {"platforms": [{"appid": P.appid, "secret": P.secret, "token": P.token,
                           "encoding_aes_key": P.encoding_aes_key}],
            "api_key": "redaction-test-key-0123456789", "refresh_interval": 0,
            "api_base": api_base}


def _query_lines() -> list[tuple[str, str]]:
    """(secret, query string) of every name, plain and inside an encoded redirect_uri."""
    return [(value_of(n), FORMS[f](n, value_of(n)))
            for n in NAMES for f in ("form", "percent-encoded", "name percent-encoded")]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(ticket_interval=None) as server:
        yield server


def test_the_service_logs_no_secret(emulator: EmulatorServer,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """A running service's access log, and what its own loggers write."""
    service = Service(settings_from_mapping(_settings(emulator.url)), store=MemoryStore())
    caplog.set_level(logging.INFO)
    with ServiceServer(service, log_level="info", access_log=True) as server:
        for _, query in _query_lines():
            httpx.get(f"{server.url}/{P.appid}/authorized?{query}",
                      headers={"Cookie": f"wxcomponent_console={value_of('cookie')}"})
        for _, line in every_line():
            logging.getLogger("wxcomponent.service").warning(line)
            logging.getLogger("wxcomponent.service.console").warning(line)
    text = caplog.text
    access = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) >= len(_query_lines())
    for value, line in [*_query_lines(), *every_line()]:
        assert not leaked(value, text), line


# --------------------------------------------------------------------------- the CLI


@needs_toml
def test_the_command_line_logs_no_secret(emulator: EmulatorServer, tmp_path: Path) -> None:
    """``wxcomponent serve`` as an operator runs it: its stdout and stderr."""
    port, admin_port = free_port(), free_port()
    config = write_config(tmp_path / "wx.toml", api_base=emulator.url,
                          store=tmp_path / "service.sqlite3", port=port,
                          admin_port=admin_port)
    url = f"http://127.0.0.1:{port}"
    with serving(config) as served:
        wait_healthz(url, served.process)
        for _, query in _query_lines():
            httpx.get(f"{url}/{P.appid}/authorized?{query}")
    assert served.process.returncode == 0, served.stderr
    logs = served.stdout + served.stderr
    assert logs.count(f"/{P.appid}/authorized?") >= len(_query_lines())
    for value, query in _query_lines():
        assert not leaked(value, logs), query


# --------------------------------------------------------------------------- the emulator


def test_the_emulator_logs_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """An emulator at uvicorn's trace level logs every request's query string."""
    levels = {name: logging.getLogger(name).level for name in ("uvicorn.error", "uvicorn.access")}
    caplog.set_level(5, logger="uvicorn.asgi")
    try:
        with EmulatorServer(ticket_interval=None, log_level="trace") as emu:
            for _, query in _query_lines():
                httpx.get(f"{emu.url}/cgi-bin/component/api_get_authorizer_list?{query}",
                          headers={"Authorization": f"Bearer {value_of('authorization')}"})
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    scopes = [r for r in caplog.records if r.name == "uvicorn.asgi"]
    assert len(scopes) >= len(_query_lines())
    text = caplog.text
    assert "query_string" in text
    for value, query in [*_query_lines(), (value_of("authorization"), "Authorization")]:
        assert not leaked(value, text), query
