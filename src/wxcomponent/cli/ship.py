"""``wxcomponent ship``: release one template to many mini programs, with a progress display
and a final report; running the same command again resumes the shipment. ``--report`` shows
where one shipment stands, ``--list`` the platform's shipments, newest first."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..client import Component
from ..core.listener_events import ListenerEvent
from ..core.shipping import SHIPMENTS_MAX, ShipOptions, ShipReport
from ..service.app import open_service_store
from ..service.settings import load_settings
from ._common import config_option, err, out, platform_option, quiet_logs

__all__ = ["ship"]

_FINAL = {"released", "rejected", "failed", "blocked"}
_STYLE = {"released": "green", "rejected": "yellow", "failed": "red", "blocked": "magenta",
          "in_progress": "cyan"}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.BadParameter(f"{path} is not JSON: {exc}", param_hint=what) from None


class _Display:
    """The progress bar on stderr, fed by the shipment's listener events."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                                 TimeElapsedColumn(), console=err, disable=not enabled,
                                 transient=False)
        self.task = self.progress.add_task("shipping", total=None, counts="")
        self.counts = {"released": 0, "rejected": 0, "failed": 0, "blocked": 0,
                       "submitted": 0}
        self.final: set[str] = set()
        self.lock = threading.Lock()

    def listener(self, name: str, fields: Mapping[str, Any]) -> None:
        with self.lock:
            if name == ListenerEvent.SHIP_STARTED:
                self.progress.update(self.task, total=int(fields.get("apps", 0)))
            elif name == ListenerEvent.SHIP_APP:
                state = str(fields.get("state"))
                appid = str(fields.get("appid"))
                if state == "submitted":
                    self.counts["submitted"] += 1
                if state in _FINAL and appid not in self.final:
                    self.final.add(appid)
                    self.counts[state] += 1
                    self.progress.advance(self.task)
            else:
                return
            shown = " ".join(f"{k} {v}" for k, v in self.counts.items())
            self.progress.update(self.task, counts=shown)


def _print_report(result: ShipReport, as_json: bool) -> None:
    if as_json:
        for app in result.apps:
            out.print_json(json.dumps({"shipment": result.shipment, "appid": app.appid,
                                       "outcome": app.outcome, "stage": app.stage,
                                       "auditid": app.auditid, "errcode": app.errcode,
                                       "blocker": app.blocker or None,
                                       "reason": app.reason}, ensure_ascii=False), indent=None)
        return
    table = Table(title=f"shipment {result.shipment}", title_justify="left")
    for name in ("mini program", "outcome", "stage", "auditid", "errcode / reason"):
        table.add_column(name, overflow="fold")
    for app in result.apps:
        detail = " ".join(p for p in (str(app.errcode) if app.errcode else "", app.blocker,
                                      app.reason) if p)
        style = _STYLE[app.outcome]
        table.add_row(app.appid, f"[{style}]{app.outcome}[/]", app.stage,
                      str(app.auditid or "—"), escape(detail) or "—")
    out.print(table)


