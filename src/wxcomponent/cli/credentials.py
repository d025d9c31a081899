"""Moving credentials: ``authorizers export`` / ``authorizers import`` and ``migrate``.

* ``wxcomponent authorizers export`` writes every authorizer of a platform as JSON lines
  (appid, refresh token, status, permission sets, tenant, name, times): a file to keep as
  secret as the store itself (it is created readable by its owner only).
* ``wxcomponent authorizers import`` reads such lines (or lines another SDK's data was turned
  into) and adds each account, every field kept: an authorized one only once WeChat accepted
  its refresh token (``add_authorizer``; without a verify ticket it stops and says so, and
  ``--no-check`` stores the lines unchecked). A malformed line is reported with its number and
  skipped; a refresh token WeChat rejects (61023) is reported and not stored; every other
  line goes on.
* ``wxcomponent migrate --from URL --to URL`` copies every platform's ticket, authorizers and
  jobs in every state (deliveries pending, done and dead, code exchanges, shipments and their
  reports, spent authorization links) from one store to another, each job with its id, and
  carries the store's id sequence forward, so no delivery id comes back on the target. It is
  idempotent (run it again, it copies again and keeps what the target has that is newer) and
  so resumable, and it ends by checking that the target holds every record of the source.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import click
from rich.table import Table

from ..client import Component
from ..core.release_accounts import is_release_check_account
from ..errors import (
    APIError,
    RefreshTokenInvalid,
    TicketInvalid,
    TicketNotFound,
    TransportError,
    WxComponentError,
)
from ..service.app import open_service_store
from ..service.settings import load_settings
from ..stores import _validate as valid
from ..stores import open_store
from ..stores.base import AccountType, AuthorizerRecord, AuthorizerStatus, Store
from ._common import config_option, err, out, platform_option, quiet_logs

__all__ = ["ImportLine", "LineError", "export_authorizers", "import_authorizers", "migrate",
           "parse_authorizer_line"]

_PAGE = 200
_STATUSES: dict[str, AuthorizerStatus | None] = {
    "all": None, "authorized": "authorized", "revoked": "revoked"}


# --------------------------------------------------------------------------- the line format


@dataclass(frozen=True)
class ImportLine:
    """One account to import: its appid, refresh token, status, permission sets, tenant,
    name, account type, and the times of its record (None: not given), ``auth_event_at``
    among them (WeChat's ``CreateTime`` of the latest authorization change applied)."""

    authorizer_appid: str
    refresh_token: str
    status: AuthorizerStatus = "authorized"
    func_info: tuple[int, ...] | None = None
    tenant: str | None = None
    component_appid: str | None = None
    name: str | None = None
    authorized_at: float | None = None
    updated_at: float | None = None
    revoked_at: float | None = None
    account_type: AccountType | None = None
    auth_event_at: int = 0

    def __repr__(self) -> str:
        return (f"ImportLine({self.authorizer_appid!r}, status={self.status!r}, "
                f"func_info={self.func_info!r}, tenant={self.tenant!r}, name={self.name!r}, "
                f"authorized_at={self.authorized_at}, updated_at={self.updated_at}, "
                f"revoked_at={self.revoked_at}, account_type={self.account_type!r}, "
                f"auth_event_at={self.auth_event_at})")


class LineError(ValueError):
    """Why a line cannot be imported (never quoting its refresh token)."""


def parse_authorizer_line(text: str) -> ImportLine | None:
    """One JSON line of an export (or of a hand-made file) as an :class:`ImportLine`; None for
    a blank line. Anything else raises :class:`LineError` saying what is wrong.

    Accepted keys: ``authorizer_appid`` (or ``appid``) and ``refresh_token`` (required),
    ``status`` (``authorized`` or ``revoked``), ``func_info`` (or ``funcs``: permission set
    ids), ``tenant``, ``name``, ``component_appid``, and the record's times
    ``authorized_at``, ``updated_at``, ``revoked_at`` (epoch seconds), ``account_type``
    (``official_account`` or ``mini_program``) and ``auth_event_at`` (the ``CreateTime`` of
    the latest authorization change applied, whole epoch seconds).
    """
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise LineError("not a JSON object") from None
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    try:
        appid = valid.check_appid("authorizer_appid",
                                  data.get("authorizer_appid", data.get("appid")))
        valid.check_secret("refresh_token", data.get("refresh_token"))
        component = data.get("component_appid")
        if component is not None:
            valid.check_appid("component_appid", component)
        tenant = valid.check_tenant(data.get("tenant"))
        name = valid.check_account_name(data.get("name"))
        kind = data.get("account_type")
        valid.check_account_type(kind)
    except WxComponentError as exc:
        raise LineError(str(exc)) from None
    times = {key: _time(data, key) for key in ("authorized_at", "updated_at", "revoked_at")}
    event_at = data.get("auth_event_at", 0)
    if event_at is None:
        event_at = 0
    if type(event_at) is not int or not 0 <= event_at < 2**62:
        raise LineError("auth_event_at: must be a time in whole epoch seconds")
    status = data.get("status", "authorized")
    if status not in ("authorized", "revoked"):
        raise LineError("status: must be 'authorized' or 'revoked'")
    funcs = data.get("func_info", data.get("funcs"))
    if funcs is not None and (not isinstance(funcs, list) or any(
            type(i) is not int or i < 0 for i in funcs)):
        raise LineError("func_info: must be a list of permission set ids (ints)")
    return ImportLine(
        authorizer_appid=appid, refresh_token=data["refresh_token"], status=status,
        func_info=None if funcs is None else tuple(funcs), tenant=tenant,
        component_appid=component, name=name, account_type=kind, auth_event_at=event_at,
        **times,
    )  # fmt: skip


def _time(data: dict[str, object], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(key)
        seconds = float(value)
    except (ValueError, OverflowError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise LineError(f"{key}: must be a time in epoch seconds")
    return seconds


def export_line(record: AuthorizerRecord) -> str:
    """The JSON line of a record (what :func:`parse_authorizer_line` reads back)."""
    return json.dumps({
        "component_appid": record.component_appid,
        "authorizer_appid": record.authorizer_appid,
        "refresh_token": record.refresh_token,
        "status": record.status,
        "func_info": list(record.func_info),
        "tenant": record.tenant,
        "name": record.name,
        "authorized_at": record.authorized_at,
        "updated_at": record.updated_at,
        "revoked_at": record.revoked_at,
        "account_type": record.account_type,
        "auth_event_at": record.auth_event_at,
    }, ensure_ascii=False, separators=(",", ":"))


def records(store: Store, appid: str, status: AuthorizerStatus | None = None
            ) -> Iterator[AuthorizerRecord]:
    """Every record of a platform, a page at a time."""
    after: str | None = None
    while True:
        page = store.list_authorizers(appid, status=status, after=after, limit=_PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].authorizer_appid


def _secret_file(path: Path) -> IO[str]:
    """``path`` opened for writing, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


# --------------------------------------------------------------------------- export


@click.command("export")
@config_option
@platform_option
@click.option("--status", type=click.Choice(list(_STATUSES)), default="all", show_default=True,
              help="which records to write")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (created readable by its owner only; default: stdout)")
def export_authorizers(config: Path | None, platform: str | None, status: str,
                       output: Path | None) -> None:
    """Write the platform's authorizers as JSON lines, refresh tokens included: keep what it
    writes as secret as the store."""
    settings = load_settings(config)
    store, opened = open_service_store(settings)
    configs = [settings.platform(platform)] if platform else list(settings.platforms)
    sink = _secret_file(output) if output is not None else sys.stdout
    count = 0
    try:
        for config_ in configs:
            for record in records(store, config_.appid, _STATUSES[status]):
                sink.write(export_line(record) + "\n")
                count += 1
        sink.flush()
    finally:
        if output is not None:
            sink.close()
        for each in opened:
            each.close()
    err.print(f"{count} authorizer(s) exported; the output holds refresh tokens: keep it "
              "secret", markup=False)


# --------------------------------------------------------------------------- import


@click.command("import")
@config_option
@platform_option
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                default=Path("-"))
@click.option("--no-check", is_flag=True,
              help="store refresh tokens without asking WeChat first (offline moves only)")
def import_authorizers(config: Path | None, platform: str | None, source: Path,
                       no_check: bool) -> None:
    """Add authorizers from JSON lines (a file, or - for stdin): one account per line, each
    checked with WeChat unless --no-check. Bad lines are reported and skipped."""
    settings = load_settings(config)
    config_ = settings.platform(platform)
    store, opened = open_service_store(settings)
    component = Component(config_, store, api_base=settings.api_base,
                          auth_base=settings.auth_base)
    stream = sys.stdin if str(source) == "-" else source.open(encoding="utf-8")
    imported = skipped = 0
    try:
        if not no_check and store.load_ticket(config_.appid) is None:
            raise _NoTicket(config_.appid)
        with quiet_logs():
            for number, text in enumerate(stream, start=1):
                problem = _import_one(component, store, config_.appid, text, check=not no_check)
                if problem is None:
                    imported += text.strip() != ""
                else:
                    skipped += 1
                    err.print(f"line {number}: {problem}", markup=False)
    finally:
        if stream is not sys.stdin:
            stream.close()
        component.close()
        for each in opened:
            each.close()
    err.print(f"{imported} authorizer(s) imported, {skipped} line(s) skipped", markup=False)
    if skipped:
        raise click.exceptions.Exit(1)


def _import_one(component: Component, store: Store, appid: str, text: str, *,
                check: bool) -> str | None:
    """Import one line; what went wrong, or None."""
    try:
        line = parse_authorizer_line(text)
    except LineError as exc:
        return str(exc)
    if line is None:
        return None
    if line.component_appid not in (None, appid):
        return f"belongs to platform {line.component_appid}, not {appid}"
    if is_release_check_account(line.authorizer_appid):
        return (f"{line.authorizer_appid} is a test account of WeChat's release check, not a "
                "merchant; not stored")
    if line.status == "authorized" and check:
        try:
            checked = component.add_authorizer(line.authorizer_appid, line.refresh_token,
                                               func_info=line.func_info, tenant=line.tenant)
        except RefreshTokenInvalid:
            return (f"WeChat rejected the refresh token of {line.authorizer_appid} (61023); "
                    "not stored")
        except (TicketNotFound, TicketInvalid):
            raise _NoTicket(appid) from None
        except (APIError, TransportError) as exc:
            return f"{line.authorizer_appid} could not be checked with WeChat: {exc}"
        # the line's name and times; a refresh token WeChat rotated makes the record newer
        store.save_authorizer(replace(
            checked, name=line.name, account_type=line.account_type,
            auth_event_at=line.auth_event_at,
            authorized_at=_given(line.authorized_at, checked.authorized_at),
            updated_at=(_given(line.updated_at, checked.updated_at)
                        if checked.refresh_token == line.refresh_token
                        else checked.updated_at)))
        return None
    now = time.time()
    existing = store.get_authorizer(appid, line.authorizer_appid)
    revoked = line.status == "revoked"
    store.save_authorizer(AuthorizerRecord(
        component_appid=appid, authorizer_appid=line.authorizer_appid,
        refresh_token=line.refresh_token, status=line.status,
        func_info=line.func_info if line.func_info is not None else (
            existing.func_info if existing else ()),
        authorized_at=_given(line.authorized_at, existing.authorized_at if existing else now),
        updated_at=_given(line.updated_at, now),
        revoked_at=_given(line.revoked_at, now) if revoked else None, tenant=line.tenant,
        name=line.name, account_type=line.account_type, auth_event_at=line.auth_event_at,
    ))  # fmt: skip
    return None


def _given(value: float | None, otherwise: float) -> float:
    return otherwise if value is None else value


class _NoTicket(click.ClickException):
    """No usable verify ticket: refresh tokens cannot be checked with WeChat."""

    def __init__(self, appid: str) -> None:
        super().__init__(
            f"platform {appid} has no usable verify ticket yet (WeChat pushes one every 10 "
            "minutes to a running service), so refresh tokens cannot be checked with WeChat: "
            "import again once it has one, or with --no-check to store them unchecked")


# --------------------------------------------------------------------------- migrate


@dataclass
class _Moved:
    ticket: bool = False
    copied: int = 0
    newer_kept: int = 0
    jobs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("pending", "done", "dead"), 0))
    renumbered: int = 0
    last_id: int = 0
    missing: int = 0
    compliance: int = 0


def _copy_compliance(source: Store, target: Store, appid: str, moved: _Moved) -> None:
    """Every compliance record of the platform, unless the target holds a later one (so the
    board is whole at once, not rebuilt by the periodic check at a few accounts a round)."""
    after: str | None = None
    while True:
        page = source.list_compliance(appid, after=after, limit=_PAGE)
        for record in page:
            there = target.get_compliance(appid, record.authorizer_appid)
            if there is None or there.updated_at <= record.updated_at:
                target.save_compliance(record)
            moved.compliance += 1
        if len(page) < _PAGE:
            return
        after = page[-1].authorizer_appid


def _copy_jobs(source: Store, target: Store, appid: str, moved: _Moved) -> dict[int, int]:
    """Every job of the platform, in every state, in id order: each keeps its id unless the
    target gave that id to another job; from then on the platform's jobs take fresh ids, so
    their order holds. Returns where each source job went (source id -> target id)."""
    where: dict[int, int] = {}
    renumber = False
    after: int | None = None
    while True:
        jobs = source.list_jobs(appid, after=after, limit=_PAGE)
        for job in jobs:
            stored = target.restore_job(job, renumber=renumber)
            if stored is None:
                renumber = True
            if renumber and stored is None:
                # a key finds the job again on the next run, whatever id it gets here
                keyed = job if job.key is not None else replace(job, key=f"migrated:{job.id}")
                stored = target.restore_job(keyed, renumber=True)
            if stored is None:
                continue
            moved.renumbered += stored != job.id
            moved.jobs[job.state] += 1
            where[job.id] = stored
        if len(jobs) < _PAGE:
            return where
        after = jobs[-1].id


def _copy_platform(source: Store, target: Store, appid: str) -> _Moved:
    moved = _Moved()
    ticket = source.load_ticket(appid)
    if ticket is not None:
        target.save_ticket(appid, ticket.value, ticket.created_at)
        moved.ticket = True
    for record in records(source, appid):
        there = target.get_authorizer(appid, record.authorizer_appid)
        if (there is not None and there.updated_at > record.updated_at
                and there.refresh_token != record.refresh_token):
            moved.newer_kept += 1  # the target moved on (a rotation after a first run)
            continue
        if not target.save_authorizer(record):
            moved.newer_kept += 1  # the target holds a later authorization change
            continue
        moved.copied += 1
    _copy_compliance(source, target, appid, moved)
    # every id the source gave (delivery ids among them) stays behind the target's next one
    moved.last_id = target.reserve_job_ids(source.reserve_job_ids(0))
    where = _copy_jobs(source, target, appid, moved)
    for record in records(source, appid):
        if target.get_authorizer(appid, record.authorizer_appid) is None:
            moved.missing += 1
    if target.count_compliance(appid).get("records", 0) < moved.compliance:
        moved.missing += 1
    after: int | None = None
    while True:
        jobs = source.list_jobs(appid, after=after, limit=_PAGE)
        for job in jobs:
            held = target.get_job(where[job.id]) if job.id in where else None
            if held is None or (held.component_appid, held.topic) != (appid, job.topic):
                moved.missing += 1
        if len(jobs) < _PAGE:
            return moved
        after = jobs[-1].id


def _platforms(config: Path | None, named: tuple[str, ...]) -> list[str]:
    if named:
        for appid in named:
            valid.check_appid("platform", appid)
        return list(dict.fromkeys(named))
    if config is None and "WXCOMPONENT_CONFIG" not in os.environ:
        raise click.UsageError("name the platforms to move with --platform APPID (repeatable) "
                               "or a configuration (-c FILE)")
    return [p.appid for p in load_settings(config).platforms]


def _open(url: str, durable_url: str | None, option: str) -> tuple[Store, list[Store]]:
    """The store of ``url`` (with the durable store of ``durable_url`` beside it, for Redis)
    and every store opened for it, to close at the end."""
    if durable_url is None:
        store = open_store(url)
        return store, [store]
    if not url.lower().startswith(("redis://", "rediss://", "redis+cluster://",
                                   "rediss+cluster://")):
        raise click.UsageError(f"{option} names the durable store beside a Redis store; "
                               "the store it goes with is not Redis")
    from ..stores import RedisStore

    durable = open_store(durable_url)
    try:
        return RedisStore(url, durable=durable), [durable]
    except BaseException:
        durable.close()
        raise


@click.command()
@click.option("--from", "source_url", required=True, metavar="URL",
              help="the store to copy from (sqlite:///…, redis://…, postgresql://…)")
@click.option("--to", "target_url", required=True, metavar="URL", help="the store to copy to")
@click.option("--from-durable", "source_durable", default=None, metavar="URL",
              help="the durable store beside a Redis --from (the durable_store setting)")
@click.option("--to-durable", "target_durable", default=None, metavar="URL",
              help="the durable store beside a Redis --to")
@click.option("--platform", "platforms", multiple=True, metavar="APPID",
              help="a component appid to move (repeatable; default: the configured ones)")
@config_option
def migrate(source_url: str, target_url: str, source_durable: str | None,
            target_durable: str | None, platforms: tuple[str, ...],
            config: Path | None) -> None:
    """Copy tickets, authorizers, the compliance board's records and every job (pending, done
    and dead deliveries, code exchanges, shipments and their reports, spent authorization
    links) from one store to another, with the job ids, then check that the target holds
    every record of the source. Safe to run again (it resumes)."""
    if (source_url, source_durable) == (target_url, target_durable) or (
            source_durable is not None and source_durable == target_durable):
        raise click.UsageError("--from and --to name the same store")
    appids = _platforms(config, platforms)
    source, source_opened = _open(source_url, source_durable, "--from-durable")
    try:
        target, target_opened = _open(target_url, target_durable, "--to-durable")
    except BaseException:
        for each in source_opened:
            each.close()
        raise
    table = Table(title="migrated", title_justify="left")
    for name in ("platform", "ticket", "authorizers copied", "newer kept", "compliance", "jobs",
                 "renumbered", "ids above", "source", "target", "check"):
        table.add_column(name)
    failed = False
    try:
        for appid in appids:
            with err.status(f"copying {appid}…"):
                moved = _copy_platform(source, target, appid)
                counts = (source.count_authorizers(appid), target.count_authorizers(appid))
            ok = moved.missing == 0 and counts[1] >= counts[0]
            failed = failed or not ok
            jobs = ", ".join(f"{n} {state}" for state, n in moved.jobs.items())
            table.add_row(appid, "yes" if moved.ticket else "—", str(moved.copied),
                          str(moved.newer_kept), str(moved.compliance), jobs,
                          str(moved.renumbered),
                          str(moved.last_id), str(counts[0]), str(counts[1]),
                          "ok" if ok else f"{moved.missing} missing")
    finally:
        for each in (*source_opened, *target_opened):
            each.close()
    out.print(table)
    if failed:
        err.print("the target does not hold every record of the source: run again",
                  markup=False)
        raise click.exceptions.Exit(1)
