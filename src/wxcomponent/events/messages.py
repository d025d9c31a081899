"""The messages users send to an authorized account (the message URL's ``MsgType`` other than
``event``): text, media, places, links and files.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import AuthorizerMessage

__all__ = [
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
