"""Refresher rounds and their loop (`core/refresher.py`): the schedule, failures, accounts
another refresher holds, names looked up, reconciliation when due, a missing or old ticket
asked for."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wxcomponent.core import refresher, tokens
from wxcomponent.core.callbacks import Callbacks
from wxcomponent.core.effects import Http, Sleep, StoreCall
from wxcomponent.core.endpoints import component
from wxcomponent.core.outbox import EXCHANGE_TOPIC
from wxcomponent.core.policy import Policy
from wxcomponent.core.singleflight import Busy
from wxcomponent.errors import (
    ConfigurationError,
    InvalidArgument,
)
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    Harness,
    answer,
    authorize,
    authorizer_token_answer,
    fresh_component_token,
    list_page,
    with_ticket,
)

# --------------------------------------------------------------------------- refresher


def ready_to_refresh(*appids: str) -> Harness:
    """A harness with a ticket, a fresh component token and ``appids`` authorized in new
    records (never scheduled: due at once)."""
    h = with_ticket(Harness())
    fresh_component_token(h)
    now = h.clock()
    for n, appid in enumerate(appids):
        h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, appid, f"rt-{n}",
                                                 "authorized", (), now, now, None))
    return h


class Rounds:
    """A refresher's stop event that lets ``rounds`` rounds run."""

    def __init__(self, rounds: int) -> None:
        self.pauses, self.rounds = 0, rounds

    def __bool__(self) -> bool:
        self.pauses += 1
        return self.pauses > self.rounds


def run_rounds(h: Harness, rounds: int = 1, interval: float = 60) -> refresher.RefresherStats:
    """Run the refresher loop for ``rounds`` rounds; its statistics."""
    stats = refresher.RefresherStats()
    h.run(refresher.run_refresher(h.ctx, stats, Rounds(rounds), interval=interval,
                                  concurrency=2))
    return stats


def test_refresh_due_reads_the_schedule_and_renews_only_what_is_due() -> None:
    appids = [f"wx{n:016x}" for n in range(refresher.STORE_PAGE + 5)]
    h = ready_to_refresh(*appids)
    now = h.clock()
    for n, appid in enumerate(appids):
        due = n % 50 == 0
        expires = now + (600 if due else 7200)
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", expires, expires - 7200))
    h.reply(lambda request: authorizer_token_answer("renewed"))
    checked, failed = h.run(refresher.refresh_due(h.ctx, concurrency=4))
    assert (checked, failed) == (1 + len(appids), 0)
    renewed = [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")]
    assert renewed == [a for n, a in enumerate(appids) if n % 50 == 0]
    queries = [e for e in h.of(StoreCall) if e.method == "due_authorizers"]
    assert len(queries) == 2  # a full page, then the 5 left
    # each account is scheduled at its token's refresh time: 900 s before expiry
    policy = h.ctx.policy
    for appid in appids:
        record = h.store.get_authorizer(COMPONENT_APPID, appid)
        assert record.refresh_at == now + 7200 - policy.max_margin - policy.refresh_lead

    # a second round at once finds nothing due: one empty query, no refresh
    before = len(h.requests("api_authorizer_token"))
    marker = len(h.of(StoreCall))
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)
    calls = [e.method for e in h.of(StoreCall)[marker:]]
    assert calls.count("due_authorizers") == 1 and "get_authorizer" not in calls
    assert "list_authorizers" not in calls
    assert len(h.requests("api_authorizer_token")) == before

    # when the refresh time comes, every account is due again and renewed
    h.clock.advance(7200 - policy.max_margin - policy.refresh_lead)
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx, concurrency=8)) == (1 + len(appids), 0)
    assert len(h.requests("api_authorizer_token")) == before + len(appids)


def test_a_failed_background_refresh_is_retried_after_retry_after() -> None:
    h = ready_to_refresh(AUTHORIZER)
    now = h.clock()
    h.reply(answer(body={"errcode": 45009, "errmsg": "quota"}),
            lambda request: authorizer_token_answer("renewed"))
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (2, 1)
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).refresh_at == now + 90
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (1, 0)  # not due yet
    h.clock.advance(90)
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx, retry_after=90)) == (2, 0)
    assert len(h.requests("api_authorizer_token")) == 2
    with pytest.raises(InvalidArgument):
        h.run(refresher.refresh_due(h.ctx, retry_after=0))


