"""Order shipping management (发货信息管理): shipping uploads, single and combined, the order
queries, the confirm-receipt reminder, the message jump path and the management flags, with
the errcodes WeChat answers (10060001 for a payment it does not know yet, 10060004 for one
that cannot be shipped, 268485228 for unified delivery with several parcels).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..calls import OK, Call
from ..model import WxError
from ._handlers import int_param, list_param, program_of
from .trade import AWAITING, SHIPPED, OrderBook, PaidOrder

__all__ = [
    "confirmation_completed",
    "get_order",
    "notify_confirm_receive",
    "order_list",
    "set_jump_path",
    "trade_managed",
    "upload_combined_shipping",
    "upload_shipping",
]

_PAGE_MAX = 100


def _book(call: Call) -> OrderBook:
    program, _ = program_of(call)
    return program.orders


def _keyed(call: Call, book: OrderBook, key: object) -> PaidOrder:
    """The order an ``order_key`` names (10060001 when WeChat does not know it yet)."""
    if not isinstance(key, dict):
        raise WxError(47001, "order_key must be an object")
    kind = key.get("order_number_type")
    if kind == 2:
        order = book.find(call.now, transaction_id=str(key.get("transaction_id") or ""))
    elif kind == 1:
        order = book.find(call.now, merchant_id=str(key.get("mchid") or ""),
                          merchant_trade_no=str(key.get("out_trade_no") or ""))
    else:
        raise WxError(47001, "order_number_type must be 1 or 2")
    if order is None:
        raise WxError(10060001)
    return order


def _referenced(call: Call, book: OrderBook) -> PaidOrder:
    """The order named by ``transaction_id`` or ``merchant_id`` + ``merchant_trade_no``."""
    if call.text("transaction_id"):
        order = book.find(call.now, transaction_id=call.text("transaction_id"))
    elif call.text("merchant_id") and call.text("merchant_trade_no"):
        order = book.find(call.now, merchant_id=call.text("merchant_id"),
                          merchant_trade_no=call.text("merchant_trade_no"))
    else:
        raise WxError(47001, "transaction_id or merchant_id with merchant_trade_no")
    if order is None:
        raise WxError(10060001)
    return order


def _upload_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise WxError(47001, "upload_time must be an RFC 3339 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise WxError(47001, "upload_time must be an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise WxError(47001, "upload_time needs its offset")
    return parsed


def _ship(order: PaidOrder, part: dict[str, Any], upload_time: str) -> None:
    """Check one payment's shipping as WeChat does, then record it."""
    logistics = part.get("logistics_type")
    mode = part.get("delivery_mode")
    if logistics not in (1, 2, 3, 4) or mode not in (1, 2):
        raise WxError(47001, "logistics_type or delivery_mode")
    packages = part.get("shipping_list")
    if not isinstance(packages, list) or not 1 <= len(packages) <= 15:
        raise WxError(47001, "shipping_list must hold 1 to 15 entries")
    if mode == 1 and len(packages) != 1:
        raise WxError(268485228)
    if mode == 2 and logistics != 1:
        raise WxError(47001, "split delivery is for express only")
    for package in packages:
        if not isinstance(package, dict) or not str(package.get("item_desc") or "").strip():
            raise WxError(47001, "item_desc is required")
        if logistics == 1 and not (package.get("tracking_no") and package.get("express_company")):
            raise WxError(47001, "express needs tracking_no and express_company")
    if order.state not in (AWAITING, SHIPPED) or order.uploads >= 2:
        raise WxError(10060004)
    if order.last_upload_time and \
            _upload_time(upload_time) <= _upload_time(order.last_upload_time):
        raise WxError(47001, "upload_time must be later than the previous upload")
    stamp = int(_upload_time(upload_time).timestamp())
    order.delivery_mode, order.logistics_type = int(mode), int(logistics)
    order.packages = [{"tracking_no": str(p.get("tracking_no") or ""),
                       "express_company": str(p.get("express_company") or ""),
                       "upload_time": stamp} for p in packages]
    order.goods_desc = ";".join(str(p["item_desc"]) for p in packages)
    order.finish_shipping = mode == 1 or part.get("is_all_delivered") is True
    order.state = SHIPPED
    order.uploads += 1
    order.last_upload_time = upload_time


