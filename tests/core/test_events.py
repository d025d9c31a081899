"""Hardened XML and the typed events: one fixture per push kind, hostile XML refused."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent import events, parse_event
from wxcomponent.core.xml import build_xml, parse_xml
from wxcomponent.errors import BodyTooLarge, CallbackError, XMLError
from wxcomponent.events import fields

C = "wx1234567890abcdef"


def xml(body: str) -> bytes:
    return f"<xml>{body}</xml>".encode()


def test_verify_ticket() -> None:
    ev = parse_event(xml(
        f"<AppId><![CDATA[{C}]]></AppId><CreateTime>1413192605</CreateTime>"
        "<InfoType><![CDATA[component_verify_ticket]]></InfoType>"
        "<ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket>"
    ))
    assert isinstance(ev, events.VerifyTicket)
    assert ev.ticket == "ticket@@@abc"
    assert ev.component_appid == C
    assert ev.create_time == 1413192605
    assert ev.raw["ComponentVerifyTicket"] == "ticket@@@abc"
    assert "ticket@@@abc" not in repr(ev)
    # Built without its __init__: exactly the dataclass's fields, equal to one built with it.
    assert set(vars(ev)) == {f.name for f in dataclasses.fields(events.VerifyTicket)}
    assert ev == events.VerifyTicket(1413192605, ev.raw, C, "component_verify_ticket",
                                     "ticket@@@abc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.ticket = "other"  # type: ignore[misc]
    assert parse_event(xml(
        "<InfoType>component_verify_ticket</InfoType><CreateTime> 7 </CreateTime>"
        "<ComponentVerifyTicket>t</ComponentVerifyTicket>")).create_time == 7
    assert parse_event(xml(
        "<InfoType>component_verify_ticket</InfoType><CreateTime> </CreateTime>"
        "<ComponentVerifyTicket>t</ComponentVerifyTicket>")).create_time == 0


@pytest.mark.parametrize("info_type,cls", [
    ("authorized", events.Authorized), ("updateauthorized", events.UpdateAuthorized),
])
def test_authorized_and_update(info_type: str, cls: type) -> None:
    ev = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>1413192760</CreateTime><InfoType>{info_type}</InfoType>"
        "<AuthorizerAppid>wxaaaaaaaaaaaaaaaa</AuthorizerAppid>"
        "<AuthorizationCode>queryauthcode@@@x</AuthorizationCode>"
        "<AuthorizationCodeExpiredTime>1413193360</AuthorizationCodeExpiredTime>"
        "<PreAuthCode>preauthcode@@@y</PreAuthCode>"
    ))
    assert type(ev) is cls
    assert isinstance(ev, cls)
    assert ev.authorizer_appid == "wxaaaaaaaaaaaaaaaa"  # type: ignore[attr-defined]
    assert ev.authorization_code == "queryauthcode@@@x"  # type: ignore[attr-defined]
    assert ev.authorization_code_expired_time == 1413193360  # type: ignore[attr-defined]
    assert ev.pre_auth_code == "preauthcode@@@y"  # type: ignore[attr-defined]


def test_authorized_is_not_update() -> None:
    assert not issubclass(events.UpdateAuthorized, events.Authorized)
    assert not issubclass(events.Authorized, events.UpdateAuthorized)


def test_unauthorized() -> None:
    ev = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType>"
        "<AuthorizerAppid>wxbbbbbbbbbbbbbbbb</AuthorizerAppid>"
    ))
    assert isinstance(ev, events.Unauthorized)
    assert ev.authorizer_appid == "wxbbbbbbbbbbbbbbbb"


FAST_INFO = (
    "<info><name><![CDATA[公司名]]></name><code><![CDATA[123]]></code><code_type>1</code_type>"
    "<legal_persona_wechat><![CDATA[wxid]]></legal_persona_wechat>"
    "<legal_persona_name><![CDATA[张三]]></legal_persona_name>"
    "<component_phone><![CDATA[1234567]]></component_phone></info>"
)


def test_fast_register_success() -> None:
    ev = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>1535442403</CreateTime>"
        "<InfoType>notify_third_fasteregister</InfoType><appid>wxcccccccccccccccc</appid>"
        "<status>0</status><auth_code>xxxxx</auth_code><msg>OK</msg>" + FAST_INFO
    ))
    assert isinstance(ev, events.FastRegisterResult)
    assert ev.succeeded and ev.appid == "wxcccccccccccccccc" and ev.auth_code == "xxxxx"
    assert ev.info["name"] == "公司名" and ev.info["code_type"] == "1"


def test_fast_register_failure_without_appid() -> None:
    ev = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>1535442403</CreateTime>"
        "<InfoType>notify_third_fasteregister</InfoType>"
        "<status>89250</status><msg>内部错误</msg>" + FAST_INFO
    ))
    assert isinstance(ev, events.FastRegisterResult)
    assert not ev.succeeded
    assert ev.appid is None and ev.auth_code is None and ev.status == 89250


def test_beta_app_events() -> None:
    reg = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>2</CreateTime>"
        "<InfoType>notify_third_fastregisterbetaapp</InfoType><appid>wxdddddddddddddddd</appid>"
        "<status>0</status><msg>OK</msg><info><unique_id>u1</unique_id><name>trial</name></info>"
    ))
    assert isinstance(reg, events.BetaAppRegistered)
    assert reg.unique_id == "u1" and reg.name == "trial" and reg.succeeded
    ver = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>3</CreateTime>"
        "<InfoType>notify_third_fastverifybetaapp</InfoType><appid>wxdddddddddddddddd</appid>"
        "<status>0</status><msg>OK</msg>" + FAST_INFO
    ))
    assert isinstance(ver, events.BetaAppVerified)
    assert ver.info["legal_persona_name"] == "张三"


@pytest.mark.parametrize("info_type", [
    "something_new",
])
def test_unknown_info_types_pass_through(info_type: str) -> None:
    ev = parse_event(xml(
        f"<AppId>{C}</AppId><CreateTime>4</CreateTime><InfoType>{info_type}</InfoType>"
        "<taskid>t1</taskid><nested><a>1</a><a>2</a></nested>"
    ))
    assert isinstance(ev, events.UnknownEvent)
    assert ev.info_type == info_type
    assert ev.raw["taskid"] == "t1"
    assert ev.raw["nested"] == {"a": ["1", "2"]}


def msg(body: str) -> bytes:
    return xml(
        "<ToUserName><![CDATA[gh_123456789abc]]></ToUserName>"
        "<FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>1488856741</CreateTime>"
        + body
    )


def test_weapp_audit_events() -> None:
    ok = parse_event(msg("<MsgType>event</MsgType><Event>weapp_audit_success</Event>"
                         "<SuccTime>1488856741</SuccTime>"))
    assert isinstance(ok, events.WeappAuditResult) and ok.succeeded
    assert ok.succ_time == 1488856741 and ok.route_key == "event:weapp_audit_success"
    fail = parse_event(msg("<MsgType>event</MsgType><Event>weapp_audit_fail</Event>"
                           "<Reason>bad</Reason><FailTime>1488856741</FailTime>"
                           "<ScreenShot>m1|m2|m3</ScreenShot>"))
    assert isinstance(fail, events.WeappAuditResult) and not fail.succeeded
    assert fail.screenshots == ("m1", "m2", "m3") and fail.reason == "bad"
    delay = parse_event(msg("<MsgType>event</MsgType><Event>weapp_audit_delay</Event>"
                            "<Reason>busy</Reason><DelayTime>1488856741</DelayTime>"))
    assert isinstance(delay, events.WeappAuditResult) and delay.delay_time == 1488856741


def test_nickname_audit() -> None:
    ev = parse_event(msg("<MsgType>event</MsgType><Event>wxa_nickname_audit</Event>"
                         "<ret>3</ret><nickname>昵称</nickname><reason></reason>"))
    assert isinstance(ev, events.NicknameAuditResult)
    assert ev.approved and ev.nickname == "昵称"
    rejected = parse_event(msg("<MsgType>event</MsgType><Event>wxa_nickname_audit</Event>"
                               "<ret>2</ret><nickname>n</nickname><reason>no</reason>"))
    assert isinstance(rejected, events.NicknameAuditResult) and not rejected.approved


def test_plain_messages() -> None:
    text = parse_event(msg("<MsgType>text</MsgType><Content>hello</Content><MsgId>1</MsgId>"))
    assert type(text) is events.TextMessage and text.content == "hello" and text.msg_id == 1
    assert text.msg_type == "text" and text.event is None and text.route_key == "text"
    assert text.get("Content") == "hello"
    other = parse_event(msg("<MsgType>event</MsgType><Event>wxa_future_event</Event>"))
    assert type(other) is events.AuthorizerMessage
    assert other.route_key == "event:wxa_future_event"


def test_official_vector_plaintext_parses() -> None:
    ev = parse_event(
        b"<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName>"
        b"<![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329"
        b"</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]>"
        b"</Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>"
    )
    assert isinstance(ev, events.AuthorizerMessage)
    assert ev.event == "debug_demo" and ev.raw["debug_str"] == "hello world"


@pytest.mark.parametrize("body,reason", [
    (xml("<CreateTime>1</CreateTime>"), "neither"),
    (xml(f"<AppId>{C}</AppId><InfoType>component_verify_ticket</InfoType>"), "ComponentVerify"),
    (xml(f"<AppId>{C}</AppId><InfoType>unauthorized</InfoType>"), "AuthorizerAppid"),
    (xml("<InfoType>component_verify_ticket</InfoType><CreateTime>soon</CreateTime>"
         "<ComponentVerifyTicket>t</ComponentVerifyTicket>"), "not an integer"),
    (xml("<InfoType><a>nested</a></InfoType>"), "text"),
    (b"<xml><InfoType>authorized</InfoType><xml>", "malformed"),  # WeChat's broken sample
    (b"", "malformed"),
    (b"\xff\xfe", "malformed"),
])
def test_missing_or_bad_fields(body: bytes, reason: str) -> None:
    with pytest.raises(XMLError, match=reason):
        parse_event(body)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><InfoType>&lol3;</InfoType></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><InfoType>&xxe;</InfoType></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><xml/>"""


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY,
    b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>',
    b"<xml><a>&undefined;</a></xml>",
])
def test_hostile_xml_refused(body: bytes) -> None:
    with pytest.raises(XMLError):
        parse_xml(body)


