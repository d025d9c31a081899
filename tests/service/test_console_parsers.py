"""The console's parsers under arbitrary input: password hashes, session cookies, operators
in the settings, and the operator-hash command."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent.cli import cli
from wxcomponent.errors import ConfigurationError
from wxcomponent.service.console.operators import (
    hash_password,
    parse_password_hash,
    verify_password,
)
from wxcomponent.service.console.session import Sessions, _b64
from wxcomponent.service.settings import SettingsError, settings_from_mapping
from wxcomponent.stores import MemoryStore, as_async_store

from ..support.service import API_KEY, make_settings, platform_table

HASH = hash_password("the password")


def test_a_hash_verifies_its_password_only() -> None:
    parsed = parse_password_hash(HASH)
    assert verify_password("the password", parsed)
    for wrong in ("the passwordx", "", "The password", "x" * 2000):
        assert not verify_password(wrong, parsed)
    assert hash_password("the password") != HASH  # salted
    assert "the password" not in repr(parsed) and parsed.key.hex() not in repr(parsed)


def test_pbkdf2_hashes_verify_too() -> None:
    salt = b"0123456789abcdef"
    key = hashlib.pbkdf2_hmac("sha256", b"pw", salt, 200_000)
    text = (f"pbkdf2_sha256$200000${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(key).decode()}")
    assert verify_password("pw", parse_password_hash(text))
    assert not verify_password("pw2", parse_password_hash(text))


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_hash_or_a_configuration_error_without_its_value(text: str) -> None:
    try:
        parse_password_hash(text)
    except ConfigurationError as exc:
        assert exc.field == "password_hash"
        if len(text) > 8:
            assert text not in str(exc)


@given(st.lists(st.sampled_from(["scrypt", "pbkdf2_sha256", "16384", "8", "1", "0", "-1",
                                 "3", "2048", "99999999", "QUJD", "", "@@",
                                 base64.b64encode(b"x" * 16).decode()]), max_size=7))
@settings(max_examples=300, deadline=None)
def test_near_miss_hashes_are_refused_cleanly(parts: list[str]) -> None:
    with contextlib.suppress(ConfigurationError):
        parse_password_hash("$".join(parts))


SESSIONS = Sessions(make_settings(), as_async_store(MemoryStore()), lambda: 1_700_000_000.0)


@given(st.text(max_size=600))
@settings(max_examples=300, deadline=None)
def test_any_cookie_is_a_session_id_or_refused(cookie: str) -> None:
    assert SESSIONS.unseal(cookie) is None


@given(st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_any_cookie_reads_as_no_session_without_touching_the_store(cookie: str) -> None:
    session, why = asyncio.run(SESSIONS.read(cookie))
    assert session is None and why in ("missing", "invalid")


@given(st.fixed_dictionaries({"s": st.one_of(st.text(max_size=80),
                                             st.from_regex(r"[A-Za-z0-9_-]{10,70}",
                                                           fullmatch=True),
                                             st.integers(), st.none()),
                              "e": st.one_of(st.integers(), st.floats(), st.booleans(),
                                             st.text(max_size=5))}))
@settings(max_examples=300, deadline=None)
def test_a_signed_body_of_any_shape_is_an_id_and_an_end_or_refused(body: dict[str, object]
                                                                    ) -> None:
    """Even a body signed with the right key (a key leaked, or a bug of ours) must hold an
    id of 16 to 64 URL-safe base64 characters and an integer end, or be refused."""
    data = _b64(json.dumps(body).encode())
    mac = _b64(SESSIONS._mac(b"session", data.encode()))
    found = SESSIONS.unseal(f"{data}.{mac}")
    if found is not None:
        assert isinstance(body["s"], str) and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", body["s"])
        assert type(body["e"]) is int and found == (body["s"], body["e"])


def test_a_cookie_signed_for_other_settings_is_refused() -> None:
    store = as_async_store(MemoryStore(clock=lambda: 1_700_000_000.0))
    mine = Sessions(make_settings(), store, lambda: 1_700_000_000.0)
    theirs = Sessions(make_settings(api_key="another-admin-key-0123456789"), store,
                      lambda: 1_700_000_000.0)
    value, session = asyncio.run(mine.open("admin"))
    assert asyncio.run(mine.read(value)) == (session, "ok")
    assert asyncio.run(theirs.read(value)) == (None, "invalid")
    assert theirs.unseal(value) is None
    assert API_KEY not in value
    # the store keeps a digest of the session's id, never the id
    session_id, _ = mine.unseal(value) or ("", 0)
    assert session_id and session_id not in Sessions.record_key(session_id)
    assert session_id not in repr(session)


def test_operators_in_the_settings() -> None:
    base = {"platforms": [platform_table()]}
    found = settings_from_mapping({**base, "operators": [{"name": "alice",
                                                          "password_hash": HASH}]})
    assert [o.name for o in found.operators] == ["alice"]
    assert HASH not in repr(found) and HASH not in repr(found.operators)
    for bad, key in (([{"name": "alice", "password_hash": "nope"}],
                      "operators[0].password_hash"),
                     ([{"name": "a b", "password_hash": HASH}], "operators[0].name"),
                     ([{"name": "admin", "password_hash": HASH}], "operators[0].name"),
                     ([{"name": "x", "password_hash": HASH, "role": "root"}],
                      "operators[0].role"),
                     ([{"name": "x", "password_hash": HASH}] * 2, "operators"),
                     ("alice", "operators[0].password_hash"), (3, "operators")):
        with pytest.raises(SettingsError) as caught:
            settings_from_mapping({**base, "operators": bad})
        assert caught.value.field == key, (bad, caught.value)
        assert HASH not in str(caught.value)


def test_operator_hash_prints_a_hash_that_verifies() -> None:
    result = CliRunner().invoke(cli, ["operator-hash", "--stdin", "--name", "alice"],
                                input="s3cret pass\n")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("password_hash"))
    assert verify_password("s3cret pass", parse_password_hash(line.split('"')[1]))
    assert "s3cret pass" not in result.output
    refused = CliRunner().invoke(cli, ["operator-hash", "--stdin"], input="\n")
    assert refused.exit_code != 0
