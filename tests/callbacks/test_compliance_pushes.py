"""The compliance pushes: WeChat's samples (from the fact sheet) parsed into their typed
events with nested and quoted values, unknown fields kept; a property test of the readers;
and, through the running service, the router, the webhook document (the mini program and
its tenant) and the console's list of pushes."""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent.core.xml import build_xml
from wxcomponent.events import (
    AppealRecordEvent,
    AuthAndIcpProgress,
    CategoryAuditResult,
    IllegalRecordEvent,
    MediaCheckResult,
    OrderSettlement,
    PrivacyInterfaceResult,
    PunishEvent,
    ShippingAccessReminder,
    ShippingReminder,
    VerificationExpiry,
    VerificationProgress,
    parse_event,
)
from wxcomponent.events.compliance import MESSAGE_EVENTS
from wxcomponent.stores import MemoryStore

from ..support.console import BASE, signed_in
from ..support.receiver import hooks, receiver
from ..support.service import APPID, running

WXA_AUTH = """<xml>
    <AppId><![CDATA[wx31f828cesdfa4eabc]]></AppId>
    <CreateTime>1700634212</CreateTime>
    <InfoType><![CDATA[notify_3rd_wxa_auth]]></InfoType>
    <appid><![CDATA[wxaf614423g25ffd9b]]></appid>
    <task_status>0</task_status>
    <message><![CDATA[资料检验成功，等待管理员授权]]></message>
    <taskid><![CDATA[048ae3f93e664053baf8cd1e1a899896]]></taskid>
    <apply_status>0</apply_status>
    <dispatch_info>
        <provider><![CDATA[上海倍通企业信用征信有限公司(测试)]]></provider>
        <contact><![CDATA[热线电话：0086-13249064176，咨询时间：周一至周五（工作日）8：30-17：30。]]></contact>
        <dispatch_time>1700619300</dispatch_time>
    </dispatch_info>
</xml>"""

WXVERIFY = """<xml>
    <AppId><![CDATA[wx31f828cesdfa4eabc]]></AppId>
    <CreateTime>1700634212</CreateTime>
    <InfoType><![CDATA[notify_3rd_wxa_wxverify]]></InfoType>
    <appid><![CDATA[wxaf614423g25ffd9b]]></appid>
    <expired>1704162245</expired>
    <message><![CDATA[账号名称: 我的小程序名
到期时间: 2024年1月2日
详情: 账号已进入年审期，…到期未完成年审将影响新版本发布和“被搜索”能力。]]></message>
</xml>"""

AUTH_AND_ICP = """<xml><AppId><![CDATA[wx_component]]></AppId><CreateTime>1700000000</CreateTime>
<InfoType><![CDATA[notify_3rd_wxa_auth_and_icp]]></InfoType>
<procedure_id><![CDATA[44eb56ed40f94ab5995409566ad97bdd]]></procedure_id>
<procedure_status>22</procedure_status></xml>"""

PRIVACY_APPLY = """<xml>
    <ToUserName><![CDATA[gh_fb9688c2a4b2]]></ToUserName>
    <FromUserName><![CDATA[od1P50M-fNQI5Gcq-trm4a7apsU8]]></FromUserName>
    <CreateTime>1488856741</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[wxa_privacy_apply]]></Event>
    <result_info>
        <api_name>wx.choosePoi</api_name>
        <apply_time>1644805538</apply_time>
        <audit_id>421609337</audit_id>
        <audit_time>1644828435</audit_time>
        <reason>小程序内未含有相应使用场景</reason>
        <status>2</status>
    </result_info>
</xml>"""

CATEGORY_AUDIT = """<xml><ToUserName><![CDATA[gh_x]]></ToUserName>
<FromUserName><![CDATA[o_sys]]></FromUserName><CreateTime>1600000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_category_audit]]></Event><ret>2</ret>
<first>1</first><second>2</second><reason><![CDATA[驳回原因]]></reason></xml>"""

