"""``wxcomponent demo``: the whole life of a platform, offline, in a few seconds.

The emulator of WeChat and the service run on loopback ports with a temporary SQLite store;
each step acts like WeChat, a merchant or a backend would, then checks its outcome. A second
"worker" (a :class:`~wxcomponent.Component` in this process over the same SQLite file) stands
for the other processes of a fleet.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import secrets
import socket
import string
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import click
import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..client import Component
from ..emulator import DEFAULT_PLATFORM, EmulatorServer
from ..service.server import ServiceServer
from ..service.settings import ServiceSettings, settings_from_mapping
from ..stores import SQLiteStore
from ._common import describe, out, quiet_logs

__all__ = ["Demo", "demo"]

APPID = DEFAULT_PLATFORM.appid
AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token"
COMPONENT_TOKEN = "/cgi-bin/component/api_component_token"
QUERY_AUTH = "/cgi-bin/component/api_query_auth"
ON_BEHALF = "/cgi-bin/get_api_domain_ip"


class StepFailed(Exception):
    """A step's outcome was not the expected one."""


def check(condition: object, message: str) -> None:
    """Fail the step with ``message`` unless ``condition`` holds."""
    if not condition:
        raise StepFailed(message)


def new_aes_key() -> str:
    """A random EncodingAESKey (43 letters and digits, as WeChat's console makes them)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(43))


class _Form(HTMLParser):
    """The first form of a page: its action and the fields a browser would post."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = found.get("action", "")
        elif tag == "input" and "name" in found:
            kind = found.get("type", "text")
            if kind != "radio" or "checked" in found:
                self.fields[found["name"]] = found.get("value", "")


@dataclass
class Demo:
    """The running emulator and service, and what the steps learned."""

    emu: EmulatorServer
    server: ServiceServer
    store: SQLiteStore
    worker: Component
    api_key: str
    http: httpx.Client
    authorizer_appid: str = ""

    @property
    def base(self) -> str:
        """The service's URL."""
        return self.server.url

    def api(self, path: str, *, authorized: bool = True) -> httpx.Response:
        """GET from the admin API (with the bearer key unless ``authorized`` is false)."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if authorized else {}
        return self.http.get(f"{self.server.admin_url}/api/{APPID}{path}", headers=headers)

    def token_of(self, authorizer: str) -> str:
        """The authorizer's current token through the token API."""
        answer = self.api(f"/authorizers/{authorizer}/token")
        check(answer.status_code == 200, f"token API answered {answer.status_code}: "
                                         f"{answer.text[:120]}")
        value: str = answer.json()["access_token"]
        return value

    def calls(self, path: str) -> int:
        """Requests the emulator received on ``path``."""
        return int(self.emu.calls(path))

    def push_ticket(self) -> str:
        """Push a new ticket; check it was delivered and stored; return it."""
        delivery = self.emu.push_ticket(APPID)
        check(delivery.ok, f"the ticket push failed: {delivery.error}")
        stored = self.store.load_ticket(APPID)
        ticket: str | None = self.emu.latest_ticket(APPID)
        check(stored is not None and stored.value == ticket, "the pushed ticket is not stored")
        assert ticket is not None
        return ticket


# --------------------------------------------------------------------------- the steps


#: How long the first step waits for the ticket the service asks for when it starts.
TICKET_WAIT = 15.0


def _step_ticket(d: Demo) -> str:
    # The service starts without a ticket: its refresher asks WeChat to push one
    # (api_start_push_ticket), which arrives at the authorization-event URL.
    deadline = time.monotonic() + TICKET_WAIT
    while True:
        stored = d.store.load_ticket(APPID)
        latest = d.emu.latest_ticket(APPID)
        if stored is not None and stored.value == latest:
            break
        check(time.monotonic() < deadline, "the service did not get a ticket by asking WeChat "
                                           "for one (api_start_push_ticket)")
        time.sleep(0.05)
    check(d.calls("/cgi-bin/component/api_start_push_ticket") >= 1,
          "the ticket came without the service asking for it")
    d.push_ticket()
    return (f"asked for by the service at start, then pushed again: delivered to "
            f"{d.base}/{APPID}/events, answered success, stored in SQLite")


