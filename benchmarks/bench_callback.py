"""Verify + decrypt + parse of a realistic component_verify_ticket push, per message.

Compares, in one run on the same push:
  wxcomponent  MessageCrypto.open_body + parse_event
  wechatpy     WeChatComponent.parse_message (its own verify, decrypt and parse)
  floor        SHA-1 signature check + base64 + AES-CBC decrypt with `cryptography`, nothing else

Run by hand:  uv run python benchmarks/bench_callback.py
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxcomponent import MessageCrypto, parse_event
from wxcomponent.core.xml import build_xml

APPID = "wx1234567890abcdef"
TOKEN = "benchtoken"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TS, NONCE = "1700000000", "1234567890"

crypto = MessageCrypto(TOKEN, KEY, APPID)
inner = build_xml({
    "AppId": APPID,
    "CreateTime": 1700000000,
    "InfoType": "component_verify_ticket",
    "ComponentVerifyTicket": "ticket@@@" + "x" * 86,
})
ENCRYPT = crypto.encrypt(inner)
SIG = crypto.msg_signature(TS, NONCE, ENCRYPT)
BODY = build_xml({"AppId": APPID, "Encrypt": ENCRYPT}).encode()


def ours() -> object:
    plain = crypto.decrypt_body(BODY, msg_signature=SIG, timestamp=TS, nonce=NONCE)
    return parse_event(plain)


_key = base64.b64decode(KEY + "=")
_cipher = Cipher(algorithms.AES(_key), modes.CBC(_key[:16]))
_ENC_RE = re.compile(rb"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>")


def floor() -> object:
    encrypt = _ENC_RE.search(BODY).group(1).decode()  # type: ignore[union-attr]
    digest = hashlib.sha1("".join(sorted((TOKEN, TS, NONCE, encrypt))).encode()).hexdigest()
    if not hmac.compare_digest(digest, SIG):
        raise AssertionError
    dec = _cipher.decryptor()
    return dec.update(base64.b64decode(encrypt)) + dec.finalize()


def make_wechatpy() -> Callable[[], object] | None:
    try:
        from wechatpy.component import WeChatComponent
    except ImportError:
        return None
    component = WeChatComponent(APPID, "secret", TOKEN, KEY)

    def run() -> object:
        return component.parse_message(BODY.decode(), SIG, TS, NONCE)

    return run


def measure(fn: Callable[[], object], n: int = 20000, rounds: int = 7) -> float:
    for _ in range(1000):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(times)


def main() -> None:
    assert ours().ticket.startswith("ticket@@@")  # type: ignore[attr-defined]
    results = {"wxcomponent": measure(ours), "floor (sha1+b64+aes)": measure(floor)}
    wp = make_wechatpy()
    if wp is not None:
        results["wechatpy"] = measure(wp, n=5000)
    for name, us in results.items():
        print(f"{name:24s} {us:8.2f} µs/message")
    ratio = results["wxcomponent"] / results["floor (sha1+b64+aes)"]
    print(f"ratio to floor:          {ratio:.2f}x  (target ≤ 1.6x)")
    if "wechatpy" in results:
        print(f"speed-up over wechatpy:  {results['wechatpy'] / results['wxcomponent']:.2f}x"
              "  (target ≥ 3x)")


if __name__ == "__main__":
    main()
