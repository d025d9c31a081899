"""The emulator's ASGI application: the APIs, the authorization pages and the control API.

Requests pass a gate first, which counts every request per path and applies injected faults
(latency, HTTP status, errcode, dropped connection). Paths under :data:`CONTROL_PREFIX` are
the control API and are neither counted nor faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import http
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .endpoints import ENDPOINTS, Binary, Endpoint, Hooks, dispatch
from .model import LinkExpired, NotFound, WxError
from .pages import PAGE_PATHS, PageHost, authorization_page
from .state import Fault, State

__all__ = ["CONTROL", "CONTROL_PREFIX", "AppHost", "ConnectionDropped", "build_app"]

#: Reserved path prefix of the HTTP control API.
CONTROL_PREFIX = "/__emulator__/"

#: The HTTP control API: ``/__emulator__/<name>`` → (HTTP method, Emulator attribute).
#: Parameters come from the query string and a JSON object body (the body wins on a name given
#: in both); they are the keyword arguments of the Python method of the same meaning.
CONTROL: dict[str, tuple[str, str]] = {
    "state": ("GET", "snapshot"),
    "clock": ("GET", "now"),
    "calls": ("GET", "calls"),
    "call_counts": ("GET", "call_counts"),
    "deliveries": ("GET", "deliveries"),
    "refresh_token": ("GET", "current_refresh_token"),
    "ticket": ("GET", "latest_ticket"),
    "platforms": ("POST", "add_platform"),
    "configure": ("POST", "configure"),
    "accounts": ("POST", "add_account"),
    "users": ("POST", "add_user"),
    "issue_ticket": ("POST", "issue_ticket"),
    "push_ticket": ("POST", "push_ticket"),
    "authorize": ("POST", "authorize"),
    "update_authorization": ("POST", "update_authorization"),
    "revoke": ("POST", "revoke"),
    "fast_register": ("POST", "fast_register"),
    "push_message": ("POST", "push_message"),
    "inject": ("POST", "inject"),
    "clear_faults": ("POST", "clear_faults"),
    "invalidate_tokens": ("POST", "invalidate_tokens"),
    "rotate_refresh_tokens": ("POST", "set_rotate_refresh_tokens"),
    "refresh_token_rotation": ("POST", "rotate_refresh_tokens_at_random"),
    "ticket_repeat": ("POST", "repeat_tickets"),
    "ticket_pushes": ("POST", "stop_ticket_pushes"),
    "burst": ("POST", "system_error_burst"),
    "live": ("POST", "set_live"),
    "quota": ("POST", "set_quota"),
    "callback_ips": ("POST", "set_callback_ips"),
    "advance_clock": ("POST", "advance_clock"),
    "reset": ("POST", "reset"),
    "oauth_code": ("POST", "oauth_code"),
    "js_code": ("POST", "js_code"),
    "release_check": ("POST", "release_check"),
    "custom_messages": ("GET", "custom_messages"),
    # mini-program management
    "mini_program": ("GET", "mini_program"),
    "mini_program_settings": ("POST", "configure_mini_programs"),
    "template_drafts": ("POST", "add_template_draft"),
    "audit_plan": ("POST", "plan_audits"),
    "audit_result": ("POST", "set_audit_result"),
    "run_due": ("POST", "run_due_events"),
    "registrations": ("GET", "registrations"),
    "complete_registration": ("POST", "complete_registration"),
    "complete_authorize_url": ("POST", "complete_authorize_url"),
    "reuse_subject_ticket": ("POST", "reuse_subject_ticket"),
    "rebind_admin_taskid": ("POST", "rebind_admin_taskid"),
    "nickname_audit": ("POST", "finish_nickname_audit"),
    "category_review": ("POST", "review_category"),
    # order shipping management
    "orders": ("GET", "orders"),
    "pay_order": ("POST", "add_order"),
    "confirm_receipt": ("POST", "confirm_receipt"),
    "refund_order": ("POST", "refund_order"),
    "trade_management": ("POST", "set_trade_management"),
    "open_link": ("POST", "open_link"),
    # ICP filing
    "filing": ("GET", "filing"),
    "set_filing": ("POST", "set_filing"),
    "filing_plan": ("POST", "plan_filing"),
    "face_verification": ("POST", "plan_face_verification"),
    "filing_refusal": ("POST", "refuse_filing"),
    # compliance
    "verification_step": ("POST", "verification_step"),
    "auth_and_icp_step": ("POST", "auth_and_icp_step"),
    "privacy_interface_plan": ("POST", "plan_privacy_interface"),
    "privacy_interface_review": ("POST", "review_privacy_interface"),
    "illegal_records": ("POST", "add_illegal_record"),
    "appeal_decision": ("POST", "decide_appeal"),
}


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ConnectionDropped(ConnectionError):
    """Raised in place of dropping a connection when the server offers no way to abort it."""


class AppHost(PageHost, Hooks, Protocol):
    """What the application needs of the emulator it serves: the state, the consent of the
    pages, the endpoints' hooks, the background work its lifespan starts and stops, and the
    attributes :data:`CONTROL` names (looked up by name, so not listed here)."""

    def start_background(self) -> None:
        """Start the background ticket pushes (idempotent)."""
        ...

    def close(self) -> None:
        """Stop the background work."""
        ...


def jsonable(value: Any) -> Any:
    """Turn a control result (records, deliveries, lists) into JSON-ready data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- the gate


