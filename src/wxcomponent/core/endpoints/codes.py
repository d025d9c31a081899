"""A mini program's codes, on its behalf: the limited mini-program code (``getwxacode``), the
unlimited one that carries a scene (``getwxacodeunlimit``) and the QR code
(``createwxaqrcode``). Each answers an image (:class:`~wxcomponent.Media`) or a typed error;
the engine tells the two apart by the content type (:data:`~..engine.IMAGE`).

Arguments are checked here as WeChat checks them, before anything is sent: a scene is 1-32
characters of ``0-9A-Za-z!#$&'()*+,/:;=?@-._~``, a page has no leading ``/`` and no query, a
width is 280-1280 pixels.

Internal module.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import IMAGE, call, endpoint
from ..models import Media
from ..models_wxa import LineColor
from ._checks import choice, flag, number, optional_text, text

__all__ = [
    "ENV_VERSIONS",
    "SCENE_CHARS",
    "check_page",
    "check_scene",
    "qrcode",
    "unlimited_wxacode",
    "wxacode",
]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

WXACODE = endpoint("POST", "/wxa/getwxacode", IMAGE, token=_A)
WXACODE_UNLIMITED = endpoint("POST", "/wxa/getwxacodeunlimit", IMAGE, token=_A)
WXA_QRCODE = endpoint("POST", "/cgi-bin/wxaapp/createwxaqrcode", IMAGE, token=_A)

#: The versions a code or link may open.
ENV_VERSIONS = ("release", "trial", "develop")
#: The characters a scene may hold.
SCENE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "!#$&'()*+,/:;=?@-._~")
#: The longest scene.
SCENE_MAX = 32
#: The longest path of a limited code, and of a QR code.
PATH_MAX = 1024
QRCODE_PATH_MAX = 128
#: The widths WeChat draws, and its default.
WIDTH_MIN, WIDTH_MAX, WIDTH_DEFAULT = 280, 1280, 430


def check_scene(scene: object) -> str:
    """``scene`` when WeChat takes it: 1-32 characters of :data:`SCENE_CHARS`."""
    if not isinstance(scene, str) or not scene:
        raise InvalidArgument("scene", "must be a non-empty string")
    if len(scene) > SCENE_MAX:
        raise InvalidArgument("scene", f"must be at most {SCENE_MAX} characters")
    if not SCENE_CHARS.issuperset(scene):
        raise InvalidArgument("scene", "may hold only 0-9, A-Z, a-z and !#$&'()*+,/:;=?@-._~ "
                                       "(encode anything else yourself)")
    return scene


def check_page(page: object) -> str:
    """``page`` when WeChat takes it as the page of an unlimited code: a path with no leading
    ``/``, no query and no spaces ("" opens the home page)."""
    page = optional_text(page, "page", max_len=PATH_MAX)
    if page.startswith("/"):
        raise InvalidArgument("page", "must not start with / (pages/index/index, not "
                                      "/pages/index/index)")
    if "?" in page:
        raise InvalidArgument("page", "takes no query: put what the page needs in scene")
    if any(c.isspace() for c in page):
        raise InvalidArgument("page", "must not hold spaces")
    return page


def _looks(width: int, auto_color: bool, line_color: LineColor | None,
           is_hyaline: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "width": number(width, "width", minimum=WIDTH_MIN, maximum=WIDTH_MAX),
        "auto_color": flag(auto_color, "auto_color"),
        "is_hyaline": flag(is_hyaline, "is_hyaline"),
    }
    if line_color is not None:
        if not isinstance(line_color, LineColor):
            raise InvalidArgument("line_color", "must be a LineColor(r, g, b)")
        body["line_color"] = line_color.to_json()
    return body


def wxacode(ctx: Context, authorizer_appid: str, path: str, *, env_version: str = "release",
            width: int = WIDTH_DEFAULT, auto_color: bool = False,
            line_color: LineColor | None = None, is_hyaline: bool = False) -> Flow[Media]:
    """A mini-program code opening ``path`` (a page with its query, up to 1024 characters)
    of the ``env_version`` version (``release``, ``trial`` or ``develop``).

    ``width`` is the code's width in pixels (280-1280); ``auto_color`` lets WeChat choose the
    colour, else ``line_color`` sets it (black by default); ``is_hyaline`` makes the
    background transparent. WeChat limits how many of these codes a mini program makes in
    all (:class:`~wxcomponent.errors.CodeLimitReached`): for many codes use
    :meth:`unlimited_wxacode`.
    """
    body = {"path": text(path, "path", max_len=PATH_MAX),
            "env_version": choice(env_version, "env_version", ENV_VERSIONS),
            **_looks(width, auto_color, line_color, is_hyaline)}
    return call(ctx, WXACODE, authorizer_appid=authorizer_appid, body=body)


def unlimited_wxacode(ctx: Context, authorizer_appid: str, scene: str, *, page: str = "",
                      check_path: bool = True, env_version: str = "release",
                      width: int = WIDTH_DEFAULT, auto_color: bool = False,
                      line_color: LineColor | None = None,
                      is_hyaline: bool = False) -> Flow[Media]:
    """A mini-program code opening ``page`` (the home page when "") with ``scene``, which the
    page reads from its launch options; WeChat makes as many as asked (5000 a minute).

    ``scene`` is 1-32 characters of ``0-9A-Za-z!#$&'()*+,/:;=?@-._~``; ``page`` has no leading
    ``/`` and no query. With ``check_path`` (the default) the page must exist in the released
    version (:class:`~wxcomponent.errors.PageNotFound` otherwise); turn it off for a page not
    released yet. The look is as for :meth:`wxacode`.
    """
    body: dict[str, Any] = {"scene": check_scene(scene),
                            "check_path": flag(check_path, "check_path"),
                            "env_version": choice(env_version, "env_version", ENV_VERSIONS),
                            **_looks(width, auto_color, line_color, is_hyaline)}
    checked_page = check_page(page)
    if checked_page:
        body["page"] = checked_page
    return call(ctx, WXACODE_UNLIMITED, authorizer_appid=authorizer_appid, body=body)


def qrcode(ctx: Context, authorizer_appid: str, path: str, *,
           width: int = WIDTH_DEFAULT) -> Flow[Media]:
    """A square QR code opening ``path`` (a page with its query, up to 128 characters) of
    the released version; counted with :meth:`wxacode` against WeChat's limit."""
    body = {"path": text(path, "path", max_len=QRCODE_PATH_MAX),
            "width": number(width, "width", minimum=WIDTH_MIN, maximum=WIDTH_MAX)}
    return call(ctx, WXA_QRCODE, authorizer_appid=authorizer_appid, body=body)