@pytest.mark.parametrize("holder", ["another host (its lease)", "this process (its lock)"])
def test_a_round_leaves_an_account_another_refresher_is_on_and_moves_on(holder: str) -> None:
    taken, free = f"wx{1:016x}", f"wx{2:016x}"
    h = ready_to_refresh(taken, free)
    now = h.clock()
    taken_key = f"{COMPONENT_APPID}:authorizer_access_token:{taken}"
    if holder.startswith("another host"):
        fence = h.store.acquire_lease(taken_key, 30)
        assert fence is not None
    else:
        h.held[taken_key] = 1
    h.reply(lambda request: authorizer_token_answer("renewed"))
    assert h.run(refresher.refresh_due(h.ctx)) == (3, 0)  # not a failure
    assert [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")] == [free]
    assert not h.of(Sleep) and h.clock() == now  # never waited for the other refresher
    assert h.store.get_authorizer(COMPONENT_APPID, taken).refresh_at == 0  # left to its holder
    assert h.store.get_authorizer(COMPONENT_APPID, free).refresh_at > now

    # the holder gone without a word (its lease ended), the next round takes the account
    if holder.startswith("another host"):
        h.clock.advance(31)
    else:
        h.held[taken_key] = 0
    fresh_component_token(h)
    assert h.run(refresher.refresh_due(h.ctx)) == (2, 0)
    assert [r.json["authorizer_appid"] for r in h.requests("api_authorizer_token")] == [
        free, taken]
    assert h.store.get_authorizer(COMPONENT_APPID, taken).refresh_at > h.clock()


def test_a_caller_waits_for_a_refresh_under_way_where_the_refresher_would_not() -> None:
    h = ready_to_refresh(AUTHORIZER)
    h.store.acquire_lease(AUTHORIZER_KEY, 30)
    h.reply(lambda request: authorizer_token_answer("renewed"))
    with pytest.raises(Busy):
        h.run(tokens.authorizer_token(h.ctx, AUTHORIZER, wait=False))
    assert not h.requests("api_authorizer_token")
    token = h.run(tokens.authorizer_token(h.ctx, AUTHORIZER))  # waits out the dead holder
    assert token.value == "renewed" and h.of(Sleep)


def test_a_revoked_account_is_never_due_and_an_exchange_schedules_its_token() -> None:
    h = with_ticket(Harness())
    fresh_component_token(h)
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-1",
                                             "revoked", (), now, now, now))
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)
    assert h.requests("api_authorizer_token") == []
    # a code exchange: the record is scheduled by the token it brought
    h.reply(answer(body={"authorization_info": {
        "authorizer_appid": AUTHORIZER, "authorizer_access_token": "at", "expires_in": 7200,
        "authorizer_refresh_token": "rt-2", "func_info": []}}))
    h.run(component.query_auth(h.ctx, "code-1"))
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    token = h.store.get_token(AUTHORIZER_KEY)
    assert record.status == "authorized"
    assert record.refresh_at == h.ctx.policy.refresh_time(token)
    assert h.run(refresher.refresh_due(h.ctx)) == (1, 0)


def test_a_round_looks_up_the_names_it_lacks_a_bounded_number_at_a_time() -> None:
    appids = [f"wx{n:016x}" for n in range(refresher.NAMES_PER_ROUND + 3)]
    h = ready_to_refresh(*appids)
    now = h.clock()
    for appid in appids:
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", now + 7200, now))

    def info(request: Http) -> object:
        appid = request.json["authorizer_appid"]
        if appid == appids[0]:
            return answer(body={"errcode": -1, "errmsg": "busy"})
        return answer(body={"authorizer_info": {"nick_name": f"Shop {appid[-3:]}"},
                            "authorization_info": {"authorizer_appid": appid}})

    h.reply(info)
    assert h.run(refresher.refresh_due(h.ctx)) == (1 + len(appids), 0)
    looked_up = [r.json["authorizer_appid"] for r in h.requests("api_get_authorizer_info")]
    assert len(set(looked_up)) == refresher.NAMES_PER_ROUND
    named = [a for a in appids if h.store.get_authorizer(COMPONENT_APPID, a).name]
    assert len(named) == refresher.NAMES_PER_ROUND - 1  # the busy one failed, quietly
    assert [r.authorizer_appid for r in h.store.search_authorizers(COMPONENT_APPID, "shop "
                                                                   + appids[5][-3:])] == [
        appids[5]]


