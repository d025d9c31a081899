"""Order shipping management on both shells against the emulator over HTTP: an order's life
from payment to settlement with its pushes, combined payments, paging, WeChat's errcodes,
and every upload rule refused before anything is sent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wxcomponent
from wxcomponent import (
    DeliveryMode,
    LogisticsType,
    OrderKey,
    OrderState,
    ShippingItem,
    SubOrderShipping,
)
from wxcomponent.core.endpoints.orders import upload_time_text
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument, OrderNotFound, OrderNotShippable

from .conftest import APPID, Side, mini_program, pushes_to, wait_for

UPLOAD = "/wxa/sec/order/upload_shipping_info"
PARCEL = ShippingItem("咖啡豆 500g*1", tracking_no="YT3750696145732", express_company="YTO",
                      receiver_contact="139****2901")
CST = timezone(timedelta(hours=8))


def paid(emu: EmulatorServer, appid: str, **options: Any) -> dict[str, Any]:
    """An order paid now and past WeChat's ingestion delay."""
    order = emu.add_order(APPID, appid, **options)
    emu.advance_clock(60)
    return order


def test_an_order_from_payment_to_settlement(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    orders = side.authorizer(appid).orders
    emu.configure_mini_programs(settlement_delay=600)
    assert side.run(orders.is_trade_managed()) is True
    assert side.run(orders.is_confirmation_completed()) is True
    side.run(orders.set_msg_jump_path("pages/order/detail"))
    order = emu.add_order(APPID, appid, paid_amount=2590, description="咖啡豆")
    key = OrderKey(transaction_id=order["transaction_id"])
    with pytest.raises(OrderNotFound) as early:  # WeChat finds a payment a minute later
        side.run(orders.get(order["transaction_id"]))
    assert early.value.errcode == 10060001
    emu.advance_clock(60)
    found = side.run(orders.get(order["transaction_id"]))
    assert isinstance(found, wxcomponent.TradeOrder)
    assert (found.state, found.paid_amount, found.description) == (
        OrderState.AWAITING_SHIPMENT, 2590, "咖啡豆")
    side.run(orders.upload_shipping(key, PARCEL, payer_openid=order["openid"]))
    shipped = side.run(orders.get(merchant_id=order["merchant_id"],
                                  merchant_trade_no=order["merchant_trade_no"]))
    assert shipped.state is OrderState.SHIPPED and shipped.shipping.finish_shipping
    assert [p.tracking_no for p in shipped.shipping.shipping_list] == ["YT3750696145732"]
    # one correction is allowed, with a later upload time; a second is not
    emu.advance_clock(5)
    fixed = ShippingItem("咖啡豆 500g*1", tracking_no="SF1400", express_company="SF",
                         consignor_contact="189****1234")
    side.run(orders.upload_shipping(key, [fixed], payer_openid=order["openid"]))
    assert side.run(orders.get(order["transaction_id"])).shipping.shipping_list[0] \
        .express_company == "SF"
    emu.advance_clock(5)
    with pytest.raises(OrderNotShippable):
        side.run(orders.upload_shipping(key, PARCEL, payer_openid=order["openid"]))
    side.run(orders.notify_confirm_receive(order["transaction_id"],
                                           received_time=int(emu.now())))
    with pytest.raises(OrderNotShippable):  # once per order
        side.run(orders.notify_confirm_receive(order["transaction_id"],
                                               received_time=int(emu.now())))
    seen: list[Any] = []
    side.component.on("event:trade_manage_order_settlement")(
        lambda event, push: seen.append((event, push)))
    with pushes_to(emu, side):
        emu.confirm_receipt(APPID, appid, order["transaction_id"])
        assert side.run(orders.get(order["transaction_id"])).state is OrderState.RECEIVED
        emu.advance_clock(600)
        wait_for(lambda: len(seen) == 1, "the settlement push did not come")
    event, push = seen[0]
    assert push.authorizer_appid == appid
    assert event.get("transaction_id") == order["transaction_id"]
    assert side.run(orders.get(order["transaction_id"])).state is OrderState.COMPLETED


def test_an_unshipped_order_is_reminded_once(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    emu.configure_mini_programs(shipping_remind_after=900)
    seen: list[Any] = []
    side.component.on("event:trade_manage_remind_shipping")(
        lambda event, push: seen.append(event))
    with pushes_to(emu, side):
        order = paid(emu, appid, merchant_trade_no="T-REMIND-1")
        shipped = paid(emu, appid)
        side.run(side.authorizer(appid).orders.upload_shipping(
            OrderKey(transaction_id=shipped["transaction_id"]),
            ShippingItem("电子兑换码"), logistics_type=LogisticsType.VIRTUAL,
            payer_openid=shipped["openid"]))
        emu.advance_clock(900)
        wait_for(lambda: len(seen) == 1, "the reminder did not come")
        emu.advance_clock(900)
        emu.run_due_events()
    assert len(seen) == 1  # the shipped order is not reminded, the other only once
    assert seen[0].get("merchant_trade_no") == "T-REMIND-1"
    assert seen[0].get("transaction_id") == order["transaction_id"]


def test_a_combined_payment_ships_through_its_parts(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    orders = side.authorizer(appid).orders
    combined = paid(emu, appid, parts=2, paid_amount=1000)
    first, second = (p["transaction_id"] for p in combined["parts"])
    parcels = (ShippingItem("杯子*1", tracking_no="ZT1", express_company="ZTO"),
               ShippingItem("杯盖*1", tracking_no="ZT2", express_company="ZTO"))
    side.run(orders.upload_combined_shipping(
        OrderKey(transaction_id=combined["transaction_id"]),
        [SubOrderShipping(OrderKey(transaction_id=first), parcels,
                          delivery_mode=DeliveryMode.SPLIT, is_all_delivered=False),
         SubOrderShipping(OrderKey(transaction_id=second), (ShippingItem("自提券"),),
                          logistics_type=LogisticsType.SELF_PICKUP)],
        payer_openid=combined["openid"]))
    split = side.run(orders.get(first))
    assert split.state is OrderState.SHIPPED and not split.shipping.finish_shipping
    assert split.shipping.delivery_mode == DeliveryMode.SPLIT
    assert len(split.shipping.shipping_list) == 2
    assert side.run(orders.get(second)).shipping.logistics_type == LogisticsType.SELF_PICKUP
    with pytest.raises(OrderNotShippable):  # a combined payment is not shipped as one
        side.run(orders.upload_shipping(OrderKey(transaction_id=combined["transaction_id"]),
                                        PARCEL, payer_openid=combined["openid"]))


def test_orders_are_listed_in_pages_newest_first(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    orders = side.authorizer(appid).orders
    made = []
    for n in range(5):
        made.append(emu.add_order(APPID, appid, openid="o_buyer" if n % 2 else "",
                                  merchant_trade_no=f"T{n}"))
        emu.advance_clock(10)
    emu.advance_clock(60)
    seen: list[str] = []
    last = ""
    while True:
        page = side.run(orders.list(page_size=2, last_index=last))
        assert isinstance(page, wxcomponent.TradeOrderPage) and len(page.orders) <= 2
        seen += [o.merchant_trade_no for o in page.orders]
        if not page.has_more:
            break
        last = page.last_index
    assert seen == ["T4", "T3", "T2", "T1", "T0"]
    mine = side.run(orders.list(openid="o_buyer"))
    assert [o.merchant_trade_no for o in mine.orders] == ["T3", "T1"]
    early = side.run(orders.list(paid_from=int(made[0]["pay_time"]),
                                 paid_until=int(made[1]["pay_time"])))
    assert [o.merchant_trade_no for o in early.orders] == ["T1", "T0"]
    waiting = side.run(orders.list(order_state=int(OrderState.SHIPPED)))
    assert waiting.orders == () and not waiting.has_more


def test_wechat_refuses_what_the_library_lets_through(emu: EmulatorServer,
                                                      side: Side) -> None:
    """The emulator answers WeChat's errcodes to uploads that skip the library's checks."""
    appid = mini_program(emu, side)
    order = paid(emu, appid)
    body = {"order_key": {"order_number_type": 2, "transaction_id": order["transaction_id"]},
            "logistics_type": 1, "delivery_mode": 1,
            "shipping_list": [{"tracking_no": "a", "express_company": "YTO", "item_desc": "x"},
                              {"tracking_no": "b", "express_company": "YTO", "item_desc": "y"}],
            "upload_time": "2026-12-05T10:00:00.000+08:00",
            "payer": {"openid": order["openid"]}}
    post = side.authorizer(appid).post_json
    with pytest.raises(APIError) as two:
        side.run(post(UPLOAD, body))
    assert two.value.errcode == 268485228
    with pytest.raises(OrderNotFound):
        side.run(post(UPLOAD, {**body, "shipping_list": body["shipping_list"][:1],
                               "payer": {"openid": "o_someone_else"}}))
    emu.refund_order(APPID, appid, order["transaction_id"])
    with pytest.raises(OrderNotShippable):
        side.run(post(UPLOAD, {**body, "shipping_list": body["shipping_list"][:1]}))
    with pytest.raises(APIError) as own:
        side.run(side.authorizer(appid).post_json("/wxa/sec/order/is_trade_managed",
                                                  {"appid": "wx_not_mine"}))
    assert own.value.errcode == 47001


BAD_UPLOADS: list[tuple[str, dict[str, Any]]] = [
    ("items", {"items": [PARCEL, PARCEL]}),  # unified delivery takes one parcel
    ("items", {"items": []}),
    ("items", {"items": [PARCEL] * 16, "delivery_mode": DeliveryMode.SPLIT,
               "is_all_delivered": True}),
    ("items", {"items": ["not a parcel"]}),
    ("delivery_mode", {"items": [ShippingItem("a"), ShippingItem("b")],
                       "logistics_type": LogisticsType.LOCAL_DELIVERY,
                       "delivery_mode": DeliveryMode.SPLIT, "is_all_delivered": True}),
    ("is_all_delivered", {"items": [PARCEL, PARCEL], "delivery_mode": DeliveryMode.SPLIT}),
    ("is_all_delivered", {"is_all_delivered": True}),
    ("items[0].item_desc", {"items": [ShippingItem(" ", tracking_no="t", express_company="YTO")]}),
    ("items[0].item_desc", {"items": [ShippingItem("x" * 121, tracking_no="t",
                                                   express_company="YTO")]}),
    ("items[0].tracking_no", {"items": [ShippingItem("x", express_company="YTO")]}),
    ("items[0].express_company", {"items": [ShippingItem("x", tracking_no="t")]}),
    ("items[0].receiver_contact", {"items": [ShippingItem("x", tracking_no="t",
                                                          express_company="SF")]}),
    ("logistics_type", {"logistics_type": 9}),
    ("logistics_type", {"logistics_type": True}),
    ("delivery_mode", {"delivery_mode": 3}),
    ("upload_time", {"upload_time": datetime(2026, 12, 5, 10, 0)}),  # no time zone
    ("upload_time", {"upload_time": "yesterday"}),
    ("payer_openid", {"payer_openid": ""}),
    ("order", {"order": OrderKey()}),
    ("order", {"order": OrderKey(transaction_id="42", mchid="1230000109",
                                 out_trade_no="T1")}),
    ("order", {"order": OrderKey(mchid="1230000109")}),
]


@pytest.mark.parametrize(("argument", "change"), BAD_UPLOADS,
                         ids=[f"{a}-{n}" for n, (a, _) in enumerate(BAD_UPLOADS)])
def test_a_bad_upload_is_refused_before_anything_is_sent(emu: EmulatorServer, side: Side,
                                                         argument: str,
                                                         change: dict[str, Any]) -> None:
    appid = mini_program(emu, side)
    call: dict[str, Any] = {"order": OrderKey(transaction_id="4200000000"), "items": [PARCEL],
                            "payer_openid": "o_buyer", **change}
    order, items = call.pop("order"), call.pop("items")
    with pytest.raises(InvalidArgument) as refused:
        side.run(side.authorizer(appid).orders.upload_shipping(order, items, **call))
    assert refused.value.argument == argument
    assert side.sent(UPLOAD) == []


def test_bad_queries_are_refused_before_anything_is_sent(emu: EmulatorServer,
                                                         side: Side) -> None:
    appid = mini_program(emu, side)
    orders = side.authorizer(appid).orders
    for bad, argument in [
        (lambda: orders.get(), "transaction_id"),
        (lambda: orders.get("42", merchant_id="1"), "transaction_id"),
        (lambda: orders.get(merchant_id="1"), "transaction_id"),
        (lambda: orders.list(page_size=0), "page_size"),
        (lambda: orders.list(page_size=101), "page_size"),
        (lambda: orders.list(order_state=7), "order_state"),
        (lambda: orders.list(paid_from=20, paid_until=10), "paid_from"),
        (lambda: orders.notify_confirm_receive("42", received_time=0), "received_time"),
        (lambda: orders.set_msg_jump_path("/pages/order/detail"), "path"),
        (lambda: orders.set_msg_jump_path(""), "path"),
        (lambda: orders.upload_combined_shipping(OrderKey(transaction_id="1"), [],
                                                 payer_openid="o"), "sub_orders"),
        (lambda: orders.upload_combined_shipping(
            OrderKey(transaction_id="1"),
            [SubOrderShipping(OrderKey(transaction_id="2"), (PARCEL, PARCEL))],
            payer_openid="o"), "sub_orders[0].items"),
    ]:
        with pytest.raises(InvalidArgument) as refused:
            side.run(bad())
        assert refused.value.argument == argument
    assert [r for r in side.requests if "/wxa/sec/order/" in r.url.path] == []


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.sampled_from([timezone.utc, CST,
                                               timezone(timedelta(hours=-5, minutes=-30))])))
def test_an_upload_time_is_the_same_instant_in_china_time(moment: datetime) -> None:
    text = upload_time_text(moment, 0.0)
    parsed = datetime.fromisoformat(text)
    assert text.endswith("+08:00") and len(text.split(".")[1]) == len("123+08:00")
    assert abs((parsed - moment).total_seconds()) < 0.001


def test_the_default_upload_time_is_now_in_china_time() -> None:
    assert upload_time_text(None, 1_700_000_000.25) == "2023-11-15T06:13:20.250+08:00"
