"""The service's parsers and rules on their own: link and state tokens, rate limits, JSON
bodies (property tests where input is hostile). Log redaction: ``tests/core/test_redaction.py``."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent.errors import InvalidArgument
from wxcomponent.service.body import MAX_DEPTH, _depth
from wxcomponent.service.links import (
    AuthorizationLink,
    AuthorizationState,
    LinkExpired,
    LinkInvalid,
    LinkSigner,
    code_digest,
    validate_tenant,
)
from wxcomponent.service.ratelimit import RateLimiter, limit_key

from ..support.service import FakeClock

APPID = "wx0123456789abcdef"
OTHER = "wx00000000000000b2"
SIGNER = LinkSigner(APPID, "platform-secret")
tenants = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp",
                                                     "Zs")),
                  min_size=1, max_size=128)


@given(tenant=tenants, expires=st.integers(2, 2**40), auth_type=st.sampled_from([1, 2, 3, 4,
                                                                                  5, 6, 8]),
       categories=st.lists(st.integers(0, 2**31 - 1), max_size=32), mobile=st.booleans())
def test_a_link_round_trips(tenant: str, expires: int, auth_type: int, categories: list[int],
                            mobile: bool) -> None:
    link = AuthorizationLink.new(APPID, tenant, expires, auth_type=auth_type,
                                 category_ids=categories, mobile=mobile)
    token = SIGNER.sign_link(link)
    assert SIGNER.open_link(token, expires - 1) == link
    with pytest.raises(LinkExpired):
        SIGNER.open_link(token, expires)
    with pytest.raises(LinkInvalid):
        LinkSigner(APPID, "another-secret").open_link(token, 0)
    with pytest.raises(LinkInvalid):
        SIGNER.open_state(token, 0)  # a link is no state


@given(token=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.hex()))
def test_any_token_is_refused_cleanly(token: str) -> None:
    for opener in (SIGNER.open_link, SIGNER.open_state):
        with pytest.raises(LinkInvalid):
            opener(token, 0)


@given(data=st.data())
@settings(max_examples=200)
def test_any_change_to_a_token_is_refused(data: st.DataObject) -> None:
    link = AuthorizationLink.new(APPID, data.draw(tenants), 2**40)
    token = SIGNER.sign_link(link)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("AQgw_-.x0"))
    changed = token[:index] + replacement + token[index + 1:]
    if changed != token:
        with pytest.raises(LinkInvalid):
            SIGNER.open_link(changed, 0)


def test_a_state_round_trips_and_names_its_platform() -> None:
    state = AuthorizationState(code_digest("preauthcode@@@x"), APPID, 100, "t", None)
    assert SIGNER.open_state(SIGNER.sign_state(state), 99) == state
    other = LinkSigner(OTHER, "platform-secret")
    with pytest.raises(LinkInvalid):
        other.open_state(SIGNER.sign_state(state), 0)
    with pytest.raises(InvalidArgument):
        other.sign_state(state)
    assert "platform-secret" not in repr(SIGNER)


@pytest.mark.parametrize("tenant", ["", " x", "x ", "a\nb", "\x00", "x" * 129, 5, None])
def test_bad_tenants_are_refused(tenant: object) -> None:
    with pytest.raises(InvalidArgument):
        validate_tenant(tenant)


# --------------------------------------------------------------------------- rate limits


def test_a_bucket_refills_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6, clock)  # one token every 10 s
    assert [limiter.take("192.0.2.1") for _ in range(7)] == [0] * 6 + [10]
    assert limiter.blocked("192.0.2.1") == 10
    clock.advance(10)
    assert limiter.take("192.0.2.1") == 0
    assert limiter.take("192.0.2.1") == 10
    assert limiter.take("192.0.2.2") == 0  # another address, another bucket


def test_ipv6_clients_are_counted_per_64() -> None:
    assert limit_key("2001:db8:1:2:3:4:5:6") == limit_key("2001:db8:1:2:ffff::1")
    assert limit_key("2001:db8:1:2::1") != limit_key("2001:db8:1:3::1")
    assert limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert limit_key("not-an-address") == "not-an-address"


def test_the_table_of_addresses_is_bounded() -> None:
    limiter = RateLimiter(1, FakeClock(), max_addresses=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert limiter.tracked == 100


def test_a_disabled_limiter_allows_everything() -> None:
    limiter = RateLimiter(0, FakeClock())
    assert not limiter.enabled
    assert all(limiter.take("192.0.2.1") == 0 for _ in range(1000))


def test_many_threads_share_one_budget() -> None:
    limiter = RateLimiter(50, FakeClock())
    allowed: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(100):
            if limiter.take("192.0.2.1") == 0:
                with lock:
                    allowed.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 50


# --------------------------------------------------------------------------- JSON depth


@given(depth=st.integers(0, 3000), inside=st.sampled_from(['"[{"', '"\\\\"', "1", '"x\\""']))
def test_depth_is_measured_without_recursion(depth: int, inside: str) -> None:
    raw = ("[" * depth + inside + "]" * depth).encode()
    assert _depth(raw) == depth
    assert (depth > MAX_DEPTH) == (_depth(raw) > MAX_DEPTH)
