"""The messages users send to an authorized account (the message URL's ``MsgType`` other than
``event``): text, media, places, links and files.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import AuthorizerMessage, Builder
from .fields import decimal, integer, plain, text

__all__ = [
    "MESSAGES",
    "FileMessage",
    "ImageMessage",
    "LinkMessage",
    "LocationMessage",
    "ShortVideoMessage",
    "TextMessage",
    "UserMessage",
    "VideoMessage",
    "VoiceMessage",
]


@dataclass(frozen=True)
class UserMessage(AuthorizerMessage):
    """A message a user sent to an authorized account; ``msg_id`` identifies it (retries of
    the same message carry the same id)."""

    msg_id: int | None = None


@dataclass(frozen=True)
class TextMessage(UserMessage):
    """``text``: what the user typed."""

    content: str = ""


@dataclass(frozen=True)
class ImageMessage(UserMessage):
    """``image``: a picture (``pic_url`` to download it, ``media_id`` for the media API)."""

    pic_url: str = ""
    media_id: str = ""


@dataclass(frozen=True)
class VoiceMessage(UserMessage):
    """``voice``: a voice message; ``recognition`` is WeChat's transcript when enabled."""

    media_id: str = ""
    format: str = ""
    recognition: str | None = None


@dataclass(frozen=True)
class VideoMessage(UserMessage):
    """``video``: a video with its thumbnail."""

    media_id: str = ""
    thumb_media_id: str = ""


@dataclass(frozen=True)
class ShortVideoMessage(VideoMessage):
    """``shortvideo``: a short video with its thumbnail."""


@dataclass(frozen=True)
class LocationMessage(UserMessage):
    """``location``: a place the user sent."""

    latitude: float = 0.0
    longitude: float = 0.0
    scale: int = 0
    label: str = ""


@dataclass(frozen=True)
class LinkMessage(UserMessage):
    """``link``: a link the user shared."""

    title: str = ""
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class FileMessage(UserMessage):
    """``file``: a file the user sent."""

    title: str = ""
    description: str = ""
    file_key: str = ""
    file_md5: str = ""
    file_total_len: int = 0


def _video(cls: type[VideoMessage]) -> Builder[AuthorizerMessage]:
    return lambda base, raw: cls(**base, media_id=plain(raw, "MediaId"),
                                 thumb_media_id=plain(raw, "ThumbMediaId"))


#: The builders of the users' messages, by lower-cased ``MsgType``.
MESSAGES: dict[str, Builder[AuthorizerMessage]] = {
    "text": lambda b, r: TextMessage(**b, content=plain(r, "Content")),
    "image": lambda b, r: ImageMessage(**b, pic_url=plain(r, "PicUrl"),
                                       media_id=plain(r, "MediaId")),
    "voice": lambda b, r: VoiceMessage(**b, media_id=plain(r, "MediaId"),
                                       format=plain(r, "Format"),
                                       recognition=text(r, "Recognition")),
    "video": _video(VideoMessage),
    "shortvideo": _video(ShortVideoMessage),
    "location": lambda b, r: LocationMessage(**b, latitude=decimal(r, "Location_X"),
                                             longitude=decimal(r, "Location_Y"),
                                             scale=integer(r, "Scale", 0) or 0,
                                             label=plain(r, "Label")),
    "link": lambda b, r: LinkMessage(**b, title=plain(r, "Title"),
                                     description=plain(r, "Description"), url=plain(r, "Url")),
    "file": lambda b, r: FileMessage(**b, title=plain(r, "Title"),
                                     description=plain(r, "Description"),
                                     file_key=plain(r, "FileKey"), file_md5=plain(r, "FileMd5"),
                                     file_total_len=integer(r, "FileTotalLen", 0) or 0),
}
