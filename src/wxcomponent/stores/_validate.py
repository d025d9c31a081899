"""Argument checks shared by every backend.

Each check raises :class:`~wxcomponent.errors.InvalidArgument` (a :class:`ValueError`) naming
the argument before a store is touched, and no message ever contains the value of a secret
(tickets, refresh tokens, token values): only names and types.
"""

from __future__ import annotations

import math
import re
from typing import Any, get_args

from ..errors import InvalidArgument
from ._records import (
    ACCOUNT_TYPES,
    MAX_ACCOUNT_NAME_LENGTH,
    AuthorizerRecord,
    AuthorizerStatus,
    CachedToken,
    Job,
    JobState,
)

__all__ = [
    "MAX_KEY_LENGTH",
    "STATUSES",
    "check_account_name",
    "check_appid",
    "check_created_at",
    "check_event_time",
    "check_fence",
    "check_key",
    "check_limit",
    "check_optional_text",
    "check_record",
    "check_secret",
    "check_status",
    "check_tenant",
    "check_token",
    "check_ttl",
]

STATUSES: tuple[str, ...] = get_args(AuthorizerStatus)

#: Longest token or lease key accepted (keys are built by the token layer and stay short).
MAX_KEY_LENGTH = 512
#: Longest appid accepted (WeChat's are 18 characters).
MAX_APPID_LENGTH = 128
#: Longest tenant reference accepted.
MAX_TENANT_LENGTH = 128
#: ``created_at`` must be exactly representable as a double (Redis compares it in Lua).
_MAX_EXACT_INT = 2**53

# An appid is one "word": no whitespace, no control character and no ':' (the separator of
# Redis keys, so that no appid can spell another platform's key).
_APPID = re.compile(r"[^\s:\x00-\x1f\x7f]+")


def _kind(value: object) -> str:
    return type(value).__name__


def check_appid(name: str, value: object) -> str:
    """An appid: a non-empty string without whitespace, control characters or ':'."""
    if not isinstance(value, str):
        raise InvalidArgument(name, f"must be a string, not {_kind(value)}")
    if not value:
        raise InvalidArgument(name, "must not be empty")
    if len(value) > MAX_APPID_LENGTH or _APPID.fullmatch(value) is None:
        raise InvalidArgument(
            name,
            f"must be at most {MAX_APPID_LENGTH} characters without whitespace, "
            f"control characters or ':', got {value[:40]!r}",
        )
    return value


def check_key(value: object, name: str = "key") -> str:
    """A token or lease key: a non-empty printable string of bounded length."""
    if type(value) is not str:
        raise InvalidArgument(name, f"must be a string, not {_kind(value)}")
    if not value or len(value) > MAX_KEY_LENGTH or not value.isprintable():
        raise InvalidArgument(
            name,
            f"must be a non-empty printable string of at most {MAX_KEY_LENGTH} "
            f"characters, got {value[:40]!r}",
        )
    return value


def check_secret(name: str, value: object) -> str:
    """A secret string (ticket, refresh token, token value): non-empty; never echoed."""
    if not isinstance(value, str):
        raise InvalidArgument(name, f"must be a string, not {_kind(value)}")
    if not value:
        raise InvalidArgument(name, "must not be empty")
    return value


def _check_label(value: object, name: str, longest: int) -> str | None:
    """None, or 1 to ``longest`` printable characters."""
    if value is None:
        return None
    if type(value) is not str:
        raise InvalidArgument(name, f"must be a string or None, not {_kind(value)}")
    if not value or len(value) > longest or not value.isprintable():
        raise InvalidArgument(
            name, f"must be 1 to {longest} printable characters, got {value[:40]!r}")
    return value


def check_tenant(value: object, name: str = "tenant") -> str | None:
    """None, or a tenant reference: 1 to 128 printable characters."""
    return _check_label(value, name, MAX_TENANT_LENGTH)


def check_account_name(value: object, name: str = "name") -> str | None:
    """None, or an account's name: 1 to 256 printable characters."""
    return _check_label(value, name, MAX_ACCOUNT_NAME_LENGTH)


def check_account_type(value: object) -> None:
    """None, or one of :data:`~.base.ACCOUNT_TYPES`."""
    if value is not None and value not in ACCOUNT_TYPES:
        raise InvalidArgument("account_type", "must be 'official_account', 'mini_program' or "
                                              "None")


