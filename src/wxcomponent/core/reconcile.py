"""Reconciliation: every authorizer WeChat lists for the platform is in the store.

An ``authorized`` push that was acknowledged but whose code exchange never finished (a crash,
a deployment at the wrong moment, a push that never arrived) leaves an account that authorized
the platform without a record: every call for it fails until the merchant authorizes again.
WeChat's ``api_get_authorizer_list`` knows every authorized account and its refresh token;
:func:`reconcile_authorizers` pages through it and adds what the store lacks (and renews the
record of an account the store marked revoked but WeChat still lists with a new refresh
token). It never removes anything: the list may lag behind a revocation. The release check's
test accounts are skipped: they are WeChat's, not merchants.

Internal module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..stores.base import AuthorizerRecord, Store
from .context import Context
from .effects import Emit, Flow, store_call
from .endpoints.component import LIST_PAGE_MAX, authorizer_list_page, next_offset
from .listener_events import ListenerEvent
from .release_accounts import is_release_check_account

__all__ = ["ReconcileReport", "reconcile_authorizers"]

log = logging.getLogger("wxcomponent")


@dataclass(frozen=True)
class ReconcileReport:
    """What a reconciliation found: the accounts WeChat listed, those added to the store, and
    those listed without a refresh token (nothing to store for them)."""

    listed: int
    added: tuple[str, ...] = field(default=())
    without_refresh_token: tuple[str, ...] = field(default=())


def reconcile_authorizers(ctx: Context) -> Flow[ReconcileReport]:
    """Add to the store every authorizer WeChat lists that the store lacks (see the module)."""
    listed = 0
    added: list[str] = []
    missing_token: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = yield from authorizer_list_page(ctx, offset, LIST_PAGE_MAX)
        for item in page.items:
            if is_release_check_account(item.authorizer_appid):
                continue  # WeChat's test account of the release check: never a merchant
            listed += 1
            record: AuthorizerRecord | None = yield from store_call(
                Store.get_authorizer, ctx.appid, item.authorizer_appid)
            if record is not None and (record.status == "authorized"
                                       or record.refresh_token == item.refresh_token):
                continue
            if not item.refresh_token:
                missing_token.append(item.authorizer_appid)
                continue
            now = ctx.clock()
            yield from store_call(
                Store.save_authorizer, AuthorizerRecord(
      component_appid=ctx.appid,
      authorizer_appid=item.authorizer_appid,
      refresh_token=item.refresh_token,
      status="authorized",
      func_info=record.func_info if record else (),
      authorized_at=float(item.auth_time or now),
      updated_at=now,
      revoked_at=None,
  ))
            added.append(item.authorizer_appid)
            log.warning("authorizer %s was missing from the store; added from WeChat's list",
                        item.authorizer_appid)
            yield Emit(ListenerEvent.AUTHORIZER_RECONCILED, {"appid": item.authorizer_appid})
        offset = next_offset(page, offset)
    return ReconcileReport(listed, tuple(added), tuple(missing_token))
