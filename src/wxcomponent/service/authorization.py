"""Authorizations that belong to someone: links, pre-auth code sessions, tenants.

The rules, for every host sharing a store:

* **A link** (:mod:`wxcomponent.service.links`) is created through the admin API for a tenant.
  Opening it creates a pre-auth code once and keeps it as the link's *session* while it is
  fresh (every reload of the page, on any host, reuses it: one ``api_create_preauthcode`` per
  code lifetime, fetched once fleet-wide like a token). The code's digest is recorded with
  the tenant and the link, for the code's lifetime and a day.
* **A link is spent** by the authorization it started: when WeChat's ``authorized`` push names
  its pre-auth code, or when the merchant comes back to ``/authorized`` with its state. A
  spent or expired link is refused (410); an unspent one can be opened again. The spend is
  durable data, not a cached token: an inert job of the store's queue (topic
  :data:`SPENT_LINKS`, keyed by the link's id, acknowledged when written), so it survives a
  lost cache and ``wxcomponent migrate`` moves it with the other jobs. Spends older than the
  longest life of a link are purged when a link is spent.
* **An open start** (``open_authorize``) shares one pre-auth code among all visitors while it
  is fresh, and drops it once an authorization used it, so anonymous requests never cost an
  upstream call each.
* **``/authorized``** completes only a state signed here, once: a second completion of the
  same state with another code is refused (409); a reload with the same code shows the same
  result without exchanging it again.
* **The tenant** of a link is attached to the authorizer after the code exchange (by the push
  and by the redirect, whichever comes first; both are harmless twice). :func:`tenant_of`
  tells the tenant of a pre-auth code or of an authorizer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..client import AsyncComponent
from ..core.authurl import mobile_authorization_url, pc_authorization_url
from ..core.context import Context
from ..core.effects import Flow, store_call
from ..core.endpoints.component import create_pre_auth_code
from ..core.json_object import json_object
from ..core.models import AuthorizationInfo
from ..core.retention import purge_old_jobs
from ..core.singleflight import ensure_token
from ..errors import InvalidArgument
from ..events import Authorized, Event, UpdateAuthorized
from ..stores.base import AsyncStore, CachedToken, Store
from .links import (
    AuthorizationLink,
    AuthorizationState,
    LinkExpired,
    LinkSigner,
    code_digest,
    validate_tenant,
)
from .settings import MAX_LINK_TTL

__all__ = [
    "SPENT_LINKS",
    "AuthorizationFlows",
    "LinkSpent",
    "PageOptions",
    "StateUsed",
    "set_tenant",
    "tenant_of",
]

log = logging.getLogger("wxcomponent.service")

#: How long the tenant of a pre-auth code is remembered past the code's own lifetime.
CODE_MEMORY = 86400.0
#: How long past the pre-auth code's lifetime its state may still come back to /authorized.
STATE_GRACE = 3600
#: How long the push handler waits for the tenant to be attached before answering WeChat.
ATTACH_WAIT = 3.0
#: The queue topic of spent links: one inert job per link (group and key: the link's id).
SPENT_LINKS = "spent-links"


class LinkSpent(LinkExpired):
    """The link already served an authorization (it is single-use)."""


class StateUsed(InvalidArgument):
    """This authorization was already completed (with another code), or is being completed."""


@dataclass(frozen=True)
class PageOptions:
    """The options of WeChat's authorization page."""

    auth_type: int = 3
    biz_appid: str | None = None
    category_ids: tuple[int, ...] = ()
    mobile: bool = False

    @classmethod
    def of(cls, link: AuthorizationLink) -> PageOptions:
        """The options a link was created with."""
        return cls(link.auth_type, link.biz_appid, link.category_ids, link.mobile)


def _key(appid: str, *parts: str) -> str:
    return ":".join((appid, "authz", *parts))


def _code_key(appid: str, digest: str) -> str:
    return _key(appid, "code", digest)


async def tenant_of(store: AsyncStore, component_appid: str, *,
                    pre_auth_code: str | None = None,
                    authorizer_appid: str | None = None) -> str | None:
    """The tenant of an authorization: of the link that created ``pre_auth_code`` (known for
    the code's lifetime and a day), else of the stored ``authorizer_appid``; None when the
    authorization was not started through a link.

    This is what a push forwarder calls to tag an ``authorized`` push (which carries
    ``PreAuthCode``) or any push of an authorizer with its tenant.
    """
    if pre_auth_code:
        remembered = await store.get_token(_code_key(component_appid,
                                                     code_digest(pre_auth_code)))
        if remembered is not None:
            tenant = json_object(remembered.value).get("tenant")
            if isinstance(tenant, str):
                return tenant
    if authorizer_appid:
        record = await store.get_authorizer(component_appid, authorizer_appid)
        return record.tenant if record is not None else None
    return None


