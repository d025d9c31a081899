"""The console's compliance board over real HTTP on the admin listener: the mini programs by
what blocks them with the counts per reason, filtered and keyset-paged; no page without a
session and none on the public listener; bad query parameters get a clear page, never a 500."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from wxcomponent.core.compliance_state import assess
from wxcomponent.service.console.paging import PAGE_SIZE
from wxcomponent.stores import AuthorizerRecord, ComplianceRecord

from ..support.console import BASE, signed_in
from ..support.service import APPID, Running

DAY = 86400.0


def appid(n: int) -> str:
    return f"wx{n:016x}"


def fill(svc: Running, count: int) -> None:
    """``count`` mini programs: every third not filed, every fifth verified for 10 more days,
    the first one suspended and named."""
    now = time.time()
    for n in range(count):
        record = ComplianceRecord(
            APPID, appid(n), filing_status=3 if n % 3 == 0 else 6,
            verified_until=now + 10 * DAY if n % 5 == 0 else now + 300 * DAY,
            suspended=n == 0, open_violations=1 if n == 0 else 0, checked_at=now)
        svc.store.save_compliance(assess(record, now))
    svc.store.save_authorizer(AuthorizerRecord(APPID, appid(0), "refresh@@@0",
                                               name="<b>Tea</b> House",
                                               account_type="mini_program"))


def shown(page: str) -> list[str]:
    return re.findall(r"<td><a href=\"[^\"]*/authorizers/(wx[0-9a-f]{16})\">", page)


async def test_no_board_without_a_session_and_none_on_the_public_listener(
        svc: Running) -> None:
    for path in (f"{BASE}/compliance", f"{BASE}/compliance?blocked=any&after=wx1"):
        answer = await svc.admin.get(path)
        assert answer.status_code == 303, path
        target = urlsplit(answer.headers["location"])
        assert target.path == "/console/signin"
        assert parse_qs(target.query)["next"] == [path.split("?")[0]]
        assert (await svc.client.get(path)).status_code == 404


async def test_the_board_shows_what_blocks_each_mini_program_and_counts_reasons(
        svc: Running) -> None:
    fill(svc, 120)
    async with signed_in(svc) as client:
        answer = await client.get(f"{BASE}/compliance")
        assert answer.status_code == 200, answer.text
        assert "120 mini programs, 40 blocked" in answer.text
        assert "&lt;b&gt;Tea&lt;/b&gt; House" in answer.text  # escaped, never markup
        assert "not_filed, suspended, violations_open" in answer.text
        assert "refresh@@@" not in answer.text
        counts = dict(re.findall(r">([a-z_]+)</a></td><td[^>]*>(\d+)</td>", answer.text))
        assert counts["not_filed"] == "40" and counts["verification_expiring"] == "24"
        seen = shown(answer.text)
        assert seen == [appid(n) for n in range(PAGE_SIZE)]
        while (following := re.search(r'rel="next" href="([^"]+)"', answer.text)):
            answer = await client.get(f"{BASE}/compliance" + following.group(1).replace(
                "&amp;", "&"))
            assert answer.status_code == 200
            seen += shown(answer.text)
        assert seen == [appid(n) for n in range(120)]

        blocked = await client.get(f"{BASE}/compliance?blocked=not_filed")
        assert shown(blocked.text) == [appid(n) for n in range(0, 120, 3)]
        expiring = await client.get(f"{BASE}/compliance?expiring=1&blocked=any")
        assert shown(expiring.text) == [appid(n) for n in range(0, 120, 15)]
        last = await client.get(f"{BASE}/compliance?after={appid(118)}")
        assert shown(last.text) == [appid(119)] and 'rel="next"' not in last.text


async def test_bad_query_parameters_get_a_clear_page_never_a_500(svc: Running) -> None:
    async with signed_in(svc) as client:
        for query, text in (("blocked=everything", "Choose what blocks"),
                            ("blocked=%3Cscript%3E", "Choose what blocks"),
                            ("expiring=30", "expiring is 1"),
                            ("after=zzz", "after"),
                            ("after=wx%00", "after"),
                            ("after=" + "w" * 300, "after")):
            answer = await client.get(f"{BASE}/compliance?{query}")
            assert answer.status_code == 400, (query, answer.text[-300:])
            assert text.lower() in answer.text.lower(), query
            assert answer.headers["content-type"].startswith("text/html")
            assert "<script>" not in answer.text
