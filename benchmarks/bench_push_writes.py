"""What a push costs in SQLite: the two writes the service makes per push, against raw floors.

    uv run python benchmarks/bench_push_writes.py [--pushes 20000] [--rounds 3]

A ticket push with a handler of the user's makes two commits in the store: the dedupe lease
of the push (a new row per push: ``acquire_lease`` of a key made from the push's signature)
and the ticket (an update of one row: ``save_ticket``). Without a handler a ticket push makes
only the second, as a peer that keeps no dedupe does: storing the same ticket twice changes
nothing, so its retry needs no lease. This prints, per push, best of ``--rounds``:

  store   SQLiteStore.acquire_lease (a new key) and SQLiteStore.save_ticket
  raw     the same statements through bare ``sqlite3`` on a file with the same pragmas
          (WAL, synchronous NORMAL): the lease as the store writes it, the lease with keys
          in time order, in a WITHOUT ROWID table and with no expiry index, and the ticket
          upsert, which is the baseline of every ratio

so the price of a durable dedupe row per push is read beside what SQLite itself asks for it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable

from wxcomponent.stores import SQLiteStore

APPID = "wx0123456789abcdef"


def push_keys(count: int, ordered: bool = False) -> list[str]:
    """Dedupe keys as the service makes them (a digest), or prefixed with a time."""
    base = int(time.time())
    return [f"{APPID}:push:{f'{base + i:010d}:' if ordered else ''}{uuid.uuid4().hex[:40]}"
            for i in range(count)]


def raw_file(workdir: str, *, without_rowid: bool = False, expiry_index: bool = True
             ) -> sqlite3.Connection:
    conn = sqlite3.connect(os.path.join(workdir, f"raw-{uuid.uuid4().hex}.db"),
                           isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE leases (key TEXT PRIMARY KEY, fence INTEGER NOT NULL, "
                 "held_until REAL NOT NULL)" + (" WITHOUT ROWID" if without_rowid else ""))
    if expiry_index:
        conn.execute("CREATE INDEX leases_by_expiry ON leases (held_until)")
    conn.execute("CREATE TABLE lease_fences (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    conn.execute("INSERT INTO lease_fences VALUES (1, 0)")
    conn.execute("CREATE TABLE tickets (component_appid TEXT PRIMARY KEY, value TEXT, "
                 "created_at INTEGER, received_at REAL)")
    return conn


def raw_lease(conn: sqlite3.Connection, key: str, _n: int) -> None:
    now = time.time()
    conn.execute("SELECT held_until FROM leases WHERE key = ?", (key,)).fetchall()
    conn.execute("BEGIN IMMEDIATE")
    floor, _fence, _until = conn.execute(
        "SELECT f.value, l.fence, l.held_until FROM lease_fences AS f "
        "LEFT JOIN leases AS l ON l.key = ?", (key,)).fetchone()
    conn.execute("INSERT OR REPLACE INTO leases (key, fence, held_until) VALUES (?, ?, ?)",
                 (key, floor + 1, now + 60))
    conn.execute("COMMIT")


def raw_ticket(conn: sqlite3.Connection, created_at: int) -> None:
    """The ticket upsert; ``created_at`` must grow from call to call, or the row is left as
    it is (an older ticket never replaces a newer one) and the commit writes nothing."""
    conn.execute("BEGIN IMMEDIATE")
    cursor = conn.execute(
        "INSERT INTO tickets VALUES (?, 'ticket', ?, ?) ON CONFLICT (component_appid) "
        "DO UPDATE SET value = excluded.value, created_at = excluded.created_at, "
        "received_at = excluded.received_at "
        "WHERE excluded.created_at >= tickets.created_at", (APPID, created_at, time.time()))
    conn.execute("COMMIT")
    assert cursor.rowcount == 1


def _kept(saved: bool) -> None:
    assert saved, "the ticket was not written: the measure would be of a no-op"


def best_per_push(step: Callable[[str, int], object], pushes: int, rounds: int,
                  ordered: bool = False) -> float:
    best = float("inf")
    for _ in range(rounds):
        keys = push_keys(pushes, ordered)
        started = time.perf_counter()
        for n, key in enumerate(keys):
            step(key, n)
        best = min(best, (time.perf_counter() - started) / pushes)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pushes", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pushes, rounds = args.pushes, args.rounds
    with tempfile.TemporaryDirectory(prefix="wxbench-push-") as workdir:
        store = SQLiteStore(os.path.join(workdir, "store.sqlite3"))
        counter = iter(range(1, 10**9))
        try:
            measured = {
                "store: acquire_lease, a new key": best_per_push(
                    lambda key, _n: store.acquire_lease(key, 60.0), pushes, rounds),
                "store: save_ticket": best_per_push(
                    lambda _key, _n: _kept(store.save_ticket(APPID, "ticket", next(counter))),
                    pushes, rounds),
            }
        finally:
            store.close()
        plain, ordered = raw_file(workdir), raw_file(workdir)
        no_rowid, no_index = raw_file(workdir, without_rowid=True), \
            raw_file(workdir, expiry_index=False)
        tickets = raw_file(workdir)
        measured.update({
            "raw: the lease as the store writes it": best_per_push(
                lambda key, n: raw_lease(plain, key, n), pushes, rounds),
            "raw: lease, keys in time order": best_per_push(
                lambda key, n: raw_lease(ordered, key, n), pushes, rounds, ordered=True),
            "raw: lease, WITHOUT ROWID": best_per_push(
                lambda key, n: raw_lease(no_rowid, key, n), pushes, rounds),
            "raw: lease, no expiry index": best_per_push(
                lambda key, n: raw_lease(no_index, key, n), pushes, rounds),
        })
        baseline = best_per_push(lambda _key, _n: raw_ticket(tickets, next(counter)), pushes,
                                 rounds)
        for conn in (plain, ordered, no_rowid, no_index, tickets):
            conn.close()
    print(f"{pushes:,} pushes, best of {rounds} rounds; baseline: the raw ticket upsert, "
          f"{baseline * 1e6:.1f} µs")
    for name, seconds in measured.items():
        print(f"  {name:<40} {seconds * 1e6:6.1f} µs  {seconds / baseline:5.2f}x")


if __name__ == "__main__":
    main()
