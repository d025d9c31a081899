"""The compliance board's flows: each mini program's compliance record kept up to date from
WeChat's pushes (:func:`apply_push`, a built-in step of push handling) and, where a push can
be missed, by a bounded periodic check in the background refresher (:func:`check_round`),
which reads the filing, the privacy interfaces and the violations of one account at a time
(:func:`check_account`). The blockers follow from the record by :mod:`.compliance_state`.

What each push changes:

* ``notify_apply_icpfiling_result`` — the filing status (``beian_status``);
* ``notify_3rd_wxa_auth`` approved (``apply_status`` 4), ``notify_3rd_wxa_auth_and_icp``
  verified (19, 22, 24) or done (26, also filed) — the verification runs a year from then
  (or from the end of the current one). WeChat's API pages do not say how long it lasts;
  community posts say a year, and the annual-review push below then states the exact end;
* ``notify_3rd_wxa_wxverify`` — the verification ends at ``expired``;
* ``wxa_illegal_record`` and ``wxa_punish_event`` — one more open violation; a punishment
  that takes the mini program down (3) or bans the account (4) suspends it;
* ``wxa_appeal_record`` approved (2) — one open violation fewer, and no longer suspended;
* ``wxa_privacy_apply`` — the account is checked again at the next round: the push's
  ``status`` values are not those of the interface list (the fact sheet's advice: re-read
  the list and trust it).

Each push that names an account makes it due for the periodic check too, except the filing
and verification pushes, which state the new standing themselves.

Internal module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import InvalidArgument
from ..events import (
    AppealRecordEvent,
    AuthAndIcpProgress,
    Event,
    IcpFilingResult,
    IllegalRecordEvent,
    PrivacyInterfaceResult,
    PunishEvent,
    VerificationExpiry,
    VerificationProgress,
)
from ..stores.base import CachedToken, ComplianceRecord, Store
from .compliance_state import FILED, assess
from .context import Context
from .effects import Flow, store_call
from .endpoints import icp, privacy_interfaces, violations
from .engine import ACCOUNT_CALL_FAILURES
from .models_wxa import PrivacyInterfaceState

__all__ = ["VERIFICATION_VALIDITY", "apply_push", "check_account", "check_round",
           "compliance_record", "save_compliance"]

log = logging.getLogger("wxcomponent")

#: How long a verification lasts from its approval (community posts; see the module docs).
VERIFICATION_VALIDITY = 365 * 86400.0
#: The procedure statuses of the combined verification and filing from which the account is
#: verified, and the one at which it is filed too.
_VERIFIED_PROCEDURE = frozenset({19, 22, 24, 26})
_DONE_PROCEDURE = 26
#: ``wxa_punish_event`` types that take the mini program down or ban the account.
_SUSPENDING = frozenset({3, 4})
#: ``wxa_appeal_record`` status of an approved appeal.
_APPEAL_APPROVED = 2
#: How long the fleet-wide lease of a round of checks lives at most.
_ROUND_LEASE = 300.0
#: How long the cursor of the walk over accounts without a record is kept.
_CURSOR_TTL = 30 * 86400.0

Update = Callable[[ComplianceRecord], ComplianceRecord]


def _verified_from(record: ComplianceRecord, at: float) -> ComplianceRecord:
    return replace(record, verified_until=max(at, record.verified_until or 0.0)
                   + VERIFICATION_VALIDITY)


#: The pushes that may change a compliance record (:func:`_change_of` says how).
_RECORDED = (IcpFilingResult, VerificationExpiry, VerificationProgress, AuthAndIcpProgress,
             IllegalRecordEvent, PunishEvent, AppealRecordEvent, PrivacyInterfaceResult)


def _change_of(event: Event, url_appid: str | None) -> tuple[str, Update, bool] | None:
    """The account a push is about, how it changes the record, and whether the account is
    due for a check after it; None for a push that changes nothing."""
    if not isinstance(event, _RECORDED):  # nearly every push
        return None
    at = float(event.create_time)
    if isinstance(event, IcpFilingResult):
        return event.authorizer_appid, lambda r: replace(r, filing_status=event.beian_status), \
            False
    if isinstance(event, VerificationExpiry) and event.expired:
        return event.appid, lambda r: replace(r, verified_until=float(event.expired)), False
    if isinstance(event, VerificationProgress) and event.apply_status == 4:
        return event.appid, lambda r: _verified_from(r, at), False
    if isinstance(event, AuthAndIcpProgress) and event.appid \
            and event.procedure_status in _VERIFIED_PROCEDURE:
        done = event.procedure_status == _DONE_PROCEDURE

        def verified(r: ComplianceRecord) -> ComplianceRecord:
            # a period the procedure's earlier pushes opened is not opened again
            if r.verified_until is None or r.verified_until <= at:
                r = _verified_from(r, at)
            return replace(r, filing_status=FILED) if done else r

        return event.appid, verified, False
    appid = getattr(event, "appid", "") or url_appid or ""
    if isinstance(event, (IllegalRecordEvent, PunishEvent)):
        suspends = isinstance(event, PunishEvent) and event.event_type in _SUSPENDING
        return appid, lambda r: replace(r, open_violations=r.open_violations + 1,
                                        suspended=r.suspended or suspends), True
    if isinstance(event, AppealRecordEvent) and event.appeal_status == _APPEAL_APPROVED:
        return appid, lambda r: replace(r, open_violations=max(0, r.open_violations - 1),
                                        suspended=False), True
    if isinstance(event, PrivacyInterfaceResult):
        return appid, lambda r: r, True
    return None


def compliance_record(ctx: Context, authorizer_appid: str) -> Flow[ComplianceRecord | None]:
    """The compliance record the store keeps of a mini program (what blocks it, what warns,
    and what that follows from), or None before any push or check made one."""
    return (yield from store_call(Store.get_compliance, ctx.appid, authorizer_appid))


def _load(ctx: Context, appid: str) -> Flow[ComplianceRecord]:
    found = yield from store_call(Store.get_compliance, ctx.appid, appid)
    return found if found is not None else ComplianceRecord(ctx.appid, appid)


def save_compliance(ctx: Context, record: ComplianceRecord, *,
                    due_now: bool = False) -> Flow[ComplianceRecord]:
    """Save ``record`` with its blockers, warnings and next check computed now (due at once
    with ``due_now``); returns what was saved."""
    now = ctx.clock()
    record = assess(replace(record, updated_at=now), now, ctx.policy.compliance_check_age)
    if due_now:
        record = replace(record, check_at=now)
    yield from store_call(Store.save_compliance, record)
    return record


def changes_record(event: Event) -> bool:
    """True when ``event`` is of a kind :func:`apply_push` may apply to a compliance record
    (decided by its type alone: nothing is computed for it)."""
    return isinstance(event, _RECORDED)


def apply_push(ctx: Context, event: Event, authorizer_appid: str | None = None) -> Flow[bool]:
    """Update the compliance record of the account ``event`` is about (``authorizer_appid``:
    the account of the URL a message-URL push came to); False when the push changes none. A
    push whose account or values no record can hold (an appid that is none, a negative
    status) is logged and changes nothing: answering it with an error would only have WeChat
    send it again."""
    change = _change_of(event, authorizer_appid)
    if change is None or not change[0]:
        return False
    appid, update, due = change
    try:
        record = yield from _load(ctx, appid)
        yield from save_compliance(ctx, update(record), due_now=due)
    except InvalidArgument as exc:
        log.warning("a compliance push was not applied: %s", exc)
        return False
    return True


def _interfaces(listed: Any, state: PrivacyInterfaceState) -> tuple[str, ...]:
    return tuple(sorted(i.api_name for i in listed.interface_list
                        if i.state is state and i.api_name))


def check_account(ctx: Context, authorizer_appid: str) -> Flow[ComplianceRecord]:
    """Read a mini program's standing from WeChat and keep it: the filing status
    (``get_icp_entrance_info``), the privacy interfaces under review and refused
    (``get_privacy_interface``) and the violation records of the last 90 days
    (``getillegalrecords``; with none, the account is no longer suspended). A part that fails
    is logged and kept as it was; the record counts as checked either way, so an account that
    cannot be read is tried again only after ``Policy.compliance_check_age``. The
    verification's end comes from its pushes: WeChat has no call that reads it."""
    record = yield from _load(ctx, authorizer_appid)
    try:
        info = yield from icp.entrance_info(ctx, authorizer_appid)
        record = replace(record, filing_status=info.status)
    except ACCOUNT_CALL_FAILURES as exc:
        log.info("the filing of %s was not read: %s", authorizer_appid, type(exc).__name__)
    try:
        listed = yield from privacy_interfaces.list_interfaces(ctx, authorizer_appid)
        record = replace(record,
                         privacy_pending=_interfaces(listed, PrivacyInterfaceState.APPLYING),
                         privacy_rejected=_interfaces(listed, PrivacyInterfaceState.REJECTED))
    except ACCOUNT_CALL_FAILURES as exc:
        log.info("the privacy interfaces of %s were not read: %s", authorizer_appid,
                 type(exc).__name__)
    try:
        found = yield from violations.illegal_records(ctx, authorizer_appid)
        count = len(found.records)
        record = replace(record, open_violations=count,
                         suspended=record.suspended and count > 0)
    except ACCOUNT_CALL_FAILURES as exc:
        log.info("the violations of %s were not read: %s", authorizer_appid,
                 type(exc).__name__)
    return (yield from save_compliance(ctx, replace(record, checked_at=ctx.clock())))


