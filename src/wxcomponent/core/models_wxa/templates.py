"""The answers of the platform's draft box and template library (``core/endpoints/templates.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key

__all__ = ["Template", "TemplateDraft", "TemplateDraftList", "TemplateList"]


@dataclass(frozen=True)
class TemplateDraft(WxaModel):
    """A draft in the platform's draft box (uploaded from the developer tools)."""

    draft_id: int = 0
    user_version: str = ""
    user_desc: str = ""
    create_time: int = 0
    source_miniprogram_appid: str = ""
    source_miniprogram: str = ""
    developer: str = ""


@dataclass(frozen=True)
class TemplateDraftList(WxaModel):
    """The platform's draft box."""

    drafts: tuple[TemplateDraft, ...] = field(default=(), metadata=key("draft_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Template(WxaModel):
    """A code template of the platform's library (``template_type`` 0 normal, 1 standard)."""

    template_id: int = 0
    draft_id: int = 0
    user_version: str = ""
    user_desc: str = ""
    create_time: int = 0
    template_type: int = 0
    source_miniprogram_appid: str = ""
    source_miniprogram: str = ""
    developer: str = ""
    audit_status: int = 0
    reason: str = ""


@dataclass(frozen=True)
class TemplateList(WxaModel):
    """The platform's template library (200 templates at most)."""

    templates: tuple[Template, ...] = field(default=(), metadata=key("template_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
