"""Methods made from flows, declared once for both shells.

A class lists its API as descriptors: ``access_token = flow_method(tokens.component_access_token)``.
For the type checker the descriptor's ``__get__`` is overloaded on the owner: on a
:class:`SyncDriver` it is the flow's signature returning the flow's result, on an
:class:`AsyncDriver` the same signature returning a coroutine. At run time each concrete class
turns every inherited descriptor into a real function (``def`` or ``async def``) carrying the
flow's name, docstring and signature (without the leading context, and the authorizer appid
for authorizer clients), so ``inspect.signature``, ``help()`` and editors show the real thing.

Methods that belong together form a **group**, reached as an attribute
(``client.code.commit(...)``): a class lists the group's methods once, and one line per shell
makes its concrete classes (``class CodeGroup(CodeAPI, SyncGroup)``,
``class AsyncCodeGroup(CodeAPI, AsyncGroup)``). :class:`group` is the attribute: on a
:class:`SyncDriver` it is the sync class, on an :class:`AsyncDriver` the async one, for the type
checker and at run time; a group drives its flows through the object it belongs to.

Internal module.
"""

from __future__ import annotations

import abc
import inspect
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast, overload

from ..core.context import Context
from ..core.effects import Flow
from ..core.paging import Pages

__all__ = [
    "AsyncDriver",
    "AsyncGroup",
    "SyncDriver",
    "SyncGroup",
    "authorizer_method",
    "flow_method",
    "group",
    "pages_method",
]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="SyncGroup")
A = TypeVar("A", bound="AsyncGroup")
D = TypeVar("D", bound="_Driven[Any, Any]")


class SyncDriver(abc.ABC):
    """Runs flows with blocking calls. ``_flow_args`` are the leading arguments of every flow
    (the context, and an authorizer's appid for an authorizer client)."""

    _flow_args: tuple[Any, ...]

    @abc.abstractmethod
    def _drive(self, flow: Flow[T]) -> T:
        """Run ``flow`` to its end, performing its effects; its result."""

    def _iterate(self, pages: Pages[T]) -> Iterator[T]:
        cursor: Any = None
        while True:
            page = self._drive(pages.fetch(cursor))
            yield from page.items
            if page.next is None:
                return
            cursor = page.next

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _materialize(cls, asynchronous=False)


class AsyncDriver(abc.ABC):
    """Runs flows with awaited calls; see :class:`SyncDriver`."""

    _flow_args: tuple[Any, ...]

    @abc.abstractmethod
    async def _drive(self, flow: Flow[T]) -> T:
        """Run ``flow`` to its end, awaiting its effects; its result."""

    async def _iterate(self, pages: Pages[T]) -> AsyncIterator[T]:
        cursor: Any = None
        while True:
            page = await self._drive(pages.fetch(cursor))
            for item in page.items:
                yield item
            if page.next is None:
                return
            cursor = page.next

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _materialize(cls, asynchronous=True)


class _Declared:
    """A method declared from a flow; made into a real function by the concrete class."""

    #: How many leading flow parameters the object supplies (context, authorizer appid).
    prefix = 1
    #: True when the flow function returns :class:`Pages` (the method iterates).
    pages = False

    def __init__(self, flow: Callable[..., Any]) -> None:
        self.flow = flow
        self.name = flow.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def build(self, cls: type, asynchronous: bool) -> Callable[..., Any]:
        """The function that implements this method on ``cls``."""
        flow = self.flow
        method: Callable[..., Any]
        if self.pages:
            def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                return self._iterate(flow(*self._flow_args, *args, **kwargs))
        elif asynchronous:
            async def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                return await self._drive(flow(*self._flow_args, *args, **kwargs))
        else:
            def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                return self._drive(flow(*self._flow_args, *args, **kwargs))
        method.__name__ = self.name
        method.__qualname__ = f"{cls.__qualname__}.{self.name}"
        method.__module__ = cls.__module__
        method.__doc__ = flow.__doc__
        cast(Any, method).__signature__ = self._signature(asynchronous)
        return method

    def _signature(self, asynchronous: bool) -> inspect.Signature:
        signature = inspect.signature(self.flow)
        params = list(signature.parameters.values())[self.prefix:]
        me = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return signature.replace(parameters=[me, *params],
                                 return_annotation=self._returns(signature, asynchronous))

    def _returns(self, signature: inspect.Signature, asynchronous: bool) -> Any:
        annotation = signature.return_annotation
        if not isinstance(annotation, str):
            return annotation
        match = re.fullmatch(r"(?:Flow|Pages)\[(.*)\]", annotation)
        if match is None:
            return annotation
        inner = match.group(1)
        if self.pages:
            return f"AsyncIterator[{inner}]" if asynchronous else f"Iterator[{inner}]"
        return inner

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        # Reached only on a class that is neither driver: bind on the fly.
        asynchronous = isinstance(obj, AsyncDriver)
        return self.build(type(obj), asynchronous).__get__(obj, owner)


