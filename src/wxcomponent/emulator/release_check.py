"""WeChat's release check (全网发布接入检测), run by the emulator against a platform.

:func:`run_release_check` does what WeChat does before a platform may serve every account: as
each of the two test accounts it pushes the three cases to the platform's message URL and
checks every answer — a passive text reply ``<Event>from_callback`` to an event, the reply
``TESTCOMPONENT_MSG_TYPE_TEXT_callback`` to that text, and for ``QUERY_AUTH_CODE:<code>`` (a
fresh authorization code of the test account) an empty answer at once, then a
customer-service message ``<code>_from_api`` to the sender within the time limit. Each answer
must come within 5 seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ..core.xml import parse_xml
from ..errors import CallbackError
from ..redaction import abbreviate
from .model import AccountKind, Authorization, Delivery, Platform, User
from .state import State


class CheckHost(Protocol):
    """What the check needs of the emulator."""

    @property
    def state(self) -> State:
        """The emulator's state."""
        ...

    def platform(self, appid: str) -> Platform:
        """A registered platform."""
        ...

    def add_user(self, component_appid: str, authorizer_appid: str,
                 openid: str | None = None) -> User:
        """A user of an account."""
        ...

    def push_message(self, component_appid: str, authorizer_appid: str,
                     fields: Mapping[str, object]) -> Delivery:
        """Push a message to the message URL and wait for the answer."""
        ...

    def authorize(self, component_appid: str, authorizer_appid: str | None = None, *,
                  kind: AccountKind = "official_account", func_info: Any = None,
                  push: bool = True) -> Authorization:
        """Authorize an account (a fresh auth code)."""
        ...

__all__ = [
    "TEST_ACCOUNTS",
    "CaseResult",
    "CheckHost",
    "ReleaseCheckReport",
    "run_release_check",
]

#: (appid, user name, kind) of the two test accounts.
TEST_ACCOUNTS: tuple[tuple[str, str, AccountKind], ...] = (
    ("wx570bc396a51b8ff8", "gh_3c884a361561", "official_account"),
    ("wxd101a85aa106f53e", "gh_8dad206e9538", "mini_program"),
)

#: WeChat's limit for every answer, in seconds.
ANSWER_LIMIT = 5.0


@dataclass
class CaseResult:
    """One case for one test account: passed, or why not."""

    account: str
    case: str
    passed: bool
    detail: str = ""


@dataclass
class ReleaseCheckReport:
    """Every case's result; ``passed`` when all passed."""

    component_appid: str
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every case passed."""
        return bool(self.cases) and all(c.passed for c in self.cases)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"component_appid": self.component_appid, "passed": self.passed,
                "cases": [asdict(c) for c in self.cases]}


def _answer(delivery: Delivery) -> tuple[int | None, str, float]:
    """Status, body and time of the delivery's first attempt (WeChat does not retry here)."""
    if not delivery.attempts:
        return None, "", 0.0
    first = delivery.attempts[0]
    return first.status, first.body or "", first.elapsed


def _open_reply(platform: Platform, body: str) -> dict[str, Any]:
    """The decrypted fields of a passive reply (its signature checked)."""
    envelope = parse_xml(body.encode("utf-8"))
    encrypt, signature = envelope.get("Encrypt"), envelope.get("MsgSignature")
    timestamp, nonce = envelope.get("TimeStamp"), envelope.get("Nonce")
    if not all(isinstance(v, str) for v in (encrypt, signature, timestamp, nonce)):
        raise CallbackError("the reply is not an encrypted reply")
    plain = platform.crypto().decrypt(str(encrypt), msg_signature=str(signature),
                                      timestamp=str(timestamp), nonce=str(nonce))
    fields = parse_xml(plain)
    return {k: v for k, v in fields.items() if isinstance(v, str)}


