"""Users' messages as typed events, passive replies, and dispatching a decrypted push."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcomponent import Component, ComponentConfig, events
from wxcomponent.core.xml import build_xml, parse_xml
from wxcomponent.errors import InvalidArgument, XMLError
from wxcomponent.replies import (
    Article,
    ImageReply,
    MusicReply,
    NewsReply,
    TextReply,
    TransferCustomerService,
    VideoReply,
    VoiceReply,
)
from wxcomponent.stores import MemoryStore

BASE = {"ToUserName": "gh_0123456789ab", "FromUserName": "o-user", "CreateTime": 1700000000}


def parse(**fields: Any) -> events.Event:
    return events.parse_event(build_xml({**BASE, **fields}).encode())


@pytest.mark.parametrize(("fields", "cls", "attrs"), [
    ({"MsgType": "text", "Content": "你好", "MsgId": 11}, events.TextMessage,
     {"content": "你好", "msg_id": 11}),
    ({"MsgType": "image", "PicUrl": "http://p", "MediaId": "m", "MsgId": 1},
     events.ImageMessage, {"pic_url": "http://p", "media_id": "m"}),
    ({"MsgType": "voice", "MediaId": "m", "Format": "amr", "Recognition": "说"},
     events.VoiceMessage, {"format": "amr", "recognition": "说"}),
    ({"MsgType": "video", "MediaId": "m", "ThumbMediaId": "t"}, events.VideoMessage,
     {"thumb_media_id": "t"}),
    ({"MsgType": "shortvideo", "MediaId": "m", "ThumbMediaId": "t"}, events.ShortVideoMessage,
     {"media_id": "m"}),
    ({"MsgType": "location", "Location_X": "23.13", "Location_Y": "113.27", "Scale": 20,
      "Label": "广州"}, events.LocationMessage,
     {"latitude": 23.13, "longitude": 113.27, "scale": 20, "label": "广州"}),
    ({"MsgType": "link", "Title": "t", "Description": "d", "Url": "http://u"},
     events.LinkMessage, {"url": "http://u"}),
    ({"MsgType": "file", "Title": "a.pdf", "FileKey": "k", "FileMd5": "5",
      "FileTotalLen": 99}, events.FileMessage, {"file_total_len": 99}),
    ({"MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_1", "Ticket": "T"},
     events.SubscribeEvent, {"event_key": "qrscene_1", "ticket": "T"}),
    ({"MsgType": "event", "Event": "unsubscribe"}, events.UnsubscribeEvent, {}),
    ({"MsgType": "event", "Event": "SCAN", "EventKey": "1"}, events.ScanEvent,
     {"event_key": "1"}),
    ({"MsgType": "event", "Event": "LOCATION", "Latitude": "1.5", "Longitude": "2.5",
      "Precision": "3"}, events.LocationEvent, {"latitude": 1.5, "precision": 3.0}),
    ({"MsgType": "event", "Event": "CLICK", "EventKey": "K"}, events.MenuClickEvent,
     {"event_key": "K"}),
    ({"MsgType": "event", "Event": "VIEW", "EventKey": "http://v", "MenuId": "9"},
     events.MenuViewEvent, {"menu_id": "9"}),
    ({"MsgType": "event", "Event": "TEMPLATESENDJOBFINISH", "MsgID": 7, "Status": "success"},
     events.TemplateSendJobFinishEvent, {"msg_id": 7, "delivered": True}),
    ({"MsgType": "event", "Event": "user_enter_tempsession", "SessionFrom": "page"},
     events.UserEnterTempsessionEvent, {"session_from": "page"}),
])
def test_users_messages_are_typed(fields: dict[str, Any], cls: type, attrs: dict[str, Any]
                                  ) -> None:
    event = parse(**fields)
    assert type(event) is cls
    for name, value in attrs.items():
        assert getattr(event, name) == value
    assert event.raw["MsgType"] == fields["MsgType"]


def test_unknown_messages_pass_through_with_every_field() -> None:
    event = parse(MsgType="miniprogrampage", Title="t", AppId="wx1", PagePath="p")
    assert type(event) is events.AuthorizerMessage
    assert event.get("PagePath") == "p" and event.get("AppId") == "wx1"
    unknown_event = parse(MsgType="event", Event="some_new_event", Extra="x")
    assert type(unknown_event) is events.AuthorizerMessage and unknown_event.get("Extra") == "x"


def test_bad_numbers_are_typed_errors() -> None:
    with pytest.raises(XMLError):
        parse(MsgType="location", Location_X="north", Location_Y="1")
    with pytest.raises(XMLError):
        parse(MsgType="text", Content="x", MsgId="twelve")


def test_names_are_constants() -> None:
    assert events.MsgType.TEXT == "text" and events.EventType.SCAN == "SCAN"
    assert events.InfoType.AUTHORIZED == "authorized"


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@given(msg_type=st.sampled_from(["text", "image", "voice", "video", "shortvideo", "location",
                                 "link", "file", "event", "other"]),
       event=st.sampled_from(["subscribe", "SCAN", "LOCATION", "CLICK", "VIEW",
                              "TEMPLATESENDJOBFINISH", "user_enter_tempsession", "x"]),
       values=st.dictionaries(st.sampled_from(["Content", "MsgId", "Location_X", "Scale",
                                               "Latitude", "FileTotalLen", "EventKey",
                                               "MsgID", "Status"]), text, max_size=6))
def test_any_message_parses_or_raises_xml_error(msg_type: str, event: str,
                                                values: dict[str, str]) -> None:
    fields: dict[str, Any] = {"MsgType": msg_type, **values}
    if msg_type == "event":
        fields["Event"] = event
    try:
        parsed = parse(**fields)
    except XMLError:
        return
    assert isinstance(parsed, events.AuthorizerMessage)
    assert parsed.msg_type == msg_type


# --------------------------------------------------------------------------- replies


def reply_xml(reply: Any) -> dict[str, Any]:
    from wxcomponent.replies import reply_fields

    xml = build_xml(reply_fields(reply, to_user="o-user", from_user="gh_x", create_time=5))
    return dict(parse_xml(xml.encode()))


def test_every_reply_is_written_as_wechat_expects() -> None:
    assert reply_xml(TextReply("hi"))["Content"] == "hi"
    assert reply_xml(ImageReply("m1"))["Image"] == {"MediaId": "m1"}
    assert reply_xml(VoiceReply("m2"))["Voice"] == {"MediaId": "m2"}
    assert reply_xml(VideoReply("m3", "t", "d"))["Video"] == {
        "MediaId": "m3", "Title": "t", "Description": "d"}
    music = reply_xml(MusicReply("thumb", "song", music_url="http://m"))["Music"]
    assert music["ThumbMediaId"] == "thumb" and music["MusicUrl"] == "http://m"
    news = reply_xml(NewsReply([Article("a", "http://a"), Article("b", "http://b", "d")]))
    assert news["ArticleCount"] == "2" and news["MsgType"] == "news"
    assert reply_xml(TransferCustomerService())["MsgType"] == "transfer_customer_service"
    assert reply_xml(TransferCustomerService("kf@x"))["TransInfo"] == {"KfAccount": "kf@x"}
    head = reply_xml(TextReply("x"))
    assert (head["ToUserName"], head["FromUserName"], head["CreateTime"]) == ("o-user", "gh_x",
                                                                              "5")


@pytest.mark.parametrize("build", [
    lambda: TextReply(""), lambda: ImageReply(""), lambda: NewsReply([]),
    lambda: NewsReply([Article("t", "u")] * 9), lambda: Article("", "u"),
    lambda: NewsReply(["not an article"]),  # type: ignore[list-item]
    lambda: TransferCustomerService(""), lambda: VideoReply("m", title=3),  # type: ignore
])
def test_bad_replies_are_refused_when_built(build: Any) -> None:
    with pytest.raises(InvalidArgument):
        build()


# --------------------------------------------------------------------------- dispatch


CONFIG = ComponentConfig(appid="wx1111111111111111", secret="s", token="t",
                         encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")


def test_dispatch_runs_a_decrypted_push_and_returns_the_reply_unencrypted() -> None:
    store = MemoryStore()
    with Component(CONFIG, store, api_base="http://127.0.0.1:9", clock=lambda: 7.0) as comp:
        comp.on("text")(lambda message, push: TextReply(f"echo {message.content}"))
        reply = comp.dispatch(build_xml({**BASE, "MsgType": "text", "Content": "hi"}),
                              authorizer_appid="wxaaaaaaaaaaaaaaaa")
        assert reply is not None
        fields = parse_xml(reply)
        assert (fields["Content"], fields["ToUserName"], fields["CreateTime"]) == (
            "echo hi", "o-user", "7")
        assert comp.dispatch(build_xml({**BASE, "MsgType": "image", "MediaId": "m"})) is None
        ticket = build_xml({"AppId": CONFIG.appid, "CreateTime": 5,
                            "InfoType": "component_verify_ticket",
                            "ComponentVerifyTicket": "ticket@@@x"})
        assert comp.dispatch(ticket) is None
        assert store.load_ticket(CONFIG.appid).value == "ticket@@@x"
        with pytest.raises(XMLError):
            comp.dispatch(b"<xml><nothing/></xml>")
        with pytest.raises(Exception) as caught:
            comp.dispatch(build_xml({"AppId": "wx9999999999999999", "CreateTime": 5,
                                     "InfoType": "unauthorized", "AuthorizerAppid": "wxa"}))
        assert type(caught.value).__name__ == "AppIdMismatch"
