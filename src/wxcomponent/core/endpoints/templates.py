"""The platform's code template library: drafts uploaded from the developer tools, the
templates made from them (200 at most), and their removal. These endpoints take the
component token as ``access_token``.

Internal module.
"""

from __future__ import annotations

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


def add(ctx: Context, draft_id: int, template_type: int = 0) -> Flow[None]:
    """Make a template of a draft (``template_type`` 0 normal, 1 standard)."""
    return call(ctx, ADD, body={"draft_id": number(draft_id, "draft_id"),
                                "template_type": number(template_type, "template_type",
                                                        maximum=1)})


def list_templates(ctx: Context, template_type: int | None = None) -> Flow[TemplateList]:
    """The templates of the library (of one ``template_type``, or all)."""
    params = ({} if template_type is None
              else {"template_type": number(template_type, "template_type", maximum=1)})
    return call(ctx, LIST, params=params)


def delete(ctx: Context, template_id: int) -> Flow[None]:
    """Remove a template from the library."""
    return call(ctx, DELETE, body={"template_id": number(template_id, "template_id")})
