"""Order shipping management (发货信息管理): the request parts of an upload and the answers of
the order queries (``core/endpoints/orders.py``).

Internal module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ...errors import InvalidArgument
from .reader import JSON, WxaModel, key, member

__all__ = [
    "DeliveryMode",
    "LogisticsType",
    "OrderKey",
    "OrderState",
    "ShippedPackage",
    "ShippingItem",
    "SubOrderShipping",
    "TradeOrder",
    "TradeOrderPage",
    "TradeOrderShipping",
]

#: The longest ``item_desc`` WeChat takes.
ITEM_DESC_MAX = 120
#: How many entries a ``shipping_list`` may hold.
SHIPPING_LIST_MAX = 15


class LogisticsType(IntEnum):
    """How the goods travel (``logistics_type``)."""

    EXPRESS = 1  #: 实体物流: a carrier with a tracking number
    LOCAL_DELIVERY = 2  #: 同城配送
    VIRTUAL = 3  #: 虚拟商品: nothing physical is sent
    SELF_PICKUP = 4  #: 用户自提


class DeliveryMode(IntEnum):
    """One parcel for the whole payment, or several (``delivery_mode``)."""

    UNIFIED = 1  #: UNIFIED_DELIVERY: exactly one entry in the shipping list
    SPLIT = 2  #: SPLIT_DELIVERY: several parcels, express only


class OrderState(IntEnum):
    """Where a paid order stands (``order_state``)."""

    AWAITING_SHIPMENT = 1  #: 待发货
    SHIPPED = 2  #: 已发货
    RECEIVED = 3  #: 确认收货
    COMPLETED = 4  #: 交易完成
    REFUNDED = 5  #: 已退款
    AWAITING_SETTLEMENT = 6  #: 资金待结算


@dataclass(frozen=True)
class OrderKey:
    """Which payment an upload is for: WeChat Pay's ``transaction_id``, or the merchant's
    ``mchid`` with its own ``out_trade_no``."""

    transaction_id: str = ""
    mchid: str = ""
    out_trade_no: str = ""

    def to_json(self, argument: str = "order") -> dict[str, Any]:
        """The key as ``order_key`` takes it (``order_number_type`` 2 or 1); a key that names
        neither kind, or both, raises :class:`InvalidArgument` for ``argument``."""
        if self.transaction_id and not (self.mchid or self.out_trade_no):
            return {"order_number_type": 2, "transaction_id": self.transaction_id}
        if self.mchid and self.out_trade_no and not self.transaction_id:
            return {"order_number_type": 1, "mchid": self.mchid,
                    "out_trade_no": self.out_trade_no}
        raise InvalidArgument(argument, "give the transaction_id, or the mchid with the "
                                       "out_trade_no, one of them")


@dataclass(frozen=True)
class ShippingItem:
    """One parcel (or, for virtual goods and pickups, one line saying what was handed over).

    ``express_company`` is the carrier's id from ``get_delivery_list`` (``SF``, ``YTO`` …);
    ``consignor_contact`` / ``receiver_contact`` are masked phone numbers (``189****1234``),
    required by WeChat when the carrier is SF Express.
    """

    item_desc: str
    tracking_no: str = ""
    express_company: str = ""
    consignor_contact: str = ""
    receiver_contact: str = ""

    def to_json(self) -> dict[str, Any]:
        """The item as ``shipping_list`` takes it."""
        data: dict[str, Any] = {"item_desc": self.item_desc}
        if self.tracking_no:
            data["tracking_no"] = self.tracking_no
        if self.express_company:
            data["express_company"] = self.express_company
        contact = {k: v for k, v in (("consignor_contact", self.consignor_contact),
                                     ("receiver_contact", self.receiver_contact)) if v}
        if contact:
            data["contact"] = contact
        return data


@dataclass(frozen=True)
class SubOrderShipping:
    """One payment of a combined order (合单) and how it was shipped."""

    order: OrderKey
    items: tuple[ShippingItem, ...]
    logistics_type: LogisticsType = LogisticsType.EXPRESS
    delivery_mode: DeliveryMode = DeliveryMode.UNIFIED
    is_all_delivered: bool | None = None


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class ShippedPackage(WxaModel):
    """A parcel WeChat has on record for an order."""

    tracking_no: str = ""
    express_company: str = ""
    upload_time: int = 0
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TradeOrderShipping(WxaModel):
    """How an order was shipped, as WeChat recorded it."""

    delivery_mode: int = 0
    logistics_type: int = 0
    finish_shipping: bool = False
    finish_shipping_count: int = 0
    goods_desc: str = ""
    shipping_list: tuple[ShippedPackage, ...] = ()
    raw: JSON = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TradeOrder(WxaModel):
    """A paid order of the mini program and its shipping state (``order_state``, see
    :class:`OrderState`)."""

    transaction_id: str = ""
    merchant_trade_no: str = ""
    merchant_id: str = ""
    sub_merchant_id: str = ""
    description: str = ""
    paid_amount: int = 0
    openid: str = ""
    trade_create_time: int = 0
    pay_time: int = 0
    in_complaint: bool = False
    order_state: int = 0
    shipping: TradeOrderShipping = field(default_factory=TradeOrderShipping)
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> OrderState | None:
        """``order_state`` as an :class:`OrderState` (None for a value WeChat adds later)."""
        return member(OrderState, self.order_state)


@dataclass(frozen=True)
class TradeOrderPage(WxaModel):
    """One page of ``get_order_list``; pass ``last_index`` back for the next while
    ``has_more``."""

    orders: tuple[TradeOrder, ...] = field(default=(), metadata=key("order_list"))
    last_index: str = ""
    has_more: bool = False
    raw: JSON = field(default_factory=dict, repr=False, compare=False)
