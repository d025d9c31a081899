"""The compliance board's flows (`core/compliance.py`): pushes update an account's compliance
record and its blockers; the periodic check reads the filing, the privacy interfaces and the
violations of the accounts due, a bounded batch per round under a fleet-wide lease, and
finds mini programs without a record; a failed read is logged and changes nothing else."""

from __future__ import annotations

from typing import Any

from wxcomponent import parse_event
from wxcomponent.core.compliance import (
    VERIFICATION_VALIDITY,
    apply_push,
    check_account,
    check_round,
)
from wxcomponent.core.compliance_state import EXPIRY_WARNING
from wxcomponent.core.effects import Http, HttpResult
from wxcomponent.core.policy import Policy
from wxcomponent.core.xml import build_xml
from wxcomponent.stores import AuthorizerRecord, CachedToken, ComplianceRecord

from .harness import AUTHORIZER, COMPONENT_APPID, Harness, answer, ready

DAY = 86400.0


def component_push(info_type: str, at: float, **fields: Any) -> Any:
    return parse_event(build_xml({"AppId": COMPONENT_APPID, "CreateTime": str(int(at)),
                                  "InfoType": info_type, **{k: str(v) for k, v in
                                                            fields.items()}}))


def message_push(event: str, at: float, **fields: Any) -> Any:
    return parse_event(build_xml({"ToUserName": "gh_shop", "FromUserName": "o_system",
                                  "CreateTime": str(int(at)), "MsgType": "event",
                                  "Event": event, **{k: str(v) for k, v in fields.items()}}))


def board(h: Harness, appid: str = AUTHORIZER) -> ComplianceRecord:
    found = h.store.get_compliance(COMPONENT_APPID, appid)
    assert found is not None
    return found


def test_a_rejected_filing_blocks_and_the_filed_push_clears_it() -> None:
    h = ready()
    now = h.clock()
    assert h.run(apply_push(h.ctx, component_push(
        "notify_apply_icpfiling_result", now, authorizer_appid=AUTHORIZER, beian_status=3)))
    record = board(h)
    assert (record.filing_status, record.blockers, record.updated_at) == (3, ("not_filed",), now)
    assert record.check_at == now  # never read from WeChat: the periodic check is due at once
    h.clock.advance(60)
    h.run(apply_push(h.ctx, component_push(
        "notify_apply_icpfiling_result", now, authorizer_appid=AUTHORIZER, beian_status=6)))
    assert (board(h).filing_status, board(h).blockers) == (6, ())
    assert h.store.count_compliance(COMPONENT_APPID) == {"records": 1, "any": 0}


def test_verification_runs_a_year_then_warns_then_expires_by_the_annual_review_push() -> None:
    h = ready()
    now = h.clock()
    h.run(apply_push(h.ctx, component_push(
        "notify_3rd_wxa_auth", now, appid=AUTHORIZER, taskid="t1", task_status=12,
        apply_status=4, message="ok")))
    assert board(h).verified_until == now + VERIFICATION_VALIDITY
    assert board(h).blockers == board(h).warnings == ()
    end = now + 20 * DAY
    h.run(apply_push(h.ctx, component_push("notify_3rd_wxa_wxverify", now, appid=AUTHORIZER,
                                           expired=int(end), message="annual review")))
    assert (board(h).verified_until, board(h).warnings) == (end, ("verification_expiring",))
    assert h.store.list_compliance(COMPONENT_APPID, blocked_by="verification_expiring") == [
        board(h)]
    h.clock.advance(21 * DAY)
    h.run(apply_push(h.ctx, component_push("notify_3rd_wxa_wxverify", h.clock(),
                                           appid=AUTHORIZER, expired=int(end), message="")))
    assert (board(h).blockers, board(h).warnings) == (("verification_expired",), ())


