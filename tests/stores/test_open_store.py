"""open_store(url), the package's exports, and the lazy import of redis."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wxcomponent.errors import ConfigurationError, InvalidArgument
from wxcomponent.stores import MemoryStore, PostgresStore, RedisStore, SQLiteStore, open_store


def test_memory_url() -> None:
    store = open_store("memory://")
    assert isinstance(store, MemoryStore)


def test_sqlite_relative_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///data.sqlite3")
    assert isinstance(store, SQLiteStore)
    assert store.path == Path("data.sqlite3")
    store.save_ticket("wxc", "t", 1)
    assert (tmp_path / "data.sqlite3").exists()
    store.close()


def test_sqlite_absolute_url(tmp_path: Path) -> None:
    path = tmp_path / "abs store.sqlite3"
    store = open_store(f"sqlite:///{tmp_path}/abs%20store.sqlite3")
    assert isinstance(store, SQLiteStore)
    assert store.path == path
    store.close()


def test_redis_urls(redis_url: str) -> None:
    store = open_store(redis_url)
    assert isinstance(store, RedisStore)
    assert store.get_token("k") is None
    store.close()
    secure = open_store("rediss://:pw@127.0.0.1:1/0")  # no connection until first use
    assert isinstance(secure, RedisStore)
    assert "pw" not in repr(secure).replace("rediss", "")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "memory",
        "memory://extra",
        "sqlite://",
        "sqlite:///",
        "sqlite://host/file.db",
        "sqlite:///file.db?mode=ro",
        "ftp://user:secret-pw@host/x",
        "mysql://user:secret-pw@host/db",
        "postgresql://user:secret-pw@host/db?schema=Not-An-Identifier",
        "/tmp/file.sqlite3",
    ],
)
def test_bad_urls_are_refused_without_echoing_passwords(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store(url)
    assert caught.value.field == "url"
    assert isinstance(caught.value, ValueError)
    assert "secret-pw" not in str(caught.value)


def test_postgres_and_cluster_urls_make_stores_without_connecting() -> None:
    store = open_store("postgresql://app:secret-pw@127.0.0.1:1/wx?schema=wx_prod&sslmode=disable")
    assert isinstance(store, PostgresStore) and store.schema == "wx_prod"
    assert "secret-pw" not in repr(store)
    store.close()
    cluster = open_store("redis+cluster://:secret-pw@127.0.0.1:1/0")
    assert isinstance(cluster, RedisStore)
    assert "secret-pw" not in repr(cluster)


def test_the_package_works_without_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from wxcomponent.stores import open_store, PostgresStore\n"
        "s = open_store('memory://'); s.save_ticket('wxc', 't', 1)\n"
        "try:\n    PostgresStore('postgresql://u@127.0.0.1:1/db')\n"
        "except ImportError as exc:\n    print('wxcomponent[postgres]' in str(exc))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_non_string_url() -> None:
    with pytest.raises(InvalidArgument) as caught:
        open_store(None)  # type: ignore[arg-type]
    assert caught.value.argument == "url"


def test_the_package_works_without_redis(tmp_path: Path) -> None:
    # redis-py made unimportable: memory and SQLite still work, Redis fails only when used.
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from wxcomponent.stores import MemoryStore, SQLiteStore, open_store, RedisStore\n"
        "assert 'redis' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "s = open_store('memory://'); s.save_ticket('wxc', 't', 1)\n"
        f"q = SQLiteStore({str(tmp_path / 'x.db')!r}); q.save_ticket('wxc', 't', 1)\n"
        "try:\n    RedisStore('redis://127.0.0.1:1/0')\nexcept ImportError:\n    print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
