"""A mini program's service categories, on its behalf: WeChat's category tree, the mini
program's categories and those an audit may name; adding, changing and removing them.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    AccountCategories,
    AllCategories,
    AuditCategories,
    CategoryRequest,
    parts_json,
)
from ._checks import number, text

__all__ = ["add", "all_categories", "delete", "for_audit", "list_categories", "modify"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

ALL = endpoint("GET", "/cgi-bin/wxopen/getallcategories", model(AllCategories), token=_A)
MINE = endpoint("GET", "/cgi-bin/wxopen/getcategory", model(AccountCategories), token=_A)
FOR_AUDIT = endpoint("GET", "/wxa/get_category", model(AuditCategories), token=_A)
ADD = endpoint("POST", "/cgi-bin/wxopen/addcategory", NOTHING, token=_A)
DELETE = endpoint("POST", "/cgi-bin/wxopen/deletecategory", NOTHING, token=_A)
MODIFY = endpoint("POST", "/cgi-bin/wxopen/modifycategory", NOTHING, token=_A)


def all_categories(ctx: Context, authorizer_appid: str) -> Flow[AllCategories]:
    """WeChat's whole category tree, as this mini program may choose from it."""
    return call(ctx, ALL, authorizer_appid=authorizer_appid)


def list_categories(ctx: Context, authorizer_appid: str) -> Flow[AccountCategories]:
    """The mini program's categories, with their audit state, and its limits."""
    return call(ctx, MINE, authorizer_appid=authorizer_appid)


def for_audit(ctx: Context, authorizer_appid: str) -> Flow[AuditCategories]:
    """The approved categories an audit item may name."""
    return call(ctx, FOR_AUDIT, authorizer_appid=authorizer_appid)


def add(ctx: Context, authorizer_appid: str,
        categories: Sequence[CategoryRequest | Mapping[str, Any]]) -> Flow[None]:
    """Add categories (with the certificates those that need one ask for)."""
    items = parts_json(categories, "categories")
    if not items:
        raise InvalidArgument("categories", "give at least one category")
    return call(ctx, ADD, authorizer_appid=authorizer_appid, body={"categories": items})


def delete(ctx: Context, authorizer_appid: str, first: int, second: int) -> Flow[None]:
    """Remove a category (by its first and second level ids)."""
    return call(ctx, DELETE, authorizer_appid=authorizer_appid,
                body={"first": number(first, "first", minimum=1),
                      "second": number(second, "second", minimum=1)})


def modify(ctx: Context, authorizer_appid: str, first: int, second: int,
           certificates: Sequence[tuple[str, str]] = ()) -> Flow[None]:
    """Replace the certificates of a category, as (name, media id) pairs."""
    request = CategoryRequest(number(first, "first", minimum=1),
                              number(second, "second", minimum=1),
                              tuple((text(k, "certificates"), text(v, "certificates"))
                                    for k, v in certificates))
    return call(ctx, MODIFY, authorizer_appid=authorizer_appid, body=request.to_json())