def test_a_checked_record_is_due_again_when_its_verification_starts_to_expire() -> None:
    h = ready()
    now = h.clock()
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, AUTHORIZER, checked_at=now))
    end = now + 40 * DAY
    h.run(apply_push(h.ctx, component_push("notify_3rd_wxa_wxverify", now, appid=AUTHORIZER,
                                           expired=int(end), message="")))
    assert board(h).check_at == min(now + Policy().compliance_check_age, end - EXPIRY_WARNING)


def test_punishment_suspends_and_an_approved_appeal_lifts_it() -> None:
    h = ready()
    now = h.clock()
    h.run(apply_push(h.ctx, message_push("wxa_punish_event", now, event_type=4,
                                         punish_id="p1", appid=AUTHORIZER, punish_time=now)))
    assert board(h).blockers == ("suspended", "violations_open")
    h.run(apply_push(h.ctx, message_push("wxa_illegal_record", now, illegal_record_id="2_1",
                                         appid=AUTHORIZER, create_time=now)))
    assert board(h).open_violations == 2
    h.run(apply_push(h.ctx, message_push("wxa_appeal_record", now, appeal_record_id=1,
                                         appid=AUTHORIZER, appeal_status=2)))
    assert (board(h).open_violations, board(h).suspended) == (1, False)
    assert board(h).blockers == ("violations_open",)


def test_a_privacy_push_makes_the_account_of_its_url_due_and_other_pushes_change_nothing(
) -> None:
    h = ready()
    now = h.clock()
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, AUTHORIZER, checked_at=now,
                                             check_at=now + DAY))
    push = parse_event(build_xml({
        "ToUserName": "gh_shop", "FromUserName": "o_system", "CreateTime": str(int(now)),
        "MsgType": "event", "Event": "wxa_privacy_apply",
        "result_info": {"api_name": "wx.choosePoi", "status": "2"}}))
    h.clock.advance(5)
    assert h.run(apply_push(h.ctx, push, AUTHORIZER))
    assert board(h).check_at == now + 5
    assert not h.run(apply_push(h.ctx, push))  # no account named: nothing to update
    ticket = component_push("component_verify_ticket", now, ComponentVerifyTicket="t")
    assert not h.run(apply_push(h.ctx, ticket))
    assert h.store.count_compliance(COMPONENT_APPID)["records"] == 1


def wechat(filing: int = 6, interfaces: list[dict[str, Any]] | None = None,
           violations: int = 0, fail: str = "") -> Any:
    def respond(request: Http) -> HttpResult:
        if fail and request.path.endswith(fail):
            return answer(body={"errcode": 61007, "errmsg": "api is unauthorized"})
        if request.path.endswith("get_icp_entrance_info"):
            return answer(body={"errcode": 0, "info": {"status": filing, "available": 1}})
        if request.path.endswith("get_privacy_interface"):
            return answer(body={"errcode": 0, "interface_list": interfaces or []})
        if request.path.endswith("getillegalrecords"):
            return answer(body={"errcode": 0, "records": [
                {"illegal_record_id": f"2_{i}", "create_time": 1} for i in range(violations)]})
        raise AssertionError(request.path)
    return respond


def with_token(h: Harness, appid: str = AUTHORIZER) -> None:
    now = h.clock()
    h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                      CachedToken("at", now + 7200, now))


def test_a_check_reads_filing_privacy_interfaces_and_violations() -> None:
    h = ready()
    with_token(h)
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, AUTHORIZER, suspended=True,
                                             open_violations=3))
    h.reply(wechat(filing=1028, violations=0, interfaces=[
        {"api_name": "wx.choosePoi", "status": 4}, {"api_name": "wx.getLocation", "status": 3},
        {"api_name": "wx.chooseAddress", "status": 5}]))
    record = h.run(check_account(h.ctx, AUTHORIZER))
    assert record == board(h)
    assert (record.filing_status, record.privacy_pending, record.privacy_rejected) == (
        1028, ("wx.getLocation",), ("wx.choosePoi",))
    assert (record.open_violations, record.suspended, record.checked_at) == (0, False, h.clock())
    assert record.blockers == ("not_filed", "privacy_interface_rejected")
    assert record.check_at == h.clock() + Policy().compliance_check_age


