"""Signing and verifying forwarded pushes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcomponent.errors import InvalidSignature, StalePush
from wxcomponent.webhooks import sign, verify

SECRET = "s" * 32


def test_a_signed_body_verifies_and_gives_its_timestamp() -> None:
    header = sign(SECRET, b'{"kind":"text"}', timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify(SECRET, header, b'{"kind":"text"}', now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00", "v1=00",
                                    "t=1700000000"])
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify(SECRET, header, b"{}", now=1_700_000_000)


def test_a_changed_body_another_secret_or_an_old_timestamp_is_refused() -> None:
    header = sign(SECRET, b"{}", timestamp=1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify(SECRET, header, b"{ }", now=1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify("t" * 32, header, b"{}", now=1_700_000_000)
    with pytest.raises(StalePush):
        verify(SECRET, header, b"{}", now=1_700_000_301)
    forged = header.replace("t=1700000000", "t=1700000300")
    with pytest.raises(InvalidSignature):  # moving the timestamp breaks the signature
        verify(SECRET, forged, b"{}", now=1_700_000_300)


@given(body=st.binary(max_size=200), secret=st.text(min_size=1, max_size=40),
       when=st.integers(min_value=0, max_value=2**33))
def test_sign_then_verify_round_trips(body: bytes, secret: str, when: int) -> None:
    assert verify(secret, sign(secret, body, timestamp=when), body, now=when) == when
