"""``wxcomponent pushes``: the pushes handed on to webhooks — list, show, replay.

They live in the store's durable queue (topics ``deliver:<webhook>``), so these commands work on
any host of a fleet, with the service running or not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from ..core.outbox import deliver_topic
from ..core.outbox import job_document as _document
from ..errors import InvalidArgument
from ..service.app import open_service_store
from ..service.settings import load_settings
from ..stores.base import Job, Store
from ._common import config_option, err, out, platform_option

__all__ = ["pushes"]

_PAGE = 200
_STATES = ("all", "pending", "done", "dead")


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else "—"


def _jobs(store: Store, appid: str, topic: str | None, state: str | None) -> Iterator[Job]:
    after: int | None = None
    while True:
        page = store.list_jobs(appid, topic=topic, state=state,  # type: ignore[arg-type]
                               after=after, limit=_PAGE)
        yield from (job for job in page if job.topic.startswith("deliver:"))
        if len(page) < _PAGE:
            return
        after = page[-1].id


def _open(config: Path | None) -> tuple[Any, Store, list[Store]]:
    settings = load_settings(config)
    store, opened = open_service_store(settings)
    return settings, store, opened


def _close(opened: list[Store]) -> None:
    for store in opened:
        store.close()


@click.group()
def pushes() -> None:
    """The pushes handed on to webhooks: list them, show one, replay one."""


@pushes.command("list")
@config_option
@platform_option
@click.option("--webhook", default=None, metavar="NAME", help="only this webhook's deliveries")
@click.option("--state", type=click.Choice(_STATES), default="all", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON lines instead of a table")
def list_pushes(config: Path | None, platform: str | None, webhook: str | None, state: str,
                limit: int, as_json: bool) -> None:
    """List deliveries, oldest first: their webhook, push, state, tries and last error."""
    settings, store, opened = _open(config)
    try:
        topic = deliver_topic(webhook) if webhook else None
        table = Table(title="pushes", title_justify="left")
        for name in ("id", "webhook", "kind", "authorizer", "state", "tries", "received",
                     "last error"):
            table.add_column(name, overflow="fold")
        shown = 0
        with err.status("reading the store…"):
            platforms = [settings.platform(platform)] if platform else settings.platforms
            for config_ in platforms:
                for job in _jobs(store, config_.appid, topic,
                                 None if state == "all" else state):
                    if shown >= limit:
                        break
                    shown += 1
                    doc = _document(job)
                    row = {"id": job.id, "webhook": job.topic.partition(":")[2],
                           "kind": doc.get("kind"), "authorizer": doc.get("authorizer_appid"),
                           "state": job.state, "tries": job.attempts,
                           "received_at": doc.get("received_at"),
                           "last_error": job.last_error}
                    if as_json:
                        out.print_json(json.dumps(row), indent=None)
                        continue
                    style = {"done": "green", "dead": "red"}.get(job.state, "yellow")
                    table.add_row(str(job.id), escape(str(row["webhook"])),
                                  escape(str(row["kind"])), escape(str(row["authorizer"] or "—")),
                                  f"[{style}]{job.state}[/]", str(job.attempts),
                                  _when(doc.get("received_at")), escape(job.last_error or ""))
        if not as_json:
            out.print(table)
            err.print(f"{shown} deliveries")
    finally:
        _close(opened)


def _job(store: Store, job_id: int) -> Job:
    job = store.get_job(job_id)
    if job is None or not job.topic.startswith("deliver:"):
        raise click.ClickException(f"no push delivery {job_id}")
    return job


def _tenant(store: Store, document: dict[str, Any]) -> str | None:
    """The tenant a delivery carries: the push's own, else its account's (the forwarder adds
    it to each delivery as it sends it)."""
    tenant = document.get("tenant")
    if isinstance(tenant, str):
        return tenant
    appid, about = document.get("component_appid"), document.get("authorizer_appid")
    if not isinstance(appid, str) or not isinstance(about, str):
        return None
    try:
        record = store.get_authorizer(appid, about)
    except InvalidArgument:  # not an appid: a push of the platform itself
        return None
    return None if record is None else record.tenant


@pushes.command("show")
@config_option
@click.argument("job_id", type=click.IntRange(1))
def show_push(config: Path | None, job_id: int) -> None:
    """Show one delivery — its account and the tenant it carried — with the push as it is
    delivered (codes and tickets are masked)."""
    _, store, opened = _open(config)
    try:
        job = _job(store, job_id)
        document = _document(job)
        out.print_json(json.dumps({
            "id": job.id, "webhook": job.topic.partition(":")[2], "state": job.state,
            "account": document.get("authorizer_appid"), "tenant": _tenant(store, document),
            "tries": job.attempts, "created_at": job.created_at, "updated_at": job.updated_at,
            "next_try_at": job.available_at if job.state == "pending" else None,
            "last_error": job.last_error, "push": document}, ensure_ascii=False))
    finally:
        _close(opened)


@pushes.command("replay")
@config_option
@click.argument("job_ids", type=click.IntRange(1), nargs=-1, required=True)
def replay_push(config: Path | None, job_ids: tuple[int, ...]) -> None:
    """Deliver pushes again (dead or already delivered ones): they go back in the queue, after
    the pending pushes of the same account."""
    _, store, opened = _open(config)
    try:
        for job_id in job_ids:
            _job(store, job_id)
            if not store.requeue_job(job_id):
                raise click.ClickException(f"delivery {job_id} is pending already")
            out.print(f"delivery {job_id} queued again")
    finally:
        _close(opened)
