"""Crafted failures, key rotation and property tests of the message crypto."""

from __future__ import annotations

import base64
import hashlib
import struct
import threading

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wxcomponent import MessageCrypto
from wxcomponent.errors import (
    AppIdMismatch,
    Base64Error,
    BodyTooLarge,
    CallbackError,
    DecryptError,
    InvalidAESKey,
    InvalidBuffer,
    InvalidSignature,
    XMLError,
)

TOKEN = "tokentest"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
KEY2 = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"
APPID = "wx1234567890abcdef"
TS, NONCE = "1700000000", "98765"


def raw_encrypt(plain: bytes, key: str = KEY) -> str:
    """AES-256-CBC over already padded bytes, written independently of the library."""
    k = base64.b64decode(key + "=")
    enc = Cipher(algorithms.AES(k), modes.CBC(k[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def sign(encrypt: str, token: str = TOKEN, ts: str = TS, nonce: str = NONCE) -> str:
    return hashlib.sha1("".join(sorted([token, ts, nonce, encrypt])).encode()).hexdigest()


def layout(msg: bytes, appid: bytes = APPID.encode(), length: int | None = None) -> bytes:
    n = len(msg) if length is None else length
    return b"R" * 16 + struct.pack(">I", n) + msg + appid


def pkcs7(data: bytes, block: int = 32) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def open_raw(crypto: MessageCrypto, encrypt: str) -> bytes:
    return crypto.decrypt(encrypt, msg_signature=sign(encrypt), timestamp=TS, nonce=NONCE)


@pytest.fixture
def crypto() -> MessageCrypto:
    return MessageCrypto(TOKEN, KEY, APPID)


def test_round_trip_and_signature(crypto: MessageCrypto) -> None:
    enc = crypto.encrypt(b"<xml>hi</xml>")
    assert open_raw(crypto, enc) == b"<xml>hi</xml>"
    assert sign(enc) == crypto.msg_signature(TS, NONCE, enc)


def test_wrong_signature(crypto: MessageCrypto) -> None:
    enc = crypto.encrypt(b"x")
    with pytest.raises(InvalidSignature) as info:
        crypto.decrypt(enc, msg_signature="0" * 40, timestamp=TS, nonce=NONCE)
    assert info.value.code == -40001
    with pytest.raises(InvalidSignature):
        crypto.decrypt(enc, msg_signature=sign(enc), timestamp=TS, nonce="other")
    with pytest.raises(InvalidSignature):  # non-ASCII must not crash compare_digest
        crypto.decrypt(enc, msg_signature="签名" * 10, timestamp=TS, nonce=NONCE)


def test_wrong_appid(crypto: MessageCrypto) -> None:
    enc = raw_encrypt(pkcs7(layout(b"<xml/>", b"wxffffffffffffffff")))
    with pytest.raises(AppIdMismatch) as info:
        open_raw(crypto, enc)
    assert info.value.code == -40005


def test_bad_base64(crypto: MessageCrypto) -> None:
    for bad in ("not base64!!", "QUJD\x00", "QUJDRA", "中文"):
        with pytest.raises(Base64Error) as info:
            open_raw(crypto, bad)
        assert info.value.code == -40010


def test_ciphertext_not_block_multiple(crypto: MessageCrypto) -> None:
    enc = base64.b64encode(b"x" * 20).decode()
    with pytest.raises(DecryptError) as info:
        open_raw(crypto, enc)
    assert info.value.code == -40007
    with pytest.raises(DecryptError):
        open_raw(crypto, "")


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(b"\x00" * 32, id="pad-zero"),
        pytest.param(b"\x21" * 32, id="pad-over-32"),
        pytest.param(b"\x05" * 27 + b"\x01\x02\x03\x04\x05", id="pad-inconsistent"),
    ],
)
def test_bad_padding(crypto: MessageCrypto, tail: bytes) -> None:
    body = layout(b"<xml/>")
    body += b"\x00" * (-len(body) % 32)
    with pytest.raises(InvalidBuffer) as info:
        open_raw(crypto, raw_encrypt(body + tail))
    assert info.value.code == -40008


def test_truncated_length_field(crypto: MessageCrypto) -> None:
    short = b"R" * 16 + b"\x00\x00"  # random plus half a length field
    with pytest.raises(InvalidBuffer):
        open_raw(crypto, raw_encrypt(pkcs7(short)))


def test_length_beyond_buffer(crypto: MessageCrypto) -> None:
    with pytest.raises(InvalidBuffer):
        open_raw(crypto, raw_encrypt(pkcs7(layout(b"<xml/>", length=10_000))))


def test_wrong_key() -> None:
    sender = MessageCrypto(TOKEN, KEY2, APPID)
    receiver = MessageCrypto(TOKEN, KEY, APPID)
    enc = sender.encrypt(b"<xml/>")
    with pytest.raises((InvalidBuffer, AppIdMismatch)):
        open_raw(receiver, enc)


def test_fallback_to_previous_key_and_reply_with_it() -> None:
    old_sender = MessageCrypto(TOKEN, KEY, APPID)
    receiver = MessageCrypto(TOKEN, KEY2, APPID, previous_encoding_aes_key=KEY)
    enc = old_sender.encrypt(b"<xml>old</xml>")
    opened = receiver.open(enc, msg_signature=sign(enc), timestamp=TS, nonce=NONCE)
    assert opened.message == b"<xml>old</xml>"
    assert opened.used_previous_key
    reply = receiver.encrypt(b"pong", key=opened.key)
    assert open_raw(old_sender, reply) == b"pong"  # the old key decrypts the reply
    fresh = MessageCrypto(TOKEN, KEY2, APPID).encrypt(b"new")
    reopened = receiver.open(fresh, msg_signature=sign(fresh), timestamp=TS, nonce=NONCE)
    assert not reopened.used_previous_key


def test_rotate_at_run_time() -> None:
    crypto = MessageCrypto(TOKEN, KEY, APPID)
    before = crypto.encrypt(b"before")
    crypto.rotate(KEY2)
    assert open_raw(crypto, before) == b"before"  # still readable with the previous key
    after = crypto.encrypt(b"after")
    assert open_raw(MessageCrypto(TOKEN, KEY2, APPID), after) == b"after"
    crypto.rotate("0123456789" * 4 + "abc")
    with pytest.raises((InvalidBuffer, AppIdMismatch)):
        open_raw(crypto, before)  # two rotations later the first key is gone


def test_rotate_under_threads() -> None:
    crypto = MessageCrypto(TOKEN, KEY, APPID)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                enc = crypto.encrypt(b"m")
                open_raw(crypto, enc)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for i in range(20):
        crypto.rotate(KEY if i % 2 else KEY2)
    for t in threads:
        t.join()
    assert errors == []


def test_reused_decryption_context_restarts_at_the_iv_every_time(crypto: MessageCrypto) -> None:
    # A decryption context is kept per key and thread. Messages of different lengths in a
    # row, an odd-length input refused in between, and a wrong key trying first (rotation)
    # must each decrypt as with a fresh context.
    messages = [b"a", b"<xml>" + b"b" * 300 + b"</xml>", b"", b"c" * 31, b"d" * 32]
    encrypted = [crypto.encrypt(m) for m in messages]
    for _ in range(3):
        for message, enc in zip(messages, encrypted, strict=True):
            assert open_raw(crypto, enc) == message
        with pytest.raises(DecryptError):
            crypto.current_key.decrypt(b"x" * 17)
    crypto.rotate(KEY2)  # the new key fails on these first, then the previous one decrypts
    for message, enc in zip(messages, encrypted, strict=True):
        assert open_raw(crypto, enc) == message
    k = base64.b64decode(KEY + "=")
    previous = crypto.previous_key
    assert previous is not None
    for enc in encrypted:
        fresh = Cipher(algorithms.AES(k), modes.CBC(k[:16])).decryptor()
        data = base64.b64decode(enc)
        assert previous.decrypt(data) == fresh.update(data) + fresh.finalize()


def test_decryption_contexts_are_per_thread() -> None:
    crypto = MessageCrypto(TOKEN, KEY, APPID)
    messages = [bytes([65 + i]) * (17 * i + 1) for i in range(8)]
    encrypted = [crypto.encrypt(m) for m in messages]
    barrier = threading.Barrier(len(messages))
    results: dict[int, list[bytes]] = {}

    def work(index: int) -> None:
        barrier.wait()
        results[index] = [open_raw(crypto, encrypted[index]) for _ in range(300)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(messages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[i] == [messages[i]] * 300 for i in range(len(messages)))


@pytest.mark.parametrize("bad", ["short", "A" * 44, "A" * 42 + "!", "中" * 43, 42])
def test_invalid_aes_key(bad: object) -> None:
    with pytest.raises(InvalidAESKey) as info:
        MessageCrypto(TOKEN, bad, APPID)  # type: ignore[arg-type]
    assert info.value.code == -40004


def test_body_envelope(crypto: MessageCrypto) -> None:
    enc = crypto.encrypt(b"<xml>in</xml>")
    body = f"<xml><AppId><![CDATA[{APPID}]]></AppId><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    assert crypto.decrypt_body(body.encode(), msg_signature=sign(enc), timestamp=TS,
                               nonce=NONCE) == b"<xml>in</xml>"
    with pytest.raises(XMLError):
        crypto.decrypt_body(b"<xml><AppId>x</AppId></xml>", msg_signature="", timestamp=TS,
                            nonce=NONCE)
    with pytest.raises(BodyTooLarge) as info:
        crypto.decrypt_body(b"<xml>" + b" " * 70_000 + b"</xml>", msg_signature="",
                            timestamp=TS, nonce=NONCE)
    assert info.value.http_status == 413


def test_reprs_hide_keys(crypto: MessageCrypto) -> None:
    text = repr(crypto) + repr(crypto.current_key)
    assert KEY not in text and TOKEN not in text and KEY[:8] not in text


def test_random_must_be_16_bytes(crypto: MessageCrypto) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        crypto.encrypt(b"x", random=b"short")


# --------------------------------------------------------------------------- properties

appids = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(message=st.binary(max_size=2048), random=st.binary(min_size=16, max_size=16), appid=appids)
def test_property_round_trip(message: bytes, random: bytes, appid: str) -> None:
    crypto = MessageCrypto(TOKEN, KEY, appid)
    enc = crypto.encrypt(message, random=random)
    opened = crypto.open(enc, msg_signature=sign(enc), timestamp=TS, nonce=NONCE)
    assert opened.message == message
    assert opened.random == random


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_mutations_raise_only_callback_errors(data: st.DataObject) -> None:
    crypto = MessageCrypto(TOKEN, KEY, APPID)
    enc = crypto.encrypt(data.draw(st.binary(max_size=200)))
    sig = sign(enc)
    target = data.draw(st.sampled_from(["signature", "ciphertext", "ciphertext-resigned", "body"]))
    if target == "signature":
        pos = data.draw(st.integers(0, len(sig) - 1))
        char = data.draw(st.characters(codec="utf-8", exclude_categories=("Cs",)))
        sig = sig[:pos] + char + sig[pos + 1:]
        call = lambda: crypto.decrypt(enc, msg_signature=sig, timestamp=TS, nonce=NONCE)  # noqa: E731
    elif target.startswith("ciphertext"):
        raw = bytearray(base64.b64decode(enc))
        for _ in range(data.draw(st.integers(1, 4))):
            op = data.draw(st.sampled_from(["flip", "cut", "add"]))
            if op == "flip" and raw:
                raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
            elif op == "cut" and raw:
                del raw[data.draw(st.integers(0, len(raw) - 1)):]
            else:
                raw += data.draw(st.binary(min_size=1, max_size=33))
        enc2 = base64.b64encode(bytes(raw)).decode()
        if data.draw(st.booleans()):
            enc2 = enc2[: data.draw(st.integers(0, len(enc2)))]
        sig2 = sign(enc2) if target.endswith("resigned") else sig
        call = lambda: crypto.decrypt(enc2, msg_signature=sig2, timestamp=TS, nonce=NONCE)  # noqa: E731
    else:
        body = (f"<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>").encode()
        mutated = bytearray(body)
        for _ in range(data.draw(st.integers(1, 6))):
            pos = data.draw(st.integers(0, max(0, len(mutated) - 1)))
            mutated[pos:pos + 1] = data.draw(st.binary(min_size=0, max_size=3))
        call = lambda: crypto.decrypt_body(bytes(mutated), msg_signature=sig, timestamp=TS,  # noqa: E731
                                           nonce=NONCE)
    try:
        call()
    except CallbackError as exc:
        assert isinstance(exc.code, int) and exc.code < 0


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ABCabc019+/=-_ \n", max_size=24))
def test_property_strict_base64_is_never_more_lenient(text: str) -> None:
    from wxcomponent.core.crypto import _b64decode_strict

    data = text.encode("ascii")
    try:
        ours = _b64decode_strict(data)
    except ValueError:  # binascii.Error
        return
    assert base64.b64decode(data, validate=True) == ours
