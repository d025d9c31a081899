"""Shipping a template to many mini programs, on the flows: WeChat's answers scripted per mini
program, the jobs read from the memory store, the events from the effects, the fake clock
moved only by the flow's own sleeps."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from wxcomponent.core.effects import Http, HttpResult, Sleep, StoreCall
from wxcomponent.core.policy import Policy
from wxcomponent.core.shipping import ShipOptions, report, ship, shipments
from wxcomponent.core.shipping.jobs import topic
from wxcomponent.errors import TransportError
from wxcomponent.stores import CachedToken

from .harness import COMPONENT_APPID, Harness, answer

APP_A = "wxa000000000000001"
APP_B = "wxb000000000000002"
NAME = "tpl-7"
VERSION = "1.0.7"
OPTIONS = ShipOptions(privacy_interval=30, poll_interval=600, idle_interval=1, retry_base=2,
                      max_attempts=4)

Answer = dict[str, Any] | HttpResult | BaseException


class FakeWeChat:
    """WeChat's code-management API for a few mini programs: each call answered from a
    per-(mini program, endpoint) script, else from a default that follows what was done."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.scripts: dict[tuple[str, str], list[Answer]] = {}
        self.calls: list[tuple[str, str]] = []
        self.times: list[tuple[str, str, float]] = []  # (appid, endpoint, clock) of each call
        self.submitted: dict[str, tuple[int, int]] = {}  # appid -> (auditid, submit time)
        self.status: dict[str, Callable[[], dict[str, Any]]] = {}

    def script(self, appid: str, endpoint: str, *answers: Answer) -> None:
        self.scripts.setdefault((appid, endpoint), []).extend(answers)

    def at(self, endpoint: str, appid: str) -> list[float]:
        return [t for a, e, t in self.times if (a, e) == (appid, endpoint)]

    def count(self, endpoint: str, appid: str | None = None) -> int:
        return sum(1 for a, e in self.calls if e == endpoint and appid in (None, a))

    def __call__(self, request: Http) -> HttpResult | BaseException:
        appid = request.params["access_token"].removeprefix("at-")
        endpoint = request.path.rsplit("/", 1)[-1]
        self.calls.append((appid, endpoint))
        self.times.append((appid, endpoint, self.h.clock()))
        queue = self.scripts.get((appid, endpoint))
        reply: Answer = queue.pop(0) if queue else self._default(appid, endpoint)
        if isinstance(reply, dict):
            return answer(body={"errcode": 0, "errmsg": "ok", **reply})
        return reply

    def _default(self, appid: str, endpoint: str) -> Answer:
        if endpoint == "submit_audit":
            auditid = 1000 + len(self.submitted)
            self.submitted[appid] = (auditid, int(self.h.clock()))
            return {"auditid": auditid}
        if endpoint == "get_latest_auditstatus":
            if appid not in self.submitted:
                return {"errcode": 85012, "errmsg": "no audit"}
            auditid, when = self.submitted[appid]
            return {"auditid": auditid, "status": 2, "user_version": VERSION,
                    "submit_audit_time": when}
        if endpoint == "get_auditstatus":
            return self.status.get(appid, lambda: {"status": 2})()
        if endpoint == "getversioninfo":
            return {"exp_info": {"exp_time": 0, "exp_version": "0.9"}}
        if endpoint == "queryquota":
            return {"rest": 100, "limit": 100}
        if endpoint == "get_icp_entrance_info":
            return {"info": {"status": 6}}
        return {}  # commit, get_code_privacy_info, release


def harness(*appids: str, attempts: int = 3) -> tuple[Harness, FakeWeChat]:
    h = Harness(policy=Policy(attempts=attempts))
    now = h.clock()
    for appid in appids:
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken(f"at-{appid}", now + 10 * 86400, now))
    wechat = FakeWeChat(h)
    h.reply(wechat)
    return h, wechat


def start(h: Harness, *appids: str) -> Any:
    return ship(h.ctx, 7, {"appid": "$APPID$"}, VERSION, "desc", appids=list(appids),
                shipment=NAME, options=OPTIONS)


def steps(h: Harness, appid: str) -> list[tuple[str, str]]:
    return [(e["stage"], e["state"]) for e in h.emitted("ship_app") if e["appid"] == appid]


def jobs(h: Harness, stage: str) -> dict[str, Any]:
    return {j.group: j for j in h.store.list_jobs(COMPONENT_APPID, topic=topic(NAME, stage))}


def outcome_of(job: Any) -> dict[str, Any]:
    return json.loads(job.last_error)


