"""``python -m wxcomponent.emulator``: serve the emulator in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from types import FrameType

from .app import CONTROL_PREFIX
from .emulator import Emulator
from .model import DEFAULT_PLATFORM
from .server import EmulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wxcomponent.emulator",
        description="Serve an emulator of WeChat's API for third-party platforms.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8800, help="port (8800; 0 picks one)")
    parser.add_argument("--ticket-interval", type=float, default=600.0, metavar="SECONDS",
                        help="seconds between ticket pushes on the emulated clock (0: off)")
    parser.add_argument("--auth-event-url", help="the default platform's authorization-event URL")
    parser.add_argument("--message-url", help="the default platform's message URL ($APPID$ ok)")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (info)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; print its URL and the default platform's config."""
    args = _parser().parse_args(argv)
    platform = replace(DEFAULT_PLATFORM, auth_event_url=args.auth_event_url,
                       message_url=args.message_url)
    emulator = Emulator(platforms=[platform], ticket_interval=args.ticket_interval or None)
    # The handlers go in before the port opens: a SIGTERM or Ctrl-C that arrives while the
    # server starts (or the instant it answers) still ends it cleanly, with exit status 0.
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(EmulatorServer(emulator, host=args.host,
                                                        port=args.port,
                                                        log_level=args.log_level))
        except OSError as exc:  # the port is taken, or the address is not this host's
            print(f"error: {exc}", file=sys.stderr)
            return 1
        lines = [
            f"WeChat emulator listening on {server.url}",
            f"  control API:      {server.url}{CONTROL_PREFIX}",
            f"  component_appid:  {platform.appid}",
            f"  secret:           {platform.secret}",
            f"  token:            {platform.token}",
            f"  encoding_aes_key: {platform.encoding_aes_key}",
            f"  auth_event_url:   {platform.auth_event_url or '(not set)'}",
            f"  message_url:      {platform.message_url or '(not set)'}",
        ]
        print("\n".join(lines), flush=True)
        while server.running and not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
