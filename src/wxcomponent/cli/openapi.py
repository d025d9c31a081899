"""``rid``, ``quota`` and ``callback-ips``: what WeChat knows about a failed call, a path's
daily quota, and WeChat's addresses for firewall rules.

Each prints a table, or with ``--json`` one JSON object on stdout for scripts. With
``--authorizer APPID`` the lookup is made with that account's token: a call made on an
account's behalf spends that account's quota, and its rid is that account's to read.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from ..redaction import redact_text
from ._common import config_option, err, opened_component, out, platform_option, quiet_logs

__all__ = ["callback_ips", "quota", "rid"]

_AUTHORIZER = click.option(
    "--authorizer", "authorizer_appid", default=None, metavar="APPID",
    help="look up with this authorizer's token (for calls made on its behalf)")
_JSON = click.option("--json", "as_json", is_flag=True, help="one JSON object on stdout")


def _print(data: dict[str, Any], title: str, rows: list[tuple[str, str]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    table = Table(title=escape(title), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, escape(value))  # WeChat's errmsg carries [brackets]
    out.print(table)


def _when(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds)) if seconds else "—"


@click.command()
@config_option
@platform_option
@_AUTHORIZER
@_JSON
@click.argument("rid_value", metavar="RID")
def rid(config: Path | None, platform: str | None, authorizer_appid: str | None,
        as_json: bool, rid_value: str) -> None:
    """Print what WeChat kept of a failed call, by the RID at the end of its errmsg
    (``… rid: 61725984-6126f6f9-040f19c4``). WeChat keeps rids for 7 days and shows them
    only to the account that made the call."""
    with opened_component(config, platform) as component, quiet_logs(), \
            err.status(f"asking WeChat about rid {rid_value}…"):
        info = (component.authorizer(authorizer_appid).get_rid(rid_value) if authorizer_appid
                else component.get_rid(rid_value))
    account = authorizer_appid or component.appid
    request_url = redact_text(info.request_url)
    request_body = redact_text(info.request_body)
    response_body = redact_text(info.response_body)
    data = {"rid": rid_value, "account": account, "invoke_time": info.invoke_time,
            "cost_in_ms": info.cost_in_ms, "client_ip": info.client_ip,
            "errcode": info.errcode, "errmsg": info.errmsg, "request_url": request_url,
            "request_body": request_body, "response_body": response_body}
    _print(data, f"rid {rid_value}", [
        ("account", account),
        ("called at", _when(info.invoke_time)),
        ("took", f"{info.cost_in_ms} ms"),
        ("from", info.client_ip or "—"),
        ("answer", f"{info.errcode} {info.errmsg}"),
        ("query", request_url or "—"),
        ("body", request_body or "—"),
        ("response", response_body or "—"),
    ], as_json)


@click.command()
@config_option
@platform_option
@_AUTHORIZER
@_JSON
@click.option("--clear", is_flag=True,
              help="first reset every daily quota of the account (with the app secret; "
                   "10 resets a month)")
@click.argument("cgi_path", metavar="PATH")
def quota(config: Path | None, platform: str | None, authorizer_appid: str | None,
          as_json: bool, clear: bool, cgi_path: str) -> None:
    """Print the daily quota of an API PATH (such as /cgi-bin/message/custom/send): the
    limit, what is used today and what remains."""
    with opened_component(config, platform) as component, quiet_logs(), \
            err.status(f"asking WeChat about the quota of {cgi_path}…"):
        if clear:
            component.clear_quota(authorizer_appid)
        answer = (component.authorizer(authorizer_appid).get_quota(cgi_path)
                  if authorizer_appid else component.get_quota(cgi_path))
    account = authorizer_appid or component.appid
    data = {"cgi_path": cgi_path, "account": account, "daily_limit": answer.daily_limit,
            "used": answer.used, "remain": answer.remain, "cleared": clear}
    _print(data, f"quota of {cgi_path}", [
        ("account", account),
        ("daily limit", str(answer.daily_limit)),
        ("used today", str(answer.used)),
        ("remaining", str(answer.remain)),
    ], as_json)


@click.command("callback-ips")
@config_option
@platform_option
@_JSON
def callback_ips(config: Path | None, platform: str | None, as_json: bool) -> None:
    """Print WeChat's addresses for firewall rules: where its pushes come from
    (getcallbackip) and where api.weixin.qq.com answers (get_api_domain_ip). WeChat advises
    fetching them once a day."""
    with opened_component(config, platform) as component, quiet_logs(), \
            err.status("asking WeChat for its addresses…"):
        pushes = component.callback_ips()
        apis = component.api_domain_ips()
    if as_json:
        click.echo(json.dumps({"callback_ips": list(pushes), "api_domain_ips": list(apis)}))
        return
    table = Table(title="WeChat's addresses", title_justify="left")
    table.add_column("for")
    table.add_column("address")
    for address in pushes:
        table.add_row("pushes to your callback URLs (inbound)", escape(address))
    for address in apis:
        table.add_row("api.weixin.qq.com (outbound)", escape(address))
    out.print(table)