def _print_shipments(component: Component, before: int | None, limit: int,
                     as_json: bool) -> None:
    with quiet_logs():
        page = component.fleet.shipments(before=before, limit=limit)
        counts = [component.fleet.report(s.name).counts() for s in page.shipments]
    if as_json:
        for shipment, count in zip(page.shipments, counts, strict=True):
            out.print_json(json.dumps({"shipment": shipment.name, "id": shipment.id,
                                       "started_at": shipment.started_at,
                                       "template_id": shipment.template_id,
                                       "user_version": shipment.user_version,
                                       "apps": shipment.apps, **count},
                                      ensure_ascii=False), indent=None)
    else:
        table = Table(title="shipments, newest first (times in UTC)", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("shipment", overflow="fold", min_width=8)
        table.add_column("started", no_wrap=True)
        table.add_column("version", overflow="fold", min_width=7)
        for name in ("apps", "released", "rejected", "failed", "blocked", "in progress"):
            table.add_column(name, justify="right", no_wrap=True)
        for shipment, count in zip(page.shipments, counts, strict=True):
            started = datetime.datetime.fromtimestamp(shipment.started_at,
                                                      datetime.timezone.utc)
            table.add_row(escape(shipment.name), started.strftime("%Y-%m-%d %H:%M"),
                          escape(shipment.user_version or "—"), str(shipment.apps),
                          f"[green]{count['released']}[/]",
                          f"[yellow]{count['rejected']}[/]", f"[red]{count['failed']}[/]",
                          f"[magenta]{count['blocked']}[/]", str(count["in_progress"]))
        out.print(table)
    if not page.shipments:
        err.print("no shipment" + (" before that one" if before else " yet"), markup=False)
    if page.next is not None:
        err.print(f"older shipments: --list --before {page.next}", markup=False)


@click.command()
@config_option
@platform_option
@click.option("--template", "template_id", type=click.IntRange(min=0), default=None,
              metavar="ID", help="the template of the platform's library to ship")
@click.option("--ext-json", "ext_json", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path),
              default=None, metavar="FILE",
              help="ext.json of every mini program (a JSON object; $APPID$ becomes its appid)")
@click.option("--ext-json-per-app", "per_app", type=click.Path(exists=True, dir_okay=False,
                                                               path_type=Path),
              default=None, metavar="FILE",
              help="a JSON object of appid -> ext.json for mini programs that need their own")
@click.option("--version", "user_version", default=None, metavar="V",
              help="the version name (user_version, at most 64 characters)")
@click.option("--desc", "user_desc", default="", metavar="TEXT", help="the version description")
@click.option("--appid", "appids", multiple=True, metavar="APPID",
              help="a mini program to ship to (repeat the option for several)")
@click.option("--all", "everyone", is_flag=True,
              help="every stored mini program that granted code management")
@click.option("--shipment", default=None, metavar="NAME",
              help="the shipment's name (default TEMPLATE-VERSION); the same name resumes it")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True,
              help="mini programs worked on at once")
@click.option("--poll-interval", type=click.FloatRange(min=0), default=120.0,
              show_default=True, metavar="SECONDS", help="between audit-status reads")
@click.option("--privacy-interval", type=click.FloatRange(min=0), default=30.0,
              show_default=True, metavar="SECONDS", help="between privacy-check reads")
@click.option("--idle-interval", type=click.FloatRange(min=0), default=1.0,
              show_default=True, metavar="SECONDS", help="the longest wait when nothing is due")
@click.option("--lease", type=click.FloatRange(min=1), default=300.0, show_default=True,
              metavar="SECONDS", help="how long a step runs before another run may take over")
@click.option("--privacy-key", "privacy_keys", multiple=True, metavar="KEY",
              help="a privacy key the code collects (UserInfo, Location …; repeat the "
                   "option): a mini program whose privacy guide lacks it is blocked")
@click.option("--privacy-interface", "privacy_interfaces", multiple=True, metavar="API",
              help="a privacy interface the code uses (wx.getLocation …; repeat the option): "
                   "a mini program for which it is not approved is blocked")
@click.option("--no-filing-check", "no_filing_check", is_flag=True,
              help="ship to mini programs whose ICP filing is not done (outside the mainland)")
@click.option("--no-preflight", "no_preflight", is_flag=True,
              help="commit without any check first (quota, filing, privacy)")
@click.option("--report", "report_only", is_flag=True,
              help="only print where the shipment stands (nothing is run)")
@click.option("--list", "list_only", is_flag=True,
              help="list the platform's shipments, newest first, with their counts "
                   "(nothing is run)")
@click.option("--before", type=click.IntRange(min=1), default=None, metavar="ID",
              help="with --list: the shipments older than this id (the next page)")
@click.option("--limit", type=click.IntRange(1, SHIPMENTS_MAX), default=20, show_default=True,
              help="with --list: how many shipments")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON lines")
