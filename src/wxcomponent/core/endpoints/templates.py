"""The platform's code template library: drafts uploaded from the developer tools, the
templates made from them (200 at most), and their removal. These endpoints take the
component token as ``access_token``.

Internal module.
"""

from __future__ import annotations

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import TemplateDraftList, TemplateList
from ._checks import number

__all__ = ["add", "delete", "drafts", "list_templates"]

_C = TokenKind.COMPONENT_ACCESS_TOKEN
_AS = "access_token"

DRAFTS = endpoint("GET", "/wxa/gettemplatedraftlist", model(TemplateDraftList), token=_C,
                  token_param=_AS)
ADD = endpoint("POST", "/wxa/addtotemplate", NOTHING, token=_C, token_param=_AS)
LIST = endpoint("GET", "/wxa/gettemplatelist", model(TemplateList), token=_C, token_param=_AS)
DELETE = endpoint("POST", "/wxa/deletetemplate", NOTHING, token=_C, token_param=_AS)


def drafts(ctx: Context) -> Flow[TemplateDraftList]:
    """The drafts in the platform's draft box (the latest upload of each development mini
    program)."""
    return call(ctx, DRAFTS)


#: Why a standard template (``template_type`` 1) is refused.
STANDARD_RETIRED = ("standard templates (template_type=1) are no longer offered: they depended "
                    "on WeChat's trading component, which was taken down, and WeChat is "
                    "removing them; make a normal template (template_type=0)")


def add(ctx: Context, draft_id: int, template_type: int = 0) -> Flow[None]:
    """Make a normal template of a draft. ``template_type`` must be 0: standard templates
    (1) are refused with :class:`~wxcomponent.errors.InvalidArgument` before anything is
    sent, since WeChat took down the trading component they depended on and is removing
    them."""
    kind = number(template_type, "template_type", maximum=1)
    if kind == 1:
        raise InvalidArgument("template_type", STANDARD_RETIRED)
    return call(ctx, ADD, body={"draft_id": number(draft_id, "draft_id"),
                                "template_type": kind})


def list_templates(ctx: Context, template_type: int | None = None) -> Flow[TemplateList]:
    """The templates of the library (of one ``template_type``, or all); 1 lists the
    standard templates made before they were retired, to find and delete them."""
    params = ({} if template_type is None
              else {"template_type": number(template_type, "template_type", maximum=1)})
    return call(ctx, LIST, params=params)


def delete(ctx: Context, template_id: int) -> Flow[None]:
    """Remove a template from the library."""
    return call(ctx, DELETE, body={"template_id": number(template_id, "template_id")})
