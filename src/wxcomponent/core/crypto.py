"""WeChat message encryption (the scheme behind WXBizMsgCrypt), with no I/O.

Layout of a plaintext before encryption::

    16 random bytes | 4-byte big-endian length | message | appid

padded with PKCS#7 to a multiple of 32 bytes and encrypted with AES-256-CBC, where the key is
``base64(EncodingAESKey + "=")`` and the IV its first 16 bytes. Everything here works on bytes:
the random prefix may be any binary value.

Internal module: import :class:`MessageCrypto` from :mod:`wxcomponent`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import struct
import sys
import threading
import time
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..errors import (
    AppIdMismatch,
    Base64Error,
    BodyTooLarge,
    CallbackError,
    DecryptError,
    InvalidAESKey,
    InvalidArgument,
    InvalidBuffer,
    InvalidSignature,
    XMLError,
)
from .xml import DEFAULT_MAX_BODY, envelope_encrypt_bytes, parse_xml

__all__ = ["AESKey", "Decrypted", "MessageCrypto", "decode_aes_key", "sha1_signature"]

_BLOCK = 32  # PKCS#7 block size used by WeChat (not AES's 16)
_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def decode_aes_key(encoding_aes_key: object) -> bytes:
    """Decode an EncodingAESKey (43 base64 characters) into the 32-byte AES key."""
    if not isinstance(encoding_aes_key, str):
        raise InvalidAESKey("EncodingAESKey must be a string of 43 characters")
    raw = encoding_aes_key.encode("ascii", "replace")
    if len(raw) != 43 or not _B64_ALPHABET.issuperset(raw):
        raise InvalidAESKey("EncodingAESKey must be 43 characters of the base64 alphabet")
    key = base64.b64decode(raw + b"=")
    if len(key) != 32:  # pragma: no cover - 43 valid characters always give 32 bytes
        raise InvalidAESKey("EncodingAESKey does not decode to 32 bytes")
    return key


def sha1_signature(*parts: str) -> str:
    """SHA-1 hex digest of ``parts`` sorted as strings and joined with no separator."""
    return _sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


_sha1 = hashlib.sha1


def _b64decode_strict(data: bytes) -> bytes:
    """Standard base64 with ``=`` padding; anything else raises ``binascii.Error``."""
    return base64.b64decode(data, validate=True)


if sys.version_info >= (3, 11):  # the same rules, checked in C
    _b64decode_strict = functools.partial(binascii.a2b_base64, strict_mode=True)


def _same(expected: str, given: object) -> bool:
    """Constant-time comparison of a computed hex signature with an untrusted value."""
    if not isinstance(given, str) or not given.isascii():
        return False  # a hex digest is ASCII: no need to look further
    return hmac.compare_digest(expected, given.lower())


class AESKey:
    """One AES key with its cipher, ready to use. ``repr`` shows no key material.

    Decryption reuses one CBC context per thread instead of setting a context up per message
    (which costs more than decrypting a push). CBC decrypts each block as
    ``D(block) XOR previous block``, so feeding the IV as a block first, and dropping what it
    decrypts to, restarts the chain at the IV whatever the context decrypted before.
    """

    __slots__ = ("_cipher", "_iv", "_local", "label")

    def __init__(self, encoding_aes_key: str, label: str) -> None:
        key = decode_aes_key(encoding_aes_key)
        self._iv = key[:16]
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(self._iv))
        self._local = threading.local()
        self.label = label

    def __repr__(self) -> str:
        return f"<AESKey {self.label}>"

    def encrypt(self, data: bytes) -> bytes:
        """AES-256-CBC encrypt already padded ``data``."""
        enc = self._cipher.encryptor()
        return enc.update(data) + enc.finalize()

    def decrypt(self, data: bytes) -> bytes:
        """AES-256-CBC decrypt ``data`` (a multiple of 16 bytes); no unpadding."""
        if len(data) % 16:
            raise DecryptError("ciphertext length is not a multiple of 16")
        local = self._local
        try:
            context = local.context
        except AttributeError:
            context = local.context = self._cipher.decryptor()
        # Without padding, CBC holds nothing back for whole blocks: the context is left
        # between blocks, and the IV block below restarts its chain.
        context.update(self._iv)
        plain: bytes = context.update(data)
        return plain


class Decrypted(NamedTuple):
    """A decrypted message, the appid found after it, the 16-byte random and the key used.

    Pass ``key`` to :meth:`MessageCrypto.encrypt_reply` so a reply is encrypted with the key
    that decrypted the request, as WeChat asks during a key rotation.
    """

    message: bytes
    appid: str
    random: bytes
    key: AESKey

    @property
    def used_previous_key(self) -> bool:
        """True when the previous EncodingAESKey decrypted the message."""
        return self.key.label == "previous"


_PADDING = tuple(bytes((n,)) * n for n in range(_BLOCK + 1))  # the PKCS#7 tail of each length
_length_at = struct.Struct(">I").unpack_from


def _unpad_and_split(plain: bytes) -> tuple[bytes, bytes, bytes]:
    """Strip PKCS#7 (block 32) and split into (random, message, appid bytes)."""
    if not plain:
        raise InvalidBuffer("decrypted buffer is empty")
    pad = plain[-1]
    size = len(plain)
    if pad < 1 or pad > _BLOCK or pad > size:
        raise InvalidBuffer(f"bad padding length {pad}")
    if not plain.endswith(_PADDING[pad]):
        raise InvalidBuffer("inconsistent padding bytes")
    size -= pad  # the length of the unpadded body, sliced below without copying it first
    if size < 20:
        raise InvalidBuffer("decrypted buffer too short for the random and length fields")
    end = 20 + _length_at(plain, 16)[0]
    if end > size:
        raise InvalidBuffer("message length points beyond the decrypted buffer")
    return plain[:16], plain[20:end], plain[end:size]


