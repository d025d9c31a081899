"""Encrypted pushes as WeChat sends them, delivered with retries and recorded attempt by attempt."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

import httpx

from ..core.xml import build_xml
from ..errors import InvalidArgument
from .model import Attempt, Delivery, Platform

__all__ = ["Pusher", "seal"]

_SUCCESS = b"success"
_BODY_KEPT = 2000


def seal(
    platform: Platform,
    fields: Mapping[str, object],
    envelope: tuple[str, str],
    extra_query: Mapping[str, str] | None = None,
    *,
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    """Encrypt ``fields`` for ``platform``: the query parameters and the XML body of a push.

    ``envelope`` is the plain element beside ``Encrypt`` (``AppId`` on the authorization-event
    URL, ``ToUserName`` on the message URL). The query's ``timestamp`` is wall-clock time
    unless given, so a receiver's replay window keeps working while the emulator's clock is
    advanced; a receiver on a clock of its own is sent pushes stamped with that clock's time.
    """
    crypto = platform.crypto()
    encrypt = crypto.encrypt(build_xml(fields))
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(secrets.randbelow(10**10))
    query = {"signature": crypto.url_signature(stamp, nonce), "timestamp": stamp,
             "nonce": nonce}
    query.update(extra_query or {})
    query["encrypt_type"] = "aes"
    query["msg_signature"] = crypto.msg_signature(stamp, nonce, encrypt)
    body = build_xml({envelope[0]: envelope[1], "Encrypt": encrypt})
    return query, body.encode("utf-8")


class Pusher:
    """Delivers pushes: POST, ``tries`` attempts in all, ``retry_delay`` seconds apart.

    An attempt succeeds on HTTP 200 whose body is exactly ``success`` (``strict``), or on any
    HTTP 200 (message pushes, which may carry a passive reply). Connection failures, timeouts
    and every other answer are recorded and retried.
    """

    def __init__(self, *, tries: int = 3, retry_delay: float = 0.2, timeout: float = 5.0):
        if tries < 1:
            raise InvalidArgument("tries", "must be at least 1")
        self.tries = tries
        self.retry_delay = retry_delay
        self.timeout = timeout

    def deliver(
        self, delivery: Delivery, query: Mapping[str, str], body: bytes, *, strict: bool = True
    ) -> Delivery:
        """Send ``body`` to ``delivery.url``, recording every attempt in ``delivery``."""
        if delivery.url is None:
            delivery.finish(False, "no URL is configured for this push")
            return delivery
        error = "no attempt made"
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            for number in range(1, self.tries + 1):
                if number > 1:
                    time.sleep(self.retry_delay)
                at, started = time.time(), time.monotonic()
                status: int | None = None
                text: str | None = None
                try:
                    answer = client.post(delivery.url, params=query, content=body,
                                         headers=headers)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                else:
                    status, text = answer.status_code, answer.text[:_BODY_KEPT]
                    good = status == 200 and (not strict or answer.content == _SUCCESS)
                    error = "" if good else f"answered HTTP {status} {text[:80]!r}"
                elapsed = time.monotonic() - started
                delivery.attempts.append(
                    Attempt(number, at, status, text, error or None, elapsed)
                )
                if not error:
                    delivery.finish(True)
                    return delivery
        delivery.finish(False, error)
        return delivery
