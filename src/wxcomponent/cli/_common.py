"""What the commands share: consoles, options, settings loading and one-line errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from ..errors import CallbackError, WxComponentError

if TYPE_CHECKING:
    from ..client import Component

__all__ = ["config_option", "describe", "err", "opened_component", "out", "platform_option",
           "quiet_logs"]

F = TypeVar("F", bound=Callable[..., Any])

#: stdout: the commands' results (tables, tokens). stderr: progress and errors.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def config_option(fn: F) -> F:
    """``--config FILE`` (default: ``$WXCOMPONENT_CONFIG``, then environment variables only)."""
    return click.option(
        "--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path),
        default=None, metavar="FILE",
        help="TOML configuration (default: $WXCOMPONENT_CONFIG; WXCOMPONENT_… variables "
             "override it).")(fn)


def platform_option(fn: F) -> F:
    """``--platform APPID``: which configured platform (needed when there are several)."""
    return click.option("--platform", "platform", default=None, metavar="APPID",
                        help="component appid of the platform (when several are configured)")(fn)


def describe(exc: BaseException) -> str:
    """One line saying what went wrong (with the reference code for a refused push)."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, CallbackError):
        return f"{message} ({exc.code})"
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, (WxComponentError, OSError, ValueError)):
        return message
    return f"{type(exc).__name__}: {message}"


@contextlib.contextmanager
def opened_component(config: Path | None, platform: str | None) -> Iterator[Component]:
    """The configured platform's :class:`~wxcomponent.client.Component` on the configured
    store, both closed at the end."""
    from ..client import Component
    from ..service.app import open_service_store
    from ..service.settings import load_settings

    settings = load_settings(config)
    store, opened = open_service_store(settings)
    component = Component(settings.platform(platform), store, api_base=settings.api_base,
                          auth_base=settings.auth_base)
    try:
        yield component
    finally:
        component.close()
        for opened_store in opened:
            opened_store.close()


@contextlib.contextmanager
def quiet_logs(level: int = logging.CRITICAL) -> Iterator[None]:
    """Keep the library's log records off the terminal (the command reports for itself)."""
    logger = logging.getLogger("wxcomponent")
    handler = logging.NullHandler()
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
