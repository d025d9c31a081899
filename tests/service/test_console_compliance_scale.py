"""The console's compliance board over a SQLite file of 100,000 mini programs: each page reads
one page of the store (counted), never the whole table, for every record, the blocked and one
reason alike, and the counts come from the codes' index."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service.console.paging import PAGE_SIZE
from wxcomponent.stores import ComplianceRecord, SQLiteStore

from ..support.console import BASE, signed_in
from ..support.counting import CountingStore
from ..support.service import APPID, running

ROWS = 100_000


def appid(n: int) -> str:
    return f"wx{n:016x}"


@pytest.fixture(scope="module")
def board_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite store of 100,000 compliance records (every tenth not filed), the schema made
    through the store and the rows copied in one transaction."""
    path = tmp_path_factory.mktemp("board") / "board.sqlite3"
    store = SQLiteStore(str(path))
    store.save_compliance(ComplianceRecord(APPID, appid(0), filing_status=3,
                                           blockers=("not_filed",)))
    store.close()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO compliance VALUES (?, ?, ?, NULL, '', '', 0, 0, 1.0, 1.0, 1.0, ?, '')",
            ((APPID, appid(n), 3 if n % 10 == 0 else 6, "not_filed" if n % 10 == 0 else "")
             for n in range(1, ROWS)))
        db.executemany(
            "INSERT INTO compliance_codes VALUES (?, ?, ?)",
            ((APPID, code, appid(n)) for n in range(10, ROWS, 10)
             for code in ("not_filed", "any")))
    yield path


def shown(page: str) -> list[str]:
    return re.findall(r"<td><a href=\"[^\"]*/authorizers/(wx[0-9a-f]{16})\">", page)


@pytest.mark.parametrize("query, every", [("", 1), ("blocked=any", 10),
                                          ("blocked=not_filed", 10)])
async def test_pages_of_100000_mini_programs_read_one_store_page_each(
        wechat_emulator: EmulatorServer, board_store: Path, query: str, every: int) -> None:
    store = CountingStore(SQLiteStore(str(board_store)))
    try:
        async with running(wechat_emulator, store=store) as svc, signed_in(svc) as client:
            store.take()
            seen: list[str] = []
            url = f"{BASE}/compliance?{query}"
            for _ in range(3):
                answer = await client.get(url)
                assert answer.status_code == 200, answer.text[-300:]
                assert "100000 mini programs, 10000 blocked" in answer.text
                seen += shown(answer.text)
                calls = store.take()
                listed = [c for c in calls if c[0] == "list_compliance"]
                assert len(listed) == 1 and listed[0][1]["limit"] == PAGE_SIZE + 1
                assert listed[0][2] <= PAGE_SIZE + 1
                assert len([c for c in calls if c[0] == "get_authorizer"]) <= PAGE_SIZE
                assert not [c for c in calls if c[0] not in (
                    "list_compliance", "count_compliance", "get_authorizer", "get_token")]
                following = re.search(r'rel="next" href="([^"]+)"', answer.text)
                assert following is not None
                url = f"{BASE}/compliance" + following.group(1).replace("&amp;", "&")
            assert seen == [appid(n) for n in range(0, 3 * PAGE_SIZE * every, every)]
    finally:
        store.close()
