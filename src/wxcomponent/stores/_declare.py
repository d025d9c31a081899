"""How :class:`~.base.Store` declares each operation's argument check (:func:`checked`),
and the checks so declared (:data:`CHECKS`), which :mod:`._checked` applies to every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

__all__ = ["CHECKS", "backend_body", "checked"]

F = TypeVar("F", bound=Callable[..., object])

#: Each operation's argument check and the arguments it normalises, by operation name, as
#: :func:`checked` declares them on :class:`Store`.
CHECKS: dict[str, tuple[Callable[..., object], tuple[str, ...]]] = {}


def checked(check: Callable[..., object], *into: str) -> Callable[[F], F]:
    """Declare ``check`` the argument check of the operation it decorates.

    ``check`` takes the operation's arguments in their order and raises
    :class:`~wxcomponent.errors.InvalidArgument` on a bad one. With ``into``, it returns the
    normalised value of those arguments (a tuple when there are several), which the backend's
    body receives in their place. :mod:`._checked` applies it once, for every backend.
    """

    def declare(operation: F) -> F:
        CHECKS[operation.__name__] = (check, into)
        return operation

    return declare


def backend_body() -> NoReturn:
    """Stands in :class:`~.base.Store` and :class:`~.base.AsyncStore` where an operation's
    body goes. A backend's class (derived from :class:`~._checked.CheckedStore` or
    :class:`~._checked.CheckedAsyncStore`) has each operation replaced by its check and the
    backend's own body (:mod:`._checked`), and a store that only matches the protocol has its
    own methods, so this runs only for a class that names the protocol as its base and lacks
    the operation called: :class:`TypeError`, saying how to give it one."""
    raise TypeError(
        "this store class derives from the Store protocol but has no body for the operation "
        "called: implement the method, or derive from CheckedStore (or CheckedAsyncStore) and "
        "write its body"
    )