def check_optional_text(name: str, value: object) -> str | None:
    """None or a string (a compare-and-set expectation, a paging cursor)."""
    if value is not None and not isinstance(value, str):
        raise InvalidArgument(name, f"must be a string or None, not {_kind(value)}")
    return value


def check_created_at(value: object) -> int:
    """A push's CreateTime: an int (not a bool) that a double holds exactly."""
    if type(value) is not int:
        raise InvalidArgument("created_at", f"must be an int, not {_kind(value)}")
    if abs(value) >= _MAX_EXACT_INT:
        raise InvalidArgument("created_at", "is out of range")
    return value


def check_event_time(name: str, value: object) -> int:
    """The ``CreateTime`` of an authorization change: an int (not a bool), 0 or more, that a
    double holds exactly (0: none)."""
    if type(value) is not int:
        raise InvalidArgument(name, f"must be an int, not {_kind(value)}")
    if not 0 <= value < _MAX_EXACT_INT:
        raise InvalidArgument(name, "must be 0 or a positive int in range")
    return value


def _check_time(name: str, value: object, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if type(value) is bool or not isinstance(value, (int, float)):
        raise InvalidArgument(name, f"must be a number, not {_kind(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidArgument(name, "must be finite")
    return result


def check_ttl(value: object) -> float:
    """A lease duration in seconds: a finite positive number."""
    ttl = _check_time("ttl", value)
    assert ttl is not None
    if ttl <= 0:
        raise InvalidArgument("ttl", "must be positive")
    return ttl


def check_fence(value: object, *, optional: bool = False) -> int | None:
    """A fencing token: a positive int (or None where allowed)."""
    if value is None and optional:
        return None
    if type(value) is not int:
        raise InvalidArgument("fence", f"must be an int, not {_kind(value)}")
    if value < 1:
        raise InvalidArgument("fence", "must be positive")
    return value


def check_status(value: object) -> AuthorizerStatus | None:
    """None or one of the authorizer statuses."""
    if value is None:
        return None
    if value not in STATUSES or not isinstance(value, str):
        raise InvalidArgument("status", f"must be one of {STATUSES} or None, got {value!r}")
    return value  # type: ignore[return-value]


def check_limit(value: object) -> int:
    """A page size: a positive int."""
    if type(value) is not int:
        raise InvalidArgument("limit", f"must be an int, not {_kind(value)}")
    if value < 1:
        raise InvalidArgument("limit", "must be at least 1")
    return value


def check_token(token: object) -> CachedToken:
    """A :class:`CachedToken` with a non-empty value and finite times."""
    if not isinstance(token, CachedToken):
        raise InvalidArgument("token", f"must be a CachedToken, not {_kind(token)}")
    check_secret("token.value", token.value)
    _check_time("token.expires_at", token.expires_at)
    _check_time("token.obtained_at", token.obtained_at)
    return token


def check_record(record: object) -> AuthorizerRecord:
    """A well-formed :class:`AuthorizerRecord`; ``func_info`` is normalised to a tuple."""
    if not isinstance(record, AuthorizerRecord):
        raise InvalidArgument("record", f"must be an AuthorizerRecord, not {_kind(record)}")
    check_appid("component_appid", record.component_appid)
    check_appid("authorizer_appid", record.authorizer_appid)
    check_secret("refresh_token", record.refresh_token)
    if check_status(record.status) is None:
        raise InvalidArgument("status", "must not be None")
    func_info: Any = record.func_info
    if isinstance(func_info, (str, bytes)) or not hasattr(func_info, "__iter__"):
        raise InvalidArgument("func_info", f"must be a sequence of ints, not {_kind(func_info)}")
    items = tuple(func_info)
    if any(type(item) is not int for item in items):
        raise InvalidArgument("func_info", "must hold ints only")
    _check_time("authorized_at", record.authorized_at)
    _check_time("updated_at", record.updated_at)
    _check_time("revoked_at", record.revoked_at, optional=True)
    check_tenant(record.tenant)
    check_account_name(record.name)
    check_account_type(record.account_type)
    _check_time("refresh_at", record.refresh_at)
    check_event_time("auth_event_at", record.auth_event_at)
    if type(func_info) is not tuple:
        from dataclasses import replace

        record = replace(record, func_info=items)
    return record


# ---------------------------------------------------------------------- one check per operation
# Each operation of :class:`~.base.Store` names its check where it is declared; the check
# takes the operation's arguments in their order and is applied once, for every backend, by
# :mod:`._checked`. A check that returns something returns the argument(s) it normalises.


def platform_args(component_appid: object) -> None:
    """Arguments naming one platform (``load_ticket``)."""
    check_appid("component_appid", component_appid)


def ticket_args(component_appid: object, ticket: object, created_at: object) -> None:
    """Arguments of ``save_ticket``."""
    check_appid("component_appid", component_appid)
    check_secret("ticket", ticket)
    check_created_at(created_at)


def authorizer_args(component_appid: object, authorizer_appid: object) -> None:
    """Arguments naming one authorizer (``get_authorizer``, ``mark_revoked``)."""
    check_appid("component_appid", component_appid)
    check_appid("authorizer_appid", authorizer_appid)


def revoke_args(component_appid: object, authorizer_appid: object, event_at: object) -> None:
    """Arguments of ``mark_revoked``."""
    authorizer_args(component_appid, authorizer_appid)
    check_event_time("event_at", event_at)


def tenant_args(component_appid: object, authorizer_appid: object, tenant: object) -> None:
    """Arguments of ``set_authorizer_tenant``."""
    authorizer_args(component_appid, authorizer_appid)
    check_tenant(tenant)


def name_args(component_appid: object, authorizer_appid: object, name: object,
              account_type: object = None) -> None:
    """Arguments of ``set_authorizer_name``."""
    authorizer_args(component_appid, authorizer_appid)
    check_account_name(name)
    check_account_type(account_type)


def search_args(component_appid: object, prefix: object, after: object, limit: object) -> None:
    """Arguments of ``search_authorizers``."""
    check_appid("component_appid", component_appid)
    if type(prefix) is not str:
        raise InvalidArgument("prefix", f"must be a string, not {_kind(prefix)}")
    if len(prefix) > MAX_ACCOUNT_NAME_LENGTH or not prefix.isprintable():
        raise InvalidArgument(
            "prefix", f"must be at most {MAX_ACCOUNT_NAME_LENGTH} printable characters")
    if after is not None:
        if not (type(after) is tuple and len(after) == 2 and all(type(v) is str for v in after)):
            raise InvalidArgument("after", "must be a (name key, appid) pair of strings or None")
        # The key of a printable name is printable: a 0 byte or a lone surrogate is no cursor,
        # and would fail in the backend instead.
        if not after[0].isprintable():
            raise InvalidArgument("after", "must start with a name key: printable characters")
        check_appid("after", after[1])
    check_limit(limit)


def schedule_args(component_appid: object, authorizer_appid: object, at: object) -> float:
    """Arguments of ``schedule_refresh``: the time as a float."""
    authorizer_args(component_appid, authorizer_appid)
    return _check_time("at", at)  # type: ignore[return-value]


def due_args(component_appid: object, before: object, limit: object) -> float:
    """Arguments of ``due_authorizers``: ``before`` as a float."""
    check_appid("component_appid", component_appid)
    check_limit(limit)
    return _check_time("before", before)  # type: ignore[return-value]


def list_args(component_appid: object, status: object, after: object, limit: object) -> None:
    """Arguments of ``list_authorizers``."""
    check_appid("component_appid", component_appid)
    check_status(status)
    check_optional_text("after", after)
    check_limit(limit)


def count_args(component_appid: object, status: object) -> None:
    """Arguments of ``count_authorizers``."""
    check_appid("component_appid", component_appid)
    check_status(status)


def replace_args(
    component_appid: object, authorizer_appid: object, expected: object, new: object
) -> None:
    """Arguments of ``replace_refresh_token``."""
    authorizer_args(component_appid, authorizer_appid)
    check_optional_text("expected", expected)
    check_secret("new", new)


def set_token_args(key: object, token: object, fence: object) -> None:
    """Arguments of ``set_token``."""
    check_key(key)
    check_token(token)
    check_fence(fence, optional=True)


def delete_token_args(key: object, if_value: object) -> None:
    """Arguments of ``delete_token``."""
    check_key(key)
    check_optional_text("if_value", if_value)


def lease_args(key: object, ttl: object) -> float:
    """Arguments of ``acquire_lease``; returns ``ttl`` as a float."""
    check_key(key)
    return check_ttl(ttl)


def release_args(key: object, fence: object) -> None:
    """Arguments of ``release_lease``."""
    check_key(key)
    check_fence(fence)


# ---------------------------------------------------------------------- the job queue

#: Job states, in the order counts are reported.
JOB_STATES: tuple[str, ...] = get_args(JobState)
#: Longest topic, group, idempotency key accepted.
MAX_NAME_LENGTH = 256
#: Largest payload accepted (a job carries a push or a small instruction, not a file).
MAX_PAYLOAD = 1 << 20
#: Longest error kept with a job (longer ones are cut).
MAX_ERROR = 2000
#: Most jobs one claim or one page returns.
MAX_JOBS_PER_CALL = 1000


def check_name(name: str, value: object, *, optional: bool = False) -> str | None:
    """A topic, group or idempotency key: 1 to 256 printable characters (None if optional)."""
    if value is None and optional:
        return None
    if type(value) is not str:
        kind = "a string or None" if optional else "a string"
        raise InvalidArgument(name, f"must be {kind}, not {_kind(value)}")
    if not value or len(value) > MAX_NAME_LENGTH or not value.isprintable():
        raise InvalidArgument(
            name,
            f"must be 1 to {MAX_NAME_LENGTH} printable characters, got {value[:40]!r}",
        )
    return value


def check_payload(value: object) -> bytes:
    """A job's payload: bytes (or a bytes-like object) of at most 1 MiB; never echoed."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidArgument("payload", f"must be bytes, not {_kind(value)}")
    data = bytes(value)
    if len(data) > MAX_PAYLOAD:
        raise InvalidArgument("payload", f"is {len(data)} bytes; at most {MAX_PAYLOAD} allowed")
    return data


def check_job_id(value: object, name: str = "job_id") -> int:
    """A job id (or a claim fence): a positive int."""
    if type(value) is not int:
        raise InvalidArgument(name, f"must be an int, not {_kind(value)}")
    if value < 1 or value >= _MAX_EXACT_INT:
        raise InvalidArgument(name, "must be a positive int below 2**53")
    return value


def check_job_state(value: object, *, optional: bool) -> JobState | None:
    """One of the job states (or None where allowed)."""
    if value is None and optional:
        return None
    if value not in JOB_STATES or not isinstance(value, str):
        allowed = f"one of {JOB_STATES}" + (" or None" if optional else "")
        raise InvalidArgument("state", f"must be {allowed}, got {value!r}")
    return value  # type: ignore[return-value]


def check_error(value: object) -> str:
    """The error kept with a job: a string, cut to :data:`MAX_ERROR` characters."""
    if type(value) is not str:
        raise InvalidArgument("error", f"must be a string, not {_kind(value)}")
    return value[:MAX_ERROR]


def check_time(name: str, value: object, *, optional: bool = False) -> float | None:
    """A point in time (epoch seconds): a finite number, or None where allowed."""
    return _check_time(name, value, optional=optional)


def _check_jobs_limit(value: object) -> int:
    limit = check_limit(value)
    if limit > MAX_JOBS_PER_CALL:
        raise InvalidArgument("limit", f"must be at most {MAX_JOBS_PER_CALL}")
    return limit


def enqueue_args(
    component_appid: object, topic: object, group: object, payload: object,
    available_at: object, key: object,
) -> bytes:
    """Arguments of ``enqueue``; returns the payload as bytes."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic)
    check_name("group", group)
    data = check_payload(payload)
    _check_time("available_at", available_at, optional=True)
    check_name("key", key, optional=True)
    return data


def claim_args(component_appid: object, topic: object, limit: object, lease: object) -> float:
    """Arguments of ``claim_jobs``; returns the lease as a float."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic)
    _check_jobs_limit(limit)
    seconds = _check_time("lease", lease)
    assert seconds is not None
    if seconds <= 0:
        raise InvalidArgument("lease", "must be positive")
    return seconds


def settle_args(job_id: object, claim: object) -> None:
    """Arguments naming one claim of one job (``ack_job``, ``retry_job``, ``bury_job``)."""
    check_job_id(job_id)
    check_job_id(claim, "claim")


def retry_args(
    job_id: object, claim: object, available_at: object, error: object
) -> tuple[float, str]:
    """Arguments of ``retry_job``; returns the time as a float and the error cut to size."""
    settle_args(job_id, claim)
    when = _check_time("available_at", available_at)
    assert when is not None
    return when, check_error(error)


def bury_args(job_id: object, claim: object, error: object) -> str:
    """Arguments of ``bury_job``; returns the error cut to size."""
    settle_args(job_id, claim)
    return check_error(error)


def requeue_args(job_id: object, available_at: object) -> float | None:
    """Arguments of ``requeue_job``; returns the time as a float (or None)."""
    check_job_id(job_id)
    return _check_time("available_at", available_at, optional=True)


def count_jobs_args(component_appid: object, topic: object) -> None:
    """Arguments of ``count_jobs``."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic, optional=True)


def list_jobs_args(
    component_appid: object, topic: object, state: object, after: object, limit: object
) -> None:
    """Arguments of ``list_jobs``."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic, optional=True)
    check_job_state(state, optional=True)
    if after is not None:
        if type(after) is not int:
            raise InvalidArgument("after", f"must be an int or None, not {_kind(after)}")
        if after < 0:
            raise InvalidArgument("after", "must not be negative")
    _check_jobs_limit(limit)


def purge_args(component_appid: object, topic: object, state: object, before: object,
               limit: object) -> float:
    """Arguments of ``purge_jobs``; returns ``before`` as a float."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic)
    check_job_state(state, optional=False)
    _check_jobs_limit(limit)
    moment = _check_time("before", before)
    assert moment is not None
    return moment


def find_job_args(component_appid: object, topic: object, key: object) -> None:
    """Arguments of ``find_job``."""
    check_appid("component_appid", component_appid)
    check_name("topic", topic)
    check_name("key", key)


def restore_args(job: object, renumber: object) -> Job:
    """Arguments of ``restore_job``: a well-formed :class:`Job`, returned without its claim
    (a claim belongs to the store that granted it) and with its error cut to size."""
    if not isinstance(job, Job):
        raise InvalidArgument("job", f"must be a Job, not {_kind(job)}")
    if type(renumber) is not bool:
        raise InvalidArgument("renumber", f"must be True or False, not {_kind(renumber)}")
    check_job_id(job.id, "job.id")
    check_appid("job.component_appid", job.component_appid)
    check_name("job.topic", job.topic)
    check_name("job.group", job.group)
    check_name("job.key", job.key, optional=True)
    payload = check_payload(job.payload)
    check_job_state(job.state, optional=False)
    if type(job.attempts) is not int or job.attempts < 0:
        raise InvalidArgument("job.attempts", "must be an int, 0 or more")
    times = {name: _check_time(f"job.{name}", getattr(job, name))
             for name in ("available_at", "created_at", "updated_at")}
    if type(job.last_error) is not str:
        raise InvalidArgument("job.last_error", f"must be a string, not {_kind(job.last_error)}")
    return Job(
        id=job.id, component_appid=job.component_appid, topic=job.topic, group=job.group,
        payload=payload, state=job.state, attempts=job.attempts,
        available_at=float(times["available_at"] or 0.0),
        created_at=float(times["created_at"] or 0.0),
        updated_at=float(times["updated_at"] or 0.0), last_error=job.last_error[:MAX_ERROR],
        key=job.key, claim=None,
    )  # fmt: skip


def check_through(value: object) -> int:
    """The argument of ``reserve_job_ids``: an int from 0 below 2**53."""
    if type(value) is not int:
        raise InvalidArgument("through", f"must be an int, not {_kind(value)}")
    if value < 0 or value >= _MAX_EXACT_INT:
        raise InvalidArgument("through", "must be 0 or more, below 2**53")
    return value


def same_job(stored: Job, restored: Job) -> bool:
    """Whether ``stored`` (a job of this store) is ``restored`` (a job being restored): the
    same key in the same platform and topic, or, without keys, the same id, platform, topic,
    group and creation time."""
    if (stored.component_appid, stored.topic) != (restored.component_appid, restored.topic):
        return False
    if restored.key is not None:
        return stored.key == restored.key
    return (stored.key is None and stored.id == restored.id and stored.group == restored.group
            and stored.created_at == restored.created_at)
