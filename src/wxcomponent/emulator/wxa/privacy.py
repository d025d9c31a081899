"""A mini program's privacy guide: the settings of each version (1 online, 2 the draft that goes
live with the next release) and the extra file uploaded for it.
"""

from __future__ import annotations

from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import list_param, program_of

__all__ = ["get_privacy", "set_privacy", "upload_privacy_file"]

_PRIVACY_KEYS = ("UserInfo", "Location", "Address", "Invoice", "RunData", "Record", "Album",
                 "Camera", "PhoneNumber", "Contact", "DeviceInfo", "EXIDNumber",
                 "EXOrderInfo", "EXUserPublishContent", "EXUserFollowAcct", "EXUserOpLog",
                 "AlbumWriteOnly", "LicensePlate", "BlueTooth", "CalendarWriteOnly", "Email",
                 "MessageFile", "ChooseLocation", "Accelerometer", "Compass",
                 "DeviceMotion", "Gyroscope", "Clipboard")


def set_privacy(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    version = call.number("privacy_ver", 2)
    owner = call.params.get("owner_setting")
    if version not in (1, 2) or not isinstance(owner, dict):
        raise WxError(47001, "privacy_ver is 1 or 2, owner_setting an object")
    contacts = ("contact_email", "contact_phone", "contact_qq", "contact_weixin")
    if not any(owner.get(c) for c in contacts) or not owner.get("notice_method"):
        raise WxError(47001, "owner_setting needs a contact and a notice_method")
    media_id = owner.get("ext_file_media_id")
    if media_id and media_id not in call.state.media:
        raise WxError(40007)
    items = list_param(call, "setting_list")
    if version == 1:
        if items:
            raise WxError(47001, "setting_list is not accepted with privacy_ver 1")
        if 1 not in program.privacy:
            raise WxError(86074)
        program.privacy[1] = {**program.privacy[1], "owner_setting": owner,
                              "update_time": int(call.now)}
        return dict(OK)
    if not items:
        raise WxError(47001, "setting_list is required with privacy_ver 2")
    for item in items:
        if not isinstance(item, dict) or item.get("privacy_key") not in _PRIVACY_KEYS \
                or not item.get("privacy_text"):
            raise WxError(47001, "each setting needs a known privacy_key and a privacy_text")
    program.privacy[2] = {"owner_setting": owner, "setting_list": items,
                          "update_time": int(call.now)}
    return dict(OK)


def get_privacy(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    version = call.number("privacy_ver", 2)
    stored = program.privacy.get(version, {})
    settings = [{**s, "privacy_label": s.get("privacy_key", "")}
                for s in stored.get("setting_list", [])]
    return {**OK, "code_exist": 1 if program.experience else 0,
            "privacy_list": ["UserInfo", "Location"] if program.experience else [],
            "setting_list": settings, "update_time": stored.get("update_time", 0),
            "owner_setting": stored.get("owner_setting", {}),
            "privacy_desc": {"privacy_desc_list": [{"privacy_key": k, "privacy_desc": k}
                                                   for k in _PRIVACY_KEYS]}}


def upload_privacy_file(call: Call) -> dict[str, Any]:
    media = call.upload("file")
    if not (media.content_type.startswith("text/") or media.filename.endswith(".txt")):
        raise WxError(40005)
    if len(media.content) > 100 * 1024:
        raise WxError(40006)
    return {**OK, "ext_file_media_id": call.keep(media)}
