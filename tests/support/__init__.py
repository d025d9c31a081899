"""Helpers the test packages share: servers, waiting, serving an app, running the command
line and the service, a webhook receiver, the console's sign-in, builders of stores, and
reading a source tree's imports.

A test module takes a helper from here, or from its own package (a helper module, or the
package's ``conftest.py``); never from a test module, nor from another package's
``conftest.py``. ``tests/test_suite_imports.py`` checks it.
"""