def _check_reply(platform: Platform, delivery: Delivery, user: str, openid: str,
                 expected: str) -> str:
    """Why the delivery's answer is not the expected text reply ("" when it is)."""
    status, body, elapsed = _answer(delivery)
    if status != 200:
        return f"answered HTTP {status}" if status else (delivery.error or "no answer")
    if elapsed > ANSWER_LIMIT:
        return f"answered after {elapsed:.1f} s (the limit is {ANSWER_LIMIT:g} s)"
    try:
        fields = _open_reply(platform, body)
    except Exception as exc:
        return f"the answer is not an encrypted reply ({type(exc).__name__}): {body[:60]!r}"
    wanted = {"MsgType": "text", "Content": expected, "ToUserName": openid,
              "FromUserName": user}
    wrong = [f"{k}={fields.get(k)!r} (want {v!r})" for k, v in wanted.items()
             if fields.get(k) != v]
    return "; ".join(wrong)


def run_release_check(emulator: CheckHost, component_appid: str, *,
                      timeout: float = ANSWER_LIMIT) -> ReleaseCheckReport:
    """Run every case for both test accounts against the platform's message URL."""
    platform = emulator.platform(component_appid)
    report = ReleaseCheckReport(component_appid)
    if not platform.config.message_url:
        report.cases.append(CaseResult("-", "setup", False, "no message URL is configured"))
        return report
    for appid, user_name, kind in TEST_ACCOUNTS:
        emulator.state.add_account(platform, kind, appid, user_name=user_name)
        openid = emulator.add_user(component_appid, appid).openid
        name = f"{kind} {appid}"
        event = emulator.push_message(component_appid, appid, {
            "MsgType": "event", "Event": "LOCATION", "FromUserName": openid,
            "Latitude": "23.1", "Longitude": "113.3", "Precision": "50"})
        problem = _check_reply(platform, event, user_name, openid, "LOCATIONfrom_callback")
        report.cases.append(CaseResult(name, "event", not problem, problem))
        text = emulator.push_message(component_appid, appid, {
            "MsgType": "text", "Content": "TESTCOMPONENT_MSG_TYPE_TEXT", "FromUserName": openid,
            "MsgId": "1"})
        problem = _check_reply(platform, text, user_name, openid,
                               "TESTCOMPONENT_MSG_TYPE_TEXT_callback")
        report.cases.append(CaseResult(name, "text", not problem, problem))
        report.cases.append(_query_auth_case(emulator, platform, appid, kind, openid, timeout))
    return report


def _query_auth_case(emulator: CheckHost, platform: Platform, appid: str, kind: AccountKind,
                     openid: str, timeout: float) -> CaseResult:
    name = f"{kind} {appid}"
    code = emulator.authorize(platform.appid, appid, kind=kind, push=False).auth_code
    seen = emulator.state.custom_message_count()
    delivery = emulator.push_message(platform.appid, appid, {
        "MsgType": "text", "Content": f"QUERY_AUTH_CODE:{code}", "FromUserName": openid,
        "MsgId": "2"})
    status, body, elapsed = _answer(delivery)
    if status != 200:
        detail = f"answered HTTP {status}" if status else (delivery.error or "no answer")
        return CaseResult(name, "query_auth_code", False, detail)
    if body.strip() not in ("", "success") or elapsed > ANSWER_LIMIT:
        return CaseResult(name, "query_auth_code", False,
                          f"the first answer must be empty and quick, got {body[:60]!r} "
                          f"after {elapsed:.1f} s")
    wanted = f"{code}_from_api"
    message = emulator.state.wait_custom_message(
        lambda m: m["authorizer_appid"] == appid and m["touser"] == openid
        and m.get("text", {}).get("content") == wanted, after=seen, timeout=timeout)
    if message is None:
        return CaseResult(name, "query_auth_code", False,
                          f"no customer-service message {abbreviate(code, 16)}_from_api "
                          f"within {timeout:g} s")  # the code up to its random part
    return CaseResult(name, "query_auth_code", True)

