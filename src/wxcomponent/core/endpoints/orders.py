"""Order shipping management (小程序发货信息管理服务), on a mini program's behalf: a mini program
that sells goods has its payments frozen until the shipping of each is recorded here and the
buyer confirms receipt. Perm-set 142.

Every rule WeChat states for an upload is checked before anything is sent (one parcel in
unified delivery, split delivery only by express, 1 to 15 entries, a description of at most
120 characters, a tracking number and carrier for express, a contact for SF Express), so a
bad upload fails with :class:`~wxcomponent.errors.InvalidArgument` naming the field instead
of an errcode after a round trip.

Internal module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    DeliveryMode,
    LogisticsType,
    OrderKey,
    ShippingItem,
    SubOrderShipping,
    TradeOrder,
    TradeOrderPage,
    WxaModel,
)
from ..models_wxa.orders import ITEM_DESC_MAX, SHIPPING_LIST_MAX
from ._checks import number, optional_text, text

__all__ = [
    "get_order",
    "is_confirmation_completed",
    "is_trade_managed",
    "list_orders",
    "notify_confirm_receive",
    "set_msg_jump_path",
    "upload_combined_shipping",
    "upload_shipping",
]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN
_O = "/wxa/sec/order/"

#: China Standard Time, the offset WeChat's examples give ``upload_time``.
_CST = timezone(timedelta(hours=8))
#: WeChat's carrier id of SF Express, whose uploads must carry a contact.
SF_EXPRESS = "SF"
#: The largest page ``get_order_list`` serves.
ORDER_PAGE_MAX = 100


@dataclass(frozen=True)
class _Order(WxaModel):
    order: TradeOrder = field(default_factory=TradeOrder)


@dataclass(frozen=True)
class _Managed(WxaModel):
    is_trade_managed: bool = False


@dataclass(frozen=True)
class _Completed(WxaModel):
    completed: bool = False


UPLOAD = endpoint("POST", _O + "upload_shipping_info", NOTHING, token=_A)
UPLOAD_COMBINED = endpoint("POST", _O + "upload_combined_shipping_info", NOTHING, token=_A)
GET_ORDER = endpoint("POST", _O + "get_order", model(_Order), token=_A)
LIST_ORDERS = endpoint("POST", _O + "get_order_list", model(TradeOrderPage), token=_A)
CONFIRM_RECEIVE = endpoint("POST", _O + "notify_confirm_receive", NOTHING, token=_A)
JUMP_PATH = endpoint("POST", _O + "set_msg_jump_path", NOTHING, token=_A)
MANAGED = endpoint("POST", _O + "is_trade_managed", model(_Managed), token=_A)
CONFIRMATION = endpoint("POST", _O + "is_trade_management_confirmation_completed",
                        model(_Completed), token=_A)


# --------------------------------------------------------------------------- checks


def _order_key(order: object, argument: str) -> dict[str, Any]:
    if not isinstance(order, OrderKey):
        raise InvalidArgument(argument, "must be an OrderKey")
    for name in ("transaction_id", "mchid", "out_trade_no"):
        optional_text(getattr(order, name), f"{argument}.{name}", max_len=64)
    return order.to_json(argument)


def _shipping(items: object, logistics_type: object, delivery_mode: object,
              is_all_delivered: object, argument: str) -> dict[str, Any]:
    """The shipping part of one payment's upload, every rule checked."""
    if not isinstance(logistics_type, int) or isinstance(logistics_type, bool) \
            or logistics_type not in set(LogisticsType):
        raise InvalidArgument(f"{argument}logistics_type", "must be a LogisticsType")
    if not isinstance(delivery_mode, int) or isinstance(delivery_mode, bool) \
            or delivery_mode not in set(DeliveryMode):
        raise InvalidArgument(f"{argument}delivery_mode", "must be a DeliveryMode")
    kind, mode = LogisticsType(logistics_type), DeliveryMode(delivery_mode)
    if isinstance(items, ShippingItem):
        items = (items,)
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) \
            or not all(isinstance(i, ShippingItem) for i in items):
        raise InvalidArgument(f"{argument}items", "must be a list of ShippingItem")
    if not 1 <= len(items) <= SHIPPING_LIST_MAX:
        raise InvalidArgument(f"{argument}items",
                              f"must hold 1 to {SHIPPING_LIST_MAX} entries")
    if mode is DeliveryMode.UNIFIED and len(items) != 1:
        raise InvalidArgument(f"{argument}items", "unified delivery takes exactly one entry "
                                                  "(use DeliveryMode.SPLIT for several parcels)")
    if mode is DeliveryMode.SPLIT and kind is not LogisticsType.EXPRESS:
        raise InvalidArgument(f"{argument}delivery_mode", "split delivery is for express only")
    for n, item in enumerate(items):
        where = f"{argument}items[{n}]."
        text(item.item_desc, where + "item_desc", max_len=ITEM_DESC_MAX)
        for name in ("tracking_no", "express_company", "consignor_contact",
                     "receiver_contact"):
            optional_text(getattr(item, name), where + name, max_len=128)
        if kind is LogisticsType.EXPRESS:
            text(item.tracking_no, where + "tracking_no")
            text(item.express_company, where + "express_company")
            if item.express_company == SF_EXPRESS \
                    and not (item.consignor_contact or item.receiver_contact):
                raise InvalidArgument(where + "receiver_contact",
                                      "SF Express needs the consignor's or receiver's "
                                      "masked phone number")
    data: dict[str, Any] = {"logistics_type": int(kind), "delivery_mode": int(mode),
                            "shipping_list": [item.to_json() for item in items]}
    if mode is DeliveryMode.SPLIT:
        if not isinstance(is_all_delivered, bool):
            raise InvalidArgument(f"{argument}is_all_delivered",
                                  "split delivery says whether every parcel has left")
        data["is_all_delivered"] = is_all_delivered
    elif is_all_delivered is not None:
        raise InvalidArgument(f"{argument}is_all_delivered", "only for split delivery")
    return data


