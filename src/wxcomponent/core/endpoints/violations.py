"""A mini program's violations (违规) and appeals (申诉), on its behalf: the violation records
of a period, the appeals of one, proofs uploaded as temporary material, and a new appeal.

WeChat's two copies of the ``createappeal`` page disagree on whether a platform may call it
(one names permission set 198 and the authorizer's token, the other refuses platforms): it
is sent with the authorizer's token, and WeChat's errcode, if any, raised as it comes.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, FileInput, call, endpoint, model
from ..models_wxa import AppealReason, AppealRecords, IllegalRecords, parts_json
from ._checks import number, text
from ._media import upload_temporary

__all__ = ["appeals", "create_appeal", "illegal_records", "upload_proof"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

ILLEGAL_RECORDS = endpoint("POST", "/wxa/getillegalrecords", model(IllegalRecords), token=_A)
APPEALS = endpoint("POST", "/wxa/getappealrecords", model(AppealRecords), token=_A)
CREATE_APPEAL = endpoint("POST", "/wxa/component/createappeal", NOTHING, token=_A)


def illegal_records(ctx: Context, authorizer_appid: str, start_time: int | None = None,
                    end_time: int | None = None) -> Flow[IllegalRecords]:
    """The violation records between ``start_time`` and ``end_time`` (unix seconds). Without
    both WeChat answers the last 90 days; one bound alone means 90 days from or to it."""
    body: dict[str, Any] = {}
    if start_time is not None:
        body["start_time"] = number(start_time, "start_time")
    if end_time is not None:
        body["end_time"] = number(end_time, "end_time")
    if start_time is not None and end_time is not None and end_time < start_time:
        raise InvalidArgument("end_time", "must not be before start_time")
    return call(ctx, ILLEGAL_RECORDS, authorizer_appid=authorizer_appid, body=body)


def appeals(ctx: Context, authorizer_appid: str, illegal_record_id: str) -> Flow[AppealRecords]:
    """The appeals of one violation record."""
    return call(ctx, APPEALS, authorizer_appid=authorizer_appid,
                body={"illegal_record_id": text(illegal_record_id, "illegal_record_id")})


def upload_proof(ctx: Context, authorizer_appid: str, file: FileInput,
                 kind: str = "image") -> Flow[str]:
    """Upload a proof (``image`` or ``video``) as temporary material; its media id, for
    :class:`AppealReason`'s ``proof_material_ids`` (valid three days)."""
    return upload_temporary(ctx, authorizer_appid, file, kind, "file")


def create_appeal(ctx: Context, authorizer_appid: str, illegal_record_id: str,
                  appeal_materials: Sequence[AppealReason | Mapping[str, Any]]) -> Flow[None]:
    """Appeal a violation: one :class:`AppealReason` per violating material, in the record's
    order. It spends an appeal; no second one while one is processing."""
    materials = parts_json(appeal_materials, "appeal_materials")
    if not materials:
        raise InvalidArgument("appeal_materials", "give at least one reason")
    return call(ctx, CREATE_APPEAL, authorizer_appid=authorizer_appid,
                body={"illegal_record_id": text(illegal_record_id, "illegal_record_id"),
                      "appeal_materials": materials})
