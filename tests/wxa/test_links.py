"""A mini program's links on both shells, end to end over HTTP: URL Schemes, URL Links and
Short Links made, queried and opened through the emulator's control API, with their expiry
on the emulated clock; WeChat's errors typed, bad arguments refused before anything is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcomponent import CloudBase, LinkExpiry, LinkInfo
from wxcomponent.core.endpoints import links
from wxcomponent.emulator import EmulatorServer, LinkExpired, NotFound
from wxcomponent.errors import APIError, InvalidArgument, LinkNotFound, PageNotFound

from .conftest import Side, advance, mini_program, refused_before_sending, released

DAY = 86400
QUERY_CHARS = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "!#$&'()*+,/:;=?@-._~%")


def released_program(emu: EmulatorServer, side: Side) -> str:
    """A mini program with a released version (its pages: the emulator's default four)."""
    appid = mini_program(emu, side)
    released(emu, side, appid)
    return appid


def test_a_scheme_opens_its_page_until_it_expires(emu: EmulatorServer, side: Side) -> None:
    appid = released_program(emu, side)
    made_at = int(emu.now())
    scheme = side.run(side.authorizer(appid).links.scheme(
        "pages/order/detail", "id=7&from=sms", env_version="trial",
        expiry=LinkExpiry.after_days(2)))
    assert isinstance(scheme, str) and scheme.startswith("weixin://dl/business/?t=")
    opened = emu.open_link(scheme)
    assert (opened["kind"], opened["appid"], opened["path"], opened["query"],
            opened["env_version"]) == ("scheme", appid, "pages/order/detail", "id=7&from=sms",
                                       "trial")
    info = side.run(side.authorizer(appid).links.query_scheme(scheme))
    assert isinstance(info, LinkInfo)
    assert (info.appid, info.path, info.query, info.env_version) == (
        appid, "pages/order/detail", "id=7&from=sms", "trial")
    assert info.create_time == made_at and info.expire_time == made_at + 2 * DAY
    assert not info.expired(emu.now()) and info.remain_visit_quota > 0
    advance(emu, side, 2 * DAY)
    with pytest.raises(LinkExpired):
        emu.open_link(scheme)
    answer = httpx.post(f"{emu.url}/__emulator__/open_link", json={"link": scheme},
                        trust_env=False)
    assert answer.status_code == 410 and answer.json()["expire_time"] == made_at + 2 * DAY
    # WeChat still describes an expired scheme
    assert side.run(side.authorizer(appid).links.query_scheme(scheme)).expired(emu.now())


def test_a_url_link_with_a_time_and_the_thirty_days_default(emu: EmulatorServer,
                                                            side: Side) -> None:
    appid = released_program(emu, side)
    client = side.authorizer(appid).links
    now = int(emu.now())
    link = side.run(client.url_link("pages/me/index", expiry=LinkExpiry.at(now + 3600)))
    assert link.startswith("https://wxaurl.cn/")
    assert side.run(client.query_url_link(link)).expire_time == now + 3600
    lasting = side.run(client.url_link(cloud_base=CloudBase("prod-1", path="/h5/index.html")))
    info = side.run(client.query_url_link(lasting))
    assert (info.path, info.expire_time) == ("", now + 30 * DAY)
    assert info.raw["url_link_info"]["cloud_base"] == {"env": "prod-1", "path": "/h5/index.html"}
    advance(emu, side, 3600)
    with pytest.raises(LinkExpired):
        emu.open_link(link)
    assert emu.open_link(lasting)["path"] == ""  # the home page, for 30 days
    advance(emu, side, 30 * DAY)
    with pytest.raises(LinkExpired):
        emu.open_link(lasting)


def test_short_links(emu: EmulatorServer, side: Side) -> None:
    appid = released_program(emu, side)
    client = side.authorizer(appid).links
    now = int(emu.now())
    short = side.run(client.short_link("pages/order/list?tab=2", "订单"))
    lasting = side.run(client.short_link("pages/index/index", permanent=True))
    assert short.startswith("#小程序://") and lasting.startswith("#小程序://")
    opened = emu.open_link(short)
    assert (opened["path"], opened["query"], opened["expire_time"]) == (
        "pages/order/list", "tab=2", now + 30 * DAY)
    advance(emu, side, 31 * DAY)
    with pytest.raises(LinkExpired):
        emu.open_link(short)
    assert emu.open_link(lasting)["expire_time"] == 0


def test_errors_of_wechat(emu: EmulatorServer, side: Side) -> None:
    unreleased = mini_program(emu, side)
    with pytest.raises(APIError) as caught:
        side.run(side.authorizer(unreleased).links.scheme("pages/index/index"))
    assert caught.value.errcode == 85079
    appid = released_program(emu, side)
    client = side.authorizer(appid).links
    with pytest.raises(PageNotFound):
        side.run(client.url_link("pages/unknown"))
    with pytest.raises(APIError) as caught:
        side.run(client.scheme(expiry=LinkExpiry.at(int(emu.now()) + 31 * DAY)))
    assert caught.value.errcode == 85401
    with pytest.raises(LinkNotFound):
        side.run(client.query_scheme("weixin://dl/business/?t=unknown"))
    scheme = side.run(client.scheme())
    with pytest.raises(LinkNotFound):  # a URL Link query does not find a scheme
        side.run(client.query_url_link("https://wxaurl.cn/" + scheme.rsplit("=", 1)[1]))
    with pytest.raises(NotFound):
        emu.open_link("https://wxaurl.cn/unknown")


@pytest.mark.parametrize(("method", "args", "kwargs", "argument"), [
    ("scheme", ("pages/a?x=1",), {}, "path"),
    ("scheme", ("pages/a", "a b"), {}, "query"),
    ("scheme", ("pages/a", "名字"), {}, "query"),
    ("scheme", ("pages/a", "x" * 1025), {}, "query"),
    ("scheme", (), {"env_version": "prod"}, "env_version"),
    ("scheme", (), {"expiry": 30}, "expiry"),
    ("url_link", (), {"cloud_base": {"env": "x"}}, "cloud_base"),
    ("short_link", ("",), {}, "page_url"),
    ("short_link", ("pages/a",), {"permanent": "yes"}, "permanent"),
    ("query_scheme", ("https://wxaurl.cn/x",), {}, "scheme"),
    ("query_url_link", ("weixin://dl/business/?t=x",), {}, "url_link"),
])
def test_bad_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side, method: str,
                                                  args: tuple[Any, ...], kwargs: dict[str, Any],
                                                  argument: str) -> None:
    group = side.authorizer(mini_program(emu, side)).links
    refused_before_sending(side, group, method, args, kwargs, argument)


@pytest.mark.parametrize("make", [
    lambda: LinkExpiry.after_days(0), lambda: LinkExpiry.after_days(31),
    lambda: LinkExpiry.at(-1), lambda: LinkExpiry(), lambda: LinkExpiry(100, 2),
    lambda: CloudBase(""), lambda: CloudBase("env", path="/a?b=1"),
])
def test_bad_parts_are_refused(make: Any) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_expiries_as_wechat_takes_them() -> None:
    assert LinkExpiry.at(1_800_000_000).to_json() == {
        "is_expire": True, "expire_type": 0, "expire_time": 1_800_000_000}
    assert LinkExpiry.after_days(7).to_json() == {
        "is_expire": True, "expire_type": 1, "expire_interval": 7}


@given(st.text(max_size=60))
def test_a_query_is_taken_exactly_when_wechat_takes_it(query: str) -> None:
    if all(c in QUERY_CHARS for c in query):
        assert links.check_target("", query, "release")["query"] == query
    else:
        with pytest.raises(InvalidArgument):
            links.check_target("", query, "release")
