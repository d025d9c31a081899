"""The compliance board end to end, on both shells over HTTP against the emulator: a check
reads an unfiled mini program as ``not_filed``; the platform's rejection of its filing, pushed,
keeps it there and the filed push clears it; a verification approved, then ended on the
emulated clock, shows ``verification_expired`` from the annual-review push."""

from __future__ import annotations

import httpx

from wxcomponent import AuthData, CallbackOptions, Component
from wxcomponent.emulator import EmulatorServer
from wxcomponent.stores import MemoryStore

from ..support.filing import JPEG, application
from ..support.waiting import wait_for
from .conftest import (
    APPID,
    CONFIG,
    PNG_MAGIC,
    Side,
    advance,
    mini_program,
    pushes_to,
)

PHOTO_FIELD = "icp_subject.principal_info.certificate_photo_front"
YEAR = 365 * 86400.0


def blockers(side: Side, appid: str) -> tuple[str, ...] | None:
    record = side.run(side.component.compliance_record(appid))
    return None if record is None else record.blockers


def test_a_rejected_filing_shows_not_filed_and_the_filed_push_clears_it(
        emu: EmulatorServer, side: Side) -> None:
    side.run(side.component.fast_registration.create_personal("李四", "lisi_wechat"))
    done = emu.complete_registration(APPID, push=False)
    side.run(side.component.query_auth(done["info"]["auth_code"]))
    appid = str(done["appid"])
    checked = side.run(side.component.check_compliance(appid))
    assert (checked.filing_status, checked.blockers) == (1024, ("not_filed",))
    assert side.store.list_compliance(APPID, blocked_by="not_filed") == [checked]

    icp = side.authorizer(appid).icp
    emu.plan_filing(APPID, appid, platform="reject", platform_after=3600)
    with pushes_to(emu, side):
        task = side.run(icp.create_verify_task())
        emu.advance_clock(60)
        photo = side.run(icp.upload_media(JPEG, type="image", icp_order_field=PHOTO_FIELD,
                                          certificate_type=2)).media_id
        side.run(icp.apply(application(photo, task.task_id)))
        emu.advance_clock(3600)
        wait_for(lambda: side.store.get_compliance(APPID, appid).filing_status == 3,
                 "the rejection did not reach the board")
        assert blockers(side, appid) == ("not_filed",)
        emu.plan_filing(APPID, appid, platform="approve", platform_after=600,
                        sms_after=1200, bureau="approve", bureau_after=1800)
        side.run(icp.apply(application(photo, task.task_id)))
        advance(emu, side, 600 + 1200 + 1800)
        wait_for(lambda: blockers(side, appid) == (), "the filed push did not clear it")
    assert side.store.get_compliance(APPID, appid).filing_status == 6
    assert side.store.count_compliance(APPID) == {"records": 1, "any": 0}


def test_a_verification_that_ended_on_the_emulated_clock_is_expired(
        emu: EmulatorServer) -> None:
    store = MemoryStore(clock=emu.now)
    store.save_ticket(APPID, emu.issue_ticket(APPID), int(emu.now()))
    with httpx.Client(base_url=emu.url, trust_env=False, timeout=30) as client, \
            Component(CONFIG, store, api_base=emu.url, http_client=client, clock=emu.now,
                      # the emulator signs its pushes by the wall clock; this one reads a
                      # clock a year ahead of it
                      callbacks=CallbackOptions(timestamp_window=None)) as component:
        side = Side("sync", component, store)
        appid = mini_program(emu, side)
        verification = component.authorizer(appid).verification
        material = verification.upload_material(PNG_MAGIC + b"\x00" * 64)
        with pushes_to(emu, side):
            verification.apply(AuthData(
                customer_type=1, contact_name="张三", contact_email="ops@shop.example",
                qualification=material.mediaid, account_name="好店"))
            emu.verification_step(APPID, appid, "approved")
            until = emu.mini_program(APPID, appid)["compliance"]["verified_until"]
            wait_for(lambda: getattr(component.compliance_record(appid), "verified_until",
                                     None), "the approval did not reach the board")
            assert component.compliance_record(appid).blockers == ()
            advance(emu, side, YEAR + 1)
            emu.run_due_events()
            wait_for(lambda: component.compliance_record(appid).blockers
                     == ("verification_expired",), "the expiry did not reach the board")
        record = component.compliance_record(appid)
        assert record.verified_until == int(until)
        assert store.list_compliance(APPID, blocked_by="verification_expired") == [record]
