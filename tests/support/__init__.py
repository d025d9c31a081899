"""Helpers the test packages share: servers, waiting, serving an app, running the command
line and the service, a webhook receiver, the console's sign-in, builders of stores.

A test module takes a helper from here (or from a helper module of its own package), never
from another test module or from another package's ``conftest.py``; ``conftest.py`` files
hold fixtures. ``tests/test_suite_imports.py`` checks it.
"""
