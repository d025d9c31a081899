"""Any endpoint by path, with the component token or an authorizer's: JSON in and out
(the seed's ``GetJSON``/``PostJSON``), binary answers, and multipart uploads.

Internal module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import (
    DEFAULT_MAX_UPLOAD,
    JSON,
    MEDIA,
    Answer,
    Endpoint,
    FileInput,
    call,
    split_path,
    upload_part,
)
from ..models import Media

__all__ = [
    "authorizer_get_bytes",
    "authorizer_get_json",
    "authorizer_post_bytes",
    "authorizer_post_json",
    "authorizer_upload",
    "component_get_json",
    "component_post_json",
    "component_upload",
]

_COMPONENT = TokenKind.COMPONENT_ACCESS_TOKEN
_AUTHORIZER = TokenKind.AUTHORIZER_ACCESS_TOKEN


def _ad_hoc(method: Literal["GET", "POST"], path: str, answer: Answer[Any],
            token: TokenKind, token_param: str = "",
            max_upload: int = DEFAULT_MAX_UPLOAD) -> Endpoint[Any]:
    split_path(path)  # a clear error for a bad path before anything else happens
    return Endpoint(method, path, answer, token, token_param, max_upload)


def _upload(ctx: Context, spec: Endpoint[dict[str, Any]], authorizer_appid: str,
            file: FileInput, field: str, form: Mapping[str, Any] | None,
            params: Mapping[str, Any] | None) -> Flow[dict[str, Any]]:
    part = yield from upload_part(file, field_name=field, limit=spec.max_upload)
    return (yield from call(ctx, spec, authorizer_appid=authorizer_appid, params=params,
                            files=(part,), form=form))


# --------------------------------------------------------------------------- component token


def component_get_json(ctx: Context, path: str,
                       params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """GET any API with the component token (the seed's ``GetJSON``)."""
    return call(ctx, _ad_hoc("GET", path, JSON, _COMPONENT), params=params)


def component_post_json(ctx: Context, path: str, body: Any = None,
                        params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """POST JSON to any API with the component token (the seed's ``PostJSON``)."""
    return call(ctx, _ad_hoc("POST", path, JSON, _COMPONENT), params=params,
                body={} if body is None else body)


def component_upload(ctx: Context, path: str, file: FileInput, *, field: str = "media",
                     form: Mapping[str, Any] | None = None,
                     params: Mapping[str, Any] | None = None,
                     max_size: int = DEFAULT_MAX_UPLOAD,
                     token_param: str = "component_access_token") -> Flow[dict[str, Any]]:
    """Upload a file (bytes, a path or a binary file object) as multipart ``field`` to any API
    with the component token; larger than ``max_size`` bytes is refused before sending."""
    spec = _ad_hoc("POST", path, JSON, _COMPONENT, token_param, max_size)
    return _upload(ctx, spec, "", file, field, form, params)


# --------------------------------------------------------------------------- authorizer token


def authorizer_get_json(ctx: Context, authorizer_appid: str, path: str,
                        params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """GET any API on an authorizer's behalf (its token injected, 40001 handled)."""
    return call(ctx, _ad_hoc("GET", path, JSON, _AUTHORIZER),
                authorizer_appid=authorizer_appid, params=params)


def authorizer_post_json(ctx: Context, authorizer_appid: str, path: str, body: Any = None,
                         params: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """POST JSON to any API on an authorizer's behalf (its token injected, 40001 handled)."""
    return call(ctx, _ad_hoc("POST", path, JSON, _AUTHORIZER),
                authorizer_appid=authorizer_appid, params=params,
                body={} if body is None else body)


def authorizer_get_bytes(ctx: Context, authorizer_appid: str, path: str,
                         params: Mapping[str, Any] | None = None) -> Flow[Media]:
    """GET an API that answers bytes (an image such as ``/wxa/get_qrcode``) on an
    authorizer's behalf; a JSON error answer raises its typed error."""
    return call(ctx, _ad_hoc("GET", path, MEDIA, _AUTHORIZER),
                authorizer_appid=authorizer_appid, params=params)


def authorizer_post_bytes(ctx: Context, authorizer_appid: str, path: str, body: Any = None,
                          params: Mapping[str, Any] | None = None) -> Flow[Media]:
    """POST JSON to an API that answers bytes (the wxacode endpoints) on an authorizer's
    behalf; a JSON error answer raises its typed error."""
    return call(ctx, _ad_hoc("POST", path, MEDIA, _AUTHORIZER),
                authorizer_appid=authorizer_appid, params=params,
                body={} if body is None else body)


def authorizer_upload(ctx: Context, authorizer_appid: str, path: str, file: FileInput, *,
                      field: str = "media", form: Mapping[str, Any] | None = None,
                      params: Mapping[str, Any] | None = None,
                      max_size: int = DEFAULT_MAX_UPLOAD) -> Flow[dict[str, Any]]:
    """Upload a file (bytes, a path or a binary file object) as multipart ``field`` on an
    authorizer's behalf (``/cgi-bin/media/upload``, ``/wxa/uploadmedia`` …); larger than
    ``max_size`` bytes is refused before sending."""
    spec = _ad_hoc("POST", path, JSON, _AUTHORIZER, max_upload=max_size)
    return _upload(ctx, spec, authorizer_appid, file, field, form, params)
