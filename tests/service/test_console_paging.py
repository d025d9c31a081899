"""The console's authorizers over a SQLite file of 100,000 records: each page reads one page
of the store (counted), never the whole table, by appid and by name."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from wxcomponent.emulator import EmulatorServer
from wxcomponent.service.console.paging import PAGE_SIZE
from wxcomponent.stores import SQLiteStore
from wxcomponent.stores.base import AuthorizerRecord

from ..support.console import BASE, signed_in
from ..support.counting import CountingStore
from ..support.service import APPID, running

ROWS = 100_000


def appid(n: int) -> str:
    return f"wx{n:016x}"


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite store file with 100,000 authorizers of the platform (every tenth revoked),
    written through the store once and copied in one transaction."""
    path = tmp_path_factory.mktemp("console") / "big.sqlite3"
    store = SQLiteStore(str(path))
    store.save_authorizer(AuthorizerRecord(APPID, appid(0), "refresh-0", func_info=(1, 18),
                                           authorized_at=1.0, updated_at=1.0,
                                           tenant="tenant-0"))
    store.close()
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(authorizers)")]
        model = dict(zip(columns, db.execute("SELECT * FROM authorizers").fetchone(),
                         strict=True))
        rows = []
        for n in range(1, ROWS):
            row = dict(model, authorizer_appid=appid(n), refresh_token=f"refresh-{n}",
                       tenant=f"tenant-{n}", status="revoked" if n % 10 == 0 else "authorized",
                       revoked_at=2.0 if n % 10 == 0 else None, name=f"Shop {n:06d}",
                       name_key=f"shop {n:06d}")
            rows.append(tuple(row[c] for c in columns))
        marks = ",".join("?" * len(columns))
        db.executemany(f"INSERT INTO authorizers ({','.join(columns)}) VALUES ({marks})", rows)
    yield path


def shown(page: str) -> list[str]:
    return re.findall(r'/authorizers/(wx[0-9a-f]{16})"', page)


async def test_pages_of_100000_authorizers_read_one_store_page_each(
        wechat_emulator: EmulatorServer, big_store: Path) -> None:
    store = CountingStore(SQLiteStore(str(big_store)))
    try:
        async with running(wechat_emulator, store=store) as svc, signed_in(svc) as client:
            store.take()
            seen: list[str] = []
            url = f"{BASE}/authorizers"
            for _ in range(4):
                answer = await client.get(url)
                assert answer.status_code == 200
                assert "100000" in answer.text  # the count, from one COUNT
                rows = shown(answer.text)
                assert len(rows) == PAGE_SIZE
                seen += rows
                calls = store.take()
                listed = [c for c in calls if c[0] == "list_authorizers"]
                assert len(listed) == 1 and listed[0][1]["limit"] == PAGE_SIZE + 1
                assert sum(size for name, _, size in calls
                           if name in ("list_authorizers", "get_authorizer")) <= PAGE_SIZE + 1
                assert not [c for c in calls if c[0] not in (
                    "list_authorizers", "count_authorizers", "get_token", "load_ticket")]
                following = re.search(r'rel="next" href="([^"]+)"', answer.text)
                assert following is not None
                url = f"{BASE}/authorizers" + following.group(1).replace("&amp;", "&")
            assert seen == [appid(n) for n in range(4 * PAGE_SIZE)]

            # the last page has no next page
            answer = await client.get(f"{BASE}/authorizers?after={appid(ROWS - 3)}")
            assert shown(answer.text) == [appid(ROWS - 2), appid(ROWS - 1)]
            assert 'rel="next"' not in answer.text
            store.take()

            # a search by the beginning of an appid reads only what matches and one more
            answer = await client.get(f"{BASE}/authorizers?q={appid(4660)[:-1]}")
            assert shown(answer.text) == [appid(n) for n in range(4656, 4672)]
            assert 'rel="next"' not in answer.text
            listed = [c for c in store.take() if c[0] == "list_authorizers"]
            assert len(listed) == 1 and listed[0][2] <= PAGE_SIZE + 1

            # status filter, paged the same way
            answer = await client.get(f"{BASE}/authorizers?status=revoked")
            assert "9999 revoked" in answer.text  # 10, 20, … 99990
            assert shown(answer.text)[:3] == [appid(10), appid(20), appid(30)]
            listed = [c for c in store.take() if c[0] == "list_authorizers"]
            assert listed[0][1]["status"] == "revoked"

            # an exact appid is found directly
            answer = await client.get(f"{BASE}/authorizers?q={appid(77777)}")
            assert shown(answer.text) == [appid(77777)]
    finally:
        store.close()


async def test_searching_100000_authorizers_by_name_reads_a_page_at_a_time(
        wechat_emulator: EmulatorServer, big_store: Path) -> None:
    store = CountingStore(SQLiteStore(str(big_store)))
    try:
        async with running(wechat_emulator, store=store) as svc, signed_in(svc) as client:
            store.take()
            # "Shop 0046" is not an appid: the search is by name, case-insensitive
            answer = await client.get(f"{BASE}/authorizers", params={"q": "SHOP 0046"})
            assert answer.status_code == 200
            assert shown(answer.text) == [appid(n) for n in range(4600, 4650)]
            assert "Shop 004600" in answer.text
            searched = [c for c in store.take() if c[0] == "search_authorizers"]
            assert len(searched) == 1 and searched[0][2] == PAGE_SIZE + 1
            following = re.search(r'rel="next" href="([^"]+)"', answer.text)
            assert following is not None
            answer = await client.get(f"{BASE}/authorizers"
                                      + following.group(1).replace("&amp;", "&"))
            assert shown(answer.text) == [appid(n) for n in range(4650, 4700)]
            assert 'rel="next"' not in answer.text
            searched = [c for c in store.take() if c[0] == "search_authorizers"]
            assert len(searched) == 1 and searched[0][2] <= PAGE_SIZE + 1

            # with a status filter, matching records are gathered over a bounded scan
            answer = await client.get(f"{BASE}/authorizers",
                                      params={"q": "shop 00", "status": "revoked"})
            assert shown(answer.text) == [appid(n) for n in range(10, 510, 10)]
            searched = [c for c in store.take() if c[0] == "search_authorizers"]
            assert 1 <= len(searched) <= 10
            assert sum(size for _, _, size in searched) <= 10 * (PAGE_SIZE + 1)

            # nothing matches: a clear page, one store read
            answer = await client.get(f"{BASE}/authorizers", params={"q": "咖啡"})
            assert answer.status_code == 200 and "No account matches" in answer.text
            assert len([c for c in store.take() if c[0] == "search_authorizers"]) == 1
    finally:
        store.close()
