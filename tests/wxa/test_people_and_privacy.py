"""Testers and the privacy guide on both shells (including the custom guide file upload),
with WeChat's errcodes for every wrong state."""

from __future__ import annotations

from pathlib import Path

import pytest

import wxcomponent
from wxcomponent import OwnerSetting, PrivacyExtFile, PrivacyItem, PrivacySetting
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, FileTooLarge, InvalidArgument

from .conftest import APPID, Side, approved, mini_program

OWNER = OwnerSetting(notice_method="弹窗通知", contact_email="privacy@shop.example")
ITEMS = [PrivacyItem("UserInfo", "展示用户头像和昵称"), PrivacyItem("Location", "查找附近门店")]


def test_testers(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    testers = side.authorizer(appid).testers
    emu.configure_mini_programs(max_testers=2)
    first = side.run(testers.bind("alice_2024"))
    assert isinstance(first, wxcomponent.Tester) and len(first.userstr) == 32
    side.run(testers.bind("bob_tester"))
    with pytest.raises(APIError) as again:
        side.run(testers.bind("alice_2024"))
    assert again.value.errcode == 85004
    with pytest.raises(APIError) as full:
        side.run(testers.bind("carol_tester"))
    assert full.value.errcode == 85002
    listed = side.run(testers.list())
    assert isinstance(listed, wxcomponent.TesterList)
    assert {m.userstr for m in listed.members} >= {first.userstr}
    side.run(testers.unbind(userstr=first.userstr))
    side.run(testers.unbind("bob_tester"))
    assert side.run(testers.list()).members == ()
    with pytest.raises(APIError) as gone:
        side.run(testers.unbind("bob_tester"))
    assert gone.value.errcode == 85001
    with pytest.raises(InvalidArgument):
        side.run(testers.unbind("bob_tester", userstr="x"))
    with pytest.raises(InvalidArgument):
        side.run(testers.unbind())


def test_the_privacy_guide_goes_live_with_a_release(emu: EmulatorServer, side: Side,
                                                    tmp_path: Path) -> None:
    appid = mini_program(emu, side)
    privacy = side.authorizer(appid).privacy
    guide = tmp_path / "privacy.txt"
    guide.write_text("我们如何处理你的信息……", encoding="utf-8")
    uploaded = side.run(privacy.upload_ext_file(guide))
    assert isinstance(uploaded, PrivacyExtFile) and uploaded.ext_file_media_id
    owner = OwnerSetting(notice_method="弹窗通知", contact_phone="13800000000",
                         ext_file_media_id=uploaded.ext_file_media_id)
    side.run(privacy.set(owner, ITEMS))
    draft = side.run(privacy.get())
    assert isinstance(draft, PrivacySetting)
    assert [s.privacy_key for s in draft.setting_list] == ["UserInfo", "Location"]
    assert draft.owner_setting["contact_phone"] == "13800000000"
    with pytest.raises(APIError) as no_online:
        side.run(privacy.set(OWNER, privacy_ver=1))
    assert no_online.value.errcode == 86074
    approved(emu, side, appid)
    side.run(side.authorizer(appid).code.release())
    side.run(privacy.set(OWNER, privacy_ver=1))  # the released guide's contacts
    online = side.run(privacy.get(1))
    assert online.owner_setting["contact_email"] == "privacy@shop.example"
    assert [s.privacy_key for s in online.setting_list] == ["UserInfo", "Location"]


def test_privacy_errors(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    privacy = side.authorizer(appid).privacy
    with pytest.raises(APIError) as unknown_key:
        side.run(privacy.set(OWNER, [{"privacy_key": "Telepathy", "privacy_text": "x"}]))
    assert unknown_key.value.errcode == 47001
    with pytest.raises(APIError) as missing_items:
        side.run(privacy.set(OWNER))
    assert missing_items.value.errcode == 47001
    with pytest.raises(InvalidArgument) as no_contact:
        side.run(privacy.set(OwnerSetting(notice_method="弹窗"), ITEMS))
    assert no_contact.value.argument == "owner_setting"
    with pytest.raises(InvalidArgument):
        side.run(privacy.set(OWNER, ITEMS, privacy_ver=3))
    with pytest.raises(InvalidArgument):
        side.run(privacy.set(OWNER, ITEMS, privacy_ver=1))
    with pytest.raises(FileTooLarge):
        side.run(privacy.upload_ext_file(b"x" * (100 * 1024 + 1)))
    with pytest.raises(APIError) as kind:
        side.run(privacy.upload_ext_file(b"\x89PNG\r\n\x1a\nnot text"))
    assert kind.value.errcode == 40005
    assert emu.mini_program(APPID, appid)["privacy"] == {}
