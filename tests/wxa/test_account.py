"""A mini program's categories and basic information on both shells: the category tree, adding
and reviewing categories, nickname (with its audit, pushed), avatar, introduction and search
visibility."""

from __future__ import annotations

import pytest

from wxcomponent import (
    AccountBasicInfo,
    AccountCategories,
    AllCategories,
    AuditCategories,
    CategoryRequest,
    NicknameAudit,
    NicknameCheck,
    NicknameResult,
    SearchStatus,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument
from wxcomponent.events import NicknameAuditResult

from .conftest import APPID, PNG_MAGIC, Side, mini_program, pushes_to, wait_for


def test_categories(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    categories = side.authorizer(appid).categories
    tree = side.run(categories.all())
    assert isinstance(tree, AllCategories)
    assert {c.name for c in tree.categories} >= {"工具", "食品"}
    mine = side.run(categories.list())
    assert isinstance(mine, AccountCategories) and len(mine.categories) == 1
    side.run(categories.add([CategoryRequest(304, 321)]))
    with pytest.raises(APIError) as duplicate:
        side.run(categories.add([CategoryRequest(304, 321)]))
    assert duplicate.value.errcode == 53304
    with pytest.raises(APIError) as needs_papers:
        side.run(categories.add([CategoryRequest(304, 322)]))
    assert needs_papers.value.errcode == 53303
    side.run(categories.add([CategoryRequest(304, 322, (("食品经营许可证", "media1"),))]))
    audit_ones = side.run(categories.for_audit())
    assert isinstance(audit_ones, AuditCategories)
    assert {(c.first_id, c.second_id) for c in audit_ones.categories} == {(287, 612),
                                                                          (304, 321)}
    emu.review_category(APPID, appid, 304, 322, approve=True)
    assert (304, 322) in {(c.first_id, c.second_id)
                          for c in side.run(categories.for_audit()).categories}
    side.run(categories.modify(304, 322, [("食品经营许可证", "media2")]))
    side.run(categories.delete(304, 321))
    with pytest.raises(APIError) as gone:
        side.run(categories.delete(304, 321))
    assert gone.value.errcode == 53303
    with pytest.raises(InvalidArgument):
        side.run(categories.add([]))
    with pytest.raises(InvalidArgument):
        side.run(categories.delete(0, 321))


def test_basic_information(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    info = side.authorizer(appid).basic_info
    account = side.run(info.get())
    assert isinstance(account, AccountBasicInfo) and account.appid == appid
    changed = side.run(info.set_nickname("模拟好物店"))
    assert isinstance(changed, NicknameResult) and changed.audit_id == 0
    assert side.run(info.get()).nickname == "模拟好物店"
    side.run(info.set_signature("专注好物"))
    assert side.run(info.get()).signature == "专注好物"
    media = side.run(side.authorizer(appid).upload("/cgi-bin/media/upload",
                                                   PNG_MAGIC + b"avatar" * 10,
                                                   params={"type": "image"}))
    side.run(info.set_avatar(media["media_id"], 0, 0, 1, 1))
    with pytest.raises(APIError) as unknown_media:
        side.run(info.set_avatar("no-such-media"))
    assert unknown_media.value.errcode == 40007
    side.run(info.set_search_status(False))
    status = side.run(info.search_status())
    assert isinstance(status, SearchStatus) and not status.searchable
    with pytest.raises(InvalidArgument):
        side.run(info.set_avatar(media["media_id"], x2=1.5))
    with pytest.raises(InvalidArgument):
        side.run(info.set_signature("x" * 121))
    with pytest.raises(APIError) as bad_name:
        side.run(info.set_nickname("x"))
    assert bad_name.value.errcode == 91011


def test_a_reviewed_nickname_and_its_push(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    info = side.authorizer(appid).basic_info
    check = side.run(info.check_nickname("品牌官方店"))
    assert isinstance(check, NicknameCheck) and check.hit_condition
    seen: list[NicknameAuditResult] = []
    side.component.on(NicknameAuditResult)(lambda event, push: seen.append(event))
    with pushes_to(emu, side):
        pending = side.run(info.set_nickname("品牌官方店"))
        assert pending.audit_id > 0
        status = side.run(info.nickname_status(pending.audit_id))
        assert isinstance(status, NicknameAudit) and status.audit_stat == 1
        emu.finish_nickname_audit(APPID, appid, approve=True)
        wait_for(lambda: seen, "the nickname audit was not pushed")
    assert seen[0].approved and seen[0].nickname == "品牌官方店"
    assert side.run(info.nickname_status(pending.audit_id)).audit_stat == 3
    assert side.run(info.get()).nickname == "品牌官方店"
