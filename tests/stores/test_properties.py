"""Property tests: keyset paging and counting agree with a plain model on every backend."""

from __future__ import annotations

import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wxcomponent.stores import AuthorizerRecord, MemoryStore, RedisStore, SQLiteStore, Store

C1 = "wxcomponent0000001"

# Appids whose byte order and code point order would differ if anything compared wrongly:
# digits, case, '-', and non-ASCII letters.
appid_text = st.text(alphabet="09aAzZ-_é中", min_size=1, max_size=6)
statuses = st.sampled_from(["authorized", "revoked"])
population = st.dictionaries(appid_text, statuses, max_size=25)


def _check(store: Store, records: dict[str, str], limit: int, status: str | None) -> None:
    for appid, st_ in records.items():
        store.save_authorizer(AuthorizerRecord(C1, appid, f"rt-{appid}", status=st_))  # type: ignore[arg-type]
    expected = sorted(a for a, s in records.items() if status is None or s == status)
    seen: list[str] = []
    after = None
    while True:
        page = store.list_authorizers(C1, status=status, after=after, limit=limit)  # type: ignore[arg-type]
        seen.extend(r.authorizer_appid for r in page)
        if len(page) < limit:
            break
        after = page[-1].authorizer_appid
    assert seen == expected
    assert store.count_authorizers(C1, status=status) == len(expected)  # type: ignore[arg-type]


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(population, st.integers(1, 7), st.sampled_from([None, "authorized", "revoked"]))
def test_paging_memory(records: dict[str, str], limit: int, status: str | None) -> None:
    _check(MemoryStore(), records, limit, status)


@SETTINGS
@given(population, st.integers(1, 7), st.sampled_from([None, "authorized", "revoked"]))
def test_paging_sqlite(
    tmp_path: Path, records: dict[str, str], limit: int, status: str | None
) -> None:
    store = SQLiteStore(tmp_path / f"{uuid.uuid4().hex}.sqlite3")
    try:
        _check(store, records, limit, status)
    finally:
        store.close()


@SETTINGS
@given(population, st.integers(1, 7), st.sampled_from([None, "authorized", "revoked"]))
def test_paging_redis(
    redis_server: str, records: dict[str, str], limit: int, status: str | None
) -> None:
    store = RedisStore(redis_server, prefix=f"prop-{uuid.uuid4().hex}")
    try:
        _check(store, records, limit, status)
    finally:
        store.close()
