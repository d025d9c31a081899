"""The answers of categories: WeChat's tree, the mini program's own and those an audit may name
(``core/endpoints/categories.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import JSON, WxaModel, key

__all__ = [
    "AccountCategories",
    "AccountCategory",
    "AllCategories",
    "AuditCategories",
    "AuditCategory",
    "Category",
]


@dataclass(frozen=True)
class Category(WxaModel):
    """A category of WeChat's category tree (``getallcategories``)."""

    id: int = 0
    name: str = ""
    level: int = 0
    father: int = 0
    children: tuple[int, ...] = ()
    sensitive_type: int = 0


@dataclass(frozen=True)
class AllCategories(WxaModel):
    """WeChat's whole category tree, flattened."""

    categories: tuple[Category, ...] = field(default=(), metadata=key(
        ("categories_list", "categories")))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AccountCategory(WxaModel):
    """A category the mini program has (``audit_status`` 1 auditing, 2 rejected, 3 approved)."""

    first: int = 0
    first_name: str = ""
    second: int = 0
    second_name: str = ""
    audit_status: int = 0
    audit_reason: str = ""


@dataclass(frozen=True)
class AccountCategories(WxaModel):
    """The mini program's categories and its limits."""

    categories: tuple[AccountCategory, ...] = ()
    limit: int = 0
    quota: int = 0
    category_limit: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class AuditCategory(WxaModel):
    """A category an audit item may name (``/wxa/get_category``)."""

    first_class: str = ""
    second_class: str = ""
    third_class: str = ""
    first_id: int = 0
    second_id: int = 0
    third_id: int = 0


@dataclass(frozen=True)
class AuditCategories(WxaModel):
    """The approved categories an audit item may name."""

    categories: tuple[AuditCategory, ...] = field(default=(), metadata=key("category_list"))
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