def _step_component_token(d: Demo) -> str:
    refused = d.api("/component_token", authorized=False)
    check(refused.status_code == 401, f"no bearer key: expected 401, got {refused.status_code}")
    first = d.api("/component_token")
    check(first.status_code == 200, f"token API answered {first.status_code}: {first.text[:120]}")
    again = d.api("/component_token")
    check(again.json()["access_token"] == first.json()["access_token"],
          "the second request got another token")
    calls = d.calls(COMPONENT_TOKEN)
    check(calls == 1, f"api_component_token was called {calls} times, expected 1")
    return ("fetched once (api_component_token ×1), served from the store after; "
            "401 without the bearer key")


def _step_authorize(d: Demo) -> str:
    link = d.http.post(f"{d.server.admin_url}/api/{APPID}/links", json={"tenant": "demo-shop"},
                       headers={"Authorization": f"Bearer {d.api_key}"})
    check(link.status_code == 201, f"the links API answered {link.status_code}: "
                                   f"{link.text[:120]}")
    start = d.http.get(link.json()["url"])
    check(start.status_code == 200, f"/authorize answered {start.status_code}")
    found = re.search(r'<a class="go" href="([^"]+)"', start.text)
    check(found is not None, "the start page has no link to WeChat's page")
    assert found is not None
    page_url = html.unescape(found.group(1))
    check(page_url.startswith(d.emu.url), f"/authorize links to {page_url[:80]}")
    consent_page = d.http.get(page_url, headers={"Referer": f"{d.base}/"})
    check(consent_page.status_code == 200, f"the consent page answered {consent_page.status_code}")
    form = _Form()
    form.feed(consent_page.text)
    authorizer = form.fields.get("authorizer_appid", "")
    check(form.action is not None and authorizer, "the consent page has no account to choose")
    posted = d.http.post(urljoin(page_url, form.action or ""), content=urlencode(form.fields),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(posted.status_code == 302, f"the consent answered {posted.status_code}")
    back = posted.headers["location"]
    check(back.startswith(f"{d.base}/{APPID}/authorized?"), f"redirected to {back[:80]}")
    result = d.http.get(back)
    check(result.status_code == 200, f"/authorized answered {result.status_code}: "
                                     f"{result.text[:120]}")
    named = re.search(r"<strong>(.*?)</strong>", result.text)
    nick = d.emu.platform(APPID).account(authorizer).nick_name
    check(named is not None and named.group(1) == nick, "the result page does not name the "
                                                        "account")
    record = d.store.get_authorizer(APPID, authorizer)
    check(record is not None and record.status == "authorized", "the authorizer is not stored")
    exchanges = d.calls(QUERY_AUTH)
    check(exchanges == 1, f"api_query_auth was called {exchanges} times, expected 1")
    d.authorizer_appid = authorizer
    return (f"{nick} ({authorizer}) authorized through a link for tenant demo-shop; the code "
            "came twice (push and redirect) and was exchanged once")


def _step_authorizer_token(d: Demo) -> str:
    check(d.token_of(d.authorizer_appid), "no token")
    check(d.calls(AUTHORIZER_TOKEN) == 0, "api_authorizer_token was called")
    return "served from the api_query_auth answer (no api_authorizer_token call)"


def _step_on_behalf(d: Demo) -> str:
    answer = d.worker.authorizer(d.authorizer_appid).get_json(ON_BEHALF)
    ips = answer.get("ip_list") or []
    check(ips, "the API answered no ip_list")
    return f"GET {ON_BEHALF} by a second worker sharing the store: {len(ips)} IP ranges"


def _step_rotation(d: Demo) -> str:
    new_key = new_aes_key()
    d.server.service.rotate_aes_key(APPID, new_key)
    d.push_ticket()  # WeChat still encrypts with the old key
    d.emu.configure(APPID, encoding_aes_key=new_key)
    d.push_ticket()
    d.emu.configure(APPID, encoding_aes_key=new_aes_key())
    stray = d.emu.push_ticket(APPID)
    d.emu.configure(APPID, encoding_aes_key=new_key)
    status = stray.attempts[-1].status if stray.attempts else None
    check(not stray.ok and status is not None and 400 <= status < 500,
          f"a push under an unknown key was not refused (HTTP {status})")
    stored = d.store.load_ticket(APPID)
    check(stored is not None and stored.value != d.emu.latest_ticket(APPID),
          "the refused push's ticket was stored")
    return f"old-key push accepted, new-key push accepted, unknown-key push refused ({status})"


def _step_heal_40001(d: Demo) -> str:
    before = d.calls(AUTHORIZER_TOKEN)
    d.emu.inject(ON_BEHALF, errcode=40001, times=1)
    client = d.worker.authorizer(d.authorizer_appid)
    client.get_json(ON_BEHALF)
    refreshes = d.calls(AUTHORIZER_TOKEN) - before
    check(refreshes == 1, f"{refreshes} refreshes after a 40001, expected 1")
    check(d.token_of(d.authorizer_appid) == client.access_token(),
          "the service does not serve the refreshed token")
    return "one refresh (compare-and-refresh), the call retried once and succeeded"


async def _post_json(host: str, port: int, path: str, payload: Any,
                     headers: dict[str, str]) -> tuple[int, Any]:
    """One POST on a connection of its own: (status, decoded JSON body).

    Plain HTTP/1.1 over asyncio streams, so that every request is really in flight at once
    (a pooled client queues requests behind its connections).
    """
    body = json.dumps(payload).encode("utf-8")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(content) if content else None


async def _concurrent_refresh(d: Demo, stale: str, count: int) -> list[tuple[int, Any]]:
    path = f"/api/{APPID}/authorizers/{d.authorizer_appid}/token/refresh"
    headers = {"Authorization": f"Bearer {d.api_key}"}
    host, port = d.server.admin_host, d.server.admin_port
    return await asyncio.gather(*(_post_json(host, port, path, {"stale": stale}, headers)
                                  for _ in range(count)))


def _step_stampede(d: Demo, count: int = 500) -> str:
    stale = d.token_of(d.authorizer_appid)
    d.emu.invalidate_tokens(APPID, authorizer_appid=d.authorizer_appid)
    before = d.calls(AUTHORIZER_TOKEN)
    started = time.perf_counter()
    answers = asyncio.run(_concurrent_refresh(d, stale, count))
    elapsed = time.perf_counter() - started
    statuses = {status for status, _ in answers}
    check(statuses == {200}, f"answers {sorted(statuses)}, expected only 200")
    tokens = {body["access_token"] for _, body in answers}
    check(len(tokens) == 1 and stale not in tokens, f"{len(tokens)} distinct tokens handed out")
    refreshes = d.calls(AUTHORIZER_TOKEN) - before
    check(refreshes == 1, f"{refreshes} upstream refreshes, expected 1")
    d.worker.authorizer(d.authorizer_appid).get_json(ON_BEHALF)
    check(d.calls(AUTHORIZER_TOKEN) - before == 1, "the new token did not work upstream")
    return (f"{count} concurrent compare-and-refresh requests in {elapsed:.2f}s: one "
            "api_authorizer_token call, one new token for all")


def _step_release_check(d: Demo) -> str:
    report = d.emu.release_check(APPID)
    failed = [f"{c['account']} {c['case']}: {c['detail']}" for c in report["cases"]
              if not c["passed"]]
    check(report["passed"], "; ".join(failed) or "no case ran")
    return (f"{len(report['cases'])} cases for both test accounts answered: passive replies, "
            "and the code exchanged with a customer-service message")


def _step_revoke(d: Demo) -> str:
    delivery = d.emu.revoke(APPID, d.authorizer_appid)
    check(delivery is not None and delivery.ok, "the unauthorized push failed")
    record = d.store.get_authorizer(APPID, d.authorizer_appid)
    check(record is not None and record.status == "revoked", "the authorizer is not revoked")
    answer = d.api(f"/authorizers/{d.authorizer_appid}/token")
    check(answer.status_code == 404, f"token API answered {answer.status_code} after revocation")
    return "the unauthorized push marked it revoked; the token API now answers 404"


STEPS: tuple[tuple[str, Callable[[Demo], str]], ...] = (
    ("Verify ticket pushed to the service", _step_ticket),
    ("Component access token", _step_component_token),
    ("A merchant authorizes through the authorization page", _step_authorize),
    ("Authorizer access token", _step_authorizer_token),
    ("An API call on the merchant's behalf", _step_on_behalf),
    ("EncodingAESKey rotation mid-stream", _step_rotation),
    ("40001 injected and healed", _step_heal_40001),
    ("500 concurrent token requests, one refresh", _step_stampede),
    ("WeChat's release check (全网发布)", _step_release_check),
    ("The merchant revokes", _step_revoke),
)


# --------------------------------------------------------------------------- running


def _free_port() -> int:
    """A loopback port nothing listens on now (the public URL must be known beforehand)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _settings(emu_url: str, directory: Path, api_key: str, port: int) -> ServiceSettings:
    p = DEFAULT_PLATFORM
    return settings_from_mapping({
        "platforms": [{"appid": p.appid, "secret": p.secret, "token": p.token,
                       "encoding_aes_key": p.encoding_aes_key}],
        "api_base": emu_url,
        "public_url": f"http://127.0.0.1:{port}",
        "store": f"sqlite:///{directory / 'demo.sqlite3'}",
        "api_key": api_key,
    })


def _call_table(counts: dict[str, int]) -> Table:
    table = Table(title="Calls received by the WeChat emulator", title_justify="left")
    table.add_column("endpoint")
    table.add_column("calls", justify="right")
    for path, count in sorted(counts.items()):
        table.add_row(path, str(count))
    return table


def _run_steps(console: Console, demo_: Demo, debug: bool) -> int:
    held = 0
    for title, step in STEPS:
        with console.status(f"{title}…"):
            try:
                result = step(demo_)
            except Exception as exc:
                if debug:
                    raise
                reason = str(exc) if isinstance(exc, StepFailed) else describe(exc)
                console.print(f"[red]✗[/] [bold]{title}[/] — {escape(reason)}")
                return held
        console.print(f"[green]✓[/] [bold]{title}[/] — {escape(result)}")
        held += 1
    return held


def run(console: Console, *, debug: bool = False) -> bool:
    """Run every step, printing each; True when all held."""
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.enter_context(quiet_logs())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wxcomponent-demo-")))
        with console.status("starting the WeChat emulator and the service…"):
            emu = stack.enter_context(EmulatorServer(ticket_interval=None))
            api_key = secrets.token_urlsafe(24)
            port = _free_port()
            settings = _settings(emu.url, tmp, api_key, port)
            base = f"http://127.0.0.1:{port}"  # the callback URLs, as set in WeChat's console
            emu.configure(APPID, auth_event_url=f"{base}/{APPID}/events",
                          message_url=f"{base}/{APPID}/messages/$APPID$")
            server = stack.enter_context(ServiceServer(settings, port=port))
        store = SQLiteStore(tmp / "demo.sqlite3")
        stack.callback(store.close)
        worker = stack.enter_context(Component(settings.platforms[0], store, api_base=emu.url))
        http = stack.enter_context(httpx.Client(timeout=30.0, trust_env=False))
        console.print(f"[green]✓[/] [bold]Emulator and service on loopback[/] — WeChat "
                      f"emulator {emu.url}, service {server.url}, store {tmp.name}/demo.sqlite3")
        held = _run_steps(console, Demo(emu, server, store, worker, api_key, http), debug)
        console.print(_call_table(emu.call_counts()))
    ok = held == len(STEPS)
    elapsed = time.perf_counter() - started
    if ok:
        console.print(f"[bold green]All {held} steps held[/] in {elapsed:.1f}s.")
    else:
        console.print(f"[bold red]{held} of {len(STEPS)} steps held[/] ({elapsed:.1f}s).")
    return ok


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole life of a platform offline: emulator + service on loopback.

    Ticket push, component token, a merchant authorizing through the authorization page, an
    authorizer token and an API call, an EncodingAESKey rotation, a 40001 healed by one
    refresh, 500 concurrent requests served by one refresh, and a revocation. Exits 0 only if
    every step held.
    """
    parent = ctx.parent
    debug = bool(parent is not None and parent.params.get("debug"))
    if not run(out, debug=debug):
        ctx.exit(1)
