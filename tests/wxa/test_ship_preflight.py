"""A shipment looks before it leaps, on both shells against the emulator: it plans no more
audits than the month's quota holds, and a mini program whose privacy guide would fail its
audit ends blocked with its reason, with no commit and no audit spent for it."""

from __future__ import annotations

from typing import Any

import pytest

from wxcomponent import OwnerSetting, PrivacyItem, ShipOptions
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import ConfigurationError

from .conftest import APPID, FAST, Side, mini_program, moving_clock, template

OWNER = OwnerSetting(notice_method="弹窗通知", contact_email="privacy@shop.example")


def _ship(side: Side, template_id: int, apps: list[str], **options: Any) -> Any:
    return side.run(side.component.fleet.ship(
        template_id, {"ext": {"shop": "$APPID$"}}, "2.0.0", appids=apps,
        options=ShipOptions(**{**FAST.__dict__, **options})))


def test_no_more_audits_are_planned_than_the_quota_holds(emu: EmulatorServer,
                                                         side: Side) -> None:
    apps = [mini_program(emu, side) for _ in range(5)]
    template_id = template(emu, side)
    emu.configure_mini_programs(audit_quota=3)
    events: list[tuple[str, dict[str, Any]]] = []
    side.component.add_listener(lambda name, fields: events.append((name, dict(fields))))
    with moving_clock(emu):
        result = _ship(side, template_id, apps)
    outcome = {a.appid: a for a in result.apps}
    assert [outcome[a].outcome for a in apps] == ["released"] * 3 + ["blocked"] * 2
    assert result.blockers() == {"audit_quota": 2}
    assert all("quota" in outcome[a].reason for a in apps[3:])
    for appid in apps[3:]:  # nothing spent on the blocked ones
        state = emu.mini_program(APPID, appid)
        assert state["commits"] == 0 and state["audits"] == []
    assert result.counts()["blocked"] == 2
    assert ("ship_app", {"shipment": f"{template_id}-2.0.0", "appid": apps[4],
                         "stage": "prepare", "state": "blocked", "blocker": "audit_quota",
                         "reason": outcome[apps[4]].reason}) in events
    # the same shipment run again reads its report and spends nothing more
    before = emu.call_counts()
    assert _ship(side, template_id, apps) == result
    assert emu.call_counts().get("/wxa/commit") == before.get("/wxa/commit")
    assert emu.call_counts().get("/wxa/queryquota") == before.get("/wxa/queryquota")


def test_a_privacy_guide_that_would_fail_the_audit_blocks(emu: EmulatorServer,
                                                          side: Side) -> None:
    ready, partial, bare = (mini_program(emu, side) for _ in range(3))
    side.run(side.authorizer(ready).privacy.set(OWNER, [
        PrivacyItem("UserInfo", "展示头像"), PrivacyItem("Location", "附近门店")]))
    side.run(side.authorizer(partial).privacy.set(OWNER, [PrivacyItem("UserInfo", "展示头像")]))
    template_id = template(emu, side)
    with moving_clock(emu):
        result = _ship(side, template_id, [ready, partial, bare],
                       privacy_keys=("UserInfo", "Location"))
    outcome = {a.appid: a for a in result.apps}
    assert outcome[ready].outcome == "released"
    assert (outcome[partial].outcome, outcome[partial].blocker) == (
        "blocked", "privacy_guide_incomplete")
    assert "Location" in outcome[partial].reason
    assert (outcome[bare].outcome, outcome[bare].blocker) == ("blocked", "privacy_guide_missing")
    assert result.blockers() == {"privacy_guide_incomplete": 1, "privacy_guide_missing": 1}
    for appid in (partial, bare):
        assert emu.mini_program(APPID, appid)["commits"] == 0
    report = side.run(side.component.fleet.report(f"{template_id}-2.0.0"))
    assert report == result  # read back from the store, blockers included


def test_without_preflight_nothing_is_checked(emu: EmulatorServer, side: Side) -> None:
    apps = [mini_program(emu, side) for _ in range(2)]
    template_id = template(emu, side)
    emu.configure_mini_programs(audit_quota=1)
    with moving_clock(emu):
        result = _ship(side, template_id, apps, preflight=False,
                       privacy_keys=("UserInfo",))
    assert sorted(a.outcome for a in result.apps) == ["failed", "released"]
    failed = next(a for a in result.apps if a.outcome == "failed")
    assert failed.errcode == 85085  # WeChat's answer, which the preflight would have spared
    assert "/wxa/queryquota" not in emu.call_counts()
    assert "/cgi-bin/component/getprivacysetting" not in emu.call_counts()


@pytest.mark.parametrize("bad", [{"privacy_keys": "UserInfo"}, {"privacy_keys": ("",)},
                                 {"preflight": "yes"}])
def test_bad_preflight_options_are_configuration_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        ShipOptions(**bad)


@pytest.mark.slow
@pytest.mark.parametrize("side", ["sync"], indirect=True)  # both shells run the small cases
def test_five_hundred_mini_programs_of_which_some_are_not_ready(emu: EmulatorServer,
                                                                side: Side) -> None:
    """500 mini programs: 100 not filed and 20 whose privacy interface is not approved end
    blocked with nothing committed; the 380 others are released."""
    apps = [mini_program(emu, side) for _ in range(500)]
    unfiled, unapproved = set(apps[:100]), set(apps[100:120])
    for appid in unfiled:
        emu.set_filing(APPID, appid, filed=False)
    for appid in apps[100:]:
        if appid not in unapproved:
            side.run(side.authorizer(appid).privacy_interfaces.apply(
                "wx.chooseAddress", "填写收货地址"))
    template_id = template(emu, side)
    with moving_clock(emu):
        result = _ship(side, template_id, apps, concurrency=32,
                       privacy_interfaces=("wx.chooseAddress",))
    outcome = {a.appid: a for a in result.apps}
    assert {outcome[a].blocker for a in unfiled} == {"not_filed"}
    assert {outcome[a].blocker for a in unapproved} == {"privacy_interface_not_approved"}
    assert result.blockers() == {"not_filed": 100, "privacy_interface_not_approved": 20}
    assert result.counts() == {"released": 380, "rejected": 0, "failed": 0, "blocked": 120,
                               "in_progress": 0}
    assert all(emu.mini_program(APPID, a)["commits"] == 0 for a in unfiled | unapproved)
    ready = [a for a in apps if a not in unfiled | unapproved]
    assert all(emu.mini_program(APPID, a)["released"] is not None for a in ready)
