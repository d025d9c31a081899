"""Temporary material (临时素材) uploaded on a mini program's behalf through
``/cgi-bin/media/upload``: the media ids that privacy-interface applications and appeals
refer to.

Internal module.
"""

from __future__ import annotations

from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import JSON, FileInput, call, endpoint, upload_part
from ._checks import choice

__all__ = ["upload_temporary"]

#: Images and videos up to 10 MiB, as WeChat takes them.
MEDIA_MAX = 10 * 1024 * 1024

UPLOAD = endpoint("POST", "/cgi-bin/media/upload", JSON,
                  token=TokenKind.AUTHORIZER_ACCESS_TOKEN, max_upload=MEDIA_MAX)


def upload_temporary(ctx: Context, authorizer_appid: str, file: FileInput, kind: str,
                     argument: str) -> Flow[str]:
    """Upload ``file`` as temporary material of ``kind`` (``image`` or ``video``); its media
    id. ``argument`` names the file in an :class:`~wxcomponent.errors.InvalidArgument`."""
    choice(kind, "type", ("image", "video"))
    part = yield from upload_part(file, field_name="media", limit=UPLOAD.max_upload,
                                  argument=argument)
    answer = yield from call(ctx, UPLOAD, authorizer_appid=authorizer_appid,
                             params={"type": kind}, files=(part,))
    return str(answer.get("media_id") or "")