ILLEGAL_RECORD = """<xml><ToUserName><![CDATA[gh_x]]></ToUserName>
<FromUserName><![CDATA[o_sys]]></FromUserName>
<CreateTime>1600051800</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[wxa_illegal_record]]></Event><illegal_record_id><![CDATA[2_11100]]></illegal_record_id>
<appid><![CDATA[wx_mini]]></appid><create_time>1600051800</create_time>
<illegal_reason><![CDATA[内容涉嫌欺诈]]></illegal_reason><illegal_content><![CDATA[违规内容]]></illegal_content>
<rule_url><![CDATA[https://…]]></rule_url><rule_name><![CDATA[《微信小程序平台运营规范》]]></rule_name></xml>"""

APPEAL_RECORD = """<xml>
    <ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName>
    <FromUserName><![CDATA[odxxxxM-xxxxxxxx-trm4a7apsU8]]></FromUserName>
    <CreateTime>1600055810</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[wxa_appeal_record]]></Event>
    <appeal_record_id>4111001</appeal_record_id>
    <appid>wxaaaaaaaaaaaaaaaa</appid>
    <appeal_time>1600055800</appeal_time>
    <appeal_count>1</appeal_count>
    <appeal_from>0</appeal_from>
    <appeal_status>1</appeal_status>
    <punish_description><![CDATA[内容涉嫌欺诈]]></punish_description>
    <material>
        <illegal_material><content>违规内容1</content><content_url>https://xxxxx</content_url></illegal_material>
        <appeal_material><reason>内容是正常的</reason><proof_material_id>xxxx</proof_material_id><proof_material_id>yyyy</proof_material_id></appeal_material>
    </material>
</xml>"""

SHIPPING = """<xml><ToUserName><![CDATA[gh_x]]></ToUserName>
<FromUserName><![CDATA[o_sys]]></FromUserName>
<CreateTime>1670832735</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[trade_manage_remind_shipping]]></Event><transaction_id><![CDATA[4200…]]></transaction_id>
<merchant_id><![CDATA[1230000109]]></merchant_id><sub_merchant_id><![CDATA[]]></sub_merchant_id>
<merchant_trade_no><![CDATA[T123]]></merchant_trade_no><pay_time>1670563533</pay_time>
<msg><![CDATA[…]]></msg></xml>"""

_MESSAGE_HEAD = ("<ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_sys]]>"
                 "</FromUserName><CreateTime>1600000000</CreateTime>"
                 "<MsgType><![CDATA[event]]></MsgType>")


def test_the_verification_pushes() -> None:
    progress = parse_event(WXA_AUTH)
    assert isinstance(progress, VerificationProgress)
    assert (progress.appid, progress.taskid) == ("wxaf614423g25ffd9b",
                                                 "048ae3f93e664053baf8cd1e1a899896")
    assert (progress.task_status, progress.apply_status) == (0, 0) and not progress.approved
    assert progress.provider == "上海倍通企业信用征信有限公司(测试)"
    assert progress.dispatch_time == 1700619300 and progress.contact.startswith("热线电话")
    assert progress.authorizer_appid == "wxaf614423g25ffd9b"
    expiry = parse_event(WXVERIFY)
    assert isinstance(expiry, VerificationExpiry)
    assert expiry.expired == 1704162245 and "\n到期时间" in expiry.message
    combined = parse_event(AUTH_AND_ICP)
    assert isinstance(combined, AuthAndIcpProgress)
    assert combined.procedure_id == "44eb56ed40f94ab5995409566ad97bdd"
    assert combined.procedure_status == 22 and combined.authorizer_appid is None


