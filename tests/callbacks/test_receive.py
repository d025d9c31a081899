"""Pushes in, answers out: an accepted push, GET echo, and every kind of hostile input."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wxcomponent import events
from wxcomponent.client import Component
from wxcomponent.core.callbacks import CallbackOptions, CallbackResponse, Push
from wxcomponent.core.policy import Policy

from .conftest import UNUSED_API, RecordingStore, config
from .wire import APPID, KEY2, Sender, sha1_sorted, xml_of

ALLOWED = {200, 400, 403, 405, 413}


def recorder(component: Component) -> list[tuple[Any, Push]]:
    """Register a handler on every route; return the list of its calls."""
    seen: list[tuple[Any, Push]] = []

    def handler(event: Any, push: Push) -> None:
        seen.append((event, push))

    component.on("component_verify_ticket")(handler)
    component.on(events.Event)(handler)
    component.on_default(handler)
    return seen


def test_ticket_push_is_stored_and_answered_success(
    component: Component, store: RecordingStore, sender: Sender
) -> None:
    seen = recorder(component)
    query, body = sender.ticket_push("ticket@@@first", create_time=1700000123)

    answer = component.handle_callback("POST", query, body)

    assert answer == CallbackResponse(200, (("Content-Type", "text/plain; charset=utf-8"),),
                                      b"success")
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None
    assert (ticket.value, ticket.created_at) == ("ticket@@@first", 1700000123)
    assert len(seen) == 1
    event, push = seen[0]
    assert isinstance(event, events.VerifyTicket) and event.ticket == "ticket@@@first"
    assert push.component_appid == APPID and push.authorizer_appid is None
    assert (push.timestamp, push.nonce, push.used_previous_key) == (query["timestamp"],
                                                                    "1234567", False)
    assert b"ticket@@@first" in push.xml


def test_query_may_be_a_raw_string_with_repeated_names(
    component: Component, store: RecordingStore, sender: Sender
) -> None:
    from urllib.parse import urlencode

    query, body = sender.ticket_push("ticket@@@raw")
    raw = urlencode(query) + "&nonce=second&timestamp=9"  # the first value of a name counts
    assert component.handle_callback("post", "?" + raw, body).body == b"success"
    ticket = store.inner.load_ticket(APPID)
    assert ticket is not None and ticket.value == "ticket@@@raw"


def test_get_echo(component: Component, store: RecordingStore, sender: Sender) -> None:
    answer = component.handle_callback("GET", sender.echo_query("echo-1234"), b"")
    assert (answer.status, answer.body) == (200, b"echo-1234")
    assert answer.header("content-type") == "text/plain; charset=utf-8"

    bad = dict(sender.echo_query("echo-1234"), signature="0" * 40)
    assert component.handle_callback("GET", bad, b"").status == 403
    assert component.handle_callback("GET", {"echostr": "x"}, b"").status == 400
    assert component.handle_callback("GET", "", b"").status == 400
    assert store.calls == []


# --------------------------------------------------------------------------- hostile input


def _without(name: str) -> Any:
    def make(sender: Sender) -> tuple[Any, Any, str]:
        query, body = sender.ticket_push()
        del query[name]
        return query, body, "POST"

    return make


def _signed(sender: Sender, encrypt: str, body: bytes | None = None) -> tuple[Any, Any, str]:
    query, sealed = sender.seal(b"", encrypt=encrypt)
    return query, sealed if body is None else body, "POST"


def _bad_signature(sender: Sender) -> tuple[Any, Any, str]:
    query, body = sender.ticket_push()
    query["msg_signature"] = sha1_sorted("another token", "1", "2")
    return query, body, "POST"


def _foreign_appid(sender: Sender) -> tuple[Any, Any, str]:
    query, body = sender.seal(sender.event("component_verify_ticket",
                                           ComponentVerifyTicket="t"), appid="wxe0000000000000ff")
    return query, body, "POST"


def _foreign_app_in_xml(sender: Sender) -> tuple[Any, Any, str]:
    message = sender.event("component_verify_ticket", appid="wxe0000000000000ff",
                           ComponentVerifyTicket="t")
    query, body = sender.seal(message)
    return query, body, "POST"


def _wrong_key(sender: Sender) -> tuple[Any, Any, str]:
    query, body = Sender(encoding_aes_key=KEY2).ticket_push()
    return query, body, "POST"


def _doctype_envelope(sender: Sender) -> tuple[Any, Any, str]:
    body = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e "QUFB">]>'
            b"<xml><Encrypt>&e;</Encrypt></xml>")
    query, _ = sender.seal(b"", encrypt="QUFB")
    return query, body, "POST"


def _doctype_inside(sender: Sender) -> tuple[Any, Any, str]:
    message = (b'<!DOCTYPE xml [<!ENTITY t "x">]><xml><AppId>' + APPID.encode()
               + b"</AppId><InfoType>component_verify_ticket</InfoType>"
               b"<ComponentVerifyTicket>&t;</ComponentVerifyTicket></xml>")
    query, body = sender.seal(message)
    return query, body, "POST"


def _huge(sender: Sender) -> tuple[Any, Any, str]:
    query, body = sender.ticket_push()
    return query, body[:-6] + b" " * (1 << 20) + b"</xml>", "POST"


def _no_kind(sender: Sender) -> tuple[Any, Any, str]:
    query, body = sender.seal(xml_of({"AppId": APPID, "CreateTime": 1}))
    return query, body, "POST"


CASES: dict[str, tuple[Any, int]] = {
    "no timestamp": (_without("timestamp"), 400),
    "no nonce": (_without("nonce"), 400),
    "no msg_signature": (_without("msg_signature"), 400),
    "encrypt_type raw": (lambda s: ({**s.ticket_push()[0], "encrypt_type": "raw"},
                                    s.ticket_push()[1], "POST"), 400),
    "bad signature": (_bad_signature, 403),
    "foreign appid in the plaintext": (_foreign_appid, 403),
    "foreign AppId field": (_foreign_app_in_xml, 403),
    "bad base64": (lambda s: _signed(s, "!!not*base64!!"), 400),
    "bad base64 padding": (lambda s: _signed(s, "QUFBQQ"), 400),
    "ciphertext not a block multiple": (lambda s: _signed(s, base64.b64encode(b"x" * 15)
                                                          .decode()), 400),
    "wrong key": (_wrong_key, (400, 403)),
    "no Encrypt element": (lambda s: (s.ticket_push()[0], b"<xml><AppId>x</AppId></xml>",
                                      "POST"), 400),
    "not XML": (lambda s: (s.ticket_push()[0], b"\x00\xff garbage", "POST"), 400),
    "empty body": (lambda s: (s.ticket_push()[0], b"", "POST"), 400),
    "body of the wrong type": (lambda s: (s.ticket_push()[0], 12345, "POST"), 400),
    "DOCTYPE in the envelope": (_doctype_envelope, 400),
    "DOCTYPE in the plaintext": (_doctype_inside, 400),
    "neither InfoType nor MsgType": (_no_kind, 400),
    "1 MB body": (_huge, 413),
    "PUT": (lambda s: (*s.ticket_push(), "PUT"), 405),
    "DELETE": (lambda s: (*s.ticket_push(), "DELETE"), 405),
    "method not text": (lambda s: (*s.ticket_push(), None), 405),
    "garbage query": (lambda s: ("%%%&&&===;\x00\udcff", s.ticket_push()[1], "POST"), 400),
    "no query": (lambda s: (None, s.ticket_push()[1], "POST"), 400),
    "query of the wrong type": (lambda s: (42, s.ticket_push()[1], "POST"), 400),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_refused_and_harmless(
    case: str, component: Component, store: RecordingStore, sender: Sender
) -> None:
    make, expected = CASES[case]
    seen = recorder(component)
    query, body, method = make(sender)

    answer = component.handle_callback(method, query, body)

    if isinstance(expected, tuple):
        assert answer.status in expected
    else:
        assert answer.status == expected, answer.body
    assert seen == []
    assert store.calls == []  # not even the dedupe lease: the store never changed
    assert store.inner.load_ticket(APPID) is None
    assert answer.header("content-type") == "text/plain; charset=utf-8"
    assert 0 < len(answer.body) < 300
    assert b"Traceback" not in answer.body and KEY2.encode() not in answer.body
    if expected == 405:
        assert answer.header("allow") == "GET, POST"


# --------------------------------------------------------------------------- property tests

_fuzz_store = RecordingStore()
_fuzz = Component(config(), _fuzz_store, api_base=UNUSED_API,  # type: ignore[arg-type]
                  policy=Policy(attempts=1),
                  callbacks=CallbackOptions(exchange_attempts=1, exchange_backoff=0))
_fuzz_sender = Sender()
_NAMES = ["timestamp", "nonce", "msg_signature", "signature", "echostr", "encrypt_type",
          "openid"]
_values = st.one_of(st.text(max_size=30), st.binary(max_size=30),
                    st.lists(st.text(max_size=10), max_size=3), st.integers(), st.none())


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=st.one_of(st.sampled_from(["GET", "POST", "PUT", "HEAD", "post", "get", ""]),
                     st.text(max_size=8), st.none(), st.integers()),
    query=st.one_of(
        st.none(), st.text(max_size=80), st.binary(max_size=80), st.integers(),
        st.dictionaries(st.one_of(st.sampled_from(_NAMES), st.text(max_size=8),
                                  st.integers()), _values, max_size=8),
    ),
    body=st.one_of(st.binary(max_size=3000), st.text(max_size=300), st.none(), st.integers(),
                   st.builds(lambda s: s.encode(), st.from_regex(
                       r"<xml><(AppId|ToUserName)>[a-z]*</\1><Encrypt>[A-Za-z0-9+/=]{0,80}"
                       r"</Encrypt></xml>", fullmatch=True))),
)
def test_random_requests_never_break(method: Any, query: Any, body: Any) -> None:
    before = len(_fuzz_store.calls)
    answer = _fuzz.handle_callback(method, query, body)
    assert isinstance(answer, CallbackResponse)
    assert answer.status in ALLOWED - {200}
    assert len(_fuzz_store.calls) == before


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    message=st.one_of(
        st.binary(max_size=400),
        st.dictionaries(
            st.sampled_from(["AppId", "InfoType", "CreateTime", "ComponentVerifyTicket",
                             "AuthorizerAppid", "AuthorizationCode", "MsgType", "Event",
                             "status", "appid", "auth_code", "ToUserName", "info", "x"]),
            st.one_of(st.text(max_size=20), st.integers(),
                      st.sampled_from([APPID, "component_verify_ticket", "unauthorized",
                                       "authorized", "notify_third_fasteregister", "event",
                                       "text"])),
            max_size=8,
        ).map(xml_of),
    ),
    nonce=st.text(alphabet="0123456789abc", min_size=1, max_size=10),
    envelope=st.sampled_from(["AppId", "ToUserName"]),
    authorizer=st.one_of(st.none(), st.just("wxa11ce00000000001")),
)
def test_random_signed_payloads_never_break(message: bytes, nonce: str, envelope: str,
                                            authorizer: str | None) -> None:
    query, body = _fuzz_sender.seal(message, nonce=nonce, envelope=envelope)
    answer = _fuzz.handle_callback("POST", query, body, authorizer_appid=authorizer)
    assert isinstance(answer, CallbackResponse)
    assert answer.status in ALLOWED - {405, 413}
    _fuzz.wait_background()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab=&?%+;x1 中", max_size=30))
def test_query_fast_path_agrees_with_parse_qsl(query: str) -> None:
    from urllib.parse import parse_qsl

    from wxcomponent.core.callbacks.checks import _params

    expected: dict[str, str] = {}
    for name, value in parse_qsl(query.lstrip("?"), keep_blank_values=True, errors="replace"):
        expected.setdefault(name, value)
    assert _params(query) == expected
