"""The answers of privacy settings: the privacy guide and its uploaded file
(``core/endpoints/privacy.py``).

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .reader import JSON, WxaModel

__all__ = ["PrivacyExtFile", "PrivacySetting", "PrivacySettingItem"]


@dataclass(frozen=True)
class PrivacySettingItem(WxaModel):
    """One kind of user information the mini program collects, and why."""

    privacy_key: str = ""
    privacy_text: str = ""
    privacy_label: str = ""


@dataclass(frozen=True)
class PrivacySetting(WxaModel):
    """The mini program's privacy guide: what it collects, the developer's contact details
    (``owner_setting``), whether code exists, and the keys the code uses."""

    code_exist: bool = False
    privacy_list: tuple[str, ...] = ()
    setting_list: tuple[PrivacySettingItem, ...] = ()
    update_time: int = 0
    owner_setting: Mapping[str, Any] = field(default_factory=dict)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PrivacyExtFile(WxaModel):
    """An uploaded custom privacy guide file, for ``owner_setting.ext_file_media_id``."""

    ext_file_media_id: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