def upload_time_text(value: datetime | str | None, now: float) -> str:
    """``upload_time`` as WeChat takes it (RFC 3339 with milliseconds, China time): the
    given time, or ``now``. A naive datetime is refused (its zone would be a guess)."""
    if value is None:
        value = datetime.fromtimestamp(now, _CST)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidArgument("upload_time", "must be an RFC 3339 time") from None
        value = parsed
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidArgument("upload_time", "must be a datetime with its time zone")
    return value.astimezone(_CST).isoformat(timespec="milliseconds")


def _payer(openid: object) -> dict[str, str]:
    return {"openid": text(openid, "payer_openid", max_len=128)}


def _order_ref(transaction_id: str | None, merchant_id: str | None,
               merchant_trade_no: str | None, sub_merchant_id: str | None) -> dict[str, str]:
    """An existing order named by ``transaction_id`` or by the merchant's number."""
    if transaction_id is not None and merchant_id is None and merchant_trade_no is None \
            and sub_merchant_id is None:
        return {"transaction_id": text(transaction_id, "transaction_id", max_len=64)}
    if transaction_id is None and merchant_id is not None and merchant_trade_no is not None:
        ref = {"merchant_id": text(merchant_id, "merchant_id", max_len=64),
               "merchant_trade_no": text(merchant_trade_no, "merchant_trade_no", max_len=64)}
        if sub_merchant_id is not None:
            ref["sub_merchant_id"] = text(sub_merchant_id, "sub_merchant_id", max_len=64)
        return ref
    raise InvalidArgument("transaction_id", "give the transaction_id, or the merchant_id with "
                                            "the merchant_trade_no, one of them")


# --------------------------------------------------------------------------- calls


def upload_shipping(ctx: Context, authorizer_appid: str, order: OrderKey,
                    items: Sequence[ShippingItem] | ShippingItem, *, payer_openid: str,
                    logistics_type: LogisticsType = LogisticsType.EXPRESS,
                    delivery_mode: DeliveryMode = DeliveryMode.UNIFIED,
                    is_all_delivered: bool | None = None,
                    upload_time: datetime | str | None = None) -> Flow[None]:
    """Record how the payment ``order`` (paid by ``payer_openid``) was shipped (发货信息录入).

    ``upload_time`` defaults to now; a correction must carry a later time than the upload it
    corrects, and WeChat allows one correction per payment.
    """
    body = {"order_key": _order_key(order, "order"),
            **_shipping(items, logistics_type, delivery_mode, is_all_delivered, ""),
            "upload_time": upload_time_text(upload_time, ctx.clock()),
            "payer": _payer(payer_openid)}
    return call(ctx, UPLOAD, authorizer_appid=authorizer_appid, body=body)


