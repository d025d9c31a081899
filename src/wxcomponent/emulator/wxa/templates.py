"""The platform's template library: the drafts the developer tools upload, and the
templates made of them that mini programs commit.
"""

from __future__ import annotations

from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import home_of, int_param, one_of
from .model import TemplateRecord

__all__ = ["add_to_template", "delete_template", "drafts", "template_list"]


def drafts(call: Call) -> dict[str, Any]:
    home = home_of(call)
    listed = sorted(home.drafts.values(), key=lambda d: d.draft_id)
    return {**OK, "draft_list": [d.to_dict() for d in listed]}


def add_to_template(call: Call) -> dict[str, Any]:
    home = home_of(call)
    draft = home.drafts.get(int_param(call, "draft_id"))
    if draft is None:
        raise WxError(85064, "no such draft")
    kind = one_of("template_type", call.number("template_type", 0), (0, 1))
    if len(home.templates) >= call.state.wxa.limits.template_limit:
        raise WxError(85065)
    template_id = call.state.wxa.new_id()
    home.templates[template_id] = TemplateRecord(template_id, draft, kind, int(call.now))
    return dict(OK)


def template_list(call: Call) -> dict[str, Any]:
    home = home_of(call)
    wanted = call.text("template_type")
    templates = [t for t in sorted(home.templates.values(), key=lambda t: t.template_id)
                 if wanted == "" or str(t.template_type) == wanted]
    return {**OK, "template_list": [t.to_dict() for t in templates]}


def delete_template(call: Call) -> dict[str, Any]:
    if home_of(call).templates.pop(int_param(call, "template_id"), None) is None:
        raise WxError(85064)
    return dict(OK)
