"""An authorizer record for the store tests, with any field changed."""

from __future__ import annotations

import dataclasses
from typing import Any

from wxcomponent.stores import AuthorizerRecord

C1 = "wxcomponent0000001"


def record(appid: str = "wxa1", **changes: Any) -> AuthorizerRecord:
    """A record of ``appid`` on platform ``C1``, with ``changes`` applied."""
    base = AuthorizerRecord(
        component_appid=C1,
        authorizer_appid=appid,
        refresh_token=f"rt-{appid}-secret-value",
        func_info=(1, 15),
        authorized_at=1700000000.0,
        updated_at=1700000001.0,
    )
    return dataclasses.replace(base, **changes)
