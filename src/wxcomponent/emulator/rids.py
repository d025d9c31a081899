"""Failed calls kept by their rid, as WeChat keeps them for ``/cgi-bin/openapi/rid/get``.

Every error answer carries ``rid: …`` at the end of its ``errmsg``. WeChat keeps what the call
sent and got for 7 days and shows it only to the account that made the call (the token's
owner: an authorizer, or the platform). The emulator does the same, in memory, bounded: the
oldest records go first once :data:`MAX_RIDS` are kept. Secrets in what the call sent (the
access token in the query, an app secret in the body) are masked before they are kept.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..redaction import redact_text
from .model import WxError, new_rid

__all__ = ["MAX_BODY", "MAX_RIDS", "RID_LIFETIME", "RidLog", "RidRecord"]

#: How long WeChat answers for a rid (seconds).
RID_LIFETIME = 7 * 86400
#: How many records the emulator keeps at most, and how much of a request's body each keeps
#: (characters: an upload's megabytes are not kept ten thousand times).
MAX_RIDS = 10_000
MAX_BODY = 4096

_RID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")


@dataclass(frozen=True)
class RidRecord:
    """One failed call: whose it was (``owner``, None when no token named one), when, how long
    it took, and what was sent and answered."""

    owner: str | None
    invoke_time: int
    cost_in_ms: int
    request_url: str
    request_body: str
    response_body: str
    client_ip: str

    def answer(self) -> dict[str, Any]:
        """The ``request`` object of ``rid/get``'s answer."""
        return {"invoke_time": self.invoke_time, "cost_in_ms": self.cost_in_ms,
                "request_url": self.request_url, "request_body": self.request_body,
                "response_body": self.response_body, "client_ip": self.client_ip}


class RidLog:
    """The failed calls by rid (the caller holds the state's lock)."""

    def __init__(self) -> None:
        self._records: OrderedDict[str, RidRecord] = OrderedDict()

    def answer_error(self, error: WxError, *, owner: str | None, now: float, cost_ms: int,
                     query: Mapping[str, str], body: bytes, client_ip: str) -> dict[str, Any]:
        """The answer of a call that failed with ``error``, kept under a new rid."""
        rid = new_rid()
        payload = error.payload(rid)
        self._records[rid] = RidRecord(
            owner=owner, invoke_time=int(now), cost_in_ms=max(cost_ms, 0),
            request_url=redact_text(urlencode(dict(query))),
            request_body=redact_text(body[:MAX_BODY].decode("utf-8", "replace")),
            response_body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            client_ip=client_ip)
        while len(self._records) > MAX_RIDS:
            self._records.popitem(last=False)
        return payload

    def lookup(self, rid: str, owner: str, now: float) -> RidRecord:
        """The record of ``rid`` for ``owner``: 76002 for a malformed rid, 76001 for one unknown
        or older than 7 days, 76003 for another account's."""
        if not _RID.fullmatch(rid):
            raise WxError(76002)
        record = self._records.get(rid)
        if record is None or now - record.invoke_time > RID_LIFETIME:
            raise WxError(76001)
        if record.owner != owner:
            raise WxError(76003)
        return record