def test_a_part_that_fails_is_kept_as_it_was() -> None:
    h = ready()
    with_token(h)
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, AUTHORIZER, filing_status=6,
                                             open_violations=1))
    h.reply(wechat(filing=3, violations=2, fail="get_icp_entrance_info"))
    record = h.run(check_account(h.ctx, AUTHORIZER))
    assert (record.filing_status, record.open_violations) == (6, 2)
    assert record.checked_at == h.clock()


def mini_program(h: Harness, appid: str) -> None:
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, appid, "rt", "authorized", (),
                                             now, now, None, account_type="mini_program"))
    with_token(h, appid)


def test_a_round_checks_the_due_oldest_first_then_those_without_a_record_a_batch_at_most(
) -> None:
    h = ready(Policy(compliance_check_batch=3))
    now = h.clock()
    for i in range(6):
        mini_program(h, f"wx{i:016d}")
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, "wx9999999999999999", "rt",
                                             "authorized", (), now, now, None,
                                             account_type="official_account"))
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, "wx0000000000000004",
                                             checked_at=now, check_at=now - 10))
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, "wx0000000000000005",
                                             checked_at=now, check_at=now + DAY))
    h.reply(wechat())
    assert h.run(check_round(h.ctx)) == 3
    checked = [r.authorizer_appid for r in h.store.list_compliance(COMPONENT_APPID)
               if r.checked_at == now and r.filing_status == 6]
    assert checked == ["wx0000000000000000", "wx0000000000000001", "wx0000000000000004"]
    assert h.run(check_round(h.ctx)) == 2  # the walk goes on where it stopped, to the end
    assert h.store.get_compliance(COMPONENT_APPID, "wx9999999999999999") is None
    assert h.store.count_compliance(COMPONENT_APPID)["records"] == 6
    assert h.run(check_round(h.ctx)) == 0  # nothing due, nothing missing
    assert h.locks_free()


def test_a_round_does_nothing_while_another_host_holds_its_lease_or_when_turned_off() -> None:
    h = ready()
    mini_program(h, AUTHORIZER)
    fence = h.store.acquire_lease(f"{COMPONENT_APPID}:compliance_check", 60)
    assert fence is not None
    assert h.run(check_round(h.ctx)) == 0
    h.store.release_lease(f"{COMPONENT_APPID}:compliance_check", fence)
    off = ready(Policy(compliance_check_age=None))
    mini_program(off, AUTHORIZER)
    assert off.run(check_round(off.ctx)) == 0
    assert off.requests() == [] and h.requests() == []


def test_a_failing_account_does_not_end_the_round() -> None:
    h = ready(Policy(compliance_check_batch=5))
    mini_program(h, "wx0000000000000001")
    mini_program(h, "wx0000000000000002")
    h.store.delete_token(f"{COMPONENT_APPID}:authorizer_access_token:wx0000000000000001")
    h.store.mark_revoked(COMPONENT_APPID, "wx0000000000000001")
    h.reply(wechat())
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, "wx0000000000000001"))
    assert h.run(check_round(h.ctx)) == 2
    assert board(h, "wx0000000000000002").filing_status == 6
    assert board(h, "wx0000000000000001").filing_status is None


def test_a_push_no_record_can_hold_changes_nothing_and_is_no_failure() -> None:
    h = ready()
    now = h.clock()
    for push in (component_push("notify_apply_icpfiling_result", now,
                                authorizer_appid="wx:bad", beian_status=6),
                 component_push("notify_apply_icpfiling_result", now,
                                authorizer_appid=AUTHORIZER, beian_status=-3),
                 message_push("wxa_punish_event", now, event_type=4, appid="a b")):
        assert h.run(apply_push(h.ctx, push)) is False
    assert h.store.count_compliance(COMPONENT_APPID) == {"records": 0, "any": 0}
