"""Redaction of secrets for logs, messages and reprs (one rule for the whole library).

Internal module.
"""

from __future__ import annotations


def redact(secret: str | None, keep: int = 4) -> str:
    """Return a short, recognisable but harmless form of ``secret``: its first characters."""
    if secret is None:
        return "None"
    if len(secret) <= keep * 2:
        return "'***'"
    return f"'{secret[:keep]}…'"
