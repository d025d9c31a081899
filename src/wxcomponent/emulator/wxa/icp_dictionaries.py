"""The emulator's filing dictionaries: a small sample of WeChat's subject and certificate
types, districts, service content types and prior approvals, enough to write applications
against (WeChat's full lists are longer)."""

from __future__ import annotations

from typing import Any

__all__ = ["CERTIFICATE_TYPES", "DISTRICTS", "NONE_APPLIES", "NRLX_TYPES",
           "SERVICE_CONTENT_TYPES", "SUBJECT_TYPES", "district_codes"]

SUBJECT_TYPES: list[dict[str, Any]] = [
    {"type": 1, "name": "国防机构", "remark": ""},
    {"type": 2, "name": "政府机关", "remark": ""},
    {"type": 3, "name": "事业单位", "remark": ""},
    {"type": 4, "name": "企业", "remark": ""},
    {"type": 5, "name": "个人", "remark": ""},
    {"type": 6, "name": "社会团体", "remark": ""},
]

CERTIFICATE_TYPES: list[dict[str, Any]] = [
    {"type": 1, "subject_type": 4, "name": "营业执照（个人或企业）", "remark": ""},
    {"type": 2, "subject_type": 5, "name": "居民身份证", "remark": ""},
    {"type": 3, "subject_type": 3, "name": "事业单位法人证书", "remark": ""},
]


def _place(kind: int, code: int, name: str, *parts: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "code": code, "name": name, "sub_list": list(parts)}


DISTRICTS: list[dict[str, Any]] = [
    _place(1, 110000, "北京市", _place(2, 110100, "市辖区", _place(3, 110105, "朝阳区"),
                                       _place(3, 110108, "海淀区"))),
    _place(1, 310000, "上海市", _place(2, 310100, "市辖区", _place(3, 310115, "浦东新区"))),
    _place(1, 440000, "广东省", _place(2, 440300, "深圳市", _place(3, 440305, "南山区")),
           _place(2, 440100, "广州市", _place(3, 440106, "天河区"))),
]

SERVICE_CONTENT_TYPES: list[dict[str, Any]] = [
    {"type": 1, "parent_type": 0, "name": "工具", "remark": ""},
    {"type": 11, "parent_type": 1, "name": "备忘录", "remark": ""},
    {"type": 12, "parent_type": 1, "name": "信息查询", "remark": ""},
    {"type": 2, "parent_type": 0, "name": "商业服务", "remark": ""},
    {"type": 21, "parent_type": 2, "name": "企业管理", "remark": ""},
    {"type": 3, "parent_type": 0, "name": "餐饮", "remark": ""},
    {"type": 31, "parent_type": 3, "name": "点餐平台", "remark": ""},
]

#: The prior-approval type saying none applies.
NONE_APPLIES = 16

NRLX_TYPES: list[dict[str, Any]] = [
    {"type": 1, "name": "新闻"},
    {"type": 2, "name": "出版"},
    {"type": 3, "name": "教育"},
    {"type": 4, "name": "医疗保健"},
    {"type": 5, "name": "药品和医疗器械"},
    {"type": 6, "name": "文化"},
    {"type": NONE_APPLIES, "name": "以上都不涉及"},
]


def district_codes() -> frozenset[str]:
    """Every district code of :data:`DISTRICTS`, as applications write them."""
    found: set[str] = set()
    pending = list(DISTRICTS)
    while pending:
        place = pending.pop()
        found.add(str(place["code"]))
        pending.extend(place["sub_list"])
    return frozenset(found)
