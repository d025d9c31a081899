"""Reading the QR codes the emulator draws: the PNG decoded to pixels and the code read back
by a real decoder, as a phone would (transparent backgrounds laid on white first)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

__all__ = ["decode_qr", "image_size"]


def _pixels(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def decode_qr(content: bytes) -> str:
    """The text of the one QR code in the image ``content`` (fails when there is none)."""
    found = zxingcpp.read_barcodes(_pixels(content), formats=zxingcpp.BarcodeFormat.QRCode,
                                   text_mode=zxingcpp.TextMode.Plain)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)


def image_size(content: bytes) -> tuple[int, int]:
    """The width and height of the image ``content``."""
    with Image.open(io.BytesIO(content)) as image:
        return image.size
