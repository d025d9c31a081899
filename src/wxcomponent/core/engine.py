"""The call engine: one declaration per endpoint, one flow that performs any of them.

An :class:`Endpoint` says everything that differs between WeChat's endpoints: the HTTP method
and path, which token it carries (the component's, an authorizer's, or none) and under which
query name, how its answer is read (:data:`JSON`, :data:`NOTHING`, a typed :func:`model`, or
:data:`MEDIA` bytes), and how large an upload it takes. :func:`call` performs any declared
endpoint with every rule in one place:

* **token injection**: the token is read fresh from the store (or fetched once, fleet-wide)
  on every call, never captured;
* **compare-and-refresh**: after 40001/40014/42001 the token the call used is refreshed only
  if it is still the stored one, then the call is retried once;
* **retries**: -1, HTTP 5xx, connection errors and timeouts are retried with exponential
  backoff and full jitter, ``policy.attempts`` times in all; any other errcode raises its
  typed error at once (:func:`wxcomponent.errors.api_error`);
* **leases**: inside a single flight (``ctx.lease``) no attempt is sent once the lease has
  run out (:class:`~.context.LeaseLost`);
* **side effects of errors**: 45009 is announced (``quota_exhausted``), and 61003 on an
  authorizer's token marks the authorizer revoked;
* **backoff**: an account that keeps getting 45009 on a path, or 40001 after its token's
  refresh, is refused at home for a growing window (:mod:`.backoff`);
* **every try is announced** (``api_called``: path, account, errcode, rid) for metrics and
  the console;
* **binary answers** are told from JSON errors by their content type; an image endpoint
  (:data:`IMAGE`) takes only an image, and JSON that is no error is itself an error;
* **uploads** (multipart) are read through the shell (:class:`~.effects.ReadFile`) and
  size-checked before anything is sent.

Internal module.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Generic, Literal, TypeVar, Union, cast

from ..errors import (
    TOKEN_INVALID_CODES,
    APIError,
    AuthorizerNotFound,
    FileTooLarge,
    InvalidArgument,
    LeaseTimeout,
    NotAuthorized,
    QuotaExceeded,
    TicketNotFound,
    TransportError,
    UnexpectedAnswer,
    api_error,
)
from . import accounts
from .backoff import TOKEN
from .context import Context, TokenKind
from .effects import Emit, Flow, Http, HttpResult, ReadFile, Sleep, UploadPart
from .listener_events import ListenerEvent
from .models import Media

__all__ = [
    "ACCOUNT_CALL_FAILURES",
    "CALL_FAILURES",
    "IMAGE",
    "JSON",
    "MEDIA",
    "NOTHING",
    "Answer",
    "Endpoint",
    "File",
    "FileInput",
    "call",
    "endpoint",
    "model",
]

log = logging.getLogger("wxcomponent")

R = TypeVar("R")
M = TypeVar("M")

#: 10 MiB: the largest file WeChat's media and material uploads take.
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024

#: What a call may fail with that background work logs and survives: WeChat's answer, the
#: network, or a token that could not be had (no verify ticket, no lease in time).
CALL_FAILURES = (APIError, TransportError, LeaseTimeout, TicketNotFound)
#: The same for a call on an account's behalf, whose record may be missing or revoked.
ACCOUNT_CALL_FAILURES = (*CALL_FAILURES, AuthorizerNotFound)


# --------------------------------------------------------------------------- answers


def _not_json(result: HttpResult) -> bool:
    return not _is_json(result)


@dataclass(frozen=True)
class Answer(Generic[R]):
    """How an endpoint's successful answer is read.

    ``from_json`` reads a JSON object whose errcode is 0; ``from_media`` (only where
    ``binary``) reads a non-JSON answer, such as an image; ``is_media`` tells such an answer
    from JSON by its content type (by default: anything that is not JSON).
    """

    name: str
    from_json: Callable[[dict[str, Any]], R]
    from_media: Callable[[HttpResult], R] | None = None
    is_media: Callable[[HttpResult], bool] = _not_json

    @property
    def binary(self) -> bool:
        """True when a successful answer may be bytes rather than JSON."""
        return self.from_media is not None


def _media(result: HttpResult) -> Media:
    return Media(result.content, result.content_type or "application/octet-stream")


def _media_from_json(data: dict[str, Any]) -> Media:
    # A binary endpoint that answered JSON with errcode 0: hand the JSON over as it came.
    return Media(json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")


def _is_image(result: HttpResult) -> bool:
    return result.content_type.lower().startswith("image/")


def _not_an_image(data: dict[str, Any]) -> Media:
    # WeChat has been seen answering an image endpoint with the request body echoed back:
    # JSON without an errcode is not a success.
    raise UnexpectedAnswer("an image endpoint answered JSON that is neither an image nor "
                           "an error")


def _nothing(data: dict[str, Any]) -> None:
    return None


def _as_dict(data: dict[str, Any]) -> dict[str, Any]:
    return data


#: The answer is the JSON object itself.
JSON: Answer[dict[str, Any]] = Answer("json", _as_dict)
#: The answer carries nothing but ``errcode`` 0.
NOTHING: Answer[None] = Answer("nothing", _nothing)
#: The answer is bytes (an image) on success and JSON on error.
MEDIA: Answer[Media] = Answer("media", _media_from_json, _media)
#: The answer is an image (its content type ``image/…``) on success and JSON on error; any
#: other answer is an :class:`~wxcomponent.errors.UnexpectedAnswer`.
IMAGE: Answer[Media] = Answer("image", _not_an_image, _media, _is_image)


def model(cls: type[M]) -> Answer[M]:
    """The answer read into ``cls`` with its ``from_json`` classmethod (keeping ``.raw``)."""
    return Answer(cls.__name__, cast(Callable[[dict[str, Any]], M], cls.from_json))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- endpoints

_DEFAULT_PARAM = {
    TokenKind.COMPONENT_ACCESS_TOKEN: "component_access_token",
    TokenKind.AUTHORIZER_ACCESS_TOKEN: "access_token",
}


@dataclass(frozen=True)
class Endpoint(Generic[R]):
    """One WeChat endpoint: everything :func:`call` needs to perform it.

    ``token`` is the token it carries (None: no token, or one the caller passes itself);
    ``token_param`` the query name it goes under (by default ``component_access_token`` for
    the component token and ``access_token`` for an authorizer's: some component endpoints
    take the component token as ``access_token``). ``max_upload`` bounds each uploaded file.
    ``error_detail``, when given, turns the error of a non-zero errcode into one that carries
    what else the answer said (the field hints of a refused filing application).
    """

    method: Literal["GET", "POST"]
    path: str
    answer: Answer[R]
    token: TokenKind | None = TokenKind.COMPONENT_ACCESS_TOKEN
    token_param: str = ""
    max_upload: int = DEFAULT_MAX_UPLOAD
    error_detail: Callable[[APIError, Mapping[str, Any]], APIError] | None = None

    def __post_init__(self) -> None:
        if self.token is TokenKind.JSAPI_TICKET:
            raise InvalidArgument("token", "an endpoint carries an access token, not a ticket")
        if self.token is not None and not self.token_param:
            object.__setattr__(self, "token_param", _DEFAULT_PARAM[self.token])

    @property
    def per_authorizer(self) -> bool:
        """True when calls act for an authorizer (its token is injected)."""
        return self.token is TokenKind.AUTHORIZER_ACCESS_TOKEN


def endpoint(method: Literal["GET", "POST"], path: str, answer: Answer[R], *,
             token: TokenKind | None = TokenKind.COMPONENT_ACCESS_TOKEN, token_param: str = "",
             max_upload: int = DEFAULT_MAX_UPLOAD,
             error_detail: Callable[[APIError, Mapping[str, Any]], APIError] | None = None,
             ) -> Endpoint[R]:
    """Declare an endpoint (see :class:`Endpoint`)."""
    return Endpoint(method, path, answer, token, token_param, max_upload, error_detail)


def split_path(path: object) -> tuple[str, dict[str, str]]:
    """Split ``/path?a=1`` (the seed's "incomplete URL") into the path and its parameters.

    Token parameters in the query are dropped: the engine injects the current token.
    """
    from urllib.parse import parse_qsl, urlsplit

    if not isinstance(path, str) or not path:
        raise InvalidArgument("path", "must be a non-empty string such as /cgi-bin/user/info")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        raise InvalidArgument("path", "give the API path only (e.g. /cgi-bin/user/info), "
                                      "not a full URL")
    clean = parts.path if parts.path.startswith("/") else "/" + parts.path
    params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if k not in ("access_token", "component_access_token")}
    return clean, params


# --------------------------------------------------------------------------- uploads


@dataclass(frozen=True)
class File:
    """A file to upload: bytes, a path, or a binary file object, with an optional file name
    and content type (guessed from the name, or from the first bytes, when not given)."""

    source: bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO = field(repr=False)
    filename: str | None = None
    content_type: str | None = None


#: What an upload accepts.
FileInput = Union[File, bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]

_SNIFF = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"BM", "bmp", "image/bmp"),
    (b"#!AMR", "amr", "audio/amr"),
    (b"ID3", "mp3", "audio/mpeg"),
    (b"%PDF-", "pdf", "application/pdf"),
)


def _sniff(content: bytes) -> tuple[str, str]:
    for magic, ext, ctype in _SNIFF:
        if content.startswith(magic):
            return f"file.{ext}", ctype
    if content[4:8] == b"ftyp":
        return "file.mp4", "video/mp4"
    return "file", "application/octet-stream"


def upload_part(file: FileInput, *, field_name: str, limit: int,
                argument: str = "file") -> Flow[UploadPart]:
    """Read ``file`` into one multipart part, refusing it when larger than ``limit`` bytes."""
    spec = file if isinstance(file, File) else File(file)
    source = spec.source
    filename = spec.filename
    if isinstance(source, (bytes, bytearray, memoryview)):
        content = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        if not os.fspath(source):
            raise InvalidArgument(argument, "the path is empty")
        content = yield ReadFile(source, limit + 1)
        filename = filename or os.path.basename(os.fspath(source))
    elif callable(getattr(source, "read", None)):
        content = yield ReadFile(source, limit + 1)
        name = getattr(source, "name", None)
        if filename is None and isinstance(name, str):
            filename = os.path.basename(name)
    else:
        raise InvalidArgument(argument, "give bytes, a path or a binary file object, not "
                                        f"{type(source).__name__}")
    if not isinstance(content, bytes):
        raise InvalidArgument(argument, "the file object must be opened in binary mode")
    if len(content) > limit:
        raise FileTooLarge(argument, limit)
    if not content:
        raise InvalidArgument(argument, "the file is empty")
    sniffed_name, sniffed_type = _sniff(content)
    content_type = (spec.content_type
                    or (mimetypes.guess_type(filename)[0] if filename else None)
                    or sniffed_type)
    return UploadPart(field_name, filename or sniffed_name, content, content_type)


# --------------------------------------------------------------------------- performing


def _is_json(result: HttpResult) -> bool:
    ctype = result.content_type.lower()
    if "json" in ctype or ctype.startswith("text/"):
        return True
    # Some error answers come without a JSON content type: a JSON object with an errcode.
    return result.content[:1] == b"{" and b'"errcode"' in result.content[:200]


def decode_answer(result: HttpResult, path: str) -> dict[str, Any]:
    """The JSON object of an answer; HTTP 5xx and unreadable bodies are transport errors."""
    if result.status >= 500:
        raise TransportError(f"HTTP {result.status} from {path}", path=path, status=result.status)
    try:
        data = json.loads(result.content)
    except (ValueError, UnicodeDecodeError):
        raise TransportError(
            f"HTTP {result.status} from {path} is not JSON", path=path, status=result.status
        ) from None
    if not isinstance(data, dict):
        raise TransportError(f"answer of {path} is not a JSON object", path=path,
                             status=result.status)
    if result.status >= 400 and "errcode" not in data:
        raise TransportError(f"HTTP {result.status} from {path}", path=path, status=result.status)
    return data


def errcode_of(data: Mapping[str, Any]) -> int:
    """``errcode`` as an int (one endpoint sends it as a string); 0 when absent."""
    value = data.get("errcode", 0)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


#: WeChat's errcode for a spent daily quota.
QUOTA_SPENT = 45009


def _called(ctx: Context, path: str, authorizer_appid: str, errcode: int | str,
            rid: str) -> Flow[None]:
    """Announce one upstream call: its path, account, errcode (0: success; ``transport``:
    no answer) and the rid WeChat gave an error."""
    yield Emit(ListenerEvent.API_CALLED, {"path": path, "authorizer_appid": authorizer_appid,
                                          "errcode": errcode, "rid": rid})


def call(
    ctx: Context,
    spec: Endpoint[R],
    *,
    authorizer_appid: str = "",
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    files: tuple[UploadPart, ...] = (),
    form: Mapping[str, Any] | None = None,
) -> Flow[R]:
    """Perform ``spec`` (for ``authorizer_appid`` when it carries an authorizer's token)."""
    if spec.per_authorizer and not authorizer_appid:
        raise InvalidArgument("authorizer_appid", f"{spec.path} acts for an authorizer")
    path, query = split_path(spec.path)
    account = authorizer_appid or ctx.appid
    refusal = ctx.backoff.refusal(account, path, ctx.clock())
    if refusal is not None:
        raise api_error(refusal.errcode, f"not sent: {account} is backed off for "
                        f"{refusal.seconds_left:.0f} s more after repeated errcode "
                        f"{refusal.errcode}", path)
    base = {**query, **{k: str(v) for k, v in (params or {}).items()}}
    fields = {k: str(v) for k, v in (form or {}).items()}
    policy = ctx.policy
    kind = spec.token
    attempt = 0
    token_retried = False
    while True:
        attempt += 1
        q = dict(base)
        used = ""
        if kind is not None:
            token = yield from ctx.tokens.current(ctx, kind, authorizer_appid)
            used = token.value
            q[spec.token_param] = used
        # Inside a single flight, no attempt (a retry after a transient failure included)
        # leaves once its lease has run out: the next holder may have refreshed already.
        ctx.hold()
        try:
            result: HttpResult = yield Http(spec.method, path, q, body, files, fields)
            if spec.answer.from_media is not None and 200 <= result.status < 300 \
                    and spec.answer.is_media(result):
                yield from _called(ctx, path, authorizer_appid, 0, "")
                return spec.answer.from_media(result)
            data = decode_answer(result, path)
        except TransportError as exc:
            yield from _called(ctx, path, authorizer_appid, "transport", "")
            if attempt >= policy.attempts:
                raise
            log.info("transient failure on %s (%s); try %d of %d", path, exc, attempt + 1,
                     policy.attempts)
            yield Sleep(policy.backoff(attempt, ctx.rng))
            continue
        errcode = errcode_of(data)
        errmsg = str(data.get("errmsg", ""))
        error = api_error(errcode, errmsg, path) if errcode else None
        if error is not None and spec.error_detail is not None:
            error = spec.error_detail(error, data)
        yield from _called(ctx, path, authorizer_appid, errcode, error.rid if error else "")
        if error is None:
            ctx.backoff.succeeded(account, path)
            try:
                return spec.answer.from_json(data)
            except UnexpectedAnswer as exc:
                raise UnexpectedAnswer(str(exc), path=path) from None
        if errcode in TOKEN_INVALID_CODES and kind is not None and not token_retried:
            token_retried = True
            attempt -= 1  # a token retry is not a transient-failure try
            log.info("errcode %d on %s: compare-and-refresh of the %s", errcode, path, kind.value)
            yield from ctx.tokens.refresh(ctx, kind, authorizer_appid, used)
            continue
        if error.retryable and attempt < policy.attempts:
            yield Sleep(policy.backoff(attempt, ctx.rng))
            continue
        if errcode in TOKEN_INVALID_CODES and token_retried:
            ctx.backoff.failed(account, TOKEN, errcode, ctx.clock())
        if isinstance(error, QuotaExceeded):
            if errcode == QUOTA_SPENT:
                ctx.backoff.failed(account, path, errcode, ctx.clock())
            yield Emit(ListenerEvent.QUOTA_EXHAUSTED, {
                "path": path, "errcode": errcode, "authorizer_appid": authorizer_appid,
                "rid": error.rid})
        if isinstance(error, NotAuthorized) and spec.per_authorizer:
            yield from accounts.forget_authorizer(ctx, authorizer_appid)
        raise error
