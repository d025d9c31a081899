"""Running a shipment: the mini programs it ships to, entering it in the registry, queueing
the first step of each, and the loop that claims due jobs and works them with bounded
concurrency until every mini program has an outcome (:func:`ship`).

Internal module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from ...errors import InvalidArgument
from ...stores.base import AuthorizerRecord, Job, Store
from ..context import Context
from ..effects import Emit, Flow, Gather, Pause, Sleep, store_call
from ..endpoints import code
from ..endpoints._checks import json_text, number, optional_text, text
from ..listener_events import ListenerEvent
from ..models_wxa import parts_json
from ..release_accounts import is_release_check_account
from ..retention import purge_old_jobs
from .jobs import _NAME, _STAGES, Stage, _enqueue, _payload, _Run, topic
from .options import ShipOptions
from .preflight import over_quota
from .registry import _register
from .reports import ShipReport, report
from .steps import _STEPS, _check_pushed

__all__ = ["CODE_PERMISSION", "Waker", "mini_program_appids", "ship"]

#: The permission set of mini-program code management (``func_info`` id 18).
CODE_PERMISSION = 18


class Waker(Protocol):
    """What wakes a shipment early: audit pushes received in this process.

    ``event`` is the shell's event (a ``threading.Event`` or an ``asyncio.Event``) that is set
    when a push arrives; :meth:`take` returns the appids pushed since the last call and clears
    the event.
    """

    event: Any

    def take(self) -> set[str]:
        """The appids whose audit result was pushed since the last call."""
        ...


def mini_program_appids(ctx: Context) -> Flow[list[str]]:
    """The stored authorizers that granted code management (``func_info`` 18): the mini
    programs a platform can ship to (never the release check's test mini program, should an
    older version have stored it)."""
    found: list[str] = []
    after: str | None = None
    while True:
        page: list[AuthorizerRecord] = yield from store_call(
            Store.list_authorizers, ctx.appid, status="authorized", after=after, limit=500)
        found.extend(r.authorizer_appid for r in page if CODE_PERMISSION in r.func_info
                     and not is_release_check_account(r.authorizer_appid))
        if len(page) < 500:
            return found
        after = page[-1].authorizer_appid


def _ext_json_for(appid: str, ext_json: str, overrides: Mapping[str, Any]) -> str:
    given = overrides.get(appid, ext_json)
    value = json_text(given, f"ext_json of {appid}")
    return value.replace("$APPID$", appid)


def _targets(appids: Iterable[str]) -> list[str]:
    from ...config import validate_appid

    chosen: list[str] = []
    for appid in appids:
        try:
            validate_appid(appid, "appids")
        except ValueError as exc:
            raise InvalidArgument("appids", str(exc).split(": ", 1)[-1]) from None
        if is_release_check_account(appid):
            raise InvalidArgument("appids", f"{appid} is a test account of WeChat's release "
                                            "check, not a merchant's mini program")
        if appid not in chosen:
            chosen.append(appid)
    return chosen


def _claim(run: _Run, stage: Stage, limit: int) -> Flow[list[Job]]:
    if limit <= 0:
        return []
    jobs: list[Job] = yield from store_call(
        Store.claim_jobs, run.ctx.appid, topic(run.name, stage), limit=limit,
        lease=run.options.lease)
    return jobs


def _pending(run: _Run) -> Flow[dict[Stage, int]]:
    pending: dict[Stage, int] = {}
    for stage in _STAGES:
        counts: dict[str, int] = yield from store_call(
            Store.count_jobs, run.ctx.appid, topic=topic(run.name, stage))
        pending[stage] = counts.get("pending", 0)
    return pending


def _finished(run: _Run) -> Flow[ShipReport | None]:
    """The report when every mini program has an outcome, else None.

    An audit job still parked for its next poll does not hold a finished shipment: once its
    mini program's result came with a push, the finish job decided; the parked job is dropped.
    """
    pending = yield from _pending(run)
    if pending["prepare"] or pending["finish"]:
        return None
    result = yield from report(run.ctx, run.name)
    if not result.finished:
        return None
    if pending["audit"]:
        yield from purge_old_jobs(run.ctx.appid, topic=topic(run.name, "audit"),
                                  state="pending", before=run.ctx.clock() + 365 * 86400)
    return result


def _waiting_audits(run: _Run) -> Flow[None]:
    """Learn the audits a previous run left waiting (so their pushes are recognized)."""
    after: int | None = None
    while True:
        jobs: list[Job] = yield from store_call(
            Store.list_jobs, run.ctx.appid, topic=topic(run.name, "audit"), state="pending",
            after=after, limit=500)
        for job in jobs:
            data = _payload(job)
            if "appid" in data and "auditid" in data:
                run.auditids[str(data["appid"])] = int(data["auditid"])
        if len(jobs) < 500:
            return
        after = jobs[-1].id


def ship(
    ctx: Context,
    template_id: int,
    ext_json: str | Mapping[str, Any],
    user_version: str,
    user_desc: str = "",
    *,
    appids: Sequence[str] | None = None,
    shipment: str | None = None,
    ext_json_for: Mapping[str, str | Mapping[str, Any]] | None = None,
    options: ShipOptions | None = None,
    waker: Waker | None = None,
) -> Flow[ShipReport]:
    """Ship a template to many mini programs: for each, commit (``ext_json`` with
    ``$APPID$`` replaced by its appid, or its own entry of ``ext_json_for``), wait for the
    privacy check, submit the audit, wait for the result and release. Returns when every
    mini program has an outcome.

    ``appids`` defaults to every stored authorizer that granted code management. The
    shipment's name (default ``<template_id>-<user_version>``) names its jobs in the store:
    running it again resumes it, and never commits after an audit started nor submits an
    audit twice. ``waker`` lets audit pushes received in this process end waits early.
    """
    number(template_id, "template_id")
    text(user_version, "user_version", max_len=code.USER_VERSION_MAX)
    optional_text(user_desc, "user_desc")
    shared = json_text(ext_json, "ext_json")
    overrides = dict(ext_json_for or {})
    options = options or ShipOptions()
    if not isinstance(options, ShipOptions):
        raise InvalidArgument("options", "give a ShipOptions")
    name = shipment if shipment is not None else f"{template_id}-{user_version}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgument("shipment", "1 to 64 letters, digits, '.', '_' or '-'")
    targets = None if appids is None else _targets(appids)
    if targets is not None and not targets:
        raise InvalidArgument("appids", "name at least one mini program")
    return _ship(_Run(ctx, name, options), targets, template_id, shared, overrides,
                 user_version, user_desc, waker)


def _ship(run: _Run, targets: list[str] | None, template_id: int, shared: str,
          overrides: dict[str, Any], user_version: str, user_desc: str,
          waker: Waker | None) -> Flow[ShipReport]:
    ctx, options = run.ctx, run.options
    if targets is None:
        targets = yield from mini_program_appids(ctx)
    yield from _register(run, template_id, user_version, user_desc, len(targets))
    items = parts_json(options.audit_items, "audit_items")
    planned: list[dict[str, Any]] = []
    for appid in targets:
        data: dict[str, Any] = {"appid": appid, "template_id": template_id,
                                "user_version": user_version, "user_desc": user_desc,
                                "items": items}
        try:
            data["ext_json"] = _ext_json_for(appid, shared, overrides)
        except InvalidArgument as exc:
            data["error"] = str(exc)
        planned.append(data)
    over = (yield from over_quota(ctx, run.name, [d["appid"] for d in planned
                                                  if "error" not in d])
            ) if options.preflight else {}
    for data in planned:
        blocker = over.get(data["appid"])
        if blocker is not None:
            data["blocked"] = {"code": blocker.code, "detail": blocker.detail}
        yield from _enqueue(run, "prepare", data["appid"], data)
    yield Emit(ListenerEvent.SHIP_STARTED, {"shipment": run.name, "apps": len(targets)})
    yield from _waiting_audits(run)
    while True:
        claimed: list[tuple[Stage, Job]] = []
        for stage in ("finish", "audit", "prepare"):
            jobs = yield from _claim(run, stage, options.concurrency - len(claimed))
            claimed.extend((stage, job) for job in jobs)
        if claimed:
            yield Gather(tuple(functools.partial(_STEPS[stage], run, job)
                               for stage, job in claimed), options.concurrency)
        pushed = waker.take() if waker is not None else set()
        for appid in sorted(pushed):
            yield from _check_pushed(run, appid)
        if claimed or pushed:
            continue
        result = yield from _finished(run)
        if result is not None:
            break
        if waker is not None:
            yield Pause(options.idle_interval, waker.event)
        else:
            yield Sleep(options.idle_interval)
    yield Emit(ListenerEvent.SHIP_FINISHED, {"shipment": run.name, **result.counts()})
    return result
