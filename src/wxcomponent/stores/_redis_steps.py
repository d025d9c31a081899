"""What a Redis store operation yields, and how its steps run.

An operation of the Redis stores (:mod:`._redis_ops`, :mod:`._redis_queue`) is a generator that
yields *steps* and receives their replies:

* a ``tuple`` is one Redis command (``("GET", key)``), executed with ``execute_command``;
* a :class:`DurableCall` is a call to the durable store beside Redis (see :mod:`.redis`).

An exception raised while executing a step is thrown into the generator, so the generator
alone decides what to do about it (e.g. reload a Lua script Redis forgot, see
:func:`eval_script`); anything it does not handle comes back out to the driver, which maps
Redis errors with :func:`translate`.

The Lua scripts live in ``lua/<name>.lua``, each starting with a comment block that says its
KEYS and ARGV; :func:`load_script` reads one once, at import, into a :class:`Script`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, TypeVar

from ..errors import StoreCorrupt, StoreError, StoreUnavailable

__all__ = [
    "DurableCall",
    "Op",
    "Script",
    "Step",
    "eval_script",
    "is_response_error",
    "load_script",
    "load_source",
    "translate",
]

T = TypeVar("T")


@dataclass(frozen=True)
class DurableCall:
    """A step: call ``method`` of the durable store with these arguments."""

    method: str
    # The arguments may hold refresh tokens: never shown.
    args: tuple[Any, ...] = field(default=(), repr=False)
    kwargs: dict[str, Any] = field(default_factory=dict, repr=False)


Step = tuple[Any, ...] | DurableCall
#: An operation: yields steps, receives their replies, returns the result.
Op = Generator[Step, Any, T]


@dataclass(frozen=True)
class Script:
    """A Lua script, sent by SHA1 and re-sent in full when Redis does not know it."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())  # noqa: S324


def load_source(name: str) -> str:
    """The source of the Lua script in ``lua/<name>.lua``, less the comment block it starts
    with (its KEYS and ARGV): that block is for the reader, not sent to Redis."""
    lines = (files(__package__) / "lua" / f"{name}.lua").read_text("utf-8").splitlines(True)
    start = 0
    while start < len(lines) and lines[start].startswith("--"):
        start += 1
    if start < len(lines) and not lines[start].strip():
        start += 1
    return "\n" + "".join(lines[start:])


def load_script(name: str) -> Script:
    """The :class:`Script` kept in ``lua/<name>.lua``, read once (at import)."""
    return Script(load_source(name))


def _is_noscript(exc: BaseException) -> bool:
    return str(exc).startswith("NOSCRIPT") or type(exc).__name__ == "NoScriptError"


def eval_script(script: Script, keys: tuple[str, ...], args: tuple[Any, ...]) -> Op[Any]:
    """Run ``script`` by SHA1, sending its source once if Redis does not have it."""
    try:
        return (yield ("EVALSHA", script.sha, len(keys), *keys, *args))
    except Exception as exc:
        if not _is_noscript(exc):
            raise
    return (yield ("EVAL", script.source, len(keys), *keys, *args))


def is_response_error(exc: BaseException) -> bool:
    try:
        from redis.exceptions import ResponseError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, ResponseError)


def translate(exc: BaseException, where: str, secret: str | None = None) -> BaseException:
    """Map a redis-py exception to the store error tree; others come back unchanged.

    ``where`` names the server (a redacted URL); ``secret`` (the password) is cut from the
    message should the client library have quoted it.
    """
    try:
        from redis import exceptions as rx
    except ImportError:  # pragma: no cover - redis is installed whenever this runs
        return exc
    if not isinstance(exc, rx.RedisError):
        return exc
    detail = str(exc)
    if secret:
        detail = detail.replace(secret, "***")
    if isinstance(exc, (rx.ConnectionError, rx.TimeoutError, rx.BusyLoadingError)) or (
        isinstance(exc, rx.ResponseError) and detail.startswith(("READONLY", "OOM", "MASTERDOWN"))
    ):
        return StoreUnavailable(f"Redis at {where} is unavailable: {detail}")
    if detail.startswith("WRONGTYPE"):
        return StoreCorrupt(f"Redis at {where} holds keys of another kind: {detail}")
    return StoreError(f"Redis at {where} failed: {detail}")
