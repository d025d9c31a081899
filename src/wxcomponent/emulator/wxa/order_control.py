"""The control methods of order shipping management, part of
:class:`~wxcomponent.emulator.Emulator` (and of the control API under ``/__emulator__/``): a
buyer pays (one payment, or a combined one of several), receives the goods, complains or is
refunded, and the merchant's management flags change.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from ...errors import InvalidArgument
from ..control_host import ControlHost
from ..model import NotFound
from .trade import RECEIVED, REFUNDED, SHIPPED, PaidOrder

if TYPE_CHECKING:
    from .model import MiniProgram
    from .trade import OrderBook

__all__ = ["OrderControl"]


def _transaction_id() -> str:
    return "4200" + "".join(str(secrets.randbelow(10)) for _ in range(24))


class OrderControl(ControlHost):
    """The control methods of order shipping management (also under ``/__emulator__/``)."""

    if TYPE_CHECKING:
        def _program(self, component_appid: str, authorizer_appid: str) -> MiniProgram: ...

    def _orders_of(self, component_appid: str, authorizer_appid: str) -> OrderBook:
        return self._program(component_appid, authorizer_appid).orders

    def add_order(self, component_appid: str, authorizer_appid: str, *, openid: str = "",
                  paid_amount: int = 100, description: str = "模拟商品",
                  merchant_id: str = "1230000109", sub_merchant_id: str = "",
                  merchant_trade_no: str = "", parts: int = 0) -> dict[str, Any]:
        """A buyer pays the mini program ``paid_amount`` fen (now, on the emulated clock);
        with ``parts`` > 1 the payment is a combined one (合单) of that many payments. The
        shipping APIs find it ``order_ingest_delay`` seconds later. Returns the order as
        ``get_order`` answers it, with its ``parts`` (the sub-payments) when combined."""
        if isinstance(paid_amount, bool) or not isinstance(paid_amount, int) or paid_amount < 1:
            raise InvalidArgument("paid_amount", "must be a positive number of fen")
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 0 or parts > 50:
            raise InvalidArgument("parts", "must be 0 (a single payment) or 2 to 50")
        if parts == 1:
            raise InvalidArgument("parts", "a combined payment has 2 parts or more")
        with self.state.lock:
            book = self._orders_of(component_appid, authorizer_appid)
            limits = self.state.wxa.limits
            now = self.clock.now()
            buyer = openid or f"o{secrets.token_hex(13)}"

            def paid(trade_no: str, amount: int, pieces: tuple[str, ...] = ()) -> PaidOrder:
                order = PaidOrder(
                    transaction_id=_transaction_id(), merchant_id=merchant_id,
                    merchant_trade_no=trade_no or f"T{secrets.token_hex(8)}", openid=buyer,
                    paid_at=now, visible_at=now + limits.order_ingest_delay,
                    remind_at=now + limits.shipping_remind_after, paid_amount=amount,
                    description=description, sub_merchant_id=sub_merchant_id, parts=pieces)
                book.orders[order.transaction_id] = order
                return order

            pieces = tuple(paid("", max(1, paid_amount // parts)).transaction_id
                           for _ in range(parts))
            order = paid(merchant_trade_no, paid_amount, pieces)
            answer = order.to_json()
            answer["parts"] = [book.orders[t].to_json() for t in pieces]
        self.wake_scheduler()
        return answer

    def _order(self, component_appid: str, authorizer_appid: str,
               transaction_id: str) -> PaidOrder:
        order = self._orders_of(component_appid, authorizer_appid).orders.get(transaction_id)
        if order is None:
            raise NotFound(f"no order {transaction_id}")
        return order

    def confirm_receipt(self, component_appid: str, authorizer_appid: str,
                        transaction_id: str) -> dict[str, Any]:
        """The buyer confirms receipt of a shipped order (确认收货); it is settled
        ``settlement_delay`` seconds later, pushed as ``trade_manage_order_settlement``."""
        with self.state.lock:
            order = self._order(component_appid, authorizer_appid, transaction_id)
            if order.state != SHIPPED:
                raise InvalidArgument("transaction_id", "only a shipped order is received")
            now = self.clock.now()
            order.state, order.received_at = RECEIVED, now
            order.settle_at = now + self.state.wxa.limits.settlement_delay
            answer = order.to_json()
        self.wake_scheduler()
        return answer

    def refund_order(self, component_appid: str, authorizer_appid: str,
                     transaction_id: str) -> dict[str, Any]:
        """The payment is refunded (已退款): it can no longer be shipped."""
        with self.state.lock:
            order = self._order(component_appid, authorizer_appid, transaction_id)
            order.state, order.settle_at = REFUNDED, None
            return order.to_json()

    def set_trade_management(self, component_appid: str, authorizer_appid: str, *,
                             managed: bool | None = None,
                             confirmation_completed: bool | None = None,
                             in_complaint: str = "") -> dict[str, Any]:
        """Set whether the mini program is under order shipping management, whether its
        settlement confirmation is done, and put the order ``in_complaint`` (a transaction
        id) under complaint. Returns the flags and the message jump path."""
        with self.state.lock:
            book = self._orders_of(component_appid, authorizer_appid)
            if managed is not None:
                book.trade_managed = bool(managed)
            if confirmation_completed is not None:
                book.confirmation_completed = bool(confirmation_completed)
            if in_complaint:
                self._order(component_appid, authorizer_appid, in_complaint).in_complaint = True
            return {"trade_managed": book.trade_managed,
                    "confirmation_completed": book.confirmation_completed,
                    "jump_path": book.jump_path}

    def orders(self, component_appid: str, authorizer_appid: str) -> list[dict[str, Any]]:
        """Every order of the mini program as ``get_order`` answers it (ingested or not),
        with the emulator's own bookkeeping (uploads, reminded, confirm notified)."""
        with self.state.lock:
            book = self._orders_of(component_appid, authorizer_appid)
            return [{**o.to_json(), "uploads": o.uploads, "reminded": o.reminded,
                     "confirm_notified": o.confirm_notified, "parts": list(o.parts)}
                    for o in book.orders.values()]
