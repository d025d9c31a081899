"""``wxcomponent release-check``: run WeChat's release check (全网发布) from a running emulator
against a running service, and print each case's result."""

from __future__ import annotations

from typing import Any

import click
import httpx
from rich.markup import escape
from rich.table import Table

from ..emulator.app import CONTROL_PREFIX
from ._common import out

__all__ = ["release_check"]


def _control(http: httpx.Client, base: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        answer = http.post(f"{base.rstrip('/')}{CONTROL_PREFIX}{name}", json=body)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the emulator at {base} cannot be reached "
                                   f"({type(exc).__name__})") from None
    try:
        data = answer.json()
    except ValueError:
        data = None
    if answer.status_code != 200 or not isinstance(data, dict):
        reason = data.get("error") if isinstance(data, dict) else answer.text[:120]
        raise click.ClickException(f"the emulator refused {name}: {reason}")
    return data


@click.command("release-check")
@click.option("--emulator", "emulator_url", required=True, metavar="URL",
              help="the running emulator (wxcomponent emulator)")
@click.option("--platform", "platform", required=True, metavar="APPID",
              help="component appid of the platform to check")
@click.option("--message-url", default=None, metavar="URL",
              help="the platform's message URL, with $APPID$ (default: as configured in the "
                   "emulator)")
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="seconds to wait for the customer-service message of the code case")
def release_check(emulator_url: str, platform: str, message_url: str | None,
                  timeout: float) -> None:
    """Push every case of WeChat's release check, as both test accounts, to the platform's
    message URL, and check each answer. Exits 0 only when every case passed."""
    with httpx.Client(timeout=timeout + 30.0, trust_env=False) as http:
        if message_url:
            _control(http, emulator_url, "configure",
                     {"component_appid": platform, "message_url": message_url})
        report = _control(http, emulator_url, "release_check",
                          {"component_appid": platform, "timeout": timeout})
    table = Table(title=f"Release check of {escape(platform)}", title_justify="left")
    for column in ("account", "case", "result"):
        table.add_column(column)
    for case in report.get("cases", []):
        verdict = "[green]passed[/]" if case.get("passed") else \
            f"[red]failed[/]: {escape(str(case.get('detail', '')))}"
        table.add_row(escape(str(case.get("account"))), escape(str(case.get("case"))), verdict)
    out.print(table)
    if not report.get("passed"):
        raise click.ClickException("the release check failed")
    out.print("[green]every case passed[/]")
