"""A PNG encoder for the images the emulator answers with (QR codes, mini-program codes)."""

from __future__ import annotations

import hashlib
import struct
import zlib

__all__ = ["png"]


def png(seed: str) -> bytes:
    """A small valid PNG (8x8, grey), different per ``seed``: what the QR code images are."""
    shade = hashlib.sha256(seed.encode()).digest()[0]
    rows = b"".join(b"\x00" + bytes([shade]) * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
