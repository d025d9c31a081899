"""The floors of a push, measured in the calling process, and the servers of the stores.

A push's floor is what no implementation can skip: the HTTP server answering it (measured
by ``bench_http.py`` as its bare app), the crypto (the URL signature, base64, AES-CBC and its
padding: :func:`crypto_floor`) and one durable write of the ticket in the store, through the
store's plain client (:func:`store_floor`): a ``sqlite3`` upsert, a psycopg upsert, a
redis-py ``SET``; for a server store the same through the client's asyncio flavour is given
beside it (:func:`async_store_floor`), which is what a service on an event loop pays at
least. Each figure is the best of several rounds of CPU time per operation.

:func:`stores` starts what a ``--store`` name needs: ``postgres`` (a private PostgreSQL, as
the tests start theirs), ``redis`` (redis-server with AOF, as a Redis holding refresh tokens
runs) or ``fleet`` (both: Redis beside PostgreSQL, the README's settings of a fleet).
"""

import base64
import contextlib
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: The ``--store`` names whose floor is known: ``servers`` when they need servers started.
NAMED_STORES = {"sqlite": "file", "memory": "file", "postgres": "servers", "redis": "servers",
                "fleet": "servers"}

_TICKET = "ticket@@@" + "x" * 86
_UPSERT = ("INSERT INTO floor_tickets (appid, ticket, created_at) VALUES ({p}, {p}, {p}) "
           "ON CONFLICT (appid) DO UPDATE SET ticket = excluded.ticket, "
           "created_at = excluded.created_at")


def best_cpu(operation: Callable[[int], None], count: int = 2000, rounds: int = 5) -> float:
    """Best µs of CPU per call of ``operation(i)`` over ``rounds`` rounds of ``count``."""
    best = float("inf")
    for round_ in range(rounds):
        started = time.process_time()
        for index in range(count):
            operation(round_ * count + index)
        best = min(best, (time.process_time() - started) / count)
    return best * 1e6


def crypto_floor(token: str, key: str, appid: str) -> float:
    """µs of the crypto of one push with nothing around it: the SHA-1 signature over the
    sorted values, base64, AES-256-CBC and the PKCS#7 padding, on a push's size."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    aes = base64.b64decode(key + "=")
    message = b"<xml>" + b"x" * 300 + b"</xml>"
    raw = os.urandom(16) + len(message).to_bytes(4, "big") + message + appid.encode()
    raw += bytes([32 - len(raw) % 32]) * (32 - len(raw) % 32)
    encryptor = Cipher(algorithms.AES(aes), modes.CBC(aes[:16])).encryptor()
    encrypt = base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()
    timestamp, nonce = "1700000000", "1234567890"
    expected = hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypt))).encode()
                            ).hexdigest()

    def once(_: int) -> None:
        digest = hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypt))).encode())
        assert digest.hexdigest() == expected
        decryptor = Cipher(algorithms.AES(aes), modes.CBC(aes[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
        body = plain[:-plain[-1]]
        length = int.from_bytes(body[16:20], "big")
        assert body[20 + length:] == appid.encode()

    return best_cpu(once)


def store_floor(kind: str, target: "Servers") -> float:
    """µs of one durable ticket write through the store's plain client."""
    if kind == "memory":
        tickets: dict[str, tuple[str, int]] = {}
        return best_cpu(lambda i: tickets.__setitem__("wxfloor", (_TICKET, i)))
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="wxcomponent-floor-") as tmp:
            db = sqlite3.connect(os.path.join(tmp, "floor.sqlite3"), isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # as the service writes tickets
            db.execute("CREATE TABLE floor_tickets (appid TEXT PRIMARY KEY, ticket TEXT, "
                       "created_at INTEGER)")
            sql = _UPSERT.format(p="?")
            try:
                return best_cpu(lambda i: db.execute(sql, ("wxfloor", _TICKET, i)) and None)
            finally:
                db.close()
    figures = 0.0
    if kind in ("postgres", "fleet"):
        import psycopg

        with psycopg.connect(target.postgres, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS floor_tickets (appid TEXT PRIMARY KEY, "
                         "ticket TEXT, created_at BIGINT)")
            sql = _UPSERT.format(p="%s")
            figures += best_cpu(lambda i: conn.execute(sql, ("wxfloor", _TICKET, i)) and None,
                                count=1000)
    if kind in ("redis", "fleet"):
        import redis

        client = redis.Redis.from_url(target.redis)
        figures += best_cpu(lambda i: client.set("floor:ticket", f"{_TICKET}:{i}") and None,
                            count=1000)
        client.close()
    return figures


def async_store_floor(kind: str, target: "Servers") -> float:
    """µs of one ticket write through the store's asyncio client (psycopg's
    ``AsyncConnection``, ``redis.asyncio``), one call awaited after the other on one
    connection: what a service on an event loop pays at least, beside the blocking floor."""
    import asyncio

    async def measure() -> float:
        total = 0.0
        if kind in ("postgres", "fleet"):
            import psycopg

            conn = await psycopg.AsyncConnection.connect(target.postgres, autocommit=True)
            sql = _UPSERT.format(p="%s")
            total += await _best_cpu_async(
                lambda i: conn.execute(sql, ("wxfloor", _TICKET, i)))
            await conn.close()
        if kind in ("redis", "fleet"):
            import redis.asyncio

            client = redis.asyncio.Redis.from_url(target.redis)
            total += await _best_cpu_async(
                lambda i: client.set("floor:ticket", f"{_TICKET}:{i}"))
            await client.aclose()
        return total

    return asyncio.run(measure()) if kind in ("postgres", "redis", "fleet") else 0.0


async def _best_cpu_async(operation: Callable[[int], Any], count: int = 1000,
                          rounds: int = 5) -> float:
    best = float("inf")
    for round_ in range(rounds):
        started = time.process_time()
        for index in range(count):
            await operation(round_ * count + index)
        best = min(best, (time.process_time() - started) / count)
    return best * 1e6


@dataclass
class Servers:
    """The URLs of the servers started for a run (empty when not needed)."""

    postgres: str = ""
    redis: str = ""

    def store_settings(self, kind: str) -> dict[str, str]:
        """The service's ``store`` (and ``durable_store``) for ``kind``."""
        if kind == "postgres":
            return {"store": self.postgres}
        if kind == "redis":
            return {"store": self.redis}
        return {"store": self.redis, "durable_store": self.postgres}


@contextlib.contextmanager
def stores(kind: str) -> Iterator[Servers]:
    """Start the servers ``kind`` needs (none for sqlite and memory) until the block ends."""
    servers = Servers()
    with contextlib.ExitStack() as stack:
        if kind in ("postgres", "fleet"):
            sys.path.insert(0, str(ROOT))
            from tests.support.servers import PostgresServer

            server = PostgresServer()
            stack.callback(server.remove)
            servers.postgres = server.dsn
        if kind in ("redis", "fleet"):
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_stores import start_redis

            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="wxcomponent-r-"))
            process, url = start_redis(workdir)
            stack.callback(process.wait)
            stack.callback(process.terminate)
            servers.redis = url
        yield servers
