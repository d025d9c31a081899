"""Passive replies to users' messages: what a handler returns to answer at once.

A handler registered for an authorized account's message (``component.on("text")``) may
return one of these; it is written as WeChat's reply XML, addressed back to the sender and
encrypted with the key that decrypted the request::

    @component.on("text")
    def echo(message: TextMessage, push: Push) -> TextReply:
        return TextReply(f"you said: {message.content}")

A reply must reach WeChat within 5 seconds; for anything slower, answer ``None`` (WeChat gets
``success``) and send a customer-service message later. Every reply checks its fields when it
is built and raises :class:`~wxcomponent.errors.InvalidArgument` for a bad one.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidArgument

__all__ = [
    "Article",
    "ImageReply",
    "MusicReply",
    "NewsReply",
    "Reply",
    "TextReply",
    "TransferCustomerService",
    "VideoReply",
    "VoiceReply",
    "reply_fields",
]

#: The most articles a news reply may carry.
MAX_ARTICLES = 8


def _need(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(name, "must be a non-empty string")
    return value


def _optional(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(name, "must be a string")
    return value


class Reply(abc.ABC):
    """Base of the passive replies: :meth:`fields` are the reply's XML fields after
    ``ToUserName``, ``FromUserName`` and ``CreateTime``."""

    msg_type: str = ""

    @abc.abstractmethod
    def fields(self) -> dict[str, Any]:
        """The reply's own XML fields, ``MsgType`` first."""


@dataclass(frozen=True)
class TextReply(Reply):
    """A text reply."""

    content: str
    msg_type = "text"

    def __post_init__(self) -> None:
        _need("content", self.content)

    def fields(self) -> dict[str, Any]:
        """``MsgType`` and ``Content``."""
        return {"MsgType": "text", "Content": self.content}


@dataclass(frozen=True)
class _MediaReply(Reply):
    """A reply that is one uploaded file, by its ``media_id``, under an element named after
    its ``MsgType`` (``Image``, ``Voice``)."""

    media_id: str

    def __post_init__(self) -> None:
        _need("media_id", self.media_id)

    def fields(self) -> dict[str, Any]:
        """``MsgType`` and ``Image/MediaId`` (``Voice/MediaId`` for a voice reply)."""
        return {"MsgType": self.msg_type, self.msg_type.capitalize(): {"MediaId": self.media_id}}


@dataclass(frozen=True)
class ImageReply(_MediaReply):
    """An image reply, by the ``media_id`` of an uploaded image."""

    msg_type = "image"


@dataclass(frozen=True)
class VoiceReply(_MediaReply):
    """A voice reply, by the ``media_id`` of an uploaded voice file."""

    msg_type = "voice"


@dataclass(frozen=True)
class VideoReply(Reply):
    """A video reply, by the ``media_id`` of an uploaded video."""

    media_id: str
    title: str = ""
    description: str = ""
    msg_type = "video"

    def __post_init__(self) -> None:
        _need("media_id", self.media_id)
        _optional("title", self.title)
        _optional("description", self.description)

    def fields(self) -> dict[str, Any]:
        """``MsgType`` and ``Video`` with its media id, title and description."""
        video = {"MediaId": self.media_id, "Title": self.title,
                 "Description": self.description}
        return {"MsgType": "video", "Video": video}


@dataclass(frozen=True)
class MusicReply(Reply):
    """A music reply: the links to play and the ``thumb_media_id`` of its cover."""

    thumb_media_id: str
    title: str = ""
    description: str = ""
    music_url: str = ""
    hq_music_url: str = ""
    msg_type = "music"

    def __post_init__(self) -> None:
        _need("thumb_media_id", self.thumb_media_id)
        for name in ("title", "description", "music_url", "hq_music_url"):
            _optional(name, getattr(self, name))

    def fields(self) -> dict[str, Any]:
        """``MsgType`` and ``Music``."""
        music = {"Title": self.title, "Description": self.description,
                 "MusicUrl": self.music_url, "HQMusicUrl": self.hq_music_url,
                 "ThumbMediaId": self.thumb_media_id}
        return {"MsgType": "music", "Music": music}


@dataclass(frozen=True)
class Article:
    """One article of a :class:`NewsReply`."""

    title: str
    url: str
    description: str = ""
    pic_url: str = ""

    def __post_init__(self) -> None:
        _need("title", self.title)
        _need("url", self.url)
        _optional("description", self.description)
        _optional("pic_url", self.pic_url)


@dataclass(frozen=True, init=False)
class NewsReply(Reply):
    """A news reply: one article (WeChat shows only the first of several in replies)."""

    articles: tuple[Article, ...] = field(default=())
    msg_type = "news"

    def __init__(self, articles: Iterable[Article]) -> None:
        items = tuple(articles) if not isinstance(articles, (str, bytes)) else ()
        if not items or len(items) > MAX_ARTICLES:
            raise InvalidArgument("articles", f"give 1 to {MAX_ARTICLES} articles")
        if not all(isinstance(item, Article) for item in items):
            raise InvalidArgument("articles", "each article must be an Article")
        object.__setattr__(self, "articles", items)

    def fields(self) -> dict[str, Any]:
        """``MsgType``, ``ArticleCount`` and ``Articles/item``."""
        items = [{"Title": a.title, "Description": a.description, "PicUrl": a.pic_url,
                  "Url": a.url} for a in self.articles]
        return {"MsgType": "news", "ArticleCount": len(items), "Articles": {"item": items}}


@dataclass(frozen=True)
class TransferCustomerService(Reply):
    """Hand the conversation to customer service (to ``kf_account`` when given)."""

    kf_account: str | None = None
    msg_type = "transfer_customer_service"

    def __post_init__(self) -> None:
        if self.kf_account is not None:
            _need("kf_account", self.kf_account)

    def fields(self) -> dict[str, Any]:
        """``MsgType`` and, with an account, ``TransInfo/KfAccount``."""
        out: dict[str, Any] = {"MsgType": "transfer_customer_service"}
        if self.kf_account:
            out["TransInfo"] = {"KfAccount": self.kf_account}
        return out


def reply_fields(reply: Reply | Mapping[str, Any], *, to_user: str, from_user: str,
                 create_time: int) -> dict[str, Any]:
    """The full XML fields of a reply (a :class:`Reply` or a mapping of fields) addressed back
    to the sender."""
    own = reply.fields() if isinstance(reply, Reply) else dict(reply)
    return {"ToUserName": to_user, "FromUserName": from_user, "CreateTime": create_time, **own}
