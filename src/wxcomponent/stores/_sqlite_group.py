"""Group commit for the asyncio SQLite store: the calls that must wait for the disk share one
transaction and one ``fsync``.

A write committed with ``synchronous=FULL`` (a queued push, an authorizer record) waits for
the disk, so :class:`~.sqlite.AsyncSQLiteStore` runs it on a worker thread. Under load many
such calls come while one is on its way to the disk; each of them on its own would cost a
hop to a thread and an ``fsync``. :class:`CommitGroup` queues them instead: one batch runs at
a time on a worker thread, every call of it in a savepoint of one transaction committed once
(:meth:`~._sqlite_conn._SQLiteFile._run_group`), and the calls that came meanwhile form the
next batch. A call is answered only once its batch is committed (or failed: then nothing of
the batch is written), so nothing is acknowledged before it is on disk. A lone call runs as
it did before, in a transaction of its own.

Internal module.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from ._sqlite_conn import _SQLiteFile

__all__ = ["MAX_GROUP", "CommitGroup"]

T = TypeVar("T")

#: The most calls one transaction holds (a larger backlog goes in several).
MAX_GROUP = 256

_Pending = tuple[Callable[[], Any], "asyncio.Future[Any]"]


class _Queue:
    """The calls of one event loop waiting for the next batch, and the task running them."""

    __slots__ = ("pending", "task")

    def __init__(self) -> None:
        self.pending: list[_Pending] = []
        self.task: asyncio.Task[None] | None = None


class CommitGroup:
    """The calls waiting for the disk of one store, run a batch at a time (see the module).
    The calls of each event loop are batched apart (a future belongs to its loop)."""

    def __init__(self, file: _SQLiteFile, executor: Executor) -> None:
        self._file = file
        self._executor = executor
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = \
            weakref.WeakKeyDictionary()

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` in the next batch; its result once committed."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[T] = loop.create_future()
        queue.pending.append((functools.partial(fn, *args, **kwargs), future))
        if queue.task is None:
            queue.task = loop.create_task(self._drain(loop, queue))
        return await future

    async def _drain(self, loop: asyncio.AbstractEventLoop, queue: _Queue) -> None:
        try:
            while queue.pending:
                batch = queue.pending[:MAX_GROUP]
                del queue.pending[:MAX_GROUP]
                await self._commit(loop, batch)
        finally:
            queue.task = None

    async def _commit(self, loop: asyncio.AbstractEventLoop, batch: list[_Pending]) -> None:
        calls = [call for call, _ in batch]
        try:
            if len(calls) == 1:
                outcomes = [(True, await loop.run_in_executor(self._executor, calls[0]))]
            else:
                outcomes = await loop.run_in_executor(self._executor, self._file._run_group,
                                                      calls)
        except BaseException as exc:  # the batch failed whole (a lone call: its own error)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():  # its caller was cancelled; the write stands
                continue
            if ok:
                future.set_result(value)
            else:
                assert isinstance(value, BaseException)
                future.set_exception(value)