def _missing(ctx: Context, room: int) -> Flow[list[str]]:
    """Up to ``room`` authorized mini programs without a compliance record, walking the
    authorizers in appid order from where the last round stopped (a cursor in the token
    cache), a page per round."""
    key = f"{ctx.appid}:compliance_cursor"
    cursor = yield from store_call(Store.get_token, key)
    after = cursor.value if cursor is not None else None
    page = yield from store_call(Store.list_authorizers, ctx.appid, status="authorized",
                                 after=after, limit=max(room, 50))
    found: list[str] = []
    for account in page:
        after = account.authorizer_appid
        if account.account_type != "mini_program":
            continue
        if (yield from store_call(Store.get_compliance, ctx.appid, after)) is None:
            found.append(after)
            if len(found) == room:
                break
    if len(page) < max(room, 50) and len(found) < room:
        yield from store_call(Store.delete_token, key)  # the walk starts again next round
    elif after is not None:
        now = ctx.clock()
        yield from store_call(Store.set_token, key, CachedToken(after, now + _CURSOR_TTL, now))
    return found


def check_round(ctx: Context) -> Flow[int]:
    """One round of the periodic check, under a fleet-wide lease (a host that finds it held
    does nothing): the records due (``Store.due_compliance``: stale, marked by a push, or
    at a moment their codes change by time), oldest first, then mini programs without a
    record, ``Policy.compliance_check_batch`` in all. Returns how many were checked; a failed
    check is logged and never ends the round."""
    if ctx.policy.compliance_check_age is None:
        return 0
    key = f"{ctx.appid}:compliance_check"
    fence = yield from store_call(Store.acquire_lease, key, _ROUND_LEASE)
    if fence is None:
        return 0
    checked = 0
    try:
        batch = ctx.policy.compliance_check_batch
        due = yield from store_call(Store.due_compliance, ctx.appid, before=ctx.clock(),
                                    limit=batch)
        appids = [r.authorizer_appid for r in due]
        if len(appids) < batch:
            appids += yield from _missing(ctx, batch - len(appids))
        for appid in appids:
            try:
                yield from check_account(ctx, appid)
                checked += 1
            except Exception as exc:
                log.warning("the compliance check of %s failed: %s", appid, type(exc).__name__)
    finally:
        yield from store_call(Store.release_lease, key, fence)
    return checked