def _materialize(cls: type, *, asynchronous: bool) -> None:
    for name in dir(cls):
        declared = inspect.getattr_static(cls, name, None)
        if isinstance(declared, _Declared):
            setattr(cls, name, declared.build(cls, asynchronous))


class _Driven(_Declared, Generic[P, T]):
    """A method that drives a flow to its result: ``(*P) -> T`` on a :class:`SyncDriver`, a
    coroutine of ``T`` on an :class:`AsyncDriver`."""

    @overload
    def __get__(self: D, obj: None, owner: type | None = None) -> D: ...
    @overload
    def __get__(self, obj: SyncDriver, owner: type | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: AsyncDriver,
                owner: type | None = None) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return super().__get__(obj, owner)


class flow_method(_Driven[P, T]):
    """A method of a component made from a flow ``flow(ctx, ...)``."""

    def __init__(self, flow: Callable[Concatenate[Context, P], Flow[T]]) -> None:
        super().__init__(flow)


class authorizer_method(_Driven[P, T]):
    """A method of an authorizer client made from a flow ``flow(ctx, authorizer_appid, ...)``."""

    prefix = 2

    def __init__(self, flow: Callable[Concatenate[Context, str, P], Flow[T]]) -> None:
        super().__init__(flow)


class pages_method(_Declared, Generic[P, T]):
    """A method of a component iterating a listing ``flow(ctx, ...) -> Pages``: an iterator on
    the sync shell, an async iterator on the async one."""

    pages = True

    def __init__(self, flow: Callable[Concatenate[Context, P], Pages[T]]) -> None:
        super().__init__(flow)

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> pages_method[P, T]: ...
    @overload
    def __get__(self, obj: SyncDriver, owner: type | None = None) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: AsyncDriver,
                owner: type | None = None) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return super().__get__(obj, owner)


# --------------------------------------------------------------------------- groups


class SyncGroup(SyncDriver):
    """A group of blocking methods, driven by the client or platform it belongs to."""

    def __init__(self, owner: SyncDriver) -> None:
        self._owner = owner
        self._flow_args = owner._flow_args

    def _drive(self, flow: Flow[T]) -> T:
        return self._owner._drive(flow)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._owner!r}>"


class AsyncGroup(AsyncDriver):
    """A group of awaited methods, driven by the client or platform it belongs to."""

    def __init__(self, owner: AsyncDriver) -> None:
        self._owner = owner
        self._flow_args = owner._flow_args

    async def _drive(self, flow: Flow[T]) -> T:
        return await self._owner._drive(flow)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._owner!r}>"


class group(Generic[S, A]):
    """A group of methods as an attribute: the ``sync`` class on a blocking object, the
    ``aio`` class on an asyncio one (made once per object, on first use)."""

    def __init__(self, sync: type[S], aio: type[A]) -> None:
        self.sync = sync
        self.aio = aio
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> group[S, A]: ...
    @overload
    def __get__(self, obj: SyncDriver, owner: type | None = None) -> S: ...
    @overload
    def __get__(self, obj: AsyncDriver, owner: type | None = None) -> A: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        made = self.aio(obj) if isinstance(obj, AsyncDriver) else self.sync(obj)
        # a non-data descriptor: the instance's attribute answers from now on
        vars(obj)[self.name] = made
        return made
