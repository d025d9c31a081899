"""The emulator's QR images: any text comes back from a real decoder, the width bounds the
image, the colour and the transparent background are as asked, and the text of a code says
what it opens."""

from __future__ import annotations

import io

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from wxcomponent.emulator import EmulatorServer
from wxcomponent.emulator.qr import code_text, qr_png, read_code_text

from ..support.qr import decode_qr, image_size


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_text_comes_back(text: str) -> None:
    assert decode_qr(qr_png(text)) == text


@given(st.integers(min_value=280, max_value=1280))
@settings(max_examples=10, deadline=None)
def test_the_width_bounds_the_image(width: int) -> None:
    size = image_size(qr_png("wxemulator://wxacode?appid=wx1&path=pages%2Fa", width=width))
    assert size[0] == size[1] and width * 0.8 < size[0] <= width


def test_colour_and_transparency() -> None:
    content = qr_png("hello", color=(10, 20, 200), transparent=True)
    pixels = Image.open(io.BytesIO(content)).convert("RGBA")
    colours = {c for _, c in pixels.getcolors(1 << 22) or ()}
    assert colours == {(10, 20, 200, 255), (colours - {(10, 20, 200, 255)}).pop()}
    assert pixels.getpixel((0, 0))[3] == 0
    assert decode_qr(content) == "hello"


def test_the_text_of_a_code() -> None:
    text = code_text("wxacode_unlimit", appid="wx1", path="pages/a", scene="a=1&b=~")
    assert read_code_text(text) == ("wxacode_unlimit",
                                    {"appid": "wx1", "path": "pages/a", "scene": "a=1&b=~"})
    assert read_code_text("https://example.com/") is None


def test_opening_over_the_control_api(emu: EmulatorServer) -> None:
    text = code_text("wxaqrcode", appid="wx1", path="pages/a", query="x=1",
                     env_version="release")
    with httpx.Client(base_url=emu.url, trust_env=False) as client:
        answer = client.post("/__emulator__/open_link", json={"link": text})
        assert answer.status_code == 200
        assert answer.json() == {"kind": "wxaqrcode", "appid": "wx1", "path": "pages/a",
                                 "query": "x=1", "env_version": "release"}
        missing = client.post("/__emulator__/open_link", json={"link": "https://nowhere/"})
        assert missing.status_code == 404
