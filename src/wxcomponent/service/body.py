"""Reading a small JSON request body safely: bytes counted as they arrive, depth bounded.

A declared ``Content-Length`` over the limit is refused before anything is read; a chunked
body (no length) is read only until it passes the limit. JSON that is not an object, not
UTF-8, or nested deeper than :data:`MAX_DEPTH` is refused without being parsed recursively.
Every refusal is a :class:`BodyRefused` carrying the HTTP status to answer (413 or 400).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect, Request

from ..errors import InvalidArgument

__all__ = ["MAX_DEPTH", "BodyRefused", "read_json_object"]

#: The deepest nesting of objects and arrays accepted in a request body.
MAX_DEPTH = 16


class BodyRefused(InvalidArgument):
    """A request body that is too large (``status`` 413) or not the JSON expected (400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__("body", message)
        self.status = status


class ClientGone(Exception):
    """The client disconnected while its body was being read (nothing to answer)."""


def _depth(raw: bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes (:class:`BodyRefused` 413 beyond)."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyRefused(f"must be at most {limit} bytes", 413)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyRefused(f"must be at most {limit} bytes", 413)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone from None
    return b"".join(chunks)


async def read_json_object(request: Request, limit: int, example: str) -> dict[str, Any] | None:
    """The JSON object of the body (None for an empty body); ``example`` shows the expected
    form in the error message."""
    raw = await read_body(request, limit)
    if not raw.strip():
        return None
    if _depth(raw) > MAX_DEPTH:
        raise BodyRefused(f"is nested too deeply: send a JSON object such as {example}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BodyRefused(f"must be JSON such as {example}") from None
    if not isinstance(data, dict):
        raise BodyRefused(f"must be a JSON object such as {example}")
    return data
