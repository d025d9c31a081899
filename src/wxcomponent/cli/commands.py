"""``serve``, ``emulator``, ``authorizers`` and ``token``."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import click
from rich.cells import cell_len, set_cell_size

from ..config import ComponentConfig
from ..redaction import redact_text
from ..service.app import Service, open_service_store
from ..service.links import validate_tenant
from ..service.server import bind_listeners
from ..service.server import serve as serve_forever
from ..service.settings import LOG_LEVELS, ServiceSettings, load_settings
from ..stores.base import AuthorizerRecord, AuthorizerStatus, Store, name_key
from ._common import config_option, err, opened_component, out, platform_option, quiet_logs

__all__ = ["authorizers", "emulator", "serve", "token"]


@click.command()
@config_option
@click.option("--host", default=None, help="address of the public listener (overrides the "
                                            "settings)")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="port of the public listener (overrides the settings)")
@click.option("--admin-host", default=None,
              help="address of the admin listener (overrides the settings)")
@click.option("--admin-port", type=click.IntRange(0, 65535), default=None,
              help="port of the admin listener (overrides the settings)")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default=None,
              help="log level (overrides the settings)")
def serve(config: Path | None, host: str | None, port: int | None, admin_host: str | None,
          admin_port: int | None, log_level: str | None) -> None:
    """Run the service: callback URLs and authorization pages on the public listener; token
    API, authorization links, health and metrics on the admin listener.

    Stops gracefully on SIGTERM or Ctrl-C.
    """
    settings = load_settings(config, host=host, port=port, admin_host=admin_host,
                             admin_port=admin_port, log_level=log_level)
    with err.status("opening the store…"):
        service = Service(settings)
        service.check_store()
    sock, admin_sock = bind_listeners(settings.host, settings.port, settings.admin_host,
                                      settings.admin_port)
    listening = _listener_url(settings.host, sock)
    admin = _listener_url(settings.admin_host, admin_sock)
    base = settings.public_url or listening
    err.print(f"[bold]wxcomponent service[/] public {listening}, admin {admin} "
              f"(store {redact_text(settings.store)}, API {settings.api_base})", markup=True)
    for appid in service.platforms:
        pad = " " * len(appid)
        err.print(f"  {appid}  authorization events  {base}/{appid}/events\n"
                  f"  {pad}  messages              {base}/{appid}/messages/$APPID$\n"
                  f"  {pad}  authorization links   POST {admin}/api/{appid}/links",
                  markup=False, highlight=False)
    if settings.public_url is None:
        err.print("  authorization pages off (no public_url configured)", markup=False)
    if settings.api_key is None:
        err.print("  admin API off (no api_key configured)", markup=False)
    code = serve_forever(settings, service=service, sock=sock, admin_sock=admin_sock)
    if code:
        raise click.ClickException("the service did not start (see the log above)")


def _listener_url(host: str, sock: socket.socket) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{sock.getsockname()[1]}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True,
              help="port (0 picks a free one)")
@click.option("--ticket-interval", type=click.FloatRange(min=0), default=600.0,
              show_default=True, metavar="SECONDS",
              help="seconds between ticket pushes (0: no automatic pushes)")
@click.option("--auth-event-url", default=None, help="the platform's authorization-event URL")
@click.option("--message-url", default=None, help="the platform's message URL ($APPID$ ok)")
@click.pass_context
def emulator(ctx: click.Context, host: str, port: int, ticket_interval: float,
             auth_event_url: str | None, message_url: str | None) -> None:
    """Run an emulator of WeChat's API and pushes (offline development and tests)."""
    from ..emulator.__main__ import main as run_emulator

    argv = ["--host", host, "--port", str(port), "--ticket-interval", str(ticket_interval),
            "--log-level", "warning"]
    if auth_event_url:
        argv += ["--auth-event-url", auth_event_url]
    if message_url:
        argv += ["--message-url", message_url]
    ctx.exit(run_emulator(argv))


def _platforms(settings: ServiceSettings, platform: str | None) -> list[ComponentConfig]:
    return [settings.platform(platform)] if platform else list(settings.platforms)


_STATUSES: dict[str, AuthorizerStatus | None] = {
    "all": None, "authorized": "authorized", "revoked": "revoked"}


def _records(store: Store, appid: str, status: AuthorizerStatus | None
             ) -> Iterator[AuthorizerRecord]:
    after: str | None = None
    while True:
        page = store.list_authorizers(appid, status=status, after=after, limit=200)
        yield from page
        if len(page) < 200:
            return
        after = page[-1].authorizer_appid


def _when(seconds: float | None) -> str:
    if not seconds:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


_COLUMNS = (("platform", 18), ("authorizer appid", 18), ("name", 24), ("type", 16),
            ("tenant", 16), ("status", 10), ("permission sets", 20), ("authorized", 19),
            ("updated", 19), ("revoked", 19))
_STATUS = [name for name, _ in _COLUMNS].index("status")
_STATUS_COLOURS = {"authorized": "green", "revoked": "red"}
_TYPES = {"official_account": "official account", "mini_program": "mini program"}