def upload_combined_shipping(ctx: Context, authorizer_appid: str, order: OrderKey,
                             sub_orders: Sequence[SubOrderShipping], *, payer_openid: str,
                             upload_time: datetime | str | None = None) -> Flow[None]:
    """Record the shipping of a combined payment (合单): ``order`` is the combined payment,
    each of ``sub_orders`` one of its payments with its own parcels."""
    if not isinstance(sub_orders, Sequence) or not sub_orders \
            or not all(isinstance(s, SubOrderShipping) for s in sub_orders):
        raise InvalidArgument("sub_orders", "must be a non-empty list of SubOrderShipping")
    parts = []
    for n, sub in enumerate(sub_orders):
        where = f"sub_orders[{n}]."
        parts.append({"order_key": _order_key(sub.order, where + "order"),
                      **_shipping(sub.items, sub.logistics_type, sub.delivery_mode,
                                  sub.is_all_delivered, where)})
    body = {"order_key": _order_key(order, "order"), "sub_orders": parts,
            "upload_time": upload_time_text(upload_time, ctx.clock()),
            "payer": _payer(payer_openid)}
    return call(ctx, UPLOAD_COMBINED, authorizer_appid=authorizer_appid, body=body)


def get_order(ctx: Context, authorizer_appid: str, transaction_id: str | None = None, *,
              merchant_id: str | None = None, merchant_trade_no: str | None = None,
              sub_merchant_id: str | None = None) -> Flow[TradeOrder]:
    """One order and its shipping state, by ``transaction_id`` or by the merchant's number."""
    ref = _order_ref(transaction_id, merchant_id, merchant_trade_no, sub_merchant_id)
    answer = yield from call(ctx, GET_ORDER, authorizer_appid=authorizer_appid, body=ref)
    return answer.order


def list_orders(ctx: Context, authorizer_appid: str, *, paid_from: int | None = None,
                paid_until: int | None = None, order_state: int | None = None,
                openid: str | None = None, last_index: str = "",
                page_size: int = ORDER_PAGE_MAX) -> Flow[TradeOrderPage]:
    """A page of the mini program's orders, newest payments first, filtered by payment time
    (Unix seconds, both ends included), state (:class:`~.OrderState`) or buyer."""
    body: dict[str, Any] = {"page_size": number(page_size, "page_size", minimum=1,
                                                maximum=ORDER_PAGE_MAX)}
    if paid_from is not None or paid_until is not None:
        begin = number(paid_from if paid_from is not None else 0, "paid_from")
        end = number(paid_until if paid_until is not None else int(ctx.clock()), "paid_until")
        if begin > end:
            raise InvalidArgument("paid_from", "must not be after paid_until")
        body["pay_time_range"] = {"begin_time": begin, "end_time": end}
    if order_state is not None:
        body["order_state"] = number(order_state, "order_state", minimum=1, maximum=6)
    if openid is not None:
        body["openid"] = text(openid, "openid", max_len=128)
    if last_index:
        body["last_index"] = text(last_index, "last_index", max_len=256)
    return (yield from call(ctx, LIST_ORDERS, authorizer_appid=authorizer_appid, body=body))


def notify_confirm_receive(ctx: Context, authorizer_appid: str,
                           transaction_id: str | None = None, *, received_time: int,
                           merchant_id: str | None = None,
                           merchant_trade_no: str | None = None,
                           sub_merchant_id: str | None = None) -> Flow[None]:
    """Remind the buyer to confirm receipt (确认收货提醒), once per order, after the parcel
    arrived at ``received_time`` (Unix seconds)."""
    body: dict[str, Any] = {**_order_ref(transaction_id, merchant_id, merchant_trade_no,
                                         sub_merchant_id),
                            "received_time": number(received_time, "received_time",
                                                    minimum=1)}
    return call(ctx, CONFIRM_RECEIVE, authorizer_appid=authorizer_appid, body=body)


def set_msg_jump_path(ctx: Context, authorizer_appid: str, path: str) -> Flow[None]:
    """The page the buyer's shipping messages open (e.g. ``pages/order/detail``); the
    order's ``merchant_trade_no`` and ``transaction_id`` are appended as query."""
    page = text(path, "path", max_len=512)
    if page.startswith("/"):
        raise InvalidArgument("path", "must not start with '/'")
    return call(ctx, JUMP_PATH, authorizer_appid=authorizer_appid, body={"path": page})


def is_trade_managed(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Whether the mini program is under order shipping management (its payments frozen
    until shipped and received)."""
    answer = yield from call(ctx, MANAGED, authorizer_appid=authorizer_appid,
                             body={"appid": authorizer_appid})
    return answer.is_trade_managed


def is_confirmation_completed(ctx: Context, authorizer_appid: str) -> Flow[bool]:
    """Whether the merchant has completed the trade settlement management confirmation
    (交易结算管理确认)."""
    answer = yield from call(ctx, CONFIRMATION, authorizer_appid=authorizer_appid,
                             body={"appid": authorizer_appid})
    return answer.completed
