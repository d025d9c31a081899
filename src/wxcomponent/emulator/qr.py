"""The QR codes the emulator answers with: real QR codes, drawn with ``segno`` into PNG, that
any decoder reads back.

WeChat's mini-program codes are round "sun codes" only WeChat reads; the emulator draws a QR
code in their place, with the options that change an image (width, line colour, transparent
background). Each encodes what scanning it opens, as a URL of the emulator's own scheme:
``wxemulator://<kind>?appid=…&path=…&query=…&env_version=…`` (and ``scene=…`` for the
unlimited code), which :meth:`Emulator.open_link` reads back.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlencode, urlsplit

import segno

__all__ = ["CODE_SCHEME", "code_text", "qr_png", "read_code_text"]

#: The scheme of the emulator's codes.
CODE_SCHEME = "wxemulator"
#: The quiet zone around a code, in modules (the QR standard's four).
_BORDER = 4

Color = tuple[int, int, int]


def code_text(kind: str, **fields: str) -> str:
    """The text a code of ``kind`` encodes: what it opens."""
    return f"{CODE_SCHEME}://{kind}?{urlencode(fields)}"


def read_code_text(text: str) -> tuple[str, dict[str, str]] | None:
    """The kind and fields of a code's text (None: not one of the emulator's codes)."""
    parts = urlsplit(text)
    if parts.scheme != CODE_SCHEME or not parts.netloc:
        return None
    return parts.netloc, dict(parse_qsl(parts.query, keep_blank_values=True))


def qr_png(text: str, *, width: int = 430, color: Color = (0, 0, 0),
           transparent: bool = False) -> bytes:
    """A PNG of the QR code of ``text``, as wide as whole modules allow within ``width``
    pixels, drawn in ``color`` on white (or on a transparent background)."""
    # UTF-8 declared (ECI) for any text beyond ASCII, so no decoder guesses another charset
    code = segno.make_qr(text, error="m", encoding="utf-8", eci=not text.isascii())
    modules = code.symbol_size(scale=1, border=_BORDER)[0]
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, width // modules), border=_BORDER,
              dark=color, light=None if transparent else "white")
    return buffer.getvalue()
