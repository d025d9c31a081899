"""Verify + decrypt + parse of a realistic component_verify_ticket push, per message.

Compares, in one run on the same push, each side doing the whole job (check the signature,
decrypt, check the padding and the appid, parse the XML into a typed object):

  wxcomponent  MessageCrypto.decrypt_body + parse_event (a typed VerifyTicket)
  wechatpy     WeChatComponent.parse_message (its own verify, decrypt and parse into a
               ComponentVerifyTicketMessage; it also sets the ticket in its in-memory session)

against two floors that do only the raw steps, with no XML parsing, no padding or appid check
and no typed object:

  floor        the Encrypt text cut out of the body with ``bytes.find``, its SHA-1 signature
               compared, base64-decoded and AES-CBC-decrypted with `cryptography` (a new
               decryptor per message, as plain use of the library does)
  regex floor  the same with the Encrypt text found by a lazy regular expression: the floor
               of earlier versions of this benchmark, kept to compare figures with them

The machine may be shared, so the candidates are measured in alternating slices, round after
round; each ratio is the median of the ratios within a round, where both sides met the same
load. Every candidate's result is checked before measuring.

Run by hand:  uv run python benchmarks/bench_callback.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import re
import statistics
import time
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxcomponent import MessageCrypto, parse_event
from wxcomponent.core.xml import build_xml
from wxcomponent.events import VerifyTicket

APPID = "wx1234567890abcdef"
TOKEN = "benchtoken"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TS, NONCE = "1700000000", "1234567890"
TICKET = "ticket@@@" + "x" * 86

crypto = MessageCrypto(TOKEN, KEY, APPID)
inner = build_xml({
    "AppId": APPID,
    "CreateTime": 1700000000,
    "InfoType": "component_verify_ticket",
    "ComponentVerifyTicket": TICKET,
})
ENCRYPT = crypto.encrypt(inner)
SIG = crypto.msg_signature(TS, NONCE, ENCRYPT)
BODY = build_xml({"AppId": APPID, "Encrypt": ENCRYPT}).encode()


def ours() -> object:
    plain = crypto.decrypt_body(BODY, msg_signature=SIG, timestamp=TS, nonce=NONCE)
    return parse_event(plain)


_key = base64.b64decode(KEY + "=")
_cipher = Cipher(algorithms.AES(_key), modes.CBC(_key[:16]))
_OPEN, _CLOSE = b"<Encrypt><![CDATA[", b"]]></Encrypt>"


def floor() -> object:
    start = BODY.index(_OPEN) + len(_OPEN)
    encrypt = BODY[start:BODY.index(_CLOSE, start)].decode()
    digest = hashlib.sha1("".join(sorted((TOKEN, TS, NONCE, encrypt))).encode()).hexdigest()
    if not hmac.compare_digest(digest, SIG):
        raise AssertionError
    dec = _cipher.decryptor()
    return dec.update(base64.b64decode(encrypt)) + dec.finalize()


_ENC_RE = re.compile(rb"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>")


def regex_floor() -> object:
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


def check(candidates: dict[str, Callable[[], object]]) -> None:
    """Every candidate must do its job on the push before it is timed."""
    event = candidates["wxcomponent"]()
    assert isinstance(event, VerifyTicket) and event.ticket == TICKET, event
    for name in ("floor", "regex floor"):
        plain = candidates[name]()
        assert isinstance(plain, bytes) and inner.encode() in plain, name
    if "wechatpy" in candidates:
        message = candidates["wechatpy"]()
        assert getattr(message, "verify_ticket", None) == TICKET, message


def per_call(fn: Callable[[], object], n: int) -> float:
    """µs per call over ``n`` calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="alternating measurements")
    parser.add_argument("--slice", type=float, default=0.05,
                        help="seconds each candidate runs per round (about)")
    args = parser.parse_args(argv)

    candidates: dict[str, Callable[[], object]] = {
        "wxcomponent": ours, "floor": floor, "regex floor": regex_floor}
    wechatpy = make_wechatpy()
    if wechatpy is not None:
        candidates["wechatpy"] = wechatpy
    check(candidates)
    # Calls per slice, from a first estimate, so every slice lasts about as long.
    counts = {}
    for name, fn in candidates.items():
        per_call(fn, 500)
        counts[name] = max(200, int(args.slice / (per_call(fn, 2000) / 1e6)))

    rounds: list[dict[str, float]] = []
    names = list(candidates)
    for index in range(args.rounds):
        shift = index % len(names)  # each candidate in each position in turn
        measured = {name: per_call(candidates[name], counts[name])
                    for name in names[shift:] + names[:shift]}
        rounds.append(measured)

    def median(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    def ratio(top: str, bottom: str) -> float:
        return statistics.median(r[top] / r[bottom] for r in rounds)

    print(f"{args.rounds} rounds; µs per push (median of the rounds, spread min–max)")
    for name in names:
        values = [r[name] for r in rounds]
        print(f"  {name:12s} {median(name):7.2f} µs   ({min(values):.2f}–{max(values):.2f})")
    print()
    print(f"  {'figure':40s} {'measured':>9s}   target")
    print(f"  {'wxcomponent / floor':40s} {ratio('wxcomponent', 'floor'):8.2f}x   ≤ 1.6x")
    print(f"  {'wxcomponent / regex floor (as before)':40s} "
          f"{ratio('wxcomponent', 'regex floor'):8.2f}x   ≤ 1.6x")
    if wechatpy is not None:
        print(f"  {'speed-up over wechatpy':40s} {ratio('wechatpy', 'wxcomponent'):8.2f}x   ≥ 3.0x")
    else:
        print("  wechatpy is not installed: no comparison with it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