def approved_after(h: Harness, seconds: float) -> Callable[[], dict[str, Any]]:
    due = h.clock() + seconds
    return lambda: {"status": 0} if h.clock() >= due else {"status": 2}


def test_a_mini_program_goes_prepare_audit_finish_released() -> None:
    h, wechat = harness(APP_A)
    wechat.status[APP_A] = approved_after(h, 1200)
    started = h.clock()
    result = h.run(start(h, APP_A))
    assert [(a.appid, a.outcome, a.stage, a.auditid) for a in result.apps] == [
        (APP_A, "released", "finish", 1000)]
    assert steps(h, APP_A) == [("prepare", "committed"), ("prepare", "submitted"),
                               ("audit", "audited"), ("finish", "released")]
    assert [c[1] for c in wechat.calls if c[1] != "get_auditstatus"] == [
        "queryquota", "get_icp_entrance_info", "commit", "get_code_privacy_info",
        "submit_audit", "release"]
    commit = h.requests("/wxa/commit")[0].json
    assert json.loads(commit["ext_json"]) == {"appid": APP_A}
    assert commit["template_id"] == 7 and commit["user_version"] == VERSION
    # the first poll waits poll_interval; the pending one comes back poll_interval later
    assert [t - started for t in wechat.at("get_auditstatus", APP_A)] == [600.0, 1200.0]
    assert {s: (j[APP_A].state, j[APP_A].attempts) for s, j in
            (("prepare", jobs(h, "prepare")), ("audit", jobs(h, "audit")),
             ("finish", jobs(h, "finish")))} == {
        "prepare": ("done", 1), "audit": ("done", 2), "finish": ("done", 1)}
    assert json.loads(jobs(h, "audit")[APP_A].payload)["auditid"] == 1000
    assert h.emitted("ship_started") == [{"shipment": NAME, "apps": 1}]
    assert h.emitted("ship_finished") == [{"shipment": NAME, "released": 1, "rejected": 0,
                                           "failed": 0, "blocked": 0, "in_progress": 0}]
    assert {e.seconds for e in h.of(Sleep)} == {OPTIONS.idle_interval}  # only idle waits


def test_a_pending_privacy_check_retries_at_privacy_interval_and_submits_once() -> None:
    h, wechat = harness(APP_A)
    wechat.script(APP_A, "get_code_privacy_info",
                  {"errcode": 61039, "errmsg": "privacy check running"}, {})
    wechat.status[APP_A] = lambda: {"status": 0}
    result = h.run(start(h, APP_A))
    checks = wechat.at("get_code_privacy_info", APP_A)
    assert [a.outcome for a in result.apps] == ["released"]
    assert len(checks) == 2 and checks[1] - checks[0] == OPTIONS.privacy_interval
    assert wechat.count("commit") == 1  # the retry knows the code is committed
    assert wechat.count("submit_audit") == 1
    assert wechat.count("getversioninfo") == 0
    prepare = jobs(h, "prepare")[APP_A]
    assert prepare.state == "done" and prepare.attempts == 2
    assert steps(h, APP_A)[:2] == [("prepare", "committed"), ("prepare", "submitted")]


def test_a_rejected_audit_is_buried_with_the_reason_and_reported_rejected() -> None:
    h, wechat = harness(APP_A, APP_B)
    wechat.status[APP_A] = lambda: {"status": 1, "reason": "类目不符 <br> 请修改",
                                    "screenshot": "m1|m2"}
    wechat.status[APP_B] = lambda: {"status": 0}
    result = h.run(start(h, APP_A, APP_B))
    assert [(a.appid, a.outcome) for a in result.apps] == [(APP_A, "rejected"),
                                                          (APP_B, "released")]
    (rejected,) = result.rejected
    assert rejected.reason == "类目不符 <br> 请修改" and rejected.auditid == 1000
    finish = jobs(h, "finish")[APP_A]
    assert finish.state == "dead"
    assert outcome_of(finish) == {"outcome": "rejected", "reason": "类目不符 <br> 请修改",
                                  "errcode": None, "auditid": 1000}
    assert json.loads(finish.payload)["screenshot"] == ["m1", "m2"]
    assert steps(h, APP_A)[-1] == ("finish", "rejected")
    assert wechat.count("release", APP_A) == 0 and wechat.count("release", APP_B) == 1
    assert h.emitted("ship_finished")[0]["rejected"] == 1
    again = h.run(report(h.ctx, NAME))
    assert again == result


