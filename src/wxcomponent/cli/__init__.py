"""The ``wxcomponent`` command: serve, emulator, demo, decrypt, authorizers (export, import),
token, rid, quota, callback-ips, compliance, release-check, migrate, operator-hash.

Every error is one line on stderr (redacted, as every log record of the command is:
:mod:`wxcomponent.redaction`) and a non-zero exit status; ``wxcomponent --debug …`` shows the
traceback instead. A reader that goes away early (``wxcomponent authorizers | head``) ends
the command quietly, with status 0.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Sequence
from typing import Any

import click
from rich.markup import escape

from .. import __version__
from ..redaction import install_log_redaction, redact_text
from ._common import describe, err

__all__ = ["main"]


class _Group(click.Group):
    """A group that turns any failure of a command into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError as exc:
            if _stdout_gone():  # the reader of the output went away: nothing more to say
                _quiet_stdout()
                ctx.exit(0)
            if ctx.params.get("debug"):
                raise
            _fail(describe(exc))
            ctx.exit(1)
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            _fail(describe(exc))
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="show tracebacks of errors")
@click.version_option(__version__, prog_name="wxcomponent")
def cli(debug: bool) -> None:
    """Run a WeChat third-party platform (第三方平台): the service, an offline emulator of
    WeChat, a demo of the whole flow, and tools for operators."""


def _register() -> None:
    from .commands import authorizers, emulator, serve, token
    from .compliance import compliance
    from .credentials import export_authorizers, import_authorizers, migrate
    from .decrypt import decrypt
    from .demo import demo
    from .openapi import callback_ips, quota, rid
    from .operator import operator_hash
    from .pushes import pushes
    from .release_check import release_check

    for command in (serve, emulator, demo, decrypt, authorizers, token, rid, quota,
                    callback_ips, compliance, release_check, pushes, migrate, operator_hash):
        cli.add_command(command)
    authorizers.add_command(export_authorizers)
    authorizers.add_command(import_authorizers)
    from .ship import ship

    cli.add_command(ship)


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wxcomponent`` script; returns the exit status."""
    install_log_redaction()
    try:
        result = cli.main(args=list(argv) if argv is not None else None,
                          prog_name="wxcomponent", standalone_mode=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "wxcomponent"
        _fail(f"{exc.format_message()} (see '{where} --help')")
        return exc.exit_code
    except click.ClickException as exc:
        _fail(exc.format_message())
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        _fail("interrupted")
        return 130
    return result if isinstance(result, int) else 0


def _stdout_gone() -> bool:
    """Whether standard output is a pipe (or socket) whose reader has gone away."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, ValueError, OSError):
        return False


def _quiet_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush of what is
    still buffered does not fail again on the way out."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    finally:
        os.close(null)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(redact_text(message))}", markup=True, highlight=False,
              soft_wrap=True)
