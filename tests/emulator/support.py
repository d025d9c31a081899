"""Shared code of the emulator suite: HTTP shortcuts, a real push receiver, and an independent
decryption of pushes (written here, not imported from the library)."""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxcomponent.emulator import CONTROL, DEFAULT_PLATFORM, EmulatorServer

from ..support.servers import free_port

APPID = DEFAULT_PLATFORM.appid
C = "/cgi-bin/component/"


# --------------------------------------------------------------------------- HTTP shortcuts


def post(client: httpx.Client, path: str, body: Any = None, **query: str) -> dict[str, Any]:
    """POST JSON (``body=None``: no body) and return the decoded answer (HTTP 200 expected)."""
    if body is None:
        answer = client.post(path, params=query)
    else:
        answer = client.post(path, params=query, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def get(client: httpx.Client, path: str, **query: str) -> dict[str, Any]:
    answer = client.get(path, params=query)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def control(client: httpx.Client, name: str, body: dict[str, Any] | None = None,
            **query: str) -> Any:
    """Call the control API ``name`` (GET with ``query``, or POST with ``body``); its JSON."""
    if body is None and CONTROL[name][0] == "GET":
        answer = client.get(f"/__emulator__/{name}", params=query)
    else:
        answer = client.post(f"/__emulator__/{name}", params=query, json=body or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def component_token(emu: EmulatorServer, client: httpx.Client) -> str:
    ticket = emu.issue_ticket(APPID)
    answer = post(client, C + "api_component_token", {
        "component_appid": APPID,
        "component_appsecret": DEFAULT_PLATFORM.secret,
        "component_verify_ticket": ticket,
    })
    token: str = answer["component_access_token"]
    return token


@dataclass
class Authorized:
    """An authorizer with its tokens, ready for API calls."""

    component_token: str
    appid: str
    access_token: str
    refresh_token: str


def authorize(
    emu: EmulatorServer, client: httpx.Client, kind: str = "official_account"
) -> Authorized:
    token = component_token(emu, client)
    grant = emu.authorize(APPID, kind=kind, push=False)
    info = query_auth(client, token, grant.auth_code)["authorization_info"]
    return Authorized(token, info["authorizer_appid"], info["authorizer_access_token"],
                      info["authorizer_refresh_token"])


def query_auth(client: httpx.Client, token: str, code: str) -> dict[str, Any]:
    return post(client, C + "api_query_auth",
                {"component_appid": APPID, "authorization_code": code},
                component_access_token=token)


def errcode(answer: dict[str, Any]) -> int:
    return int(answer.get("errcode", 0))


def refresh(client: httpx.Client, token: str, appid: str, refresh_token: str) -> dict[str, Any]:
    """``api_authorizer_token`` with ``refresh_token``."""
    return post(client, C + "api_authorizer_token", {
        "component_appid": APPID, "authorizer_appid": appid,
        "authorizer_refresh_token": refresh_token,
    }, component_access_token=token)


# --------------------------------------------------------------------------- a push receiver


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server (http.server, in a thread) that records pushes.

    ``answers`` are used first, one per request, as (status, body); then ``default``. Set
    ``drop_next`` to close connections without answering; ``on_push`` runs inside the
    handler before it answers (it may call the emulator back).
    """

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: deque[tuple[int, bytes]] = field(default_factory=deque)
    default: tuple[int, bytes] = (200, b"success")
    on_push: Callable[[Received], None] | None = None
    callback_errors: list[BaseException] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"got {len(self.requests)} pushes, wanted {count}")
                self._cond.wait(left)
            return list(self.requests)

    def wait_until(
        self, done: Callable[[list[Received]], bool], timeout: float = 10.0
    ) -> list[Received]:
        """Wait until ``done(requests)`` holds (``timeout`` only turns a hang into a failure)."""
        with self._cond:
            if not self._cond.wait_for(lambda: done(self.requests), timeout):
                raise AssertionError(f"still waiting, after {len(self.requests)} pushes")
            return list(self.requests)


def closed_port() -> int:
    """A loopback port nobody listens on (outside the range the kernel picks ports from)."""
    return free_port()


# --------------------------------------------------------------------------- independent crypto


def independent_open(
    received: Received, *, token: str = DEFAULT_PLATFORM.token,
    key: str = DEFAULT_PLATFORM.encoding_aes_key, appid: str = APPID,
) -> dict[str, Any]:
    """Check both signatures and decrypt a push from scratch; return the plaintext fields.

    Written against WeChat's documented scheme only: SHA-1 of the sorted strings, AES-256-CBC
    with the key's first 16 bytes as IV, PKCS#7 padding to 32 bytes, 16 random bytes, a
    4-byte big-endian length, the message and the appid.
    """
    q = received.query
    assert q["encrypt_type"] == "aes"
    envelope = ET.fromstring(received.body)
    encrypt = envelope.findtext("Encrypt") or ""

    def sha1(*parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    assert q["signature"] == sha1(token, q["timestamp"], q["nonce"])
    assert q["msg_signature"] == sha1(token, q["timestamp"], q["nonce"], encrypt)
    aes_key = base64.b64decode(key + "=")
    assert len(aes_key) == 32
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    message, tail = plain[20 : 20 + length], plain[20 + length :]
    assert tail == appid.encode()
    root = ET.fromstring(message)
    fields: dict[str, Any] = {}
    for child in root:
        fields[child.tag] = {c.tag: c.text for c in child} if len(child) else child.text
    fields["_envelope"] = {c.tag: c.text for c in envelope}
    return fields
