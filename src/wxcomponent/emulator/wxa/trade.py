"""What the emulator keeps of a mini program's paid orders under order shipping management
(发货信息管理), and the pushes they cause on the emulated clock.

An order is paid through the control API (:meth:`~.order_control.OrderControl.add_order`):
as on WeChat it is found by the shipping APIs only ``order_ingest_delay`` seconds after its
payment (10060001 before). Its life: 1 待发货 → (shipping uploaded) 2 已发货 → (the buyer
confirms receipt, a control call) 3 确认收货 → (``settlement_delay`` later, pushed as
``trade_manage_order_settlement``) 4 交易完成. An order still unshipped
``shipping_remind_after`` seconds after payment is pushed once as
``trade_manage_remind_shipping``. WeChat publishes neither delay: both are settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["OrderBook", "PaidOrder"]

AWAITING, SHIPPED, RECEIVED, COMPLETED, REFUNDED = 1, 2, 3, 4, 5


@dataclass
class PaidOrder:
    """One payment of a mini program's buyer and its shipping record."""

    transaction_id: str
    merchant_id: str
    merchant_trade_no: str
    openid: str
    paid_at: float
    visible_at: float
    remind_at: float
    paid_amount: int = 100
    description: str = "模拟商品"
    sub_merchant_id: str = ""
    #: Transaction ids of the payments a combined payment (合单) groups; empty otherwise.
    parts: tuple[str, ...] = ()
    state: int = AWAITING
    in_complaint: bool = False
    delivery_mode: int = 0
    logistics_type: int = 0
    finish_shipping: bool = False
    goods_desc: str = ""
    packages: list[dict[str, Any]] = field(default_factory=list)
    #: Uploads accepted (WeChat allows the first and one correction).
    uploads: int = 0
    last_upload_time: str = ""
    reminded: bool = False
    confirm_notified: bool = False
    received_at: float | None = None
    settle_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """As ``get_order`` answers it."""
        return {
            "transaction_id": self.transaction_id,
            "merchant_trade_no": self.merchant_trade_no,
            "merchant_id": self.merchant_id,
            "sub_merchant_id": self.sub_merchant_id,
            "description": self.description,
            "paid_amount": self.paid_amount,
            "openid": self.openid,
            "trade_create_time": int(self.paid_at) - 30,
            "pay_time": int(self.paid_at),
            "in_complaint": self.in_complaint,
            "order_state": self.state,
            "shipping": {
                "delivery_mode": self.delivery_mode,
                "logistics_type": self.logistics_type,
                "finish_shipping": self.finish_shipping,
                "finish_shipping_count": len(self.packages) if self.finish_shipping else 0,
                "goods_desc": self.goods_desc,
                "shipping_list": [dict(p) for p in self.packages],
            },
        }


@dataclass
class OrderBook:
    """A mini program's orders and its order-shipping settings."""

    orders: dict[str, PaidOrder] = field(default_factory=dict)
    jump_path: str = ""
    trade_managed: bool = True
    confirmation_completed: bool = True

    def find(self, now: float, transaction_id: str = "", merchant_id: str = "",
             merchant_trade_no: str = "") -> PaidOrder | None:
        """The order WeChat would find by either key at ``now`` (None before its ingestion)."""
        if transaction_id:
            order = self.orders.get(transaction_id)
        else:
            order = next((o for o in self.orders.values()
                          if o.merchant_id == merchant_id
                          and o.merchant_trade_no == merchant_trade_no), None)
        return order if order is not None and order.visible_at <= now else None

    def next_due(self) -> float | None:
        """When this book's next push falls due (None: none)."""
        times = [o.remind_at for o in self.orders.values()
                 if o.state == AWAITING and not o.reminded and not o.parts]
        times += [o.settle_at for o in self.orders.values()
                  if o.state == RECEIVED and o.settle_at is not None]
        return min(times) if times else None

    def due_pushes(self, now: float) -> list[dict[str, Any]]:
        """Apply what fell due by ``now``; the message pushes (fields) to send."""
        pushes: list[dict[str, Any]] = []
        for order in self.orders.values():
            keys = {"transaction_id": order.transaction_id, "merchant_id": order.merchant_id,
                    "sub_merchant_id": order.sub_merchant_id,
                    "merchant_trade_no": order.merchant_trade_no,
                    "pay_time": int(order.paid_at)}
            if order.state == AWAITING and not order.reminded and not order.parts \
                    and order.remind_at <= now:
                order.reminded = True
                pushes.append({"MsgType": "event", "Event": "trade_manage_remind_shipping",
                               "CreateTime": int(order.remind_at), **keys,
                               "msg": "你的小程序有订单尚未发货，请尽快录入发货信息"})
            if order.state == RECEIVED and order.settle_at is not None \
                    and order.settle_at <= now:
                order.state = COMPLETED
                received = int(order.received_at or order.settle_at)
                pushes.append({"MsgType": "event", "Event": "trade_manage_order_settlement",
                               "CreateTime": int(order.settle_at), **keys,
                               "shipped_time": int(order.paid_at),
                               "estimated_settlement_time": int(order.settle_at),
                               "confirm_receive_method": 1,
                               "confirm_receive_time": received,
                               "settlement_time": int(order.settle_at)})
                order.settle_at = None
        return pushes
