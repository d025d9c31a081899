"""Mini-program codes: the limited and unlimited codes, the QR code, and the experience
version's QR code; each a real QR code (:mod:`..qr`) encoding what scanning it opens.

Internal module.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..calls import Binary, Call
from ..model import WxError
from ..qr import code_text, qr_png
from ._handlers import int_param, program_of
from .model import MiniProgram, Version

__all__ = ["ENV_VERSIONS", "experience_qrcode", "qrcode", "split_path", "unlimited_wxacode",
           "wxacode"]

ENV_VERSIONS = ("release", "trial", "develop")
_SCENE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "!#$&'()*+,/:;=?@-._~")


def split_path(path: str) -> tuple[str, str]:
    """A path with its query, split in two."""
    page, _, query = path.partition("?")
    return page, query


def env_version(call: Call) -> str:
    """The ``env_version`` asked for (release by default; 40097 for an unknown one)."""
    value = call.text("env_version") or "release"
    if value not in ENV_VERSIONS:
        raise WxError(40097, "invalid env_version")
    return value


def _image(call: Call, text: str) -> Binary:
    width = int_param(call, "width", 40189) if "width" in call.params else 430
    if not 280 <= width <= 1280:
        raise WxError(40189)
    color: tuple[int, int, int] = (0, 0, 0)
    if call.params.get("auto_color"):
        digest = hashlib.sha256(call.owner.encode()).digest()  # the account's own colour
        color = (digest[0] % 96, digest[1] % 96, digest[2] % 96)
    elif isinstance(call.params.get("line_color"), dict):
        line: dict[str, Any] = call.params["line_color"]
        try:
            color = (int(line["r"]), int(line["g"]), int(line["b"]))
        except (KeyError, TypeError, ValueError):
            raise WxError(40097, "invalid line_color") from None
        if not all(0 <= c <= 255 for c in color):
            raise WxError(40097, "invalid line_color")
    png = qr_png(text, width=width, color=color, transparent=bool(call.params.get("is_hyaline")))
    return Binary(png, "image/png")


def _count_code(call: Call, program: MiniProgram) -> None:
    if program.codes_made >= call.state.wxa.limits.wxacode_limit:
        raise WxError(45029)
    program.codes_made += 1


def wxacode(call: Call) -> Binary:
    program, account = program_of(call)
    path = call.text("path")
    if not path or len(path) > 1024:
        raise WxError(40159)
    version = env_version(call)
    _count_code(call, program)
    page, query = split_path(path)
    return _image(call, code_text("wxacode", appid=account.appid, path=page, query=query,
                                  env_version=version))


def _released_page(program: MiniProgram, page: str) -> None:
    released: Version | None = program.released
    if released is None or (page and page not in released.pages):
        raise WxError(41030)


def unlimited_wxacode(call: Call) -> Binary:
    program, account = program_of(call)
    scene = call.text("scene")
    if not scene or len(scene) > 32 or not _SCENE_CHARS.issuperset(scene):
        raise WxError(40169)
    page = call.text("page")
    if page.startswith("/") or "?" in page:
        raise WxError(41030)
    version = env_version(call)
    if call.params.get("check_path", True) is not False:
        _released_page(program, page)
    return _image(call, code_text("wxacode_unlimit", appid=account.appid, path=page,
                                  query="", scene=scene, env_version=version))


def qrcode(call: Call) -> Binary:
    program, account = program_of(call)
    path = call.text("path")
    if not path or len(path) > 128:
        raise WxError(40159)
    _count_code(call, program)
    page, query = split_path(path)
    return _image(call, code_text("wxaqrcode", appid=account.appid, path=page, query=query,
                                  env_version="release"))


def experience_qrcode(program: MiniProgram, path: str) -> Binary:
    """The experience version's QR code, opening ``path`` (``/wxa/get_qrcode``)."""
    page, query = split_path(path)
    text = code_text("experience", appid=program.appid, path=page, query=query,
                     env_version="trial")
    return Binary(qr_png(text), "image/png")