def test_transient_errors_back_off_and_a_permanent_errcode_fails_only_its_app() -> None:
    h, wechat = harness(APP_A, APP_B, attempts=1)  # the engine gives up at once
    wechat.script(APP_A, "commit", {"errcode": -1, "errmsg": "system busy"},
                  answer(status=502, content=b"bad gateway", content_type="text/plain"))
    wechat.script(APP_B, "commit", {"errcode": 85013, "errmsg": "invalid custom domain"})
    wechat.status[APP_A] = lambda: {"status": 0}
    result = h.run(start(h, APP_A, APP_B))
    commits = wechat.at("commit", APP_A)
    outcomes = {a.appid: a for a in result.apps}
    assert outcomes[APP_A].outcome == "released"
    assert (outcomes[APP_B].outcome, outcomes[APP_B].errcode, outcomes[APP_B].stage) == (
        "failed", 85013, "prepare")
    assert outcomes[APP_B].reason == "invalid custom domain"
    # backoff from retry_base: 2 s, then 4 s (each retry within one idle sleep of it)
    assert [b - a for a, b in pairwise(commits)] == [2.0, 4.0]
    assert [s for s in steps(h, APP_A) if s[1] == "retrying"] == [("prepare", "retrying")] * 2
    assert steps(h, APP_B) == [("prepare", "failed")]
    dead = jobs(h, "prepare")[APP_B]
    assert dead.state == "dead" and outcome_of(dead)["errcode"] == 85013
    assert wechat.count("commit", APP_B) == 1 and wechat.count("submit_audit", APP_B) == 0
    assert jobs(h, "prepare")[APP_A].attempts == 3
    assert wechat.count("getversioninfo", APP_A) == 2  # the retry asks before committing


def test_retries_stop_at_max_attempts_and_the_job_is_buried() -> None:
    h, wechat = harness(APP_A, attempts=1)
    wechat.script(APP_A, "commit", *[TransportError("connection reset")] * OPTIONS.max_attempts)
    result = h.run(start(h, APP_A))
    (app,) = result.failed
    assert app.appid == APP_A and app.errcode is None and "connection reset" in app.reason
    assert wechat.count("commit") == OPTIONS.max_attempts
    assert jobs(h, "prepare")[APP_A].state == "dead"


class Crash(Exception):
    """The process dies here."""


def test_a_crashed_run_resumes_from_the_store_and_never_submits_twice() -> None:
    h, wechat = harness(APP_A, APP_B)
    audit_topic = topic(NAME, "audit")
    enqueue = h.store.enqueue

    def die_after_submit(*args: Any, **kwargs: Any) -> int:
        if args[1] == audit_topic:
            raise Crash  # WeChat has the audit; the store does not know yet
        return enqueue(*args, **kwargs)

    h.store.enqueue = die_after_submit  # type: ignore[method-assign]
    with pytest.raises(Crash):
        h.run(start(h, APP_A, APP_B))
    h.store.enqueue = enqueue  # type: ignore[method-assign]
    crash_calls = [e for e in h.of(StoreCall) if e.method == "enqueue"]
    assert crash_calls[-1].args[1] == audit_topic
    assert wechat.count("submit_audit") == 1
    crashed = jobs(h, "prepare")
    assert sum(j.state == "pending" for j in crashed.values()) == 2
    assert jobs(h, "audit") == {}
    wechat.status[APP_A] = lambda: {"status": 0}
    wechat.status[APP_B] = lambda: {"status": 0}
    h.clock.advance(OPTIONS.lease + 1)  # the dead worker's claim runs out
    marker = len(h.effects)
    result = h.run(start(h, APP_A, APP_B))
    assert [a.outcome for a in result.apps] == ["released", "released"]
    assert Counter(a for a, e in wechat.calls if e == "submit_audit") == {APP_A: 1, APP_B: 1}
    first = next(iter(wechat.submitted))
    assert wechat.count("commit", first) == 1  # adopted, not committed again
    assert {a.auditid for a in result.apps} == {1000, 1001}
    assert {j.state for j in jobs(h, "finish").values()} == {"done"}
    resumed = [e for e in h.effects[marker:] if isinstance(e, Http)
               and e.path.endswith("get_latest_auditstatus")]
    # both jobs were claimed by the dead run: each asks WeChat before acting again
    assert sorted(r.params["access_token"] for r in resumed) == [f"at-{APP_A}", f"at-{APP_B}"]
    assert wechat.count("getversioninfo", first) == 0  # its audit was adopted at once
    assert wechat.count("commit") == 2
    assert h.emitted("ship_started") == [{"shipment": NAME, "apps": 2}] * 2


