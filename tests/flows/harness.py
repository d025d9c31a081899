"""Drive flows directly: feed answers to the effects they yield and record every effect.

Store calls go to a real :class:`MemoryStore` on the harness's clock; HTTP requests are
answered by a script (a function of the request, or a list of answers in order); sleeps
advance the clock instead of waiting; locks are tracked so a test can check that every lock
taken was given back. User handlers (:class:`CallHandler`) are recorded, and called when
``call_handlers`` is set; ``callbacks`` and ``config`` give the context a push router and
other platform settings (a previous EncodingAESKey).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wxcomponent import ComponentConfig
from wxcomponent.core.context import Context
from wxcomponent.core.effects import (
    CallHandler,
    Emit,
    Gather,
    Http,
    HttpResult,
    Lock,
    Pause,
    ReadFile,
    Sleep,
    Spawn,
    StoreCall,
    Unlock,
)
from wxcomponent.core.policy import Policy
from wxcomponent.core.tokens import Tokens
from wxcomponent.stores import AuthorizerRecord, CachedToken, MemoryStore

COMPONENT_APPID = "wx1111111111111111"
AUTHORIZER = "wxaaaaaaaaaaaaaaaa"

COMPONENT_KEY = f"{COMPONENT_APPID}:component_access_token"
AUTHORIZER_KEY = f"{COMPONENT_APPID}:authorizer_access_token:{AUTHORIZER}"

CONFIG = ComponentConfig(
    appid=COMPONENT_APPID,
    secret="s" * 32,
    token="tok",
    encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
)


class FakeClock:
    """A clock that moves only when told to (or when a flow sleeps)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def answer(status: int = 200, body: Any = None, content_type: str = "application/json",
           content: bytes | None = None) -> HttpResult:
    """An HTTP answer: JSON from ``body`` unless raw ``content`` is given."""
    if content is None:
        content = json.dumps({} if body is None else body).encode()
    return HttpResult(status, content, content_type)


Responder = Callable[[Http], HttpResult | BaseException]


@dataclass
class Harness:
    """One platform's context over a real memory store, a fake clock and scripted HTTP."""

    policy: Policy = field(default_factory=Policy)
    clock: FakeClock = field(default_factory=FakeClock)
    seed: int = 7
    effects: list[Any] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    responder: Responder | None = None
    files: dict[Any, bytes] = field(default_factory=dict)
    config: ComponentConfig = CONFIG
    callbacks: Any = None
    call_handlers: bool = False

    def __post_init__(self) -> None:
        self.store = MemoryStore(clock=self.clock)
        self.ctx = Context(self.config, self.policy, self.clock, random.Random(self.seed),
                           callbacks=self.callbacks, tokens=Tokens())

    # ------------------------------------------------------------------ scripting

    def reply(self, *answers: HttpResult | BaseException | Responder) -> None:
        """Answer HTTP requests in order (a callable answers every request left)."""
        queue = list(answers)

        def respond(request: Http) -> HttpResult | BaseException:
            if not queue:
                raise AssertionError(f"unexpected request {request.method} {request.path}")
            head = queue[0]
            if callable(head) and not isinstance(head, BaseException):
                return head(request)
            queue.pop(0)
            return head

        self.responder = respond

    # ------------------------------------------------------------------ what happened

    def of(self, kind: type) -> list[Any]:
        """The recorded effects of one type."""
        return [e for e in self.effects if isinstance(e, kind)]

    def requests(self, path_end: str = "") -> list[Http]:
        """The HTTP requests made (those whose path ends with ``path_end``)."""
        return [e for e in self.of(Http) if e.path.endswith(path_end)]

    def emitted(self, name: str) -> list[dict[str, Any]]:
        """The fields of every emitted event called ``name``."""
        return [dict(e.fields) for e in self.of(Emit) if e.name == name]

    # ------------------------------------------------------------------ driving

    def run(self, flow: Any, *, on: Callable[[Any], BaseException | None] | None = None) -> Any:
        """Drive ``flow`` to its end. ``on(effect)`` may return an exception to throw in
        instead of performing the effect (a cancellation, a crash)."""
        send: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(send)
            except StopIteration as stop:
                return stop.value
            self.effects.append(effect)
            send, error = None, None
            injected = on(effect) if on is not None else None
            if injected is not None:
                error = injected
                continue
            try:
                send = self._perform(effect)
            except BaseException as exc:
                error = exc

    def _perform(self, effect: Any) -> Any:
        if isinstance(effect, StoreCall):
            return getattr(self.store, effect.method)(*effect.args, **effect.kwargs)
        if isinstance(effect, Http):
            if self.responder is None:
                raise AssertionError(f"no answer scripted for {effect.path}")
            result = self.responder(effect)
            if isinstance(result, BaseException):
                raise result
            return result
        if isinstance(effect, Sleep):
            self.clock.advance(effect.seconds)
            return None
        if isinstance(effect, Lock):
            if self.held.get(effect.key):
                return False
            self.held[effect.key] = 1
            return True
        if isinstance(effect, Unlock):
            assert self.held.get(effect.key), f"unlock of {effect.key} not held"
            self.held[effect.key] = 0
            return None
        if isinstance(effect, Gather):
            return [self.run(factory()) for factory in effect.factories]
        if isinstance(effect, ReadFile):
            return self.files[effect.source][: effect.limit]
        if isinstance(effect, Pause):
            self.clock.advance(effect.seconds)
            return bool(effect.stop)
        if isinstance(effect, CallHandler) and self.call_handlers:
            return effect.handler(*effect.args)
        if isinstance(effect, (Emit, Spawn, CallHandler)):
            return None
        raise AssertionError(f"unknown effect {effect!r}")

    def locks_free(self) -> bool:
        """True when every in-process lock taken was given back."""
        return not any(self.held.values())


