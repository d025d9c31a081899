"""The arguments of each store operation, as the one value its body receives.

Written by :mod:`._codegen` from :class:`~.base.Store` (``python -m
wxcomponent.stores._codegen``): never edit by hand. A backend's body for ``list_authorizers``
is ``_list_authorizers(self, a: ListAuthorizers)``; the values are those the operation was
called with, after its check (:mod:`._checked`), defaults filled in.
"""

from __future__ import annotations

from typing import NamedTuple

from . import base


class SaveTicket(NamedTuple):
    """The arguments of :meth:`~.base.Store.save_ticket`."""

    component_appid: str
    ticket: str
    created_at: int


class LoadTicket(NamedTuple):
    """The arguments of :meth:`~.base.Store.load_ticket`."""

    component_appid: str


class SaveAuthorizer(NamedTuple):
    """The arguments of :meth:`~.base.Store.save_authorizer`."""

    record: base.AuthorizerRecord


class GetAuthorizer(NamedTuple):
    """The arguments of :meth:`~.base.Store.get_authorizer`."""

    component_appid: str
    authorizer_appid: str


class ListAuthorizers(NamedTuple):
    """The arguments of :meth:`~.base.Store.list_authorizers`."""

    component_appid: str
    status: base.AuthorizerStatus | None
    after: str | None
    limit: int


class CountAuthorizers(NamedTuple):
    """The arguments of :meth:`~.base.Store.count_authorizers`."""

    component_appid: str
    status: base.AuthorizerStatus | None


class ReplaceRefreshToken(NamedTuple):
    """The arguments of :meth:`~.base.Store.replace_refresh_token`."""

    component_appid: str
    authorizer_appid: str
    expected: str | None
    new: str


class MarkRevoked(NamedTuple):
    """The arguments of :meth:`~.base.Store.mark_revoked`."""

    component_appid: str
    authorizer_appid: str
    event_at: int


class DeleteAuthorizer(NamedTuple):
    """The arguments of :meth:`~.base.Store.delete_authorizer`."""

    component_appid: str
    authorizer_appid: str


class SetAuthorizerTenant(NamedTuple):
    """The arguments of :meth:`~.base.Store.set_authorizer_tenant`."""

    component_appid: str
    authorizer_appid: str
    tenant: str | None


class SetAuthorizerName(NamedTuple):
    """The arguments of :meth:`~.base.Store.set_authorizer_name`."""

    component_appid: str
    authorizer_appid: str
    name: str | None
    account_type: base.AccountType | None


class SearchAuthorizers(NamedTuple):
    """The arguments of :meth:`~.base.Store.search_authorizers`."""

    component_appid: str
    prefix: str
    after: tuple[str, str] | None
    limit: int


class ScheduleRefresh(NamedTuple):
    """The arguments of :meth:`~.base.Store.schedule_refresh`."""

    component_appid: str
    authorizer_appid: str
    at: float


class DueAuthorizers(NamedTuple):
    """The arguments of :meth:`~.base.Store.due_authorizers`."""

    component_appid: str
    before: float
    limit: int


class SaveCompliance(NamedTuple):
    """The arguments of :meth:`~.base.Store.save_compliance`."""

    record: base.ComplianceRecord


class GetCompliance(NamedTuple):
    """The arguments of :meth:`~.base.Store.get_compliance`."""

    component_appid: str
    authorizer_appid: str


class ListCompliance(NamedTuple):
    """The arguments of :meth:`~.base.Store.list_compliance`."""

    component_appid: str
    blocked_by: str | None
    expiring_before: float | None
    after: str | None
    limit: int


class CountCompliance(NamedTuple):
    """The arguments of :meth:`~.base.Store.count_compliance`."""

    component_appid: str


class DueCompliance(NamedTuple):
    """The arguments of :meth:`~.base.Store.due_compliance`."""

    component_appid: str
    before: float
    limit: int


class Enqueue(NamedTuple):
    """The arguments of :meth:`~.base.Store.enqueue`."""

    component_appid: str
    topic: str
    group: str
    payload: bytes
    available_at: float | None
    key: str | None


class ClaimJobs(NamedTuple):
    """The arguments of :meth:`~.base.Store.claim_jobs`."""

    component_appid: str
    topic: str
    limit: int
    lease: float


class AckJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.ack_job`."""

    job_id: int
    claim: int


class RetryJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.retry_job`."""

    job_id: int
    claim: int
    available_at: float
    error: str


class BuryJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.bury_job`."""

    job_id: int
    claim: int
    error: str


class GetJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.get_job`."""

    job_id: int


class ListJobs(NamedTuple):
    """The arguments of :meth:`~.base.Store.list_jobs`."""

    component_appid: str
    topic: str | None
    state: base.JobState | None
    after: int | None
    limit: int


class RequeueJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.requeue_job`."""

    job_id: int
    available_at: float | None


class CountJobs(NamedTuple):
    """The arguments of :meth:`~.base.Store.count_jobs`."""

    component_appid: str
    topic: str | None


class PurgeJobs(NamedTuple):
    """The arguments of :meth:`~.base.Store.purge_jobs`."""

    component_appid: str
    topic: str
    state: base.JobState
    before: float
    limit: int


class FindJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.find_job`."""

    component_appid: str
    topic: str
    key: str


class RestoreJob(NamedTuple):
    """The arguments of :meth:`~.base.Store.restore_job`."""

    job: base.Job
    renumber: bool


class ReserveJobIds(NamedTuple):
    """The arguments of :meth:`~.base.Store.reserve_job_ids`."""

    through: int


class GetToken(NamedTuple):
    """The arguments of :meth:`~.base.Store.get_token`."""

    key: str


class SetToken(NamedTuple):
    """The arguments of :meth:`~.base.Store.set_token`."""

    key: str
    token: base.CachedToken
    fence: int | None


class DeleteToken(NamedTuple):
    """The arguments of :meth:`~.base.Store.delete_token`."""

    key: str
    if_value: str | None


class AcquireLease(NamedTuple):
    """The arguments of :meth:`~.base.Store.acquire_lease`."""

    key: str
    ttl: float


class ReleaseLease(NamedTuple):
    """The arguments of :meth:`~.base.Store.release_lease`."""

    key: str
    fence: int