def _client_ip(scope: Scope) -> str:
    client = scope.get("client") or ("127.0.0.1", 0)
    return str(client[0])


async def _drop(send: Send, receive: Receive) -> None:
    """Close the connection without an answer (uvicorn: abort the transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionDropped("connection dropped by an injected fault")
    transport.abort()

    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    # Let the server see the disconnect, so it does not try to answer a 500.
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(until_disconnect(), 2.0)


def _fault_response(state: State, fault: Fault, scope: Scope) -> Response | None:
    if fault.errcode is not None:
        client_ip = _client_ip(scope)
        # WeChat names the caller's address in 61004's message; the others carry their text
        hint = f"requestIP: {client_ip}" if fault.errcode == 61004 else "injected"
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        with state.lock:
            payload = state.rids.answer_error(
                WxError(fault.errcode, hint), owner=state.token_owner(query),
                now=state.clock.now(), cost_ms=0, query=query, body=b"", client_ip=client_ip)
        return JSONResponse(payload, status_code=fault.status or 200)
    if fault.status is not None:
        phrase = html.escape(http.HTTPStatus(fault.status).phrase)
        page = (f"<html><head><title>{fault.status} {phrase}</title></head><body><center>"
                f"<h1>{fault.status} {phrase}</h1></center><hr><center>nginx</center>"
                "</body></html>")
        return HTMLResponse(page, status_code=fault.status)
    return None


class _Gate:
    """Counts requests per path and applies injected faults before the routes."""

    def __init__(self, emulator: AppHost, app: ASGIApp) -> None:
        self.emulator = emulator
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX):
            fault = self.emulator.state.enter(scope["path"])
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.drop:
                    await _drop(send, receive)
                    return
                response = _fault_response(self.emulator.state, fault, scope)
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------- routes


def _api_view(emulator: AppHost, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def view(request: Request) -> Response:
        body = await request.body()
        answer = dispatch(emulator.state, emulator, endpoint, request.method,
                          request.query_params, body, request.headers.get("content-type", ""),
                          _client_ip(request.scope))
        if isinstance(answer, Binary):
            return Response(answer.content, media_type=answer.content_type)
        return JSONResponse(answer)

    return view


def _control_view(emulator: AppHost) -> Callable[[Request], Awaitable[Response]]:
    async def view(request: Request) -> Response:
        name = request.path_params["name"].strip("/")
        entry = CONTROL.get(name)
        if entry is None:
            return JSONResponse({"error": f"unknown control {name!r}",
                                 "controls": sorted(CONTROL)}, status_code=404)
        method, attribute = entry
        if request.method != method:
            return JSONResponse({"error": f"use {method}"}, status_code=405)
        params: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        if body.strip():
            try:
                loaded = json.loads(body)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict):
                return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            params.update(loaded)
        target = getattr(emulator, attribute)

        def run() -> Any:
            if not callable(target):
                return target
            inspect.signature(target).bind(**params)
            return target(**params)

        try:
            result = await run_in_threadpool(run)
        except LinkExpired as exc:
            return JSONResponse({"error": str(exc), "expire_time": exc.expire_time},
                                status_code=410)
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        result = jsonable(result)
        return JSONResponse(result if isinstance(result, dict) else {"result": result})

    return view


async def _not_found(request: Request) -> Response:
    return JSONResponse(
        {"errcode": 404, "errmsg": f"not found: {request.url.path} is not emulated"},
        status_code=404,
    )


def build_app(emulator: AppHost) -> ASGIApp:
    """The emulator's ASGI application (its lifespan runs the background ticket pushes)."""

    async def page(request: Request) -> Response:
        return await authorization_page(emulator, request)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        emulator.start_background()
        try:
            yield
        finally:
            await run_in_threadpool(emulator.close)

    every = _METHODS
    routes = [Route(ep.path, _api_view(emulator, ep), methods=every) for ep in ENDPOINTS]
    routes += [Route(path, page, methods=every) for path in PAGE_PATHS]
    routes.append(Route(CONTROL_PREFIX + "{name:path}", _control_view(emulator), methods=every))
    routes.append(Route("/{rest:path}", _not_found, methods=every))
    return _Gate(emulator, Starlette(routes=routes, lifespan=lifespan))