def test_the_message_url_pushes() -> None:
    privacy = parse_event(PRIVACY_APPLY)
    assert isinstance(privacy, PrivacyInterfaceResult)
    assert (privacy.api_name, privacy.audit_id, privacy.status) == ("wx.choosePoi",
                                                                   421609337, 2)
    assert privacy.reason == "小程序内未含有相应使用场景" and privacy.audit_time == 1644828435
    category = parse_event(CATEGORY_AUDIT)
    assert isinstance(category, CategoryAuditResult)
    assert (category.ret, category.first, category.second, category.reason) == (2, 1, 2,
                                                                              "驳回原因")
    illegal = parse_event(ILLEGAL_RECORD)
    assert isinstance(illegal, IllegalRecordEvent)
    assert illegal.illegal_record_id == "2_11100" and illegal.violation_time == 1600051800
    assert illegal.rule_name == "《微信小程序平台运营规范》" and illegal.appid == "wx_mini"
    appeal = parse_event(APPEAL_RECORD)
    assert isinstance(appeal, AppealRecordEvent)
    assert (appeal.appeal_record_id, appeal.appeal_status, appeal.appeal_from) == (4111001,
                                                                                   1, 0)
    (material,) = appeal.materials
    assert material.proof_material_ids == ("xxxx", "yyyy")
    assert (material.content, material.reason) == ("违规内容1", "内容是正常的")
    shipping = parse_event(SHIPPING)
    assert isinstance(shipping, ShippingReminder)
    assert shipping.merchant_trade_no == "T123" and shipping.sub_merchant_id == ""
    assert shipping.pay_time == 1670563533


def test_values_wrapped_in_quotes_nested_json_and_repeated_details() -> None:
    quoted = PRIVACY_APPLY.replace("<status>2</status>", '<status>"3"</status>').replace(
        "<api_name>wx.choosePoi</api_name>", '<api_name>"wx.choosePoi"</api_name>')
    privacy = parse_event(quoted)
    assert isinstance(privacy, PrivacyInterfaceResult)
    assert (privacy.api_name, privacy.status) == ("wx.choosePoi", 3)
    detail = json.dumps({"warned_type": 1, "rectify_deadline": 1700000000,
                         "warned_function_names": ["支付"]}, ensure_ascii=False)
    punish = parse_event(f"<xml>{_MESSAGE_HEAD}<Event><![CDATA[wxa_punish_event]]></Event>"
                         f"<event_type>1</event_type><punish_id>p1</punish_id>"
                         f"<appid>wx_mini</appid><detail><![CDATA[{detail}]]></detail></xml>")
    assert isinstance(punish, PunishEvent)
    assert punish.event_type == 1 and punish.detail["warned_function_names"] == ["支付"]
    media = parse_event(
        f"<xml>{_MESSAGE_HEAD}<Event><![CDATA[wxa_media_check]]></Event>"
        "<appid>wx8f16a5be77871234</appid><trace_id>60f96f1d-3845297a-1976a3ae</trace_id>"
        "<version>2</version>"
        "<detail><strategy>content_model</strategy><errcode>0</errcode><suggest>pass"
        "</suggest><label>100</label><prob>90</prob></detail>"
        "<detail><strategy>keyword</strategy><errcode>0</errcode><suggest>review</suggest>"
        "<label>20001</label><prob>70</prob></detail>"
        "<result><suggest>pass</suggest><label>100</label></result></xml>")
    assert isinstance(media, MediaCheckResult)
    assert [d.strategy for d in media.details] == ["content_model", "keyword"]
    assert (media.suggest, media.label, media.version) == ("pass", 100, 2)
    settlement = parse_event(
        f"<xml>{_MESSAGE_HEAD}<Event><![CDATA[trade_manage_order_settlement]]></Event>"
        "<transaction_id>42001</transaction_id><settlement_time>1670900000</settlement_time>"
        "<confirm_receive_method>1</confirm_receive_method></xml>")
    assert isinstance(settlement, OrderSettlement)
    assert settlement.settlement_time == 1670900000 and settlement.confirm_receive_method == 1
    access = parse_event(f"<xml>{_MESSAGE_HEAD}<Event><![CDATA[trade_manage_remind_access_api]]>"
                         "</Event><msg>请尽快接入发货信息管理</msg><new_field>kept</new_field></xml>")
    assert isinstance(access, ShippingAccessReminder) and access.msg == "请尽快接入发货信息管理"
    assert access.get("new_field") == "kept"  # unknown fields stay in raw


