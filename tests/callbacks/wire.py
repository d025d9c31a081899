"""WeChat's side of a push, written from the protocol (spec §2–3), not from the library.

AES-256-CBC with the IV the key's first 16 bytes, PKCS#7 padding to 32 bytes, the plaintext
``random(16) | length (4, big-endian) | message | appid``, standard base64, and SHA-1 over the
sorted strings for signatures. Used to build pushes and to read encrypted replies.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APPID = "wxc0ffee0123456789"
SECRET = "s3cr3t-of-the-test-platform-0001"
TOKEN = "callbacktesttoken"
KEY = "K1abcdefghijklmnopqrstuvwxyz0123456789ABCDE"
OLD_KEY = "K0ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponml"
APPID2 = "wxbeef00000000abcd"
KEY2 = "K2qwertyuiopasdfghjklzxcvbnm0123456789QWERT"
AUTHORIZER = "wxa11ce00000000001"

assert len(KEY) == len(OLD_KEY) == len(KEY2) == 43


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def cdata(value: object) -> str:
    return f"<![CDATA[{value}]]>"


def xml_of(fields: Mapping[str, object]) -> bytes:
    """A flat WeChat XML document (ints bare, text in CDATA)."""
    inner = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}>{cdata(v)}</{k}>"
        for k, v in fields.items()
    )
    return f"<xml>{inner}</xml>".encode()


@dataclass
class Sender:
    """Encrypts and signs pushes for one platform, as WeChat does."""

    appid: str = APPID
    token: str = TOKEN
    encoding_aes_key: str = KEY

    @property
    def key(self) -> bytes:
        return base64.b64decode(self.encoding_aes_key + "=")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: bytes, *, appid: str | None = None) -> str:
        raw = os.urandom(16) + struct.pack(">I", len(message)) + message
        raw += (appid if appid is not None else self.appid).encode()
        pad = 32 - len(raw) % 32
        raw += bytes([pad]) * pad
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(raw) + enc.finalize()).decode()

    def decrypt(self, encrypt: str) -> tuple[bytes, bytes]:
        """(message, trailing appid) of an ``Encrypt`` value."""
        dec = self._cipher().decryptor()
        raw = dec.update(base64.b64decode(encrypt)) + dec.finalize()
        raw = raw[: -raw[-1]]
        (length,) = struct.unpack(">I", raw[16:20])
        return raw[20 : 20 + length], raw[20 + length :]

    def seal(
        self,
        message: bytes,
        *,
        envelope: str = "AppId",
        timestamp: str | None = None,
        nonce: str = "1234567",
        appid: str | None = None,
        encrypt: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The query and body of a push carrying ``message``, stamped now as WeChat does
        (unless ``timestamp`` is given)."""
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        encrypt = self.encrypt(message, appid=appid) if encrypt is None else encrypt
        query = {
            "signature": sha1_sorted(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": sha1_sorted(self.token, timestamp, nonce, encrypt),
        }
        body = (f"<xml><{envelope}>{cdata(self.appid)}</{envelope}>"
                f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>")
        return query, body.encode()

    def event(self, info_type: str, *, create_time: int = 1700000000, appid: str | None = None,
              **fields: object) -> bytes:
        return xml_of({"AppId": appid or self.appid, "CreateTime": create_time,
                       "InfoType": info_type, **fields})

    def ticket_push(self, ticket: str = "ticket@@@one", *, create_time: int = 1700000000,
                    **seal_args: str) -> tuple[dict[str, str], bytes]:
        message = self.event("component_verify_ticket", create_time=create_time,
                             ComponentVerifyTicket=ticket)
        return self.seal(message, **seal_args)

    def message_push(self, fields: Mapping[str, object], **seal_args: str
                     ) -> tuple[dict[str, str], bytes]:
        full = {"ToUserName": "gh_0123456789ab", "FromUserName": "o-user-1",
                "CreateTime": 1700000000, **fields}
        return self.seal(xml_of(full), envelope="ToUserName", **seal_args)

    def echo_query(self, echostr: str, timestamp: str = "1700000000",
                   nonce: str = "42") -> dict[str, str]:
        return {"signature": sha1_sorted(self.token, timestamp, nonce), "timestamp": timestamp,
                "nonce": nonce, "echostr": echostr}

    def open_reply(self, body: bytes) -> bytes:
        """Verify an encrypted passive reply and return its plaintext XML."""
        text = body.decode()
        encrypt = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", text)
        signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>", text)
        timestamp = re.search(r"<TimeStamp>(.*?)</TimeStamp>", text)
        nonce = re.search(r"<Nonce><!\[CDATA\[(.*?)\]\]></Nonce>", text)
        assert encrypt and signature and timestamp and nonce, text
        expected = sha1_sorted(self.token, timestamp.group(1), nonce.group(1), encrypt.group(1))
        assert signature.group(1) == expected
        message, appid = self.decrypt(encrypt.group(1))
        assert appid == self.appid.encode()
        return message
