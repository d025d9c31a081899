"""Reading a JSON object leniently: what a store, a job or a peer holds may be anything.

Internal module.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["json_object"]


def json_object(text: str | bytes) -> dict[str, Any]:
    """The JSON object ``text`` holds; an empty dict when it holds no JSON (bytes that are not
    UTF-8 included) or JSON of another kind."""
    try:
        data = json.loads(text)
    except ValueError:  # UnicodeDecodeError is one
        return {}
    return data if isinstance(data, dict) else {}