def test_a_round_looks_up_a_named_account_whose_type_is_not_known() -> None:
    older, known = "wx00000000000000a1", "wx00000000000000a2"
    h = ready_to_refresh(older, known)
    now = h.clock()
    for appid in (older, known):
        h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{appid}",
                          CachedToken("at", now + 7200, now))
    h.store.set_authorizer_name(COMPONENT_APPID, older, "Kept before types were")
    h.store.set_authorizer_name(COMPONENT_APPID, known, "Known", account_type="mini_program")
    h.reply(lambda request: answer(body={
        "authorizer_info": {"nick_name": "Tea House", "MiniProgramInfo": {}},
        "authorization_info": {"authorizer_appid": request.json["authorizer_appid"]}}))
    h.run(refresher.refresh_due(h.ctx))
    looked_up = [r.json["authorizer_appid"] for r in h.requests("api_get_authorizer_info")]
    assert looked_up == [older]
    record = h.store.get_authorizer(COMPONENT_APPID, older)
    assert record is not None and (record.name, record.account_type) == ("Tea House",
                                                                         "mini_program")


@pytest.mark.parametrize(("nick_name", "kept"), [
    ("  Tea House  ", "Tea House"), ("x" * 300, None), ("line\nbreak", None), ("", None)])
def test_reading_an_accounts_details_keeps_a_name_the_store_accepts(
        nick_name: str, kept: str | None) -> None:
    h = with_ticket(Harness())
    authorize(h)
    fresh_component_token(h)
    h.reply(answer(body={"authorizer_info": {"nick_name": nick_name},
                         "authorization_info": {"authorizer_appid": AUTHORIZER}}))
    info = h.run(component.get_authorizer_info(h.ctx, AUTHORIZER))
    assert info.nick_name == nick_name  # the answer is the caller's either way
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).name == kept


def test_the_refresher_loop_counts_rounds_and_stops_when_told() -> None:
    h = with_ticket(Harness(policy=Policy(reconcile_interval=None)))
    fresh_component_token(h)
    stats = refresher.RefresherStats()

    class Stop:
        def __init__(self) -> None:
            self.checks = 0

        def __bool__(self) -> bool:
            self.checks += 1
            return self.checks > 3  # stop at the third pause after the start

    h.run(refresher.run_refresher(h.ctx, stats, Stop(), interval=60, concurrency=2))
    assert stats.rounds == 3
    with pytest.raises(InvalidArgument):
        refresher.run_refresher(h.ctx, stats, Stop(), interval=0, concurrency=2)


def test_the_refresher_reconciles_with_wechats_list_when_due() -> None:
    h = with_ticket(Harness(policy=Policy(reconcile_interval=3600)))
    fresh_component_token(h)
    h.reply(lambda request: list_page([(AUTHORIZER, "rt-from-list")], total=1)
            if request.path.endswith("api_get_authorizer_list")
            else authorizer_token_answer("at"))
    stats = run_rounds(h, 3, interval=1200)
    assert stats.rounds == 3 and stats.reconciled_added == 1
    assert len(h.requests("api_get_authorizer_list")) == 1  # not again within the hour
    record = h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER)
    assert (record.refresh_token, record.status) == ("rt-from-list", "authorized")


def test_one_host_of_a_fleet_reconciles_per_interval() -> None:
    first = with_ticket(Harness(policy=Policy(reconcile_interval=3600)))
    second = Harness(policy=Policy(reconcile_interval=3600), clock=first.clock)
    second.store = first.store  # two hosts, one store
    fresh_component_token(first)
    for h in (first, second):
        h.reply(lambda request: list_page([(AUTHORIZER, "rt-from-list")], total=1)
                if request.path.endswith("api_get_authorizer_list")
                else authorizer_token_answer("at"))

    for h in (first, second):
        run_rounds(h)
    assert len(first.requests("api_get_authorizer_list")) == 1
    assert second.requests("api_get_authorizer_list") == []  # the first host holds the hour
    first.clock.advance(3601)
    fresh_component_token(first)
    run_rounds(second)
    assert len(second.requests("api_get_authorizer_list")) == 1  # the next hour: one host again