def _pad(data: bytes) -> bytes:
    n = _BLOCK - len(data) % _BLOCK
    return data + bytes((n,)) * n


class MessageCrypto:
    """Sign, verify, encrypt and decrypt WeChat pushes for one platform.

    ``appid`` is the platform's component appid, found at the end of every push's plaintext.
    During a key rotation the previous EncodingAESKey stays usable for decryption:
    :meth:`decrypt` tries the current key first, then the previous one. :meth:`rotate` installs
    a new key at run time (thread-safe; in-flight calls finish with the keys they started with).
    """

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        appid: str,
        *,
        previous_encoding_aes_key: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        if not isinstance(token, str) or not token:
            raise InvalidArgument("token", "must be a non-empty string")
        if not isinstance(appid, str) or not appid:
            raise InvalidArgument("appid", "must be a non-empty string")
        self.token = token
        self.appid = appid
        self._appid_bytes = appid.encode("utf-8")
        self.max_body = max_body
        self._lock = threading.Lock()
        current = AESKey(encoding_aes_key, "current")
        previous = (
            AESKey(previous_encoding_aes_key, "previous")
            if previous_encoding_aes_key is not None
            else None
        )
        self._keys: tuple[AESKey, ...] = (current,) if previous is None else (current, previous)

    def __repr__(self) -> str:
        return f"<MessageCrypto appid={self.appid!r} keys={len(self._keys)}>"

    # ------------------------------------------------------------------ keys

    @property
    def current_key(self) -> AESKey:
        """The key used for encryption by default."""
        return self._keys[0]

    @property
    def previous_key(self) -> AESKey | None:
        """The key kept from before the last rotation, if any."""
        return self._keys[1] if len(self._keys) > 1 else None

    def rotate(self, new_encoding_aes_key: str) -> None:
        """Make ``new_encoding_aes_key`` current; the current key becomes the previous one."""
        new = AESKey(new_encoding_aes_key, "current")
        with self._lock:
            old = self._keys[0]
            old.label = "previous"
            self._keys = (new, old)

    # ------------------------------------------------------------------ signatures

    def url_signature(self, timestamp: str, nonce: str) -> str:
        """The ``signature`` query parameter: SHA-1 over sorted (token, timestamp, nonce)."""
        return sha1_signature(self.token, str(timestamp), str(nonce))

    def msg_signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """The ``msg_signature``: SHA-1 over sorted (token, timestamp, nonce, Encrypt)."""
        return sha1_signature(self.token, str(timestamp), str(nonce), encrypt)

    def check_url_signature(self, signature: object, *, timestamp: str, nonce: str) -> None:
        """Raise :class:`InvalidSignature` unless ``signature`` holds (constant time)."""
        if not _same(self.url_signature(timestamp, nonce), signature):
            raise InvalidSignature("signature does not match")

    def check_msg_signature(
        self, msg_signature: object, *, timestamp: str, nonce: str, encrypt: str
    ) -> None:
        """Raise :class:`InvalidSignature` unless ``msg_signature`` holds (constant time)."""
        if not _same(self.msg_signature(timestamp, nonce, encrypt), msg_signature):
            raise InvalidSignature("msg_signature does not match")

    # ------------------------------------------------------------------ decryption

    def open(self, encrypt: str, *, msg_signature: str, timestamp: str, nonce: str) -> Decrypted:
        """Verify and decrypt ``encrypt``, telling which key worked (see :class:`Decrypted`)."""
        if not isinstance(encrypt, str):
            raise Base64Error("Encrypt must be text")
        try:
            raw = encrypt.encode("ascii")
        except UnicodeEncodeError:
            raw = b"\xff"  # not base64: refused below, after the signature check
        return self._open_checked(encrypt, raw, msg_signature, str(timestamp), str(nonce))

    def _open_checked(self, encrypt: str, raw: bytes, msg_signature: str, timestamp: str,
                      nonce: str) -> Decrypted:
        expected = _sha1("".join(sorted((self.token, timestamp, nonce, encrypt))).encode())
        if not _same(expected.hexdigest(), msg_signature):
            raise InvalidSignature("msg_signature does not match")
        try:
            data = _b64decode_strict(raw)
        except (binascii.Error, ValueError):
            raise Base64Error("Encrypt is not valid base64") from None
        if not data or len(data) % 16:
            raise DecryptError("ciphertext length is not a positive multiple of 16")
        keys = self._keys
        key = keys[0]
        try:  # the common case, tried first without the loop below
            random, message, appid = _unpad_and_split(key.decrypt(data))
        except InvalidBuffer:
            pass
        else:
            if appid == self._appid_bytes:
                return Decrypted(message, self.appid, random, key)
        return self._open_bytes(data, keys)

    def _open_bytes(self, data: bytes, keys: tuple[AESKey, ...]) -> Decrypted:
        first: CallbackError | None = None
        for key in keys:
            try:
                random, message, appid = _unpad_and_split(key.decrypt(data))
            except InvalidBuffer as exc:
                first = first or exc
                continue
            if appid != self._appid_bytes:
                shown = appid.decode("utf-8", "replace")[:32]
                mismatch = AppIdMismatch(f"appid {shown!r} does not match {self.appid!r}")
                # A wrong key gives garbage; a structurally valid buffer with another appid
                # is the more telling error, unless another key decrypts it cleanly.
                first = mismatch if not isinstance(first, AppIdMismatch) else first
                continue
            return Decrypted(message, self.appid, random, key)
        assert first is not None
        raise first

    def decrypt(self, encrypt: str, *, msg_signature: str, timestamp: str, nonce: str) -> bytes:
        """Verify ``msg_signature``, decrypt ``encrypt`` and return the message bytes."""
        opened = self.open(encrypt, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)
        return opened.message

    def open_body(
        self, body: bytes, *, msg_signature: str, timestamp: str, nonce: str
    ) -> Decrypted:
        """Like :meth:`open`, taking the POST body (``<xml>…<Encrypt>…</Encrypt></xml>``)."""
        return self._open_body(body, msg_signature, timestamp, nonce)

    def _open_body(self, body: bytes, msg_signature: str, timestamp: str,
                   nonce: str) -> Decrypted:
        if not isinstance(body, (bytes, bytearray)):
            raise XMLError("the body must be bytes")
        if len(body) > self.max_body:
            raise BodyTooLarge(
                f"body of {len(body)} bytes exceeds the limit of {self.max_body} bytes"
            )
        raw = envelope_encrypt_bytes(bytes(body))
        if raw is not None:  # the common envelope: base64 characters only, already checked
            return self._open_checked(raw.decode("ascii"), raw, msg_signature, str(timestamp),
                                      str(nonce))
        encrypt = parse_xml(body, max_size=self.max_body).get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise XMLError("the body has no Encrypt element")
        return self.open(encrypt, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)

    def decrypt_body(
        self, body: bytes, *, msg_signature: str, timestamp: str, nonce: str
    ) -> bytes:
        """Verify and decrypt a POST body; return the message bytes."""
        return self._open_body(body, msg_signature, timestamp, nonce).message

    # ------------------------------------------------------------------ encryption

    def encrypt(
        self, plaintext: bytes | str, *, random: bytes | None = None, key: AESKey | None = None
    ) -> str:
        """Encrypt ``plaintext`` and return the base64 ``Encrypt`` value.

        ``random`` (16 bytes) is drawn from ``os.urandom`` unless given (tests pass it to
        reproduce vectors). ``key`` defaults to the current key.
        """
        message = plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)
        prefix = os.urandom(16) if random is None else bytes(random)
        if len(prefix) != 16:
            raise InvalidArgument("random", "must be exactly 16 bytes")
        raw = prefix + struct.pack(">I", len(message)) + message + self._appid_bytes
        return base64.b64encode((key or self.current_key).encrypt(_pad(raw))).decode("ascii")

    def encrypt_reply(
        self,
        plaintext: bytes | str,
        *,
        nonce: str,
        timestamp: str | int | None = None,
        random: bytes | None = None,
        key: AESKey | None = None,
    ) -> str:
        """Encrypt a passive reply and wrap it in the signed reply XML WeChat expects."""
        ts = str(int(time.time())) if timestamp is None else str(timestamp)
        encrypt = self.encrypt(plaintext, random=random, key=key)
        signature = self.msg_signature(ts, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{ts}</TimeStamp>"
            f"<Nonce><![CDATA[{_cdata_safe(nonce)}]]></Nonce></xml>"
        )


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")
