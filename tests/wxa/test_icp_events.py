"""The typed pushes of ICP filing: the fact sheet's samples, quoted values, unknown fields kept,
and any field order, extra fields or missing optional fields (a property test)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxcomponent import parse_event
from wxcomponent.core.outbox import push_document
from wxcomponent.core.xml import build_xml
from wxcomponent.errors import XMLError
from wxcomponent.events import IcpFilingResult, IcpVerifyResult, InfoType, UnknownEvent

VERIFY_SAMPLE = """<xml><AppId><![CDATA[wx_component]]></AppId><CreateTime>1700000000</CreateTime>
<InfoType><![CDATA[notify_icpfiling_verify_result]]></InfoType>
<task_id><![CDATA[R5PqRPNb6GmG3i0rqd4pTg]]></task_id><verify_appid><![CDATA[wx_mini]]></verify_appid>
<result>3</result></xml>"""

FILING_SAMPLE = """<xml><AppId><![CDATA[wx_component]]></AppId><CreateTime>1700000000</CreateTime>
<InfoType><![CDATA[notify_apply_icpfiling_result]]></InfoType>
<authorizer_appid><![CDATA[wx_mini]]></authorizer_appid><beian_status>6</beian_status></xml>"""


def test_the_face_verification_sample() -> None:
    event = parse_event(VERIFY_SAMPLE)
    assert isinstance(event, IcpVerifyResult)
    assert (event.component_appid, event.create_time, event.info_type) == (
        "wx_component", 1700000000, InfoType.NOTIFY_ICPFILING_VERIFY_RESULT)
    assert (event.task_id, event.verify_appid, event.result) == (
        "R5PqRPNb6GmG3i0rqd4pTg", "wx_mini", 3)
    assert event.succeeded and event.along_with_auth_result is None
    assert event.authorizer_appid == "wx_mini"


def test_the_filing_result_sample() -> None:
    event = parse_event(FILING_SAMPLE)
    assert isinstance(event, IcpFilingResult)
    assert (event.authorizer_appid, event.beian_status) == ("wx_mini", 6)
    assert event.filed and not event.rejected
    assert event.info_type == InfoType.NOTIFY_APPLY_ICPFILING_RESULT


def test_quoted_values_nested_and_unknown_fields() -> None:
    body = build_xml({"AppId": "wx_component", "CreateTime": "1700000000",
                      "InfoType": "notify_icpfiling_verify_result", "task_id": '"t1"',
                      "verify_appid": "wx_mini", "result": ' "2" ',
                      "along_with_auth_result": '"9"',
                      "extra": {"inner": "kept"}, "later_field": "x"})
    event = parse_event(body)
    assert isinstance(event, IcpVerifyResult)
    assert (event.task_id, event.result, event.along_with_auth_result) == ("t1", 2, 9)
    assert not event.succeeded
    assert event.raw["extra"] == {"inner": "kept"} and event.get("later_field") == "x"
    rejected = parse_event(FILING_SAMPLE.replace("<beian_status>6", '<beian_status>"5"'))
    assert isinstance(rejected, IcpFilingResult) and rejected.rejected and not rejected.filed


@pytest.mark.parametrize(("body", "reason"), [
    (FILING_SAMPLE.replace("<beian_status>6</beian_status>", ""), "beian_status is missing"),
    (FILING_SAMPLE.replace("<beian_status>6", "<beian_status>six"), "not an integer"),
    (FILING_SAMPLE.replace("<authorizer_appid><![CDATA[wx_mini]]></authorizer_appid>", ""),
     "authorizer_appid is missing"),
    (VERIFY_SAMPLE.replace("<result>3</result>", "<result><a>3</a></result>"), "must be text"),
    (VERIFY_SAMPLE.replace("<task_id><![CDATA[R5PqRPNb6GmG3i0rqd4pTg]]></task_id>", ""),
     "task_id is missing"),
])
def test_bad_pushes_are_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(XMLError, match=reason):
        parse_event(body)


def test_the_webhook_document_names_the_account() -> None:
    for sample in (VERIFY_SAMPLE, FILING_SAMPLE):
        document = push_document(parse_event(sample), component_appid="wx_component",
                                 authorizer_appid=None, received_at=1.0, tenant="shop-1")
        assert document["authorizer_appid"] == "wx_mini" and document["tenant"] == "shop-1"
        assert document["type"] in ("IcpVerifyResult", "IcpFilingResult")


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
_NAME = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["verify", "filing"]), data=st.data())
def test_property_any_order_extra_and_missing_optional_fields(kind: str,
                                                              data: st.DataObject) -> None:
    if kind == "verify":
        required = {"task_id": data.draw(st.from_regex(r"[A-Za-z0-9_-]{1,22}", fullmatch=True)),
                    "result": str(data.draw(st.integers(0, 9)))}
        optional = {"verify_appid": "wx_mini", "along_with_auth_result": "9"}
        info_type = "notify_icpfiling_verify_result"
    else:
        required = {"authorizer_appid": "wx_mini",
                    "beian_status": str(data.draw(st.sampled_from([2, 3, 4, 5, 6, 1024, 1031])))}
        optional = {}
        info_type = "notify_apply_icpfiling_result"
    kept = {k: v for k, v in optional.items() if data.draw(st.booleans(), label=k)}
    reserved = {"AppId", "CreateTime", "InfoType", *required, *optional}
    extra = data.draw(st.dictionaries(_NAME.filter(lambda n: n not in reserved), _TEXT,
                                      max_size=4))
    fields = {"AppId": "wx_component", "CreateTime": "1700000000", "InfoType": info_type,
              **required, **kept, **extra}
    order = data.draw(st.permutations(list(fields)))
    event = parse_event(build_xml({name: fields[name] for name in order}))
    assert not isinstance(event, UnknownEvent)
    for name, value in extra.items():
        assert event.raw[name] == value
    if isinstance(event, IcpVerifyResult):
        assert event.result == int(required["result"])
        assert event.task_id == required["task_id"]
        assert event.verify_appid == kept.get("verify_appid", "")
        expected = kept.get("along_with_auth_result")
        assert event.along_with_auth_result == (int(expected) if expected else None)
    else:
        assert isinstance(event, IcpFilingResult)
        assert event.beian_status == int(required["beian_status"])
