"""The operator's console as a browser meets it: operators and their password, signing in,
the form token of a page, confirming an action; and shipments for the pages to show."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx

from wxcomponent import Component, ComponentConfig, ShipOptions
from wxcomponent.service.console import hash_password

from .service import API_KEY, APPID, P, Running

BASE = f"/console/{APPID}"
PASSWORD = "correct horse battery staple"
OPERATORS = [{"name": "alice", "password_hash": hash_password(PASSWORD)}]


async def sign_in(admin: httpx.AsyncClient, name: str = "", password: str = API_KEY
                  ) -> httpx.Response:
    """Post the sign-in form (the admin key by default) and return the answer."""
    return await admin.post("/console/signin", data={"name": name, "password": password,
                                                      "next": f"{BASE}/"})


@contextlib.asynccontextmanager
async def signed_in(svc: Running, name: str = "", password: str = API_KEY
                    ) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the admin listener, signed in."""
    async with httpx.AsyncClient(base_url=svc.server.admin_url, trust_env=False) as client:
        answer = await sign_in(client, name, password)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"{BASE}/"
        yield client


def csrf_of(page: str) -> str:
    """The form token on a console page."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def confirm(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """Open an action's confirmation page, then press its button."""
    shown = await client.get(path)
    assert shown.status_code == 200, shown.text
    assert 'name="confirmed" value="yes"' in shown.text
    return await client.post(path, data={"csrf": csrf_of(shown.text), "confirmed": "yes",
                                         **fields})


def ship_to(svc: Running, names: list[str], *, apps: int = 2) -> list[str]:
    """Ship a template to ``apps`` new mini programs once per name, through a platform
    object sharing the service's store (blocking: run it on a thread)."""
    emu = svc.emu
    emu.configure_mini_programs(privacy_check_delay=0)
    fast = ShipOptions(concurrency=4, lease=5, privacy_interval=0.02, poll_interval=0.2,
                       idle_interval=0.05, retry_base=0.01)
    config = ComponentConfig(appid=P.appid, secret=P.secret, token=P.token,
                             encoding_aes_key=P.encoding_aes_key)
    with Component(config, svc.store, api_base=emu.url) as component:
        targets = []
        for _ in range(apps):
            grant = emu.authorize(APPID, kind="mini_program", push=False)
            component.query_auth(grant.auth_code)
            targets.append(grant.authorizer_appid)
        draft = emu.add_template_draft(APPID, "1.0.0")["draft_id"]
        component.templates.add(draft)
        template_id = component.templates.list().templates[0].template_id
        emu.set_audit_result(APPID, targets[-1], "fail", "1:the menu page is empty")
        for n, name in enumerate(names):
            component.fleet.ship(template_id, {}, f"1.{n}.0", appids=targets, shipment=name,
                                 options=fast)
    return targets