async def set_tenant(store: AsyncStore, component_appid: str, authorizer_appid: str,
                     tenant: str) -> bool:
    """Record ``tenant`` on the stored authorizer (kept by later refreshes and exchanges);
    False when there is no such authorizer. A tenant replacing another one is logged."""
    record = await store.get_authorizer(component_appid, authorizer_appid)
    if record is None:
        return False
    if record.tenant == tenant:
        return True
    if record.tenant is not None:
        log.warning("authorizer %s of %s moves from tenant %r to %r (authorized again "
                    "through a link)", authorizer_appid, component_appid, record.tenant, tenant)
    return await store.set_authorizer_tenant(component_appid, authorizer_appid, tenant)


class AuthorizationFlows:
    """Starts and completions of authorizations for the platforms of a service."""

    def __init__(self, platforms: Mapping[str, AsyncComponent], store: AsyncStore,
                 signers: Mapping[str, LinkSigner], public_url: str | None,
                 clock: Callable[[], float] = time.time) -> None:
        self._platforms = platforms
        self._store = store
        self._signers = signers
        self.public_url = public_url
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    def signer(self, appid: str) -> LinkSigner:
        """The link signer of platform ``appid``."""
        return self._signers[appid]

    def register(self) -> None:
        """Attach the push handler that spends links and tags authorizers on every platform."""
        for component in self._platforms.values():
            handler = self._push_handler(component)
            component.on("authorized")(handler)
            component.on("updateauthorized")(handler)

    # ------------------------------------------------------------------ links

    def link_url(self, link: AuthorizationLink) -> str:
        """The URL of the public page that opens ``link``."""
        if self.public_url is None:
            raise InvalidArgument("public_url", "authorization links need the public_url "
                                                "setting")
        token = self.signer(link.component_appid).sign_link(link)
        return f"{self.public_url}/{link.component_appid}/authorize?link={token}"

    def new_link(self, component_appid: str, tenant: str, lifetime: float,
                 options: PageOptions) -> AuthorizationLink:
        """A new link for ``tenant`` valid for ``lifetime`` seconds."""
        validate_tenant(tenant)
        return AuthorizationLink.new(
            component_appid, tenant, int(self._clock() + lifetime),
            auth_type=options.auth_type, biz_appid=options.biz_appid,
            category_ids=options.category_ids, mobile=options.mobile)

    # ------------------------------------------------------------------ starting

    async def start(self, component: AsyncComponent, link: AuthorizationLink | None,
                    options: PageOptions) -> str:
        """The URL of WeChat's authorization page for ``link`` (None: an open start)."""
        appid = component.appid
        if link is not None:
            if await self._spent(appid, link.link_id):
                raise LinkSpent("link", "was already used for an authorization: ask for a "
                                        "new one")
            session_key = _key(appid, "link", link.link_id)
            tenant: str | None = link.tenant
            link_id: str | None = link.link_id
            until: int | None = link.expires_at
        else:
            session_key, tenant, link_id, until = _key(appid, "open"), None, None, None
        ctx = component._ctx
        session = await component._drive(
            ensure_token(ctx, session_key, lambda leased: self._new_session(
                leased, tenant, link_id, until), kind="pre_auth_code"))
        code = str(json_object(session.value).get("code") or "")
        state = AuthorizationState(code_digest(code), appid,
                                   int(session.expires_at) + STATE_GRACE, tenant, link_id)
        token = self.signer(appid).sign_state(state)
        redirect = f"{self.public_url}/{appid}/authorized?state={token}"
        build, base = ((mobile_authorization_url, ctx.mobile_auth_url) if options.mobile
                       else (pc_authorization_url, ctx.pc_auth_url))
        return build(appid, code, redirect, auth_type=options.auth_type,
                     biz_appid=options.biz_appid, category_ids=options.category_ids or None,
                     base=base)

    async def _spent(self, appid: str, link_id: str) -> bool:
        """Whether the link already served an authorization (a mark of an earlier version,
        kept among cached tokens until the link's end, still counts)."""
        if await self._store.find_job(appid, SPENT_LINKS, link_id) is not None:
            return True
        return await self._store.get_token(_key(appid, "used", link_id)) is not None

    def _new_session(self, ctx: Context, tenant: str | None,
                     link_id: str | None, until: int | None) -> Flow[CachedToken]:
        """A new pre-auth code, remembered by its digest with its tenant, its link and when
        the link expires (how long the link's single use must be remembered); ``ctx`` is the
        platform's, under the single flight's lease."""
        started = ctx.clock()
        code = yield from create_pre_auth_code(ctx)
        expires = started + max(1, code.expires_in)
        remembered = json.dumps({"tenant": tenant, "link": link_id, "until": until})
        yield from store_call(
            Store.set_token, _code_key(ctx.appid, code_digest(code.pre_auth_code)),
            CachedToken(remembered, expires + CODE_MEMORY, started))
        return CachedToken(json.dumps({"code": code.pre_auth_code}), expires, started)

    # ------------------------------------------------------------------ completing

    async def complete(self, component: AsyncComponent, state_token: object,
                       auth_code: str) -> tuple[AuthorizationInfo, str | None]:
        """Exchange ``auth_code`` for the authorization ``state_token`` names (once per
        state), spend its link and attach its tenant: (the authorization, the tenant)."""
        appid = component.appid
        now = self._clock()
        state = self.signer(appid).open_state(state_token, now)
        key = _key(appid, "state", state.session)
        mark = code_digest(auth_code)
        fence = await self._store.acquire_lease(key, max(1.0, state.expires_at - now))
        if fence is None:
            done = await self._store.get_token(key)
            if done is None or done.value != mark:
                raise StateUsed("state", "this authorization was already completed; start "
                                         "again with a new link")
            info = await component.query_auth(auth_code)  # a reload: read, not exchanged
        else:
            try:
                info = await component.query_auth(auth_code)
            except BaseException:
                with contextlib.suppress(Exception):
                    await self._store.release_lease(key, fence)
                raise
            await self._store.set_token(key, CachedToken(mark, float(state.expires_at), now),
                                        fence=fence)
        # Both harmless twice: a reload after a failure here finishes the work.
        await self._spend(component, state.session, state.link_id, now)
        if state.tenant is not None:
            await set_tenant(self._store, appid, info.authorizer_appid, state.tenant)
        return info, state.tenant

    async def _spend(self, component: AsyncComponent, session: str, link_id: str | None,
                     now: float) -> None:
        """End the pre-auth code's session: the link is spent, the open code dropped (and
        spends older than any link's life are purged, in bounded batches)."""
        appid = component.appid
        if link_id is not None:
            remembered = await self._store.get_token(_code_key(appid, session))
            until = json_object(remembered.value).get("until") if remembered is not None else None
            if isinstance(until, bool) or not isinstance(until, int):
                until = None  # unknown: the spend is kept as long as any link lives
            spend = json.dumps({"until": until}).encode("utf-8")
            await self._store.enqueue(appid, SPENT_LINKS, link_id, spend, key=link_id)
            # nothing works on spends: acknowledge this one (and any a crash left pending)
            for entry in await self._store.claim_jobs(appid, SPENT_LINKS, limit=100,
                                                      lease=60.0):
                assert entry.claim is not None
                await self._store.ack_job(entry.id, entry.claim)
            await component._drive(purge_old_jobs(appid, topic=SPENT_LINKS, state="done",
                                                  before=now - MAX_LINK_TTL))
            await self._store.delete_token(_key(appid, "link", link_id))
            return
        current = await self._store.get_token(_key(appid, "open"))
        if current is not None and code_digest(str(json_object(current.value).get("code") or "")
                                               ) == session:
            await self._store.delete_token(_key(appid, "open"), if_value=current.value)

    # ------------------------------------------------------------------ the push

    def _push_handler(self, component: AsyncComponent) -> Callable[[Event, Any],
                                                                   Any]:
        async def spend_and_tag(event: Event, push: Any) -> None:
            if not isinstance(event, (Authorized, UpdateAuthorized)) or not event.pre_auth_code:
                return
            appid = component.appid
            session = code_digest(event.pre_auth_code)
            remembered = await self._store.get_token(_code_key(appid, session))
            if remembered is None:
                return  # not started here (or long ago): nothing to spend, no tenant
            fields = json_object(remembered.value)
            link_id = fields.get("link") if isinstance(fields.get("link"), str) else None
            tenant = fields.get("tenant") if isinstance(fields.get("tenant"), str) else None
            await self._spend(component, session, link_id, self._clock())
            if tenant is None:
                return
            task = asyncio.get_running_loop().create_task(
                self._attach_after_exchange(component, event.authorization_code, tenant))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            # Answer WeChat once the tenant is attached, unless the exchange is slow: then
            # the task finishes it, and the merchant's redirect attaches it too.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), ATTACH_WAIT)

        spend_and_tag.__qualname__ = "AuthorizationFlows.spend_and_tag"
        return spend_and_tag

    async def _attach_after_exchange(self, component: AsyncComponent, code: str,
                                     tenant: str) -> None:
        try:
            info = await component.query_auth(code)
            await set_tenant(self._store, component.appid, info.authorizer_appid, tenant)
        except Exception as exc:  # the merchant's redirect attaches it too
            log.warning("tenant of an authorization of %s not attached: %s", component.appid,
                        type(exc).__name__)

    async def wait(self) -> None:
        """Wait for the tenant attachments in flight (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