@click.pass_context
def ship(ctx: click.Context, config: Path | None, platform: str | None,
         template_id: int | None, ext_json: Path | None, per_app: Path | None,
         user_version: str | None, user_desc: str, appids: tuple[str, ...], everyone: bool,
         shipment: str | None, concurrency: int, poll_interval: float,
         privacy_interval: float, idle_interval: float, lease: float,
         privacy_keys: tuple[str, ...], privacy_interfaces: tuple[str, ...],
         no_filing_check: bool, no_preflight: bool, report_only: bool,
         list_only: bool, before: int | None, limit: int, as_json: bool) -> None:
    """Release a template to many mini programs: commit, privacy check, audit, release.

    Progress is kept in the store: when interrupted, run the same command again and it goes
    on where it stopped, never submitting an audit twice. Before its commit each mini program
    is checked (the month's audit quota, its ICP filing, with --privacy-key its privacy guide,
    with --privacy-interface its privacy interfaces); one that would fail for sure ends
    blocked, with nothing spent. Exits 0 when every mini program was
    released, 1 when some were rejected, failed or blocked. --report shows where one shipment
    stands; --list shows the platform's shipments, newest first (--before ID for older ones).
    """
    name = shipment or (f"{template_id}-{user_version}"
                        if template_id is not None and user_version else None)
    if before is not None and not list_only:
        raise click.UsageError("--before pages the list: give it with --list")
    if list_only:
        if report_only:
            raise click.UsageError("give --list or --report, not both")
    elif not report_only:
        missing = [flag for flag, value in (("--template", template_id),
                                            ("--ext-json", ext_json),
                                            ("--version", user_version)) if value is None]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)}")
        if bool(appids) == everyone:
            raise click.UsageError("give --appid (one or more) or --all")
    elif name is None:
        raise click.UsageError("--report needs --shipment (or --template and --version)")
    settings = load_settings(config)
    store, opened = open_service_store(settings)
    component = Component(settings.platform(platform), store, api_base=settings.api_base,
                          auth_base=settings.auth_base)
    try:
        if list_only:
            _print_shipments(component, before, limit, as_json)
            return
        if report_only:
            assert name is not None
            with quiet_logs():
                result = component.fleet.report(name)
        else:
            assert template_id is not None and ext_json is not None and user_version
            shared = _read_json(ext_json, "--ext-json")
            overrides = _read_json(per_app, "--ext-json-per-app") if per_app else None
            if overrides is not None and not isinstance(overrides, dict):
                raise click.BadParameter("must hold a JSON object of appid -> ext.json",
                                         param_hint="--ext-json-per-app")
            options = ShipOptions(concurrency=concurrency, lease=lease,
                                  privacy_interval=privacy_interval,
                                  poll_interval=poll_interval, idle_interval=idle_interval,
                                  preflight=not no_preflight,
                                  require_filing=not no_filing_check,
                                  privacy_keys=privacy_keys,
                                  privacy_interfaces=privacy_interfaces)
            display = _Display(enabled=not as_json)
            component.add_listener(display.listener)
            with quiet_logs(), display.progress:
                result = component.fleet.ship(
                    template_id, shared if isinstance(shared, dict) else json.dumps(shared),
                    user_version, user_desc, appids=list(appids) if appids else None,
                    shipment=name, ext_json_for=overrides, options=options)
        _print_report(result, as_json)
        counts = result.counts()
        err.print(" ".join(f"{k} {v}" for k, v in counts.items()), markup=False)
        groups = result.blockers()
        if groups:
            err.print("blocked: " + ", ".join(f"{n} {code}" for code, n in groups.items()),
                      markup=False)
        if counts["rejected"] or counts["failed"] or counts["blocked"] or counts["in_progress"]:
            ctx.exit(1)
    finally:
        component.close()
        for opened_store in opened:
            opened_store.close()
