"""The console's listings a page at a time: each page reads one bounded page of the store
(keyset paging; a cursor in the page's query names where the next one starts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from ...client import AsyncComponent
from ...config import validate_appid
from ...core.shipping import Shipment
from ...errors import InvalidArgument
from ...stores.base import (
    MAX_ACCOUNT_NAME_LENGTH,
    AsyncStore,
    AuthorizerRecord,
    AuthorizerStatus,
    ComplianceRecord,
    Job,
    JobState,
    name_key,
)
from .rendering import Problem

__all__ = ["NAME_SCAN_PAGES", "PAGE_SIZE", "SHIPMENTS_PAGE", "authorizers_by_appid",
           "authorizers_by_name", "compliance", "deliveries", "number_cursor", "serial",
           "shipments"]

#: Rows of the authorizers' and the outbox's pages.
PAGE_SIZE = 50
#: Most store pages one search by name reads while a status filter skips records.
NAME_SCAN_PAGES = 10
#: Shipments on a page of the releases (each with its mini programs' counts).
SHIPMENTS_PAGE = 20

#: A page of authorizers: its records, the query of the next page (None on the last one) and
#: the appid it started after.
AuthorizersPage = tuple[list[AuthorizerRecord], str | None, str | None]


def serial(text: str) -> int | None:
    """The number ``text`` spells when it can be a job's or a shipment's (digits, at most
    18 of them), else None."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def number_cursor(text: str, message: str) -> int | None:
    """The job or shipment number a page starts at (None: the first page); a cursor that is
    no such number is refused with ``message``."""
    if not text:
        return None
    number = serial(text)
    if number is None:
        raise Problem(400, message)
    return number


async def compliance(store: AsyncStore, appid: str, blocked_by: str | None,
                     expiring_before: float | None, query: Mapping[str, str]
                     ) -> tuple[list[ComplianceRecord], str | None, str | None]:
    """A page of compliance records by appid (of ``blocked_by``, verified until
    ``expiring_before`` at most, when given), keyset-paged: the records, the cursor of the next
    page (None on the last one) and the appid the page started after."""
    after = query.get("after") or None
    if after is not None:
        after = validate_appid(after, "after")
    page = await store.list_compliance(appid, blocked_by=blocked_by,
                                       expiring_before=expiring_before, after=after,
                                       limit=PAGE_SIZE + 1)
    rows = page[:PAGE_SIZE]
    following = rows[-1].authorizer_appid if len(page) > PAGE_SIZE else None
    return rows, following, after


async def authorizers_by_appid(store: AsyncStore, appid: str, status: AuthorizerStatus | None,
                               search: str, query: Mapping[str, str]) -> AuthorizersPage:
    """A page of records by appid (those beginning with ``search``), keyset-paged."""
    after = query.get("after") or None
    if after is not None:
        after = validate_appid(after, "after")
    rows: list[AuthorizerRecord] = []
    if search and after is None:
        exact = await store.get_authorizer(appid, search)
        if exact is not None and (status is None or exact.status == status):
            rows.append(exact)
    # records that begin with the search follow it in the store's order
    page = await store.list_authorizers(appid, status=status, after=after or search or None,
                                        limit=PAGE_SIZE + 1)
    more = len(page) > PAGE_SIZE
    for record in page[:PAGE_SIZE]:
        if search and not record.authorizer_appid.startswith(search):
            more = False
            break
        rows.append(record)
    rows = rows[:PAGE_SIZE]
    following = f"after={rows[-1].authorizer_appid}" if more and rows else None
    return rows, following, after


async def authorizers_by_name(store: AsyncStore, appid: str, status: AuthorizerStatus | None,
                              search: str, query: Mapping[str, str]) -> AuthorizersPage:
    """A page of records whose name begins with ``search``, in name order; the cursor is
    the last record's name key and appid."""
    after_key, after = query.get("after_key"), query.get("after") or None
    cursor: tuple[str, str] | None = None
    if after is not None:
        after = validate_appid(after, "after")
        if after_key is None or len(after_key) > MAX_ACCOUNT_NAME_LENGTH \
                or not after_key.isprintable():
            raise Problem(400, "The page to start after is not one this console gave.")
        cursor = (after_key, after)
    rows: list[AuthorizerRecord] = []
    scanned: AuthorizerRecord | None = None
    exhausted = False
    for _ in range(NAME_SCAN_PAGES):  # a status filter skips records: bounded work
        try:
            page = await store.search_authorizers(appid, search, after=cursor,
                                                  limit=PAGE_SIZE + 1)
        except InvalidArgument:
            raise Problem(400, "The page to start after is not one this console gave."
                          ) from None
        window = page[:PAGE_SIZE]
        for record in window:
            scanned = record
            if status is None or record.status == status:
                rows.append(record)
                if len(rows) == PAGE_SIZE:
                    break
        if len(page) <= PAGE_SIZE and (not window or scanned is window[-1]):
            exhausted = True
            break
        if len(rows) == PAGE_SIZE:
            break
        cursor = (name_key(window[-1].name or ""), window[-1].authorizer_appid)
    following = None
    if not exhausted and scanned is not None:
        following = urlencode({"after_key": name_key(scanned.name or ""),
                               "after": scanned.authorizer_appid})
    return rows, following, after


async def deliveries(store: AsyncStore, appid: str, topics: Sequence[str],
                     state: JobState | None, after: int | None) -> tuple[list[Job], int | None]:
    """A page of the platform's deliveries to the webhooks of ``topics`` (in ``state``,
    when given) after the job ``after``, and the job the next page starts after (None on
    the last page)."""
    page = await store.list_jobs(appid, topic=topics[0] if len(topics) == 1 else None,
                                 state=state, after=after, limit=PAGE_SIZE)
    jobs = [job for job in page if job.topic in topics]
    return jobs, page[-1].id if len(page) == PAGE_SIZE else None


async def shipments(component: AsyncComponent, before: int | None
                    ) -> tuple[list[tuple[Shipment, dict[str, int]]], int | None]:
    """A page of the platform's shipments, newest first, before the shipment ``before``,
    each with the counts of its mini programs' outcomes; and where the next page starts."""
    page = await component.fleet.shipments(before=before, limit=SHIPMENTS_PAGE)
    rows: list[tuple[Shipment, dict[str, int]]] = []
    for shipment in page.shipments:
        report = await component.fleet.report(shipment.name)
        rows.append((shipment, report.counts()))
    return rows, page.next
