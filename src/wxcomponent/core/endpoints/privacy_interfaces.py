"""A mini program's privacy interfaces (隐私接口), on its behalf: the front-end APIs it must
apply for (``wx.getLocation``, ``wx.chooseAddress`` …), their states, and applications with
their supporting pictures and video.

Internal module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import FileInput, call, endpoint, model
from ..models_wxa import PrivacyApplication, PrivacyInterfaceList
from ._checks import optional_text, text, texts
from ._media import upload_temporary

__all__ = ["apply", "list_interfaces"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

LIST = endpoint("GET", "/wxa/security/get_privacy_interface", model(PrivacyInterfaceList),
                token=_A)
APPLY = endpoint("POST", "/wxa/security/apply_privacy_interface", model(PrivacyApplication),
                 token=_A)

#: The reason of an application, pictures and videos it may carry.
CONTENT_MAX, PICTURES_MAX, VIDEOS_MAX = 300, 10, 1


def list_interfaces(ctx: Context, authorizer_appid: str) -> Flow[PrivacyInterfaceList]:
    """Every privacy interface with its state (1 not applied … 5 approved)."""
    return call(ctx, LIST, authorizer_appid=authorizer_appid)


def _files(values: Sequence[FileInput], argument: str) -> list[FileInput]:
    if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Sequence):
        raise InvalidArgument(argument, "give a list of files")
    return list(values)


def apply(ctx: Context, authorizer_appid: str, api_name: str, content: str = "", *,
          url_list: Sequence[str] = (), pic_list: Sequence[str] = (),
          video_list: Sequence[str] = (), pictures: Sequence[FileInput] = (),
          videos: Sequence[FileInput] = ()) -> Flow[PrivacyApplication]:
    """Apply for the interface ``api_name`` (case-sensitive, e.g. ``wx.choosePoi``) with
    the reason ``content`` (at most 300 characters), pages showing its use (``url_list``)
    and up to 10 pictures and one mp4 video. ``pictures`` and ``videos`` are files uploaded
    first as temporary material (``/cgi-bin/media/upload``), their media ids joining
    ``pic_list`` and ``video_list``; WeChat's doc describes those lists only as links to
    the material, so both forms are sent as given. The review's result is pushed as
    ``wxa_privacy_apply``: re-read :meth:`list` then, its states are the ones to trust."""
    body: dict[str, Any] = {"api_name": text(api_name, "api_name")}
    if optional_text(content, "content", max_len=CONTENT_MAX):
        body["content"] = content
    urls = texts(url_list, "url_list")
    pics = texts(pic_list, "pic_list")
    vids = texts(video_list, "video_list")
    picture_files = _files(pictures, "pictures")
    video_files = _files(videos, "videos")
    if len(pics) + len(picture_files) > PICTURES_MAX:
        raise InvalidArgument("pictures", f"at most {PICTURES_MAX} pictures in all")
    if len(vids) + len(video_files) > VIDEOS_MAX:
        raise InvalidArgument("videos", f"at most {VIDEOS_MAX} video")
    for file in picture_files:
        pics.append((yield from upload_temporary(ctx, authorizer_appid, file, "image",
                                                 "pictures")))
    for file in video_files:
        vids.append((yield from upload_temporary(ctx, authorizer_appid, file, "video",
                                                 "videos")))
    for name, values in (("url_list", urls), ("pic_list", pics), ("video_list", vids)):
        if values:
            body[name] = values
    return (yield from call(ctx, APPLY, authorizer_appid=authorizer_appid, body=body))
