"""``wxcomponent compliance``: the compliance board of the mini programs in the store, by
what blocks them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import click

from ..core.compliance_state import BLOCKERS, CODES
from ..service.app import open_service_store
from ..service.settings import load_settings
from ..stores.base import ComplianceRecord, Store
from ._common import config_option, err, out, platform_option
from .commands import _Listing, _platforms, _when

__all__ = ["compliance"]

_PAGE = 200
_DAY = 86400.0
_COLUMNS = (("platform", 18), ("authorizer appid", 18), ("name", 20), ("blocked by", 44),
            ("warnings", 22), ("filing", 6), ("verified until", 19), ("violations", 10),
            ("checked", 19))
_STANDING = [name for name, _ in _COLUMNS].index("blocked by")
_COLOURS = {"blocked": "red", "warned": "yellow", "clear": "green"}


def _records(store: Store, appid: str, blocked_by: str | None, expiring_before: float | None,
             after: str | None, limit: int | None) -> Iterator[ComplianceRecord]:
    left = limit
    while left is None or left > 0:
        size = _PAGE if left is None else min(_PAGE, left)
        page = store.list_compliance(appid, blocked_by=blocked_by,
                                     expiring_before=expiring_before, after=after, limit=size)
        yield from page
        if left is not None:
            left -= len(page)
        if len(page) < size:
            return
        after = page[-1].authorizer_appid


def _document(record: ComplianceRecord, name: str | None) -> dict[str, object]:
    return {
        "platform": record.component_appid, "authorizer_appid": record.authorizer_appid,
        "name": name, "blockers": list(record.blockers), "warnings": list(record.warnings),
        "filing_status": record.filing_status, "verified_until": record.verified_until,
        "privacy_pending": list(record.privacy_pending),
        "privacy_rejected": list(record.privacy_rejected),
        "open_violations": record.open_violations, "suspended": record.suspended,
        "updated_at": record.updated_at, "checked_at": record.checked_at or None,
    }


@click.command()
@config_option
@platform_option
@click.option("--blocked", is_flag=True, help="only the mini programs something blocks")
@click.option("--blocked-by", "blocked_by", type=click.Choice(BLOCKERS), default=None,
              help="only the mini programs this blocks")
@click.option("--expiring", type=click.FloatRange(min=0, max=3650), default=None,
              metavar="DAYS", help="only those whose verification ends within DAYS days "
                                   "(or has ended)")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="at most N mini programs per platform (then --after the last one shown)")
@click.option("--after", default=None, metavar="APPID",
              help="start after this authorizer appid (the last one of a previous page)")
@click.option("--json", "as_json", is_flag=True, help="print JSON lines instead of a table")
def compliance(config: Path | None, platform: str | None, blocked: bool,
               blocked_by: str | None, expiring: float | None, limit: int | None,
               after: str | None, as_json: bool) -> None:
    """List the mini programs' compliance, by what blocks them: filing, verification and its
    end, privacy interfaces, violations. Counts per reason follow on stderr."""
    if blocked and blocked_by is not None:
        raise click.UsageError("give --blocked or --blocked-by, not both")
    code = blocked_by if blocked_by is not None else ("any" if blocked else None)
    expiring_before = None if expiring is None else time.time() + expiring * _DAY
    settings = load_settings(config)
    store, opened = open_service_store(settings)
    try:
        count = 0
        last: str | None = None
        listing = _Listing(out.is_terminal, title="compliance", columns=_COLUMNS,
                           coloured=_STANDING, colours=_COLOURS)
        totals: dict[str, int] = {}
        for config_ in _platforms(settings, platform):
            for record in _records(store, config_.appid, code, expiring_before, after, limit):
                count += 1
                last = record.authorizer_appid
                account = store.get_authorizer(config_.appid, record.authorizer_appid)
                name = account.name if account is not None else None
                if as_json:
                    click.echo(json.dumps(_document(record, name), ensure_ascii=False))
                    continue
                standing = "blocked" if record.blockers else (
                    "warned" if record.warnings else "clear")
                listing.row([
                    record.component_appid, record.authorizer_appid, name or "—",
                    " ".join(record.blockers) or "—", " ".join(record.warnings) or "—",
                    "—" if record.filing_status is None else str(record.filing_status),
                    _when(record.verified_until), str(record.open_violations),
                    _when(record.checked_at)], standing)
            for key, n in store.count_compliance(config_.appid).items():
                totals[key] = totals.get(key, 0) + n
        listing.close()
        reasons = ", ".join(f"{c} {totals[c]}" for c in CODES if totals.get(c))
        err.print(f"{count} mini program(s) listed; of {totals.get('records', 0)} recorded, "
                  f"{totals.get('any', 0)} blocked" + (f" ({reasons})" if reasons else ""),
                  markup=False)
        if limit is not None and count >= limit and last is not None:
            err.print(f"next page: --after {last}", markup=False)
    finally:
        for opened_store in opened:
            opened_store.close()