_leaf = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
_value: Any = st.recursive(_leaf, lambda inner: st.dictionaries(
    st.sampled_from(["content", "reason", "status", "api_name", "suggest", "x"]), inner,
    max_size=3), max_leaves=6)
_FIELDS = ["appid", "taskid", "task_status", "apply_status", "expired", "message",
           "procedure_id", "procedure_status", "dispatch_info", "result_info", "ret", "first",
           "detail", "material", "appeal_status", "event_type", "pay_time", "result",
           "settlement_time", "unknown_field"]


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["notify_3rd_wxa_auth", "notify_3rd_wxa_wxverify",
                             "notify_3rd_wxa_auth_and_icp", *MESSAGE_EVENTS]),
       fields=st.dictionaries(st.sampled_from(_FIELDS), _value, max_size=8),
       numbers=st.dictionaries(st.sampled_from(["task_status", "expired", "ret",
                                                "appeal_status", "event_type", "pay_time"]),
                               st.integers(-2**40, 2**40), max_size=3))
def test_any_field_values_parse_and_numbers_read_back(kind: str, fields: dict[str, Any],
                                                       numbers: dict[str, int]) -> None:
    head: dict[str, Any] = ({"AppId": APPID, "CreateTime": "1", "InfoType": kind}
                            if kind.startswith("notify_") else
                            {"ToUserName": "gh_x", "FromUserName": "o", "CreateTime": "1",
                             "MsgType": "event", "Event": kind})
    document = {**head, **fields, **{k: str(v) for k, v in numbers.items()}}
    event = parse_event(build_xml(document))  # never raises: every reader is lenient
    assert type(event).__name__ not in ("UnknownEvent", "AuthorizerMessage")
    for name, value in numbers.items():
        assert event.get(name) == str(value)  # every field, known or not, kept
        if hasattr(event, name):
            assert getattr(event, name) == value


async def test_through_the_service_to_the_webhook_and_the_console(wechat_emulator: Any) -> None:
    store = MemoryStore()
    with receiver() as r:
        async with running(wechat_emulator, store=store, webhooks=hooks(r.url)) as svc:
            await svc.push_ticket()
            appid = await svc.authorize_by_push()
            assert store.set_authorizer_tenant(APPID, appid, "shop-7")
            answer = await svc.push("notify_3rd_wxa_auth", appid=appid, taskid="t1",
                                    task_status=12, apply_status=4, message="认证审核通过",
                                    dispatch_info={"provider": "审核机构", "dispatch_time": 5})
            assert answer.status_code == 200 and answer.text == "success"
            wechat_emulator.configure(APPID, message_url=f"{svc.server.url}/{APPID}"
                                                         "/messages/$APPID$")
            delivery = await asyncio.to_thread(
                wechat_emulator.push_message, APPID, appid,
                {"MsgType": "event", "Event": "wxa_illegal_record",
                 "illegal_record_id": "2_1", "appid": appid, "create_time": 1})
            assert delivery.ok
            got = await asyncio.to_thread(r.wait_for, 3)
            async with signed_in(svc) as client:
                page = (await client.get(f"{BASE}/pushes")).text
    verified = next(d for d in got if d["kind"] == "notify_3rd_wxa_auth")
    assert verified["type"] == "VerificationProgress"
    assert verified["authorizer_appid"] == appid and verified["tenant"] == "shop-7"
    assert verified["fields"]["dispatch_info"]["provider"] == "审核机构"
    illegal = next(d for d in got if d["kind"] == "event:wxa_illegal_record")
    assert illegal["type"] == "IllegalRecordEvent"
    assert illegal["authorizer_appid"] == appid and illegal["tenant"] == "shop-7"
    shown = html.unescape(page)
    assert f"<td>notify_3rd_wxa_auth</td><td>{appid}</td>" in shown, shown
