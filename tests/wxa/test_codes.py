"""Mini-program codes on both shells, end to end over HTTP: the limited and unlimited
mini-program codes, the QR code, and the experience version's QR code — each image read back
by a real QR decoder and opened through the emulator's control API; WeChat's errors typed,
bad arguments refused before anything is sent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from wxcomponent import LineColor, Media
from wxcomponent.core.endpoints import codes
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import (
    CodeLimitReached,
    InvalidArgument,
    PageNotFound,
    PermissionDenied,
    UnexpectedAnswer,
)

from ..support.qr import decode_qr, image_size
from .conftest import (
    PNG_MAGIC,
    Side,
    committed,
    mini_program,
    official_account,
    refused_before_sending,
    released,
)

SCENE_CHARS = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "!#$&'()*+,/:;=?@-._~")


def opened(emu: EmulatorServer, image: Media) -> dict[str, Any]:
    """What scanning ``image`` opens, as the emulator resolves the decoded code."""
    assert isinstance(image, Media) and image.content.startswith(PNG_MAGIC)
    assert image.content_type == "image/png"
    return dict(emu.open_link(decode_qr(image.content)))


def test_the_experience_qr_code_is_a_real_qr_code(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    committed(emu, side, appid)
    code = side.authorizer(appid).code
    home = opened(emu, side.run(code.qrcode()))
    assert (home["kind"], home["appid"], home["env_version"]) == ("experience", appid, "trial")
    page = opened(emu, side.run(code.qrcode("pages/order/list?id=7")))
    assert (page["path"], page["query"]) == ("pages/order/list", "id=7")


def test_the_limited_code_with_its_options(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    codes_ = side.authorizer(appid).codes
    plain = side.run(codes_.wxacode("pages/order/detail?id=42"))
    target = opened(emu, plain)
    assert target == {"kind": "wxacode", "appid": appid, "path": "pages/order/detail",
                      "query": "id=42", "env_version": "release"}
    assert image_size(plain.content)[0] <= 430
    wide = side.run(codes_.wxacode("pages/index/index", env_version="trial", width=1280,
                                   line_color=LineColor(200, 0, 0), is_hyaline=True))
    assert opened(emu, wide)["env_version"] == "trial"
    width, _ = image_size(wide.content)
    assert 1000 < width <= 1280
    pixels = Image.open(io.BytesIO(wide.content)).convert("RGBA")
    assert pixels.getpixel((0, 0))[3] == 0  # a transparent background
    dark = {c for _, c in pixels.getcolors(1 << 22) or () if c[3] == 255}
    assert dark == {(200, 0, 0, 255)}  # drawn in the line colour
    sent = side.sent("/wxa/getwxacode")[-1]
    assert b'"line_color":{"r":200,"g":0,"b":0}' in sent.content.replace(b" ", b"")


def test_the_unlimited_code_carries_its_scene(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    released(emu, side, appid)
    codes_ = side.authorizer(appid).codes
    image = side.run(codes_.unlimited_wxacode("id=42&from=~x", page="pages/order/detail"))
    assert opened(emu, image) == {"kind": "wxacode_unlimit", "appid": appid,
                                  "path": "pages/order/detail", "query": "",
                                  "scene": "id=42&from=~x", "env_version": "release"}
    with pytest.raises(PageNotFound):  # check_path: the released version has no such page
        side.run(codes_.unlimited_wxacode("a", page="pages/unknown"))
    unchecked = side.run(codes_.unlimited_wxacode("a", page="pages/new", check_path=False,
                                                  env_version="develop", auto_color=True))
    assert opened(emu, unchecked)["path"] == "pages/new"


def test_the_unlimited_code_checks_a_page_only_once_released(emu: EmulatorServer,
                                                            side: Side) -> None:
    appid = mini_program(emu, side)
    codes_ = side.authorizer(appid).codes
    with pytest.raises(PageNotFound):
        side.run(codes_.unlimited_wxacode("a", page="pages/index/index"))
    image = side.run(codes_.unlimited_wxacode("a", check_path=False))
    assert opened(emu, image)["path"] == ""  # the home page


def test_the_qr_code(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    image = side.run(side.authorizer(appid).codes.qrcode("pages/me/index?tab=2", width=280))
    assert opened(emu, image) == {"kind": "wxaqrcode", "appid": appid, "path": "pages/me/index",
                                  "query": "tab=2", "env_version": "release"}
    assert image_size(image.content)[0] <= 280


def test_an_official_account_has_no_codes(emu: EmulatorServer, side: Side) -> None:
    appid = official_account(emu, side)
    with pytest.raises(PermissionDenied):
        side.run(side.authorizer(appid).codes.wxacode("pages/index/index"))


def test_an_answer_that_is_not_an_image_is_an_error(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.inject("/wxa/getwxacode", errcode=0)  # JSON without an errcode worth the name
    with pytest.raises(UnexpectedAnswer) as caught:
        side.run(side.authorizer(appid).codes.wxacode("pages/index/index"))
    assert caught.value.path == "/wxa/getwxacode"


@pytest.mark.parametrize(("method", "args", "kwargs", "argument"), [
    ("wxacode", ("",), {}, "path"),
    ("wxacode", ("p" * 1025,), {}, "path"),
    ("wxacode", ("pages/a",), {"width": 279}, "width"),
    ("wxacode", ("pages/a",), {"width": 1281}, "width"),
    ("wxacode", ("pages/a",), {"env_version": "beta"}, "env_version"),
    ("wxacode", ("pages/a",), {"line_color": (0, 0, 0)}, "line_color"),
    ("wxacode", ("pages/a",), {"is_hyaline": 1}, "is_hyaline"),
    ("unlimited_wxacode", ("",), {}, "scene"),
    ("unlimited_wxacode", ("x" * 33,), {}, "scene"),
    ("unlimited_wxacode", ("a b",), {}, "scene"),
    ("unlimited_wxacode", ("场景",), {}, "scene"),
    ("unlimited_wxacode", ("a",), {"page": "/pages/a"}, "page"),
    ("unlimited_wxacode", ("a",), {"page": "pages/a?x=1"}, "page"),
    ("unlimited_wxacode", ("a",), {"check_path": "no"}, "check_path"),
    ("qrcode", ("p" * 129,), {}, "path"),
    ("qrcode", ("pages/a",), {"width": 0}, "width"),
])
def test_bad_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side, method: str,
                                                  args: tuple[Any, ...], kwargs: dict[str, Any],
                                                  argument: str) -> None:
    group = side.authorizer(mini_program(emu, side)).codes
    refused_before_sending(side, group, method, args, kwargs, argument)


def test_line_colour_bounds() -> None:
    with pytest.raises(InvalidArgument):
        LineColor(0, 256, 0)
    with pytest.raises(InvalidArgument):
        LineColor(-1, 0, 0)
    assert LineColor(1, 2, 3).to_json() == {"r": 1, "g": 2, "b": 3}


@given(st.text(alphabet=SCENE_CHARS, min_size=1, max_size=32))
def test_every_scene_of_the_allowed_set_is_taken(scene: str) -> None:
    assert codes.check_scene(scene) == scene


@given(st.text(min_size=1, max_size=40))
def test_a_scene_is_taken_exactly_when_wechat_takes_it(scene: str) -> None:
    allowed = len(scene) <= 32 and all(c in SCENE_CHARS for c in scene)
    if allowed:
        assert codes.check_scene(scene) == scene
    else:
        with pytest.raises(InvalidArgument):
            codes.check_scene(scene)


@given(st.text(min_size=0, max_size=40))
def test_a_page_has_no_leading_slash_and_no_query(page: str) -> None:
    if page.startswith("/") or "?" in page or any(c.isspace() for c in page):
        with pytest.raises(InvalidArgument):
            codes.check_page(page)
    else:
        assert codes.check_page(page) == page


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(scene=st.text(alphabet=SCENE_CHARS, min_size=1, max_size=32))
def test_any_scene_comes_back_from_the_image(emu: EmulatorServer, scene: str) -> None:
    from wxcomponent import Component
    from wxcomponent.stores import MemoryStore

    from .conftest import APPID, CONFIG

    store = MemoryStore()
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))
    grant = emu.authorize(APPID, kind="mini_program", push=False)
    with Component(CONFIG, store, api_base=emu.url) as component:
        component.query_auth(grant.auth_code)
        image = component.authorizer(grant.authorizer_appid).codes.unlimited_wxacode(
            scene, check_path=False)
    assert emu.open_link(decode_qr(image.content))["scene"] == scene


def test_the_limited_codes_run_out(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.configure_mini_programs(wxacode_limit=2)
    codes_ = side.authorizer(appid).codes
    side.run(codes_.wxacode("pages/index/index"))
    side.run(codes_.qrcode("pages/index/index"))  # counted with the limited codes
    with pytest.raises(CodeLimitReached):
        side.run(codes_.wxacode("pages/index/index"))
    image = side.run(codes_.unlimited_wxacode("still", check_path=False))  # no limit
    assert opened(emu, image)["scene"] == "still"