def _fit(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal cells (CJK characters take two)."""
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class _Listing:
    """A table written a row at a time, as the records come: 100,000 of them cost no more
    memory than one, and the first show at once. Columns have fixed widths; the cell of
    column ``coloured`` takes the colour ``colours`` gives its value."""

    def __init__(self, colour: bool, *, title: str = "authorizers",
                 columns: tuple[tuple[str, int], ...] = _COLUMNS, coloured: int = _STATUS,
                 colours: dict[str, str] | None = None) -> None:
        self._colour = colour
        self._open = False
        self._title = title
        self._columns = columns
        self._coloured = coloured
        self._colours = _STATUS_COLOURS if colours is None else colours

    def _rule(self, left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (w + 2) for _, w in self._columns) + right

    def _line(self, cells: list[str], status: str | None = None) -> str:
        shown = [_fit(cell, width)
                 for cell, (_, width) in zip(cells, self._columns, strict=True)]
        if status is not None and self._colour:
            shown[self._coloured] = click.style(shown[self._coloured],
                                                fg=self._colours.get(status))
        return "│ " + " │ ".join(shown) + " │"

    def row(self, cells: list[str], status: str) -> None:
        if not self._open:
            self._open = True
            click.echo(self._title)
            click.echo(self._rule("┌", "┬", "┐"))
            click.echo(self._line([name for name, _ in self._columns]))
            click.echo(self._rule("├", "┼", "┤"))
        click.echo(self._line(cells, status), color=self._colour)

    def close(self) -> None:
        if self._open:
            click.echo(self._rule("└", "┴", "┘"))


@click.group(invoke_without_command=True)
@config_option
@platform_option
@click.option("--status", type=click.Choice(["all", "authorized", "revoked"]), default="all",
              show_default=True, help="which records to list")
@click.option("--name", "name_prefix", default=None, metavar="TEXT",
              help="only the accounts whose name starts with TEXT (any case)")
@click.option("--tenant", default=None, metavar="TEXT",
              help="only the accounts of this tenant (as the authorization link named it)")
@click.option("--json", "as_json", is_flag=True, help="print JSON lines instead of a table")
@click.pass_context
def authorizers(ctx: click.Context, config: Path | None, platform: str | None, status: str,
                name_prefix: str | None, tenant: str | None, as_json: bool) -> None:
    """List the authorizers kept in the store, with their name, account type, tenant and
    status; export and import them."""
    if ctx.invoked_subcommand is not None:
        return
    if tenant is not None:
        validate_tenant(tenant)
    settings = load_settings(config)
    store, opened = open_service_store(settings)
    try:
        count = 0
        listing = _Listing(colour=out.is_terminal)
        for config_ in _platforms(settings, platform):
            records = (_named(store, config_.appid, name_prefix, _STATUSES[status])
                       if name_prefix is not None
                       else _records(store, config_.appid, _STATUSES[status]))
            for record in records:
                if tenant is not None and record.tenant != tenant:
                    continue
                count += 1
                if as_json:
                    click.echo(json.dumps({
                        "platform": record.component_appid,
                        "authorizer_appid": record.authorizer_appid, "name": record.name,
                        "account_type": record.account_type, "tenant": record.tenant,
                        "status": record.status, "func_info": list(record.func_info),
                        "authorized_at": record.authorized_at,
                        "updated_at": record.updated_at, "revoked_at": record.revoked_at,
                        "refresh_at": record.refresh_at or None,
                    }, ensure_ascii=False))
                    continue
                listing.row([record.component_appid, record.authorizer_appid,
                             record.name or "—", _TYPES.get(record.account_type or "", "—"),
                             record.tenant or "—", record.status,
                             " ".join(str(i) for i in record.func_info) or "—",
                             _when(record.authorized_at), _when(record.updated_at),
                             _when(record.revoked_at)], record.status)
        listing.close()
        err.print(f"{count} authorizer(s)", markup=False)
    finally:
        for opened_store in opened:
            opened_store.close()


def _named(store: Store, appid: str, prefix: str, status: AuthorizerStatus | None
           ) -> Iterator[AuthorizerRecord]:
    after: tuple[str, str] | None = None
    while True:
        page = store.search_authorizers(appid, prefix, after=after, limit=200)
        yield from (r for r in page if status is None or r.status == status)
        if len(page) < 200:
            return
        last = page[-1]
        after = (name_key(last.name or ""), last.authorizer_appid)


@click.command()
@config_option
@platform_option
@click.option("--authorizer", "authorizer_appid", default=None, metavar="APPID",
              help="an authorizer's access token instead of the component token")
@click.option("--stale", default=None, metavar="TOKEN",
              help="compare-and-refresh: a token that WeChat refused (renewed only if it is "
                   "still the stored one)")
def token(config: Path | None, platform: str | None, authorizer_appid: str | None,
          stale: str | None) -> None:
    """Print an access token (only the token on stdout, for scripts)."""
    with opened_component(config, platform) as component:
        what = f"the access token of {authorizer_appid}" if authorizer_appid \
            else "the component access token"
        with quiet_logs(), err.status(f"getting {what}…"):
            if authorizer_appid:
                client = component.authorizer(authorizer_appid)
                value = client.refresh_access_token(stale) if stale else client.access_token()
            else:
                value = (component.refresh_access_token(stale) if stale
                         else component.access_token())
        click.echo(value)
