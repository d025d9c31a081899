"""The service's connections send the writes of one turn of the event loop as one (uvicorn
writes a response's head and body apart), and never lose or reorder a byte: a close sends
what is pending first, an abort drops it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wxcomponent.service.protocol import _Coalescing


class Peer:
    """A real loopback server that keeps every connection's bytes until it closes."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.closed = asyncio.Event()
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.received.append(await reader.read())
        writer.close()
        self.closed.set()


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    found = Peer()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    try:
        yield found
    finally:
        server.close()
        await server.wait_closed()


async def connect(peer: Peer) -> tuple[asyncio.Transport, list[bytes]]:
    """A real transport to the peer, whose writes are listed as they reach it."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", peer.port)
    writes: list[bytes] = []
    real = transport.write

    def write(data: bytes) -> None:
        writes.append(bytes(data))
        real(data)

    transport.write = write  # type: ignore[method-assign]
    return transport, writes  # type: ignore[return-value]


async def test_the_writes_of_one_turn_leave_as_one(peer: Peer) -> None:
    transport, writes = await connect(peer)
    loop = asyncio.get_running_loop()
    wrapped = _Coalescing(transport, loop)
    wrapped.write(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n")
    wrapped.write(bytearray(b"success"))
    assert writes == []  # nothing left during this turn
    assert wrapped.get_write_buffer_size() == 45
    await asyncio.sleep(0)  # the end of the turn
    assert writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess"]
    wrapped.write(b"next")
    wrapped.writelines([b"-a", b"-b"])
    wrapped.close()  # what is pending goes first
    assert writes[1:] == [b"next-a-b"]
    await peer.closed.wait()
    assert peer.received == [b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccessnext-a-b"]
    assert wrapped.is_closing()  # everything else is the transport's own


async def test_an_abort_drops_what_is_pending(peer: Peer) -> None:
    transport, writes = await connect(peer)
    wrapped = _Coalescing(transport, asyncio.get_running_loop())
    wrapped.write(b"kept")
    await asyncio.sleep(0)
    wrapped.write(b"dropped")
    wrapped.abort()
    await asyncio.sleep(0)
    assert writes == [b"kept"]
    await peer.closed.wait()
    assert peer.received == [b"kept"]
