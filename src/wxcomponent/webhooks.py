"""Signing and verifying the pushes ``wxcomponent serve`` forwards to webhooks.

Each delivery is a ``POST`` of the push as JSON (see the service guide) with these headers:

* ``X-Wxcomponent-Signature: t=<unix time>,v1=<hex>`` — HMAC-SHA256, keyed with the webhook's
  secret, of ``<unix time>`` + ``.`` + the raw body;
* ``X-Wxcomponent-Delivery`` — the delivery's id: the same on every retry of one push, so a
  receiver can drop a duplicate;
* ``X-Wxcomponent-Event`` — the kind of push (``authorized``, ``text``, ``event:subscribe`` …).

A receiver checks a delivery with :func:`verify` before trusting it::

    from wxcomponent.webhooks import verify

    verify(secret, request.headers["X-Wxcomponent-Signature"], await request.body())

It refuses a wrong signature, and a timestamp further than ``tolerance`` seconds from now (a
captured delivery replayed later).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from .errors import InvalidSignature, StalePush

__all__ = ["DELIVERY_HEADER", "EVENT_HEADER", "SIGNATURE_HEADER", "sign", "verify"]

SIGNATURE_HEADER = "X-Wxcomponent-Signature"
DELIVERY_HEADER = "X-Wxcomponent-Delivery"
EVENT_HEADER = "X-Wxcomponent-Event"


def _mac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``X-Wxcomponent-Signature`` value of ``body`` at ``timestamp`` (now by default)."""
    when = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={when},v1={_mac(secret, when, body)}"


def verify(secret: str | bytes, header: str | None, body: bytes, *, tolerance: float = 300.0,
           now: float | None = None) -> int:
    """Check a delivery's signature header against its raw ``body``; return its timestamp.

    Raises :class:`~wxcomponent.errors.InvalidSignature` for a missing, malformed or wrong
    signature and :class:`~wxcomponent.errors.StalePush` for a timestamp more than
    ``tolerance`` seconds from ``now``.
    """
    if not isinstance(header, str) or not header:
        raise InvalidSignature("the delivery has no signature header")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise InvalidSignature("the signature header has no usable timestamp") from None
    given = parts.get("v1", "")
    if not hmac.compare_digest(given.encode(), _mac(secret, timestamp, body).encode()):
        raise InvalidSignature("the delivery's signature does not match its body")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise StalePush(f"the delivery was signed more than {tolerance:g} s from now")
    return timestamp