def test_size_limit_is_configurable() -> None:
    body = xml("<a>" + "x" * 1000 + "</a>")
    assert parse_xml(body, max_size=len(body))["a"] == "x" * 1000
    with pytest.raises(BodyTooLarge):
        parse_xml(body, max_size=len(body) - 1)
    with pytest.raises(BodyTooLarge):
        parse_event(b"<xml>" + b"a" * (64 * 1024) + b"</xml>")


def test_cdata_and_escapes_round_trip() -> None:
    fields = {"A": "x]]>y<&>", "N": 5, "Info": {"name": "名"}, "L": ["1", "2"]}
    parsed = parse_xml(build_xml(fields))
    assert parsed == {"A": "x]]>y<&>", "N": "5", "Info": {"name": "名"}, "L": ["1", "2"]}


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                max_size=50)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True), texts,
                       max_size=8))
def test_property_build_parse_round_trip(fields: dict[str, str]) -> None:
    assert parse_xml(build_xml(fields)) == fields


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_property_arbitrary_bytes_raise_only_callback_errors(body: bytes) -> None:
    with contextlib.suppress(CallbackError):
        parse_event(b"<xml>" + body + b"</xml>")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_property_arbitrary_text_in_fields(value: str) -> None:
    body = build_xml({"AppId": C, "CreateTime": 1, "InfoType": "component_verify_ticket",
                      "ComponentVerifyTicket": value})
    try:
        ev = parse_event(body)
    except CallbackError:
        return
    assert isinstance(ev, events.VerifyTicket)


