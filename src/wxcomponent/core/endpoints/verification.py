"""A mini program's verification (微信认证) and its yearly renewal (年审, done by verifying
again), on its behalf: apply, follow, upload materials, apply again after a refill, the
identity tree of personal verification, and the combined verification and ICP filing
procedure (认证及备案二合一).

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import FileInput, call, endpoint, model, upload_part
from ..models_wxa import (
    AuthAndIcpStatus,
    AuthAndIcpSubmission,
    AuthData,
    AuthIdentityTree,
    AuthMaterial,
    AuthStatus,
    AuthTask,
    part_json,
)
from ._checks import text

__all__ = ["apply", "identity_tree", "query", "query_auth_and_icp", "reapply",
           "submit_auth_and_icp", "upload_material"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

#: A material image: WeChat publishes no size; this is the limit of its other image uploads.
MATERIAL_MAX = 10 * 1024 * 1024
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")

APPLY = endpoint("POST", "/wxa/sec/wxaauth", model(AuthTask), token=_A)
QUERY = endpoint("POST", "/wxa/sec/queryauth", model(AuthStatus), token=_A)
UPLOAD_MATERIAL = endpoint("POST", "/wxa/sec/uploadauthmaterial", model(AuthMaterial),
                           token=_A, max_upload=MATERIAL_MAX)
REAPPLY = endpoint("POST", "/wxa/sec/reauth", model(AuthTask), token=_A)
# WeChat's SDKs disagree on the method (GET in one, POST in another); GET is sent.
IDENTITY_TREE = endpoint("GET", "/wxa/sec/authidentitytree", model(AuthIdentityTree), token=_A)
SUBMIT_AUTH_AND_ICP = endpoint("POST", "/wxa/sec/submit_auth_and_icp",
                               model(AuthAndIcpSubmission), token=_A)
QUERY_AUTH_AND_ICP = endpoint("POST", "/wxa/sec/query_auth_and_icp", model(AuthAndIcpStatus),
                              token=_A)


def apply(ctx: Context, authorizer_appid: str,
          auth_data: AuthData | Mapping[str, Any]) -> Flow[AuthTask]:
    """Apply for verification, or renew it for the annual review: the answer's ``auth_url``
    is the link the administrator opens to authorize the task (valid 24 hours); follow it
    with :meth:`query` or the ``notify_3rd_wxa_auth`` push."""
    return call(ctx, APPLY, authorizer_appid=authorizer_appid,
                body={"auth_data": part_json(auth_data, "auth_data")})


def query(ctx: Context, authorizer_appid: str, taskid: str) -> Flow[AuthStatus]:
    """The progress of a verification task."""
    return call(ctx, QUERY, authorizer_appid=authorizer_appid,
                body={"taskid": text(taskid, "taskid")})


def upload_material(ctx: Context, authorizer_appid: str, file: FileInput) -> Flow[AuthMaterial]:
    """Upload a material image (png, jpeg or gif) for ``auth_data``; its ``mediaid``."""
    part = yield from upload_part(file, field_name="media", limit=UPLOAD_MATERIAL.max_upload)
    if part.content_type not in _IMAGE_TYPES:
        raise InvalidArgument("file", "must be a png, jpeg or gif image")
    return (yield from call(ctx, UPLOAD_MATERIAL, authorizer_appid=authorizer_appid,
                            files=(part,)))


def reapply(ctx: Context, authorizer_appid: str, taskid: str,
            auth_data: AuthData | Mapping[str, Any]) -> Flow[AuthTask]:
    """Apply again after the reviewer asked for a refill (``apply_status`` 3): the
    corrected ``auth_data`` for the task ``taskid``."""
    data = part_json(auth_data, "auth_data")
    data["taskid"] = text(taskid, "taskid")
    return call(ctx, REAPPLY, authorizer_appid=authorizer_appid, body={"auth_data": data})


def identity_tree(ctx: Context, authorizer_appid: str) -> Flow[AuthIdentityTree]:
    """The identities a person may be verified as; a leaf's ``name`` goes into
    ``auth_identification``."""
    return call(ctx, IDENTITY_TREE, authorizer_appid=authorizer_appid)


def _object(value: object, argument: str) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidArgument(argument, "must be a non-empty object")
    return dict(value)


def submit_auth_and_icp(ctx: Context, authorizer_appid: str,
                        auth_data: AuthData | Mapping[str, Any], icp_subject: Mapping[str, Any],
                        icp_applets: Mapping[str, Any],
                        icp_materials: Mapping[str, Any]) -> Flow[AuthAndIcpSubmission]:
    """Submit the combined verification and filing: ``auth_data`` as for :meth:`apply`, and
    the filing's ``icp_subject``, ``icp_applets`` and ``icp_materials`` as
    ``apply_icp_filing`` takes them (their media uploaded with ``upload_icp_media``, the
    principal's ``verify_task_id`` from a face verification made ``along_with_auth``).
    After a rejection (18) or a failed filing, submit again here."""
    body = {"auth_data": part_json(auth_data, "auth_data"),
            "icp_subject": _object(icp_subject, "icp_subject"),
            "icp_applets": _object(icp_applets, "icp_applets"),
            "icp_materials": _object(icp_materials, "icp_materials")}
    return call(ctx, SUBMIT_AUTH_AND_ICP, authorizer_appid=authorizer_appid, body=body)


def query_auth_and_icp(ctx: Context, authorizer_appid: str,
                       procedure_id: str) -> Flow[AuthAndIcpStatus]:
    """The progress of a combined procedure."""
    return call(ctx, QUERY_AUTH_AND_ICP, authorizer_appid=authorizer_appid,
                body={"procedure_id": text(procedure_id, "procedure_id")})
