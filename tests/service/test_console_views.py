"""What operators see on the console, over real HTTP against the service and the emulator:
the search box finds what was typed, the latest pushes name their account, resolved errors
leave the overview, and each state of a delivery has one word."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx

from wxcomponent.emulator import EmulatorServer

from ..support.console import BASE, confirm, signed_in
from ..support.receiver import SECRET, receiver
from ..support.service import APPID, AUTHORIZER_TOKEN, BEARER, FakeClock, Running, running
from ..support.waiting import wait_for_async


class _Form(HTMLParser):
    """The fields a browser submits from the page's search form, as the page sets them: an
    option without a value sends its text, and a select without a chosen option its first."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._chosen = False
        self._option: tuple[str | None, bool] | None = None
        self._text = ""
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "search" in (found.get("class") or ""):
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""
        elif tag == "select":
            self._select, self._chosen = found.get("name"), False
        elif tag == "option" and self._select is not None:
            self._option, self._text = (found.get("value"), "selected" in found), ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._text.strip() if value is None else value
            if selected or self._select not in self.fields:
                if selected or not self._chosen:
                    self.fields[self._select] = value
                self._chosen = self._chosen or selected
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def form_fields(page: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(page)
    return parser.fields


def rows_of(page: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``, as text."""
    section = page[page.index(heading):]
    table = section[section.index("<tbody>"):section.index("</tbody>")]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


async def search(client: httpx.AsyncClient, typed: str) -> httpx.Response:
    """Type ``typed`` into the search box and press Search, as a browser would."""
    page = await client.get(f"{BASE}/authorizers")
    fields = {**form_fields(page.text), "q": typed}
    return await client.get(f"{BASE}/authorizers?{urlencode(fields)}")


async def test_the_search_box_searches_by_what_was_typed(svc: Running) -> None:
    await svc.push_ticket()
    appid = await svc.authorize_by_push()
    other = await svc.authorize_by_push()
    for each in (appid, other):  # named after the exchange first, then renamed here
        await wait_for_async(lambda each=each: svc.store.get_authorizer(APPID, each).name)  # type: ignore[union-attr]
    svc.store.set_authorizer_name(APPID, appid, "咖啡 Corner")
    svc.store.set_authorizer_name(APPID, other, "Tea House")
    async with signed_in(svc) as client:
        for typed, found in (("咖啡", appid), ("tea h", other), (appid[:6], appid),
                             (other, other)):
            answer = await search(client, typed)
            assert answer.status_code == 200, (typed, answer.text)
            listed = [row[0] for row in rows_of(answer.text, "<table")]
            assert found in listed, (typed, listed)


async def test_the_latest_pushes_name_their_account(svc: Running) -> None:
    await svc.push_ticket()
    appid = await svc.authorize_by_push()
    await svc.push("unauthorized", AuthorizerAppid=appid)
    async with signed_in(svc) as client:
        page = (await client.get(f"{BASE}/pushes")).text
    rows = rows_of(page, "Latest pushes")
    accounts = {row[2]: row[3] for row in rows}
    assert accounts == {"unauthorized": appid, "authorized": appid,
                        "component_verify_ticket": "—"}, rows
    assert "None" not in page


async def test_resolved_errors_leave_the_overview_and_others_show_their_age(
        wechat_emulator: EmulatorServer) -> None:
    clock = FakeClock()
    async with running(wechat_emulator, clock=clock) as svc, signed_in(svc) as client:
        # before the first ticket: the component token cannot be had
        early = await svc.admin.get(f"/api/{APPID}/component_token", headers=BEARER)
        assert early.status_code >= 500
        clock.advance(600)
        overview = (await client.get(f"{BASE}/")).text
        errors = rows_of(overview, "Latest errors")
        assert [(row[1], row[2]) for row in errors] == [("10 min", "refresh_failed")], errors
        assert "TicketNotFound" in errors[0][3]

        await svc.push_ticket()  # resolves it
        appid = await svc.authorize_by_push()
        overview = (await client.get(f"{BASE}/")).text
        assert "TicketNotFound" not in overview and "no failing refresh" in overview
        assert "Latest errors" in overview and rows_of_or_none(overview) == []

        # an account's refresh fails: listed, with its age, until a refresh of it succeeds
        wechat_emulator.inject(AUTHORIZER_TOKEN, errcode=-1, times=None)
        failed = await confirm(client, f"{BASE}/authorizers/{appid}/refresh")
        assert failed.status_code >= 500
        clock.advance(120)
        overview = (await client.get(f"{BASE}/")).text
        errors = rows_of(overview, "Latest errors")
        assert [(row[1], row[2]) for row in errors] == [("2 min", "refresh_failed")]
        assert appid in errors[0][3]
        wechat_emulator.clear_faults(AUTHORIZER_TOKEN)
        done = await confirm(client, f"{BASE}/authorizers/{appid}/refresh")
        assert done.status_code == 200
        overview = (await client.get(f"{BASE}/")).text
        assert rows_of_or_none(overview) == [] and "no failing refresh" in overview


def rows_of_or_none(overview: str) -> list[list[str]]:
    """The rows of the overview's latest errors ([] when it says there are none)."""
    section = overview[overview.index("Latest errors"):]
    if "<tbody>" not in section:
        assert "None." in section
        return []
    return rows_of(overview, "Latest errors")


async def test_each_state_of_a_delivery_has_one_word(wechat_emulator: EmulatorServer) -> None:
    with receiver() as hooked:
        hooks = [{"name": "app", "url": f"{hooked.url}/hook", "secret": SECRET}]
        async with running(wechat_emulator, webhooks=hooks) as svc, \
                signed_in(svc) as client:
            await svc.push_ticket()
            await svc.authorize_by_push()
            await asyncio.to_thread(hooked.wait_for, 1)
            (job,) = svc.store.list_jobs(APPID, topic="deliver:app")
            await wait_for_async(lambda: svc.store.get_job(job.id).state == "done")  # type: ignore[union-attr]
            listing = (await client.get(f"{BASE}/pushes")).text
            options = re.findall(r"<option[^>]*>([^<]*)</option>",
                                 listing[listing.index('id="state"'):])[:4]
            assert options == ["all", "pending", "delivered", "dead"]
            outbox = rows_of(listing, "Outbox")
            assert [row[4] for row in outbox] == ["delivered"]
            assert "1 delivered" in listing and "(retrying)" not in listing
            fields = form_fields(listing[listing.index("Outbox"):])
            query = urlencode({**fields, "state": "delivered"})
            chosen = await client.get(f"{BASE}/pushes?{query}")
            assert chosen.status_code == 200
            assert [row[0] for row in rows_of(chosen.text, "Outbox")] == [str(job.id)]
            shown = (await client.get(f"{BASE}/pushes/{job.id}")).text
            assert re.search(r"<dt>state</dt><dd[^>]*>delivered</dd>", shown), shown
            for page in (listing, chosen.text, shown):
                assert ">done<" not in page
