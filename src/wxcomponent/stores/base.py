"""The store protocol: what every backend keeps, in a sync and an async flavour.

A store holds three kinds of data, always keyed so that several platforms can share it:

* **durable** — the latest ``component_verify_ticket`` per component appid, and one
  :class:`AuthorizerRecord` per (component appid, authorizer appid) with its refresh token.
  Losing these forces every merchant to authorize again, so they are never kept only in a
  volatile cache.
* **volatile** — :class:`CachedToken` values with an absolute ``expires_at`` (component token,
  authorizer tokens, JS-SDK tickets), under string keys built by the token layer.
* **jobs** — a durable queue per (component appid, topic): :meth:`Store.enqueue` adds a
  :class:`Job`, :meth:`Store.claim_jobs` hands out due jobs under a lease (oldest first within a
  group, one at a time per group), and the claimer settles each with :meth:`Store.ack_job`,
  :meth:`Store.retry_job` or :meth:`Store.bury_job`, presenting the claim's fence. Ids never
  come back: :meth:`Store.restore_job` and :meth:`Store.reserve_job_ids` carry a queue and
  its ids to another store.
* **leases** — ``acquire_lease(key, ttl)`` returns a fencing token (a number that grows with
  every grant of that key) or ``None`` when someone else holds the lease. ``set_token(key, token,
  fence=f)`` lands only while the lease on ``key`` is still held with fence ``f``, so a holder
  that paused past its lease cannot overwrite a newer token.
* **compliance** — a :class:`ComplianceRecord` per mini program, indexed by what blocks it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from . import _compliance_record as compliance
from . import _validate as valid
from ._compliance_record import ComplianceRecord
from ._declare import CHECKS, checked
from ._declare import backend_body as _backend_body
from ._records import (
    ACCOUNT_TYPES,
    MAX_ACCOUNT_NAME_LENGTH,
    AccountType,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
    Ticket,
    name_key,
)

__all__ = [
    "ACCOUNT_TYPES", "CHECKS", "MAX_ACCOUNT_NAME_LENGTH", "AccountType", "AsyncStore",
    "AuthorizerRecord", "AuthorizerStatus", "CachedToken", "ComplianceRecord", "Job", "JobState",
    "Store", "Ticket", "checked", "name_key",
]


@runtime_checkable
class Store(Protocol):
    """The synchronous store protocol. Every backend implements it and passes one contract."""

    # durable: tickets
    @checked(valid.ticket_args)
    def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """Keep ``ticket`` unless a newer one (by ``created_at``) is stored; True if kept."""
        _backend_body()

    @checked(valid.platform_args)
    def load_ticket(self, component_appid: str) -> Ticket | None:
        """The latest ticket, or None."""
        _backend_body()

    # durable: authorizers
    @checked(valid.check_record, "record")
    def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """Insert or replace the record of ``record.authorizer_appid``; True when written.

        A record whose ``tenant``, ``name`` or ``account_type`` is None keeps the one already
        stored, one whose ``refresh_at`` is 0 keeps the stored schedule (a new record is due
        at once), and one whose ``auth_event_at`` is 0 keeps the stored time. A record whose
        ``auth_event_at`` is older than the stored one is not written (False).
        """
        _backend_body()

    @checked(valid.authorizer_args)
    def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """One authorizer's record, or None."""
        _backend_body()

    @checked(valid.list_args)
    def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records ordered by authorizer appid, those after ``after`` (keyset paging)."""
        _backend_body()

    @checked(valid.count_args)
    def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """How many records (of ``status``, if given) the platform has."""
        _backend_body()

    @checked(valid.replace_args)
    def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """Set the refresh token to ``new`` if it is still ``expected`` (None: always).

        Returns False (and changes nothing) when the record is missing or holds another token.
        """
        _backend_body()

    @checked(valid.revoke_args)
    def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """Mark the authorizer revoked (keeping its record); False if there is none.

        With ``event_at`` (the ``CreateTime`` of an ``unauthorized`` push), only when the
        record's ``auth_event_at`` is not later: then ``auth_event_at`` becomes ``event_at``;
        otherwise nothing changes and the answer is False.
        """
        _backend_body()

    @checked(valid.authorizer_args)
    def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """Remove a record that should never have been kept (one of the release check's test
        accounts); False if there is none. A merchant's record is revoked, never removed."""
        _backend_body()

    @checked(valid.tenant_args)
    def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """Set (or, with None, clear) the tenant of an authorizer; False if there is no record.

        ``updated_at`` moves to now; nothing else of the record changes.
        """
        _backend_body()

    @checked(valid.name_args)
    def set_authorizer_name(
        self, component_appid: str, authorizer_appid: str, name: str | None, *,
        account_type: AccountType | None = None
    ) -> bool:
        """Set (or, with None, clear) the name of an authorizer, and its ``account_type``
        when given (None keeps the stored one), in one write; False if there is no record.

        Nothing else of the record changes (``updated_at`` included).
        """
        _backend_body()

    @checked(valid.search_args)
    def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """Records (of any status) whose name starts with ``prefix``, compared by
        :func:`name_key`, ordered by (``name_key(name)``, authorizer appid); ``after`` is that
        pair of the last record of the previous page (keyset paging)."""
        _backend_body()

    @checked(valid.schedule_args, "at")
    def schedule_refresh(self, component_appid: str, authorizer_appid: str, at: float) -> bool:
        """Set the record's ``refresh_at``; False if there is no record. Nothing else of the
        record changes (``updated_at`` included)."""
        _backend_body()

    @checked(valid.due_args, "before")
    def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """Authorized records whose ``refresh_at`` is at or before ``before``, earliest first
        (ties by appid), at most ``limit``. Served by an index: the cost follows the records
        returned, not the records stored."""
        _backend_body()

    # durable: compliance
    @checked(compliance.check_compliance, "record")
    def save_compliance(self, record: ComplianceRecord) -> None:
        """Insert or replace the compliance record of ``record.authorizer_appid``, indexed by
        its codes and ``check_at`` (no credential: committed without waiting for a sync)."""
        _backend_body()

    @checked(valid.authorizer_args)
    def get_compliance(self, component_appid: str, authorizer_appid: str
                       ) -> ComplianceRecord | None:
        """One mini program's compliance record, or None."""
        _backend_body()

    @checked(compliance.compliance_list_args, "expiring_before")
    def list_compliance(
        self, component_appid: str, *, blocked_by: str | None = None,
        expiring_before: float | None = None, after: str | None = None, limit: int = 100,
    ) -> list[ComplianceRecord]:
        """Records by appid after ``after`` (keyset paging): those holding ``blocked_by`` (a
        code; ``"any"``: any blocker), read through its index, and those verified until
        ``expiring_before`` at most."""
        _backend_body()

    @checked(valid.platform_args)
    def count_compliance(self, component_appid: str) -> dict[str, int]:
        """How many records hold each code held, ``"any"`` (a blocker) and ``"records"``."""
        _backend_body()

    @checked(compliance.compliance_due_args, "before")
    def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """Records whose ``check_at`` is at or before ``before``, earliest first (then by
        appid), through an index."""
        _backend_body()

    # durable: the job queue
    @checked(valid.enqueue_args, "payload")
    def enqueue(
        self,
        component_appid: str,
        topic: str,
        group: str,
        payload: bytes,
        *,
        available_at: float | None = None,
        key: str | None = None,
    ) -> int:
        """Add a pending job; durable before it returns. Returns its id.

        ``available_at`` (default: now) is when it may first be claimed. With a ``key``
        already present in (``component_appid``, ``topic``), returns that job's id and
        changes nothing.
        """
        _backend_body()

    @checked(valid.claim_args, "lease")
    def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """Claim up to ``limit`` due jobs of ``topic``, at most one per group, for ``lease``
        seconds.

        A job is claimable when it is pending, due (``available_at`` <= now), the oldest
        pending job of its group, and no job of its group is under a claim that has not
        expired. Each claimed job comes back with ``attempts`` counted and a fresh ``claim``
        fence; until the lease ends no other claim sees it, and after that (its worker died)
        it is claimable again.
        """
        _backend_body()

    @checked(valid.settle_args)
    def ack_job(self, job_id: int, claim: int) -> bool:
        """Mark the job done; False (and nothing changes) if ``claim`` is not its claim."""
        _backend_body()

    @checked(valid.retry_args, "available_at", "error")
    def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """Put the claimed job back, pending, claimable from ``available_at``; its group
        waits for it. False if ``claim`` is not its claim."""
        _backend_body()

    @checked(valid.bury_args, "error")
    def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """Give the claimed job up (dead); its group proceeds. False if ``claim`` is stale."""
        _backend_body()

    @checked(valid.check_job_id)
    def get_job(self, job_id: int) -> Job | None:
        """One job, or None."""
        _backend_body()

    @checked(valid.list_jobs_args)
    def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """Jobs ordered by id, those after ``after`` (keyset paging), of ``topic`` and
        ``state`` when given."""
        _backend_body()

    @checked(valid.requeue_args, "available_at")
    def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """Replay a done or dead job: pending again from ``available_at`` (default: now),
        attempts 0. False when there is no such job or it is pending."""
        _backend_body()

    @checked(valid.count_jobs_args)
    def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """How many jobs (of ``topic``, if given) are in each state: every state is a key."""
        _backend_body()

    @checked(valid.purge_args, "before")
    def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float, limit: int = 500
    ) -> int:
        """Delete at most ``limit`` (1 to 1000) jobs of ``topic`` in ``state`` last updated
        before ``before``, the least recently updated first; their idempotency keys become
        free. Returns how many were deleted (fewer than ``limit``: none is left)."""
        _backend_body()

    @checked(valid.find_job_args)
    def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """The job enqueued in (``component_appid``, ``topic``) with the idempotency key
        ``key``, in whatever state, or None. Read through the index that makes keys unique."""
        _backend_body()

    @checked(valid.restore_args, "job")
    def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """Write ``job``, read from another store, as it stands there: state, attempts,
        times, last error, key and payload (a claim is not carried: a claimed job arrives
        pending and claimable). This is how a queue moves between stores.

        The job keeps its id, and every id this store gives later is greater; with
        ``renumber`` it gets a fresh id instead (order among restored jobs is kept when they
        are restored in id order). A job of this store with the same key, or (without a
        key) the same id, platform, topic, group and ``created_at``, is the same job: it is
        replaced by ``job`` when ``job`` was updated later, else left as it is. Returns the
        id the job has in this store; None when its id belongs to another job here (nothing
        changes: restore it again with ``renumber``).
        """
        _backend_body()

    @checked(valid.check_through)
    def reserve_job_ids(self, through: int) -> int:
        """Make every job id this store gives from now on greater than ``through``; returns
        the greatest id given or reserved so far (``reserve_job_ids(0)`` only reads it).
        Moving a queue carries this forward, so no id comes back on the new store."""
        _backend_body()

    # volatile
    @checked(valid.check_key)
    def get_token(self, key: str) -> CachedToken | None:
        """The cached token under ``key``, or None when missing or past ``expires_at``."""
        _backend_body()

    @checked(valid.set_token_args)
    def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """Cache ``token``; with ``fence``, only while that lease on ``key`` is held."""
        _backend_body()

    @checked(valid.delete_token_args)
    def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """Delete the token (only if its value is ``if_value``, when given)."""
        _backend_body()

    # leases
    @checked(valid.lease_args, "ttl")
    def acquire_lease(self, key: str, ttl: float) -> int | None:
        """Take the lease on ``key`` for ``ttl`` seconds: a fencing token, or None if held."""
        _backend_body()

    @checked(valid.release_args)
    def release_lease(self, key: str, fence: int) -> bool:
        """Give the lease back if still held with ``fence``."""
        _backend_body()

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class AsyncStore(Protocol):
    """The asyncio flavour of :class:`Store`: the same methods, awaited.

    Its operations, below the ``generated from Store`` line, are written from :class:`Store`
    by :mod:`._codegen` (``python -m wxcomponent.stores._codegen``): never edit them by hand.
    """

    async def close(self) -> None:
        """See :meth:`Store.close`."""
        ...

    # ---------------------------------------------------------- generated from Store
    async def save_ticket(self, component_appid: str, ticket: str, created_at: int) -> bool:
        """See :meth:`Store.save_ticket`."""
        _backend_body()

    async def load_ticket(self, component_appid: str) -> Ticket | None:
        """See :meth:`Store.load_ticket`."""
        _backend_body()

    async def save_authorizer(self, record: AuthorizerRecord) -> bool:
        """See :meth:`Store.save_authorizer`."""
        _backend_body()

    async def get_authorizer(
        self, component_appid: str, authorizer_appid: str
    ) -> AuthorizerRecord | None:
        """See :meth:`Store.get_authorizer`."""
        _backend_body()

    async def list_authorizers(
        self,
        component_appid: str,
        *,
        status: AuthorizerStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.list_authorizers`."""
        _backend_body()

    async def count_authorizers(
        self, component_appid: str, *, status: AuthorizerStatus | None = None
    ) -> int:
        """See :meth:`Store.count_authorizers`."""
        _backend_body()

    async def replace_refresh_token(
        self, component_appid: str, authorizer_appid: str, expected: str | None, new: str
    ) -> bool:
        """See :meth:`Store.replace_refresh_token`."""
        _backend_body()

    async def mark_revoked(
        self, component_appid: str, authorizer_appid: str, *, event_at: int = 0
    ) -> bool:
        """See :meth:`Store.mark_revoked`."""
        _backend_body()

    async def delete_authorizer(self, component_appid: str, authorizer_appid: str) -> bool:
        """See :meth:`Store.delete_authorizer`."""
        _backend_body()

    async def set_authorizer_tenant(
        self, component_appid: str, authorizer_appid: str, tenant: str | None
    ) -> bool:
        """See :meth:`Store.set_authorizer_tenant`."""
        _backend_body()

    async def set_authorizer_name(
        self,
        component_appid: str,
        authorizer_appid: str,
        name: str | None,
        *,
        account_type: AccountType | None = None,
    ) -> bool:
        """See :meth:`Store.set_authorizer_name`."""
        _backend_body()

    async def search_authorizers(
        self,
        component_appid: str,
        prefix: str,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.search_authorizers`."""
        _backend_body()

    async def schedule_refresh(
        self, component_appid: str, authorizer_appid: str, at: float
    ) -> bool:
        """See :meth:`Store.schedule_refresh`."""
        _backend_body()

    async def due_authorizers(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[AuthorizerRecord]:
        """See :meth:`Store.due_authorizers`."""
        _backend_body()

    async def save_compliance(self, record: ComplianceRecord) -> None:
        """See :meth:`Store.save_compliance`."""
        _backend_body()

    async def get_compliance(
        self, component_appid: str, authorizer_appid: str
    ) -> ComplianceRecord | None:
        """See :meth:`Store.get_compliance`."""
        _backend_body()

    async def list_compliance(
        self,
        component_appid: str,
        *,
        blocked_by: str | None = None,
        expiring_before: float | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ComplianceRecord]:
        """See :meth:`Store.list_compliance`."""
        _backend_body()

    async def count_compliance(self, component_appid: str) -> dict[str, int]:
        """See :meth:`Store.count_compliance`."""
        _backend_body()

    async def due_compliance(
        self, component_appid: str, *, before: float, limit: int = 100
    ) -> list[ComplianceRecord]:
        """See :meth:`Store.due_compliance`."""
        _backend_body()

    async def enqueue(
        self,
        component_appid: str,
        topic: str,
        group: str,
        payload: bytes,
        *,
        available_at: float | None = None,
        key: str | None = None,
    ) -> int:
        """See :meth:`Store.enqueue`."""
        _backend_body()

    async def claim_jobs(
        self, component_appid: str, topic: str, *, limit: int, lease: float
    ) -> list[Job]:
        """See :meth:`Store.claim_jobs`."""
        _backend_body()

    async def ack_job(self, job_id: int, claim: int) -> bool:
        """See :meth:`Store.ack_job`."""
        _backend_body()

    async def retry_job(self, job_id: int, claim: int, available_at: float, error: str) -> bool:
        """See :meth:`Store.retry_job`."""
        _backend_body()

    async def bury_job(self, job_id: int, claim: int, error: str) -> bool:
        """See :meth:`Store.bury_job`."""
        _backend_body()

    async def get_job(self, job_id: int) -> Job | None:
        """See :meth:`Store.get_job`."""
        _backend_body()

    async def list_jobs(
        self,
        component_appid: str,
        *,
        topic: str | None = None,
        state: JobState | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """See :meth:`Store.list_jobs`."""
        _backend_body()

    async def requeue_job(self, job_id: int, *, available_at: float | None = None) -> bool:
        """See :meth:`Store.requeue_job`."""
        _backend_body()

    async def count_jobs(self, component_appid: str, *, topic: str | None = None) -> dict[str, int]:
        """See :meth:`Store.count_jobs`."""
        _backend_body()

    async def purge_jobs(
        self, component_appid: str, *, topic: str, state: JobState, before: float, limit: int = 500
    ) -> int:
        """See :meth:`Store.purge_jobs`."""
        _backend_body()

    async def find_job(self, component_appid: str, topic: str, key: str) -> Job | None:
        """See :meth:`Store.find_job`."""
        _backend_body()

    async def restore_job(self, job: Job, *, renumber: bool = False) -> int | None:
        """See :meth:`Store.restore_job`."""
        _backend_body()

    async def reserve_job_ids(self, through: int) -> int:
        """See :meth:`Store.reserve_job_ids`."""
        _backend_body()

    async def get_token(self, key: str) -> CachedToken | None:
        """See :meth:`Store.get_token`."""
        _backend_body()

    async def set_token(self, key: str, token: CachedToken, *, fence: int | None = None) -> bool:
        """See :meth:`Store.set_token`."""
        _backend_body()

    async def delete_token(self, key: str, *, if_value: str | None = None) -> bool:
        """See :meth:`Store.delete_token`."""
        _backend_body()

    async def acquire_lease(self, key: str, ttl: float) -> int | None:
        """See :meth:`Store.acquire_lease`."""
        _backend_body()

    async def release_lease(self, key: str, fence: int) -> bool:
        """See :meth:`Store.release_lease`."""
        _backend_body()
