"""The operator's console: server-rendered pages on the admin listener, under ``/console``.

See :mod:`wxcomponent.service.console.app` for the pages and actions (their handlers in
:mod:`~wxcomponent.service.console.pages` and :mod:`~wxcomponent.service.console.actions`),
:mod:`wxcomponent.service.console.signin` and :mod:`wxcomponent.service.console.session` for
signing in, and :mod:`wxcomponent.service.console.operators` for who may sign in.
"""

from .operators import Operator, hash_password, parse_password_hash, verify_password

__all__ = ["Operator", "hash_password", "parse_password_hash", "verify_password"]
