"""``wxcomponent operator-hash``: the password hash of a console operator, for the settings."""

from __future__ import annotations

import sys

import click

from ..errors import ConfigurationError, InvalidArgument
from ..service.console.operators import MAX_PASSWORD, Operator, hash_password
from ._common import err

__all__ = ["operator_hash"]


@click.command("operator-hash")
@click.option("--name", default=None, metavar="NAME",
              help="print a whole [[operators]] table for this operator")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="read the password from the first line of standard input (no prompt)")
def operator_hash(name: str | None, from_stdin: bool) -> None:
    """Hash a console operator's password (scrypt, random salt) for the ``operators``
    setting. The password is asked twice without echo, or read from standard input."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    if not password or len(password) > MAX_PASSWORD:
        raise click.BadParameter(f"must be 1 to {MAX_PASSWORD} characters",
                                 param_hint="password")
    try:
        hashed = hash_password(password)
    except InvalidArgument as exc:
        raise click.BadParameter(str(exc), param_hint="password") from None
    if name is None:
        click.echo(hashed)
        err.print("put it in the settings: [[operators]] name = \"…\" password_hash = \"…\"",
                  markup=False)
        return
    try:
        Operator.of(name, hashed)
    except ConfigurationError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1], param_hint="--name") from None
    click.echo(f'[[operators]]\nname = "{name}"\npassword_hash = "{hashed}"')
