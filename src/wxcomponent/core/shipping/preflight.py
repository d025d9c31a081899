"""What a shipment checks before it spends a commit or an audit: the platform's audit quota
this month (a shipment never plans more audits than it holds), and, for each mini program
about to be committed, whatever would make its audit or release fail for sure.

A mini program that does not pass ends ``blocked`` with a :class:`Blocker`: a short code
(what a report groups by: "312 not_filed, 40 privacy_guide_missing") and a detail for the
operator. Nothing was committed or submitted for it; once the merchant fixed it, a new
shipment (or the next one) ships it.

The checks, in order (the first a store read, each other one call for the mini program's
token):

* ``suspended`` / ``verification_expired`` — the compliance board's record of the mini
  program (:mod:`..compliance_state`, kept by its pushes and the periodic check) says a
  punishment took it down, or its verification (微信认证) ended: WeChat releases neither.
* ``not_filed`` — with :attr:`ShipOptions.require_filing` (the default: a mainland mini
  program may be released only once filed, since September 2023), its ICP filing
  (``get_icp_entrance_info``) is not ``filed``; the detail says where it stands.
* ``privacy_guide_missing`` / ``privacy_guide_incomplete`` — the code collects the privacy
  keys :attr:`ShipOptions.privacy_keys` names, and the privacy guide to be released with it
  (``getprivacysetting`` version 2) has no developer contact, or does not declare one of
  them: the audit would fail (WeChat requires the guide to cover what the code collects).
* ``privacy_interface_not_approved`` — the code uses the privacy interfaces
  :attr:`ShipOptions.privacy_interfaces` names (``wx.getLocation`` …), and one of them is
  not approved for the mini program (``get_privacy_interface``): the audit would fail with
  61040.

A check WeChat does not let the platform make (48001: the merchant did not grant the
permission set it needs) is skipped, logged, and blocks nothing: what cannot be known is
left to WeChat's own answer. Any other error of a check is the step's, retried when
transient.

Internal module.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from ...errors import (
    APIError,
    AuthorizerNotFound,
    LeaseTimeout,
    PermissionDenied,
    TicketNotFound,
    TransportError,
)
from ...stores.base import ComplianceRecord, Job, Store
from ..compliance_state import NOT_FILED, SUSPENDED, VERIFICATION_EXPIRED, assess
from ..context import Context
from ..effects import Flow, store_call
from ..endpoints import audit, icp, privacy, privacy_interfaces
from ..models_wxa import FilingStatus
from .jobs import topic
from .options import ShipOptions

__all__ = ["Blocker", "audit_budget", "blocker_of", "over_quota"]

log = logging.getLogger("wxcomponent")

_CONTACTS = ("contact_email", "contact_phone", "contact_qq", "contact_weixin")


@dataclass(frozen=True)
class Blocker:
    """Why a mini program was not shipped: ``code`` (what reports group by) and ``detail``."""

    code: str
    detail: str


def audit_budget(ctx: Context, readers: list[str], queued: int) -> Flow[int | None]:
    """How many more audits a shipment may plan: the month's quota left (``queryquota``,
    read through one of ``readers``: the quota is the platform's, any mini program's token
    reads it), less the ``queued`` audits earlier runs of it planned and have not submitted.
    None when the quota cannot be read now (the audits are then not limited here: one beyond
    the quota fails with 85085, as it would without the check)."""
    for appid in readers[:3]:
        try:
            rest = (yield from audit.quota(ctx, appid)).rest
        except (APIError, TransportError, AuthorizerNotFound, LeaseTimeout,
                TicketNotFound) as exc:
            log.info("the audit quota was not read through %s: %s", appid, type(exc).__name__)
            continue
        return max(0, rest - queued)
    return None


def over_quota(ctx: Context, name: str, appids: list[str]) -> Flow[dict[str, Blocker]]:
    """The mini programs of shipment ``name`` beyond the month's audit quota, each with its
    blocker: one audit is planned per mini program new to the shipment, in order, while the
    quota lasts (those an earlier run queued keep their place)."""
    known: dict[str, Job | None] = {}
    for appid in appids:
        known[appid] = yield from store_call(
            Store.find_job, ctx.appid, topic(name, "prepare"), appid)
    new = [appid for appid, job in known.items() if job is None]
    queued = sum(1 for job in known.values() if job is not None and job.state == "pending")
    budget = (yield from audit_budget(ctx, new, queued)) if new else None
    if budget is None:
        return {}
    detail = (f"the platform's audit quota of this month is spent by this shipment "
              f"({budget} audits were left for it)")
    return {appid: Blocker("audit_quota", detail) for appid in new[budget:]}


#: What each blocker of the board's record means for a release.
_RECORDED = {
    SUSPENDED: "a punishment took the mini program down (wxa_punish_event): appeal first",
    VERIFICATION_EXPIRED: "its verification (微信认证) has ended: renew it (verification.apply)",
}


def _recorded(ctx: Context, appid: str) -> Flow[Blocker | None]:
    record: ComplianceRecord | None = yield from store_call(
        Store.get_compliance, ctx.appid, appid)
    if record is None:
        return None
    found = assess(record, ctx.clock()).blockers
    return next((Blocker(code, _RECORDED[code]) for code in found if code in _RECORDED), None)


def _filing(ctx: Context, appid: str) -> Flow[Blocker | None]:
    info = yield from icp.entrance_info(ctx, appid)
    if info.status == FilingStatus.FILED:
        return None
    try:
        where = FilingStatus(info.status).name.lower().replace("_", " ")
    except ValueError:
        where = "not filed"
    reasons = "; ".join(f"{d.key_name}: {d.error}" for d in info.audit_data if d.error)
    return Blocker(NOT_FILED, f"the ICP filing is {where} (status {info.status})"
                   + (f": {reasons}" if reasons else ""))


def _privacy_guide(ctx: Context, appid: str, keys: tuple[str, ...]) -> Flow[Blocker | None]:
    guide = yield from privacy.get(ctx, appid, 2)
    owner = guide.owner_setting
    if not any(owner.get(c) for c in _CONTACTS):
        return Blocker("privacy_guide_missing",
                       "the privacy guide has no developer contact: set it "
                       "(setprivacysetting) before shipping code that collects "
                       + ", ".join(keys))
    declared = {item.privacy_key for item in guide.setting_list}
    missing = [k for k in keys if k not in declared]
    if missing:
        return Blocker("privacy_guide_incomplete",
                       "the privacy guide does not declare " + ", ".join(missing))
    return None


def _interfaces(ctx: Context, appid: str, names: tuple[str, ...]) -> Flow[Blocker | None]:
    listed = yield from privacy_interfaces.list_interfaces(ctx, appid)
    waiting = []
    for name in names:
        found = listed.get(name)
        if found is None or not found.approved:
            state = found.state.name.lower().replace("_", " ") if found and found.state \
                else "not applied"
            waiting.append(f"{name} ({state})")
    if waiting:
        return Blocker("privacy_interface_not_approved",
                       "privacy interfaces the code uses are not approved: "
                       + ", ".join(waiting))
    return None


def blocker_of(ctx: Context, appid: str, options: ShipOptions) -> Flow[Blocker | None]:
    """What keeps ``appid`` from being shipped now, or None (see the module)."""
    checks = [functools.partial(_recorded, ctx, appid)]
    if options.require_filing:
        checks.append(functools.partial(_filing, ctx, appid))
    if options.privacy_keys:
        checks.append(functools.partial(_privacy_guide, ctx, appid, options.privacy_keys))
    if options.privacy_interfaces:
        checks.append(functools.partial(_interfaces, ctx, appid, options.privacy_interfaces))
    for check in checks:
        try:
            blocker = yield from check()
        except PermissionDenied as exc:
            log.info("a pre-flight check of %s was skipped: %s", appid, exc.errcode)
            continue
        if blocker is not None:
            return blocker
    return None
