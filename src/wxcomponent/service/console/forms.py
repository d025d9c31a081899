"""The forms the console's pages post: read whole, bounded, each field once."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from starlette.requests import Request

from ..body import BodyRefused, ClientGone, read_body
from .rendering import Problem

__all__ = ["MAX_FORM", "read_form"]

#: The largest form body.
MAX_FORM = 8192


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form, at most :data:`MAX_FORM` bytes, each field once; anything else
    is a :class:`~.rendering.Problem` that says what is wrong."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Problem(415, "Send the form as the page does (application/x-www-form-"
                           "urlencoded).")
    try:
        raw = await read_body(request, MAX_FORM)
    except BodyRefused as exc:
        raise Problem(exc.status, f"The form was refused: its {exc}.") from None
    except ClientGone:
        raise Problem(400, "The form did not arrive whole.") from None
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "The form is not valid UTF-8 form data.") from None
    form: dict[str, str] = {}
    for key, values in parsed.items():
        if len(values) != 1:
            raise Problem(400, f"The form field {quote(key[:40])} came more than once.")
        form[key] = values[0]
    return form
