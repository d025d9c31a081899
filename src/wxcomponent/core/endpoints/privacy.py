"""A mini program's privacy guide, on its behalf: what user information it collects and why,
the developer's contact details, and a custom guide file.

These paths sit under ``/cgi-bin/component/`` but act for one mini program: their body names
no appid, so they carry the mini program's token.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, FileInput, call, endpoint, model, upload_part
from ..models_wxa import (
    OwnerSetting,
    PrivacyExtFile,
    PrivacyItem,
    PrivacySetting,
    part_json,
    parts_json,
)
from ._checks import number

__all__ = ["get", "set_setting", "upload_ext_file"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

#: The custom privacy guide file: a text file of at most 100 KiB.
EXT_FILE_MAX = 100 * 1024

SET = endpoint("POST", "/cgi-bin/component/setprivacysetting", NOTHING, token=_A)
GET = endpoint("POST", "/cgi-bin/component/getprivacysetting", model(PrivacySetting), token=_A)
UPLOAD_EXT_FILE = endpoint("POST", "/cgi-bin/component/uploadprivacyextfile",
                           model(PrivacyExtFile), token=_A, max_upload=EXT_FILE_MAX)


def set_setting(ctx: Context, authorizer_appid: str,
                owner_setting: OwnerSetting | Mapping[str, Any],
                setting_list: Sequence[PrivacyItem | Mapping[str, Any]] = (), *,
                privacy_ver: int = 2,
                sdk_privacy_info_list: Sequence[Mapping[str, Any]] = ()) -> Flow[None]:
    """Set the privacy guide: ``privacy_ver`` 2 (the default) is the draft that takes effect
    with the next release and needs ``setting_list``; 1 changes the contact details of the
    released guide at once."""
    number(privacy_ver, "privacy_ver", minimum=1, maximum=2)
    body: dict[str, Any] = {"privacy_ver": privacy_ver,
                            "owner_setting": part_json(owner_setting, "owner_setting")}
    items = parts_json(setting_list, "setting_list")
    if privacy_ver == 2:
        body["setting_list"] = items
    elif items:
        raise InvalidArgument("setting_list", "privacy_ver 1 changes the contacts only")
    sdks = parts_json(sdk_privacy_info_list, "sdk_privacy_info_list")
    if sdks:
        body["sdk_privacy_info_list"] = sdks
    return call(ctx, SET, authorizer_appid=authorizer_appid, body=body)


def get(ctx: Context, authorizer_appid: str, privacy_ver: int = 2) -> Flow[PrivacySetting]:
    """The privacy guide (2: the draft, 1: the released one)."""
    return call(ctx, GET, authorizer_appid=authorizer_appid,
                body={"privacy_ver": number(privacy_ver, "privacy_ver", minimum=1,
                                            maximum=2)})


def upload_ext_file(ctx: Context, authorizer_appid: str,
                    file: FileInput) -> Flow[PrivacyExtFile]:
    """Upload a custom privacy guide (a ``.txt`` of at most 100 KiB); put the media id in
    ``OwnerSetting.ext_file_media_id``."""
    part = yield from upload_part(file, field_name="file", limit=UPLOAD_EXT_FILE.max_upload)
    return (yield from call(ctx, UPLOAD_EXT_FILE, authorizer_appid=authorizer_appid,
                            files=(part,)))