def _ticket_by_the_general_readers(raw: dict[str, str]) -> object:
    try:
        return (fields.integer(raw, "CreateTime", 0), fields.text(raw, "AppId", "") or "",
                fields.need(raw, "ComponentVerifyTicket"))
    except XMLError as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(created=st.one_of(st.text(max_size=12), st.integers(-10, 10**12).map(str)),
       appid=st.one_of(st.none(), st.text(max_size=20)),
       ticket=st.one_of(st.none(), st.text(max_size=20)))
def test_property_ticket_fast_path_reads_as_the_general_readers(
        created: str, appid: str | None, ticket: str | None) -> None:
    raw = {"InfoType": "component_verify_ticket", "CreateTime": created}
    raw.update({k: v for k, v in (("AppId", appid), ("ComponentVerifyTicket", ticket))
                if v is not None})
    expected = _ticket_by_the_general_readers(raw)
    try:
        ev = events.event_from_fields(raw)
    except XMLError as exc:
        assert str(exc) == expected
        return
    assert isinstance(ev, events.VerifyTicket)
    assert (ev.create_time, ev.component_appid, ev.ticket) == expected


# The regular-expression fast path must agree with expat wherever it answers.
from wxcomponent.core import xml as xml_module  # noqa: E402

pieces = st.sampled_from([
    "<a>", "</a>", "<b>", "</b>", "<![CDATA[", "]]>", "&amp;", "&lt;", "text", "中", " ", "\n",
    "\r", "\t", "]]", ">", "<", "&", "<a/>", '<a x="1">', "<!DOCTYPE x>", "\x01", "\x85",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(pieces, max_size=14))
def test_property_fast_path_agrees_with_expat(parts: list[str]) -> None:
    data = ("<xml>" + "".join(parts) + "</xml>").encode("utf-8")
    fast = xml_module._parse_flat(data)
    try:
        slow: object = xml_module._parse_expat(data)
    except XMLError:
        slow = XMLError
    if fast is not None:
        assert fast == slow


def test_fast_path_is_taken_for_pushes() -> None:
    body = build_xml({"AppId": C, "CreateTime": 1, "InfoType": "x", "Encrypt": "a+b/c="})
    assert xml_module._parse_flat(body.encode()) == parse_xml(body)
    assert xml_module._parse_flat(b"<xml><a><b>1</b></a></xml>") is None


env_pieces = st.sampled_from([
    "<AppId>", "</AppId>", "<ToUserName>", "</ToUserName>", "<Encrypt>", "</Encrypt>",
    "<![CDATA[", "]]>", "wx123", "gh_1", "QUJD", "+/=", " ", "\n", "&amp;", "<x>", "</x>", "中",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(env_pieces, max_size=12))
def test_property_envelope_fast_path_agrees_with_expat(parts: list[str]) -> None:
    data = ("<xml>" + "".join(parts) + "</xml>").encode("utf-8")
    fast = xml_module.envelope_encrypt(data)
    if fast is not None:
        assert xml_module._parse_expat(data).get("Encrypt", "") == fast


def test_envelope_fast_path_shapes() -> None:
    assert xml_module.envelope_encrypt(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[QUJD]]></Encrypt></xml>"
    ) == "QUJD"
    assert xml_module.envelope_encrypt(b"<xml><Encrypt>QUJD</Encrypt><AppId>wx1</AppId></xml>") \
        == "QUJD"
    assert xml_module.envelope_encrypt(b"<!DOCTYPE x><xml><Encrypt>QUJD</Encrypt></xml>") is None
    assert xml_module.envelope_encrypt(
        b"<xml><AppId>wx1</ToUserName><Encrypt>QUJD</Encrypt></xml>") is None
