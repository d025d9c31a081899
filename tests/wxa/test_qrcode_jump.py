"""Opening a mini program by scanning ordinary links, on both shells over HTTP: rules added,
listed, edited, published and deleted; their test links and published prefixes followed
through the emulator's control API; WeChat's errors typed, bad arguments refused before
anything is sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest

from wxcomponent import QrcodeJumpFile, QrcodeJumpRules
from wxcomponent.emulator import EmulatorServer, NotFound
from wxcomponent.errors import APIError

from .conftest import Side, mini_program, refused_before_sending, released

PREFIX = "https://shop.example.com/q/"


def test_a_rule_from_test_links_to_publication(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    jump = side.authorizer(appid).qrcode_jump
    side.run(jump.add_rule(PREFIX, "pages/order/detail", open_version="trial",
                           debug_urls=[PREFIX + "test-1"]))
    listed = side.run(jump.rules())
    assert isinstance(listed, QrcodeJumpRules) and listed.list_size == 1
    rule = listed.rules[0]
    assert (rule.prefix, rule.path, rule.open_version, rule.permit_sub_rule, rule.debug_url,
            rule.published) == (PREFIX, "pages/order/detail", 2, 1, (PREFIX + "test-1",),
                                False)
    test = emu.open_link(PREFIX + "test-1")
    assert (test["kind"], test["appid"], test["path"], test["env_version"]) == (
        "qrcode_jump", appid, "pages/order/detail", "trial")
    with pytest.raises(NotFound):  # not published: only the test links open it
        emu.open_link(PREFIX + "9")
    with pytest.raises(APIError) as caught:  # nothing released yet
        side.run(jump.publish_rule(PREFIX))
    assert caught.value.errcode == 85074
    released(emu, side, appid)
    side.run(jump.add_rule(PREFIX, "pages/order/list", edit=True))
    quota = side.run(jump.rules()).qrcodejump_pub_quota
    side.run(jump.publish_rule(PREFIX))
    after = side.run(jump.rules())
    assert after.rules[0].published and after.qrcodejump_pub_quota == quota - 1
    scanned = emu.open_link(PREFIX + "9?from=poster")
    assert (scanned["path"], scanned["env_version"]) == ("pages/order/list", "release")
    assert parse_qs(scanned["query"])["q"] == [PREFIX + "9?from=poster"]
    file = side.run(jump.check_file())
    assert isinstance(file, QrcodeJumpFile)
    assert file.file_name.endswith(".txt") and file.file_content
    side.run(jump.delete_rule(PREFIX))
    assert side.run(jump.rules()).rules == ()
    with pytest.raises(NotFound):
        emu.open_link(PREFIX + "9")


def test_errors_of_wechat(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    other = mini_program(emu, side)
    jump = side.authorizer(appid).qrcode_jump
    side.run(jump.add_rule(PREFIX, "pages/index/index"))
    with pytest.raises(APIError) as caught:
        side.run(jump.add_rule(PREFIX, "pages/index/index"))
    assert caught.value.errcode == 85071
    with pytest.raises(APIError) as caught:
        side.run(side.authorizer(other).qrcode_jump.add_rule(PREFIX, "pages/index/index"))
    assert caught.value.errcode == 85072
    with pytest.raises(APIError) as caught:
        side.run(jump.delete_rule("https://elsewhere.example.com/"))
    assert caught.value.errcode == 85066


@pytest.mark.parametrize(("method", "args", "kwargs", "argument"), [
    ("add_rule", ("shop.example.com/q/", "pages/a"), {}, "prefix"),
    ("add_rule", ("ftp://shop.example.com/", "pages/a"), {}, "prefix"),
    ("add_rule", (PREFIX, ""), {}, "path"),
    ("add_rule", (PREFIX, "pages/a"), {"open_version": 3}, "open_version"),
    ("add_rule", (PREFIX, "pages/a"), {"debug_urls": ["https://other.example.com/1"]},
     "debug_urls"),
    ("add_rule", (PREFIX, "pages/a"), {"debug_urls": [PREFIX + str(i) for i in range(6)]},
     "debug_urls"),
    ("add_rule", (PREFIX, "pages/a"), {"debug_urls": PREFIX + "1"}, "debug_urls"),
    ("add_rule", (PREFIX, "pages/a"), {"edit": "yes"}, "edit"),
    ("publish_rule", ("",), {}, "prefix"),
    ("delete_rule", ("not a link",), {}, "prefix"),
])
def test_bad_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side, method: str,
                                                  args: tuple[Any, ...], kwargs: dict[str, Any],
                                                  argument: str) -> None:
    group = side.authorizer(mini_program(emu, side)).qrcode_jump
    refused_before_sending(side, group, method, args, kwargs, argument)
