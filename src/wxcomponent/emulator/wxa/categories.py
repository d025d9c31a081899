"""A mini program's service categories, from a small tree of WeChat's: listing, adding (those
that need certificates wait for a review), deleting and modifying.
"""

from __future__ import annotations

from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import list_param, program_of
from .model import MiniProgram

__all__ = ["account_categories", "add_category", "all_categories", "audit_categories",
           "delete_category", "modify_category"]

#: A small category tree: (id, name, level, father, sensitive).
_CATEGORIES = (
    (287, "工具", 1, 0, 0), (612, "备忘录", 2, 287, 0), (613, "信息查询", 2, 287, 0),
    (304, "商家自营", 1, 0, 0), (321, "美妆/洗护", 2, 304, 0), (322, "食品", 2, 304, 1),
    (150, "教育", 1, 0, 0), (151, "在线教育", 2, 150, 1),
)
_CATEGORY_NAMES = {c[0]: c[1] for c in _CATEGORIES}
_CATEGORY_LIMIT = 5


def all_categories(call: Call) -> dict[str, Any]:
    tree = [{"id": cid, "name": name, "level": level, "father": father,
             "children": [c[0] for c in _CATEGORIES if c[3] == cid],
             "sensitive_type": sensitive,
             "qualify": {"exter_list": [{"inner_list": [{"name": "资质证明"}]}]
                         if sensitive else []}}
            for cid, name, level, father, sensitive in _CATEGORIES]
    return {**OK, "categories_list": {"categories": tree}}


def account_categories(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "categories": program.categories, "limit": _CATEGORY_LIMIT,
            "quota": max(_CATEGORY_LIMIT - len(program.categories), 0),
            "category_limit": _CATEGORY_LIMIT}


def audit_categories(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    return {**OK, "category_list": [
        {"first_class": c["first_name"], "second_class": c["second_name"],
         "first_id": c["first"], "second_id": c["second"]}
        for c in program.categories if c["audit_status"] == 3]}


def _category_pair(item: Any) -> tuple[int, int, bool]:
    if not isinstance(item, dict):
        raise WxError(53303)
    first, second = item.get("first"), item.get("second")
    known = {c[0]: c for c in _CATEGORIES}
    if first not in known or second not in known or known[second][3] != first:
        raise WxError(53303)
    return first, second, bool(known[second][4])


def add_category(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    items = list_param(call, "categories")
    if not items:
        raise WxError(53303)
    have = {(c["first"], c["second"]) for c in program.categories}
    added = []
    for item in items:
        first, second, sensitive = _category_pair(item)
        if (first, second) in have:
            raise WxError(53304)
        if sensitive and not item.get("certicates"):
            raise WxError(53303, "this category needs certificates")
        have.add((first, second))
        added.append({"first": first, "first_name": _CATEGORY_NAMES[first], "second": second,
                      "second_name": _CATEGORY_NAMES[second],
                      "audit_status": 1 if sensitive else 3, "audit_reason": ""})
    if len(program.categories) + len(added) > _CATEGORY_LIMIT:
        raise WxError(53301)
    program.categories.extend(added)
    return dict(OK)


def _find_category(call: Call, program: MiniProgram) -> dict[str, Any]:
    found = program.category(call.params.get("first"), call.params.get("second"))
    if found is None:
        raise WxError(53303)
    return found


def delete_category(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    program.categories.remove(_find_category(call, program))
    return dict(OK)


def modify_category(call: Call) -> dict[str, Any]:
    program, _ = program_of(call)
    found = _find_category(call, program)
    certificates = list_param(call, "certicates")
    if not certificates:
        raise WxError(53303, "give the certificates")
    found.update(audit_status=1, audit_reason="")
    return dict(OK)