def test_the_registry_lists_the_shipment_once() -> None:
    h, wechat = harness(APP_A, APP_B)
    wechat.status[APP_A] = lambda: {"status": 0}
    wechat.status[APP_B] = lambda: {"status": 0}
    started = h.clock()
    h.run(start(h, APP_A, APP_B))
    h.run(start(h, APP_A, APP_B))  # resumed: nothing new is entered
    page = h.run(shipments(h.ctx))
    assert page.next is None
    (entry,) = page.shipments
    assert (entry.name, entry.template_id, entry.user_version, entry.user_desc, entry.apps,
            entry.started_at) == (NAME, 7, VERSION, "desc", 2, started)
    assert h.store.count_jobs(COMPONENT_APPID, topic="shipments") == {
        "pending": 0, "done": 1, "dead": 0}
    assert wechat.count("submit_audit") == 2


def test_a_mini_program_beyond_the_audit_quota_is_blocked_before_its_commit() -> None:
    h, wechat = harness(APP_A, APP_B)
    wechat.status[APP_A] = approved_after(h, 0)
    wechat.script(APP_A, "queryquota", {"rest": 1, "limit": 20})
    result = h.run(start(h, APP_A, APP_B))
    assert [(a.appid, a.outcome, a.blocker) for a in result.apps] == [
        (APP_A, "released", ""), (APP_B, "blocked", "audit_quota")]
    assert wechat.count("commit", APP_B) == 0 and wechat.count("submit_audit", APP_B) == 0
    assert wechat.count("queryquota") == 1  # read once, through the first mini program
    assert outcome_of(jobs(h, "prepare")[APP_B])["blocker"] == "audit_quota"
    assert steps(h, APP_B) == [("prepare", "blocked")]


def test_an_unreadable_quota_limits_nothing() -> None:
    h, wechat = harness(APP_A, APP_B)
    wechat.status[APP_A] = wechat.status[APP_B] = approved_after(h, 0)
    wechat.script(APP_A, "queryquota", {"errcode": 48001, "errmsg": "api unauthorized"})
    wechat.script(APP_B, "queryquota", {"errcode": 48001, "errmsg": "api unauthorized"})
    result = h.run(start(h, APP_A, APP_B))
    assert [a.outcome for a in result.apps] == ["released", "released"]
    assert wechat.count("queryquota") == 2  # each mini program's token tried once


def test_an_unfiled_mini_program_is_blocked_and_a_check_not_allowed_is_skipped() -> None:
    h, wechat = harness(APP_A, APP_B)
    wechat.status[APP_A] = approved_after(h, 0)
    wechat.script(APP_B, "get_icp_entrance_info", {"info": {"status": 3, "audit_data": [
        {"key_name": "icp_subject.principal_info.mobile", "error": "手机号不正确"}]}})
    result = h.run(start(h, APP_A, APP_B))
    assert [(a.appid, a.outcome, a.blocker) for a in result.apps] == [
        (APP_A, "released", ""), (APP_B, "blocked", "not_filed")]
    blocked = result.apps[1]
    assert "platform rejected" in blocked.reason and "手机号不正确" in blocked.reason
    assert wechat.count("commit", APP_B) == 0
    # a merchant who did not grant filing's permission set: the check cannot be made
    h2, wechat2 = harness(APP_A)
    wechat2.status[APP_A] = approved_after(h2, 0)
    wechat2.script(APP_A, "get_icp_entrance_info", {"errcode": 48001, "errmsg": "unauthorized"})
    assert [a.outcome for a in h2.run(start(h2, APP_A)).apps] == ["released"]


def test_what_the_compliance_board_knows_blocks_before_any_call() -> None:
    from wxcomponent.stores import ComplianceRecord

    h, wechat = harness(APP_A, APP_B)
    now = h.clock()
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, APP_A, suspended=True,
                                             updated_at=now))
    h.store.save_compliance(ComplianceRecord(COMPONENT_APPID, APP_B, filing_status=6,
                                             verified_until=now - 1, updated_at=now))
    result = h.run(start(h, APP_A, APP_B))
    assert [(a.appid, a.outcome, a.blocker) for a in result.apps] == [
        (APP_A, "blocked", "suspended"), (APP_B, "blocked", "verification_expired")]
    assert "appeal" in result.apps[0].reason and "renew" in result.apps[1].reason
    assert wechat.count("get_icp_entrance_info") == 0 and wechat.count("commit") == 0