# --------------------------------------------------------------------------- old exchanges


def finished_exchange(h: Harness, key: str, *, dead: bool = False) -> int:
    """A code exchange of the queue, finished now (done, or dead when ``dead``)."""
    job_id = h.store.enqueue(COMPONENT_APPID, EXCHANGE_TOPIC, f"g-{key}", b"{}", key=key)
    (job,) = h.store.claim_jobs(COMPONENT_APPID, EXCHANGE_TOPIC, limit=1, lease=60)
    assert job.claim is not None
    if dead:
        assert h.store.bury_job(job.id, job.claim, "the code expired")
    else:
        assert h.store.ack_job(job.id, job.claim)
    return job_id


def test_finished_code_exchanges_are_purged_once_the_policys_retention_passed() -> None:
    policy = Policy(reconcile_interval=None, exchange_retention=2 * 86400)
    h = with_ticket(Harness(policy=policy, callbacks=Callbacks()))
    old_done, old_dead = finished_exchange(h, "old-done"), finished_exchange(h, "old", dead=True)
    h.clock.advance(86400)
    recent = finished_exchange(h, "recent")
    h.clock.advance(86400 + 60)  # the first two finished 2 days and a minute ago
    fresh_component_token(h)
    stats = run_rounds(h)
    assert h.store.get_job(old_done) is None and h.store.get_job(old_dead) is None
    assert h.store.get_job(recent).state == "done"  # a day old: kept
    assert stats.exchange_purge is not None and stats.exchange_purge.deleted == 2
    purged_at = stats.exchange_purge.at
    h.clock.advance(86400)  # the recent one is now past the retention
    fresh_component_token(h)
    stats = run_rounds(h)
    assert h.store.get_job(recent) is None
    assert stats.exchange_purge is not None and stats.exchange_purge.at > purged_at


def test_one_host_of_a_fleet_purges_old_exchanges_per_hour() -> None:
    policy = Policy(reconcile_interval=None, exchange_retention=3900)
    first = with_ticket(Harness(policy=policy, callbacks=Callbacks()))
    second = Harness(policy=policy, clock=first.clock, callbacks=Callbacks())
    second.store = first.store  # two hosts, one store
    earlier = finished_exchange(first, "earlier")
    first.clock.advance(1000)
    later = finished_exchange(first, "later")
    first.clock.advance(2901)  # the earlier one is past the retention
    fresh_component_token(first)
    purge = run_rounds(first).exchange_purge
    assert purge is not None and purge.deleted == 1 and first.store.get_job(earlier) is None
    first.clock.advance(1100)  # the later one is past it too, within the first host's hour
    fresh_component_token(first)
    assert run_rounds(second).exchange_purge is None  # the first host holds the hour
    assert first.store.get_job(later) is not None
    first.clock.advance(3600)
    fresh_component_token(first)
    purge = run_rounds(second).exchange_purge  # the next hour: one host again
    assert purge is not None and purge.deleted == 1
    assert first.store.get_job(later) is None


def test_an_exchange_retention_that_is_not_positive_is_refused() -> None:
    for bad in (0, -1.0):
        with pytest.raises(ConfigurationError) as caught:
            Policy(exchange_retention=bad)
        assert caught.value.field == "exchange_retention"


# --------------------------------------------------------------------------- missing ticket


TICKET_POLICY = Policy(reconcile_interval=None, ticket_request_age=1200,
                       ticket_request_interval=600)
START_PUSH = "api_start_push_ticket"


def test_a_round_asks_wechat_for_a_ticket_when_none_is_stored() -> None:
    h = Harness(policy=TICKET_POLICY)
    h.reply(answer(body={"errcode": 0, "errmsg": "ok"}))
    started = h.clock()
    stats = run_rounds(h)
    (request,) = h.requests(START_PUSH)
    assert request.json == {"component_appid": COMPONENT_APPID,
                            "component_secret": "s" * 32}
    assert stats.ticket_requested_at == started
    kept = refresher.last_ticket_request(
        h.store.get_token(refresher.ticket_request_key(COMPONENT_APPID)))
    assert kept == refresher.TicketRequest(started, None) and kept.ok
    assert h.emitted("ticket_requested") == [
        {"appid": COMPONENT_APPID, "ticket_age": None, "error": ""}]


