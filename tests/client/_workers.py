"""Code run in child processes by the multi-process token tests (importable by spawn)."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from wxcomponent.client import Component
from wxcomponent.core.policy import Policy
from wxcomponent.stores import open_store

from .conftest import CONFIG


def component(api_base: str, store_url: str, **policy: Any) -> Component:
    """A component in this process over the shared store."""
    return Component(CONFIG, open_store(store_url), api_base=api_base, policy=Policy(**policy))


def herd(api_base: str, store_url: str, threads: int, authorizer_appid: str | None,
         ready: Any, start: Any) -> list[str]:
    """``threads`` threads ask for the token at once (after ``start`` is released).

    The process puts its pid on ``ready`` once it is set up and waits at the start line."""
    comp = component(api_base, store_url)
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def ask() -> None:
        try:
            barrier.wait()
            if authorizer_appid is None:
                results.append(comp.access_token())
            else:
                results.append(comp.authorizer(authorizer_appid).access_token())
        except BaseException as exc:
            errors.append(exc)

    ready.put(os.getpid())
    start.wait()
    pool = [threading.Thread(target=ask) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return results


def force_refreshes(api_base: str, store_url: str, authorizer_appid: str, count: int,
                    ready: Any, start: Any) -> int:
    """Refresh the authorizer token ``count`` times, each replacing the stored one (after
    putting the pid on ``ready`` and waiting for ``start``)."""
    comp = component(api_base, store_url)
    client = comp.authorizer(authorizer_appid)
    ready.put(os.getpid())
    start.wait()
    for _ in range(count):
        client.refresh_access_token()
    return count


class _Crash(Exception):
    pass


def refresh_then_die(api_base: str, store_url: str, authorizer_appid: str, when: str) -> None:
    """Refresh an authorizer token and SIGKILL this process at ``when``:

    ``before-write`` — WeChat answered (and rotated the refresh token), nothing stored yet;
    ``after-write`` — the new refresh token is stored, the access token not yet cached.
    """
    store = open_store(store_url)

    class Dying:
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def replace_refresh_token(self, *args: Any) -> bool:
            if when == "before-write":
                os.kill(os.getpid(), signal.SIGKILL)
            kept: bool = store.replace_refresh_token(*args)
            if when == "after-write":
                os.kill(os.getpid(), signal.SIGKILL)
            return kept

    comp = Component(CONFIG, Dying(), api_base=api_base,  # type: ignore[arg-type]
                     policy=Policy(lease_ttl=1.0))
    comp.authorizer(authorizer_appid).refresh_access_token()
    raise _Crash("the process should have been killed")


def refresh_on_a_shifted_clock(api_base: str, store_url: str, authorizer_appid: str,
                               shift: Any, report: Any) -> None:
    """Renew the authorizer token once on a clock ``shift.value`` seconds ahead of the real
    one (the test moves it while this process is stopped); put ("ok", token) or ("error",
    the exception's name) on ``report``."""
    import time

    comp = Component(CONFIG, open_store(store_url), api_base=api_base,
                     policy=Policy(timeout=60.0), clock=lambda: time.time() + shift.value)
    try:
        report.put(("ok", comp.authorizer(authorizer_appid).refresh_access_token()))
    except Exception as exc:
        report.put(("error", type(exc).__name__))
    finally:
        comp.close()