def _payer_checked(call: Call, order: PaidOrder) -> None:
    payer = call.params.get("payer")
    openid = payer.get("openid") if isinstance(payer, dict) else None
    if not openid:
        raise WxError(47001, "payer.openid is required")
    if openid != order.openid:
        raise WxError(10060001, "the payer did not make this payment")


def _upload(call: Call) -> tuple[OrderBook, PaidOrder, str]:
    """What both uploads of shipping begin with: the book, the payment the request names, paid
    by the payer it names, and its well-formed ``upload_time``."""
    book = _book(call)
    order = _keyed(call, book, call.params.get("order_key"))
    upload_time = call.params.get("upload_time")
    _upload_time(upload_time)
    _payer_checked(call, order)
    return book, order, str(upload_time)


def upload_shipping(call: Call) -> dict[str, Any]:
    _, order, upload_time = _upload(call)
    if order.parts:
        raise WxError(10060004, "a combined payment ships through its sub-orders")
    _ship(order, call.params, upload_time)
    return dict(OK)


def upload_combined_shipping(call: Call) -> dict[str, Any]:
    book, combined, upload_time = _upload(call)
    subs = list_param(call, "sub_orders")
    if not combined.parts or not subs:
        raise WxError(10060004, "not a combined payment")
    resolved = []
    for sub in subs:
        if not isinstance(sub, dict):
            raise WxError(47001, "sub_orders entries are objects")
        order = _keyed(call, book, sub.get("order_key"))
        if order.transaction_id not in combined.parts:
            raise WxError(10060001, "not a part of this combined payment")
        resolved.append((order, sub))
    for order, sub in resolved:
        _ship(order, sub, upload_time)
    if all(book.orders[t].state != AWAITING for t in combined.parts):
        combined.state = SHIPPED
    return dict(OK)


def get_order(call: Call) -> dict[str, Any]:
    return {**OK, "order": _referenced(call, _book(call)).to_json()}


def order_list(call: Call) -> dict[str, Any]:
    book = _book(call)
    size = call.number("page_size", _PAGE_MAX)
    if not 1 <= size <= _PAGE_MAX:
        raise WxError(47001, "page_size must be 1 to 100")
    window = call.params.get("pay_time_range")
    begin, end = 0, 2**62
    if window is not None:
        if not isinstance(window, dict):
            raise WxError(47001, "pay_time_range must be an object")
        begin, end = int(window.get("begin_time") or 0), int(window.get("end_time") or 2**62)
    state = call.params.get("order_state")
    openid = call.text("openid")
    found = sorted((o for o in book.orders.values()
                    if o.visible_at <= call.now and begin <= int(o.paid_at) <= end
                    and (state is None or o.state == state)
                    and (not openid or o.openid == openid)),
                   key=lambda o: (-o.paid_at, o.transaction_id))
    start = 0
    if call.text("last_index"):
        start = int_param(call, "last_index")
    page = found[start:start + size]
    more = start + size < len(found)
    return {**OK, "order_list": [o.to_json() for o in page],
            "last_index": str(start + len(page)), "has_more": more}


def notify_confirm_receive(call: Call) -> dict[str, Any]:
    order = _referenced(call, _book(call))
    if not call.number("received_time", 0):
        raise WxError(47001, "received_time is required")
    if order.state != SHIPPED or order.confirm_notified:
        raise WxError(10060004, "only once, for a shipped order")
    order.confirm_notified = True
    return dict(OK)


def set_jump_path(call: Call) -> dict[str, Any]:
    path = call.text("path")
    if not path or path.startswith("/"):
        raise WxError(47001, "path must be a page path without a leading /")
    _book(call).jump_path = path
    return dict(OK)


def _own_appid(call: Call) -> None:
    _, account = program_of(call)
    if call.text("appid") != account.appid:
        raise WxError(47001, "appid must be the mini program's own")


def trade_managed(call: Call) -> dict[str, Any]:
    _own_appid(call)
    return {**OK, "is_trade_managed": _book(call).trade_managed}


def confirmation_completed(call: Call) -> dict[str, Any]:
    _own_appid(call)
    return {**OK, "completed": _book(call).confirmation_completed}