def test_a_fresh_ticket_asks_for_nothing_and_a_stale_one_asks() -> None:
    h = with_ticket(Harness(policy=TICKET_POLICY))
    h.reply(answer(body={"errcode": 0}))
    h.clock.advance(1200)  # as old as expected, not older
    assert h.run(refresher.request_ticket_when_missing(h.ctx)) is None
    assert h.requests() == []
    h.clock.advance(1)  # pushes stopped arriving
    request = h.run(refresher.request_ticket_when_missing(h.ctx))
    assert request == refresher.TicketRequest(h.clock(), None)
    assert len(h.requests(START_PUSH)) == 1
    assert h.emitted("ticket_requested")[0]["ticket_age"] == 1201


def test_a_fleet_asks_for_a_ticket_once_per_interval() -> None:
    first = Harness(policy=TICKET_POLICY)
    second = Harness(policy=TICKET_POLICY, clock=first.clock)
    second.store = first.store  # two hosts, one store
    for h in (first, second):
        h.reply(lambda request: answer(body={"errcode": 0}))

    def ask(h: Harness):
        return h.run(refresher.request_ticket_when_missing(h.ctx))

    assert ask(first) is not None
    for _ in range(9):  # rounds of both hosts through the interval, the ticket still missing
        first.clock.advance(60)
        assert ask(second) is None and ask(first) is None
    assert (len(first.requests()), len(second.requests())) == (1, 0)
    first.clock.advance(60)  # the interval is over: one host asks again
    assert ask(second) is not None and ask(first) is None
    assert (len(first.requests()), len(second.requests())) == (1, 1)


def test_a_failed_ticket_request_is_recorded_and_not_repeated_within_the_interval() -> None:
    h = Harness(policy=TICKET_POLICY)
    h.reply(lambda request: answer(body={"errcode": 61004, "errmsg": "requestIP: 10.0.0.9"}))
    stats = run_rounds(h, 3)
    assert stats.rounds == 3  # the failure ended no round
    assert len(h.requests(START_PUSH)) == 1
    kept = refresher.last_ticket_request(
        h.store.get_token(refresher.ticket_request_key(COMPONENT_APPID)))
    assert kept is not None and kept.error == "IPNotWhitelisted" and not kept.ok


def test_ticket_requests_can_be_turned_off_and_bad_settings_are_refused() -> None:
    h = Harness(policy=replace(TICKET_POLICY, ticket_request_age=None))
    run_rounds(h, 2)
    assert h.requests() == []
    for name, value in (("ticket_request_age", 0), ("ticket_request_age", float("nan")),
                        ("ticket_request_interval", -1)):
        with pytest.raises(ConfigurationError, match=name):
            Policy(**{name: value})


def _wechat_of_a_filed_mini_program(request: Http) -> object:
    if request.path.endswith("get_icp_entrance_info"):
        return answer(body={"errcode": 0, "info": {"status": 6}})
    if request.path.endswith("get_privacy_interface"):
        return answer(body={"errcode": 0, "interface_list": []})
    if request.path.endswith("getillegalrecords"):
        return answer(body={"errcode": 0, "records": []})
    return authorizer_token_answer("at")


@pytest.mark.parametrize("age", [86400.0, None])
def test_each_round_checks_the_compliance_of_mini_programs_unless_turned_off(
        age: float | None) -> None:
    h = with_ticket(Harness(policy=Policy(compliance_check_age=age)))
    fresh_component_token(h)
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt", "authorized",
                                             (), now, now, None, account_type="mini_program"))
    h.reply(_wechat_of_a_filed_mini_program)
    stats = run_rounds(h, 2)
    assert stats.rounds == 2
    record = h.store.get_compliance(COMPONENT_APPID, AUTHORIZER)
    if age is None:
        assert stats.compliance_checked == 0 and record is None
        assert h.requests("get_icp_entrance_info") == []
        return
    assert stats.compliance_checked == 1  # checked once: the second round finds it fresh
    assert record is not None and record.filing_status == 6 and record.blockers == ()