def list_page(appids: Iterable[tuple[str, str]], total: int) -> HttpResult:
    """An ``api_get_authorizer_list`` answer of (appid, refresh token) rows."""
    rows = [{"authorizer_appid": a, "refresh_token": r, "auth_time": 1} for a, r in appids]
    return answer(body={"total_count": total, "list": rows})


# --------------------------------------------------------------------------- starting states


def with_ticket(h: Harness) -> Harness:
    """``h`` with a verify ticket stored."""
    h.store.save_ticket(COMPONENT_APPID, "ticket-1", int(h.clock()))
    return h


def ready(policy: Policy | None = None) -> Harness:
    """A platform with a verify ticket and a fresh component token (under ``policy``)."""
    h = with_ticket(Harness(policy=policy or Policy()))
    fresh_component_token(h)
    return h


def fresh_component_token(h: Harness) -> None:
    """Cache a component token valid for two hours."""
    now = h.clock()
    h.store.set_token(COMPONENT_KEY, CachedToken("ct", now + 7200, now))


def authorize(h: Harness, refresh_token: str = "rt-1") -> None:
    """Store :data:`AUTHORIZER` as authorized."""
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, refresh_token,
                                             "authorized", (1,), now, now, None))


def component_token_answer(value: str = "ct-1", expires_in: int = 7200) -> HttpResult:
    """WeChat's answer of a component token."""
    return answer(body={"component_access_token": value, "expires_in": expires_in})


def authorizer_token_answer(value: str = "at-1", refresh: str | None = None) -> HttpResult:
    """WeChat's answer of an authorizer token, with a rotated refresh token if given."""
    body = {"authorizer_access_token": value, "expires_in": 7200}
    if refresh is not None:
        body["authorizer_refresh_token"] = refresh
    return answer(body=body)


def exchanged() -> HttpResult:
    """WeChat's answer of a code exchanged for :data:`AUTHORIZER`."""
    return answer(body={"authorization_info": {
        "authorizer_appid": AUTHORIZER, "authorizer_access_token": "at", "expires_in": 7200,
        "authorizer_refresh_token": "rt", "func_info": []}})


def account_info(name: str = "Tea House", mini: bool = False) -> HttpResult:
    """WeChat's answer of :data:`AUTHORIZER`'s details."""
    info: dict[str, object] = {"nick_name": name}
    if mini:
        info["MiniProgramInfo"] = {}
    return answer(body={"authorizer_info": info,
                        "authorization_info": {"authorizer_appid": AUTHORIZER}})
