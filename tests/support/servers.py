"""Real database servers for the tests: PostgreSQL, Redis and a Redis Cluster, started on
free loopback ports in temporary directories and removed afterwards.

* :class:`PostgresServer` runs ``initdb`` and ``postgres`` from the Debian packages
  (``postgresql``). The server refuses to run as root, so under root it runs as an
  unprivileged user: ``postgres`` when the packages created it, else one made with
  ``useradd``. Clients connect over TCP with a password, as a fleet would.
* :func:`start_redis_server` starts one ``redis-server`` without persistence;
* :class:`RedisCluster` starts three ``redis-server --cluster-enabled yes`` masters and joins
  them with ``redis-cli --cluster create``.

Where a binary is missing the tests are skipped, except under CI (``CI=true``), where that is
a failure.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .waiting import wait_for


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands out for port-0 binds and outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


_handed_out: set[int] = set()


def _worker_share() -> tuple[int, int]:
    """(this process's index, how many share the ports): pytest-xdist's workers of one run
    each take their own share, so two workers never pick the same port between the check
    and the bind. A run without workers has the whole range."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or count < 2:
        return 0, 1
    return int(worker[2:]) % count, count


def _in_share(port: int, index: int, count: int) -> bool:
    """Whether ``port`` falls in share ``index`` of ``count``. Ports are shared out in blocks
    of 16 by ``port % 10000``, so a Redis Cluster node's bus port (port + 10000) lies in
    the same share as the node's port."""
    return (port % 10000) // 16 % count == index


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing uses now, for a server that binds it later.

    A port the kernel picked for a port-0 bind could be handed to an outgoing connection's
    source address (or another port-0 bind) before the server gets to bind it, and the
    server would then fail with "address in use". So the port comes from outside the
    kernel's ephemeral range, is checked free, is never handed out twice in a run, and
    comes from this worker's own share when the suite runs in several processes.
    """
    import random

    low, high = _ephemeral_range()
    index, count = _worker_share()
    outside: list[int] = [*range(20000, low), *range(high + 1, 65536)]
    candidates = [port for port in outside
                  if port not in _handed_out and _in_share(port, index, count)]
    for port in random.sample(candidates, min(len(candidates), 200)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError("no free port outside the ephemeral range")


def _missing(what: str) -> None:
    """Skip for a missing server binary, except under CI, where it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (required under CI)")
    pytest.skip(what)


PG_PASSWORD = "pg-password-not-for-logs-71"
PG_USER = "wxtest"
PG_DATABASE = "wxtest"
_TEST_USER = "wxcomponent-test"
_START_TIMEOUT = 60.0


def _pg_bindir() -> str | None:
    found = shutil.which("initdb")
    if found:
        return str(Path(os.path.realpath(found)).parent)
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return str(Path(versions[-1]).parent) if versions else None


def _server_user() -> str | None:
    """The unprivileged user that runs the server when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _TEST_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _TEST_USER],
        check=True, capture_output=True,
    )  # fmt: skip
    return _TEST_USER


class PostgresServer:
    """One private PostgreSQL server; :meth:`stop` and :meth:`start` let a test cut it off."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            _missing("PostgreSQL (initdb, postgres) is not installed")
        assert bindir is not None
        self.bindir = bindir
        self.user = _server_user()
        self.workdir = tempfile.mkdtemp(prefix="wxcomponent-pg-")
        self.data = os.path.join(self.workdir, "data")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        try:
            self._create()
        except BaseException:
            self.remove()
            raise

    def _create(self) -> None:
        pwfile = os.path.join(self.workdir, "pw")
        with open(pwfile, "w") as handle:
            handle.write("admin-password\n")
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._run([
            os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "wxadmin", "-E", "UTF8",
            "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
        ])  # fmt: skip
        self.start()
        self._psql(f"CREATE ROLE {PG_USER} LOGIN PASSWORD '{PG_PASSWORD}'")
        self._psql(f"CREATE DATABASE {PG_DATABASE} OWNER {PG_USER}")

    def _as_user(self) -> dict[str, Any]:
        return {} if self.user is None else {"user": self.user, "group": pwd.getpwnam(
            self.user).pw_gid}

    def _run(self, argv: list[str]) -> None:
        result = subprocess.run(argv, capture_output=True, cwd=self.workdir, **self._as_user())
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {result.stderr.decode(errors='replace')}")

    def _psql(self, sql: str) -> None:
        self._run([os.path.join(self.bindir, "psql"), "-h", self.workdir, "-p", str(self.port),
                   "-U", "wxadmin", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql])

    @property
    def dsn(self) -> str:
        """A URL with the test role's password, over TCP on loopback."""
        return f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def start(self) -> None:
        """Start the server (on the same port and data) and wait until it accepts logins."""
        self.process = subprocess.Popen(
            [os.path.join(self.bindir, "postgres"), "-D", self.data, "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.workdir}",
             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
             "-c", "max_connections=300", "-c", "shared_buffers=32MB"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.workdir,
            **self._as_user(),
        )  # fmt: skip
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("postgres exited at start")
            ready = subprocess.run(
                [os.path.join(self.bindir, "pg_isready"), "-h", "127.0.0.1", "-p",
                 str(self.port), "-q"], capture_output=True,
            )  # fmt: skip
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError("postgres did not accept connections in time")

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: clients are cut off)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: every client is cut off
            self.process.wait(timeout=60)
        self.process = None

    def processes(self) -> list[int]:
        """The server's processes: the postmaster first, then the backends it forked."""
        assert self.process is not None and self.process.poll() is None
        return [self.process.pid, *_children(self.process.pid)]

    def remove(self) -> None:
        """Stop the server and delete its files."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from Linux's ``/proc``)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """Stop every process of ``pids`` (SIGSTOP, in that order), as a network partition looks to
    its clients: connections stay open and nothing answers. Continued (SIGCONT, in the reverse
    order) on the way out, whatever happened."""
    stopped: list[int] = []
    try:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue  # ended since it was listed (a backend whose client left): nothing to stop
            stopped.append(pid)
        yield
    finally:
        for pid in reversed(stopped):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the test session."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """The session server's URL (with its password)."""
    return postgres_server.dsn


@pytest.fixture
def pg_schema(postgres_server: PostgresServer) -> Iterator[str]:
    """A schema name no other test uses; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        import psycopg

        with psycopg.connect(postgres_server.dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


REDIS_SERVER = "redis-server"
_REDIS_START_TIMEOUT = 10.0


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _up_or_exited(process: subprocess.Popen[bytes], port: int) -> bool | str:
    """True once the server answers PING, "exited" if it stopped first, else False."""
    return "exited" if process.poll() is not None else _ping(port)


def start_redis_server(workdir: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``redis-server`` on a free loopback port in ``workdir``; wait for PING."""
    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        _missing(f"{REDIS_SERVER} is not installed")
        raise AssertionError("unreachable")
    for _attempt in range(3):
        port = free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # it answers PING, or it exited (the port was taken meanwhile: another try)
        started = wait_for(functools.partial(_up_or_exited, process, port),
                           f"{REDIS_SERVER} did not answer PING", _REDIS_START_TIMEOUT)
        if started is True:
            return process, port
        process.kill()
        process.wait()
    pytest.fail(f"{REDIS_SERVER} did not answer PING")
    raise AssertionError("unreachable")


class PrivateRedis:
    """A ``redis-server`` of one test or module alone, which may stop or kill it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.url = f"redis://127.0.0.1:{port}/0"

    def processes(self) -> list[int]:
        """The server's process ids (for :func:`frozen`)."""
        return [int(self.process.pid)]


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A :class:`PrivateRedis` in a temporary directory, killed at the end of the block."""
    with tempfile.TemporaryDirectory(prefix="wxcomponent-redis-") as workdir:
        process, port = start_redis_server(workdir)
        try:
            yield PrivateRedis(process, port)
        finally:
            process.kill()
            process.wait()


@contextlib.contextmanager
def private_postgres() -> Iterator[PostgresServer]:
    """A :class:`PostgresServer` of one test or module alone, removed at the end."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


class RedisCluster:
    """Three ``redis-server --cluster-enabled yes`` masters on loopback, joined by
    ``redis-cli --cluster create``; :attr:`url` names one node (``redis+cluster://``)."""

    def __init__(self) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            _missing("redis-server and redis-cli are needed for a Redis Cluster")
        assert server is not None and cli is not None
        self.workdir = tempfile.mkdtemp(prefix="wxcomponent-cluster-")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []
        try:
            for n in range(3):
                port = _port_with_bus()
                node_dir = os.path.join(self.workdir, str(n))
                os.mkdir(node_dir)
                self.processes.append(subprocess.Popen(
                    [server, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled",
                     "yes", "--cluster-config-file", "nodes.conf", "--save", "",
                     "--appendonly", "no", "--dir", node_dir],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))  # fmt: skip
                self.ports.append(port)
            for port in self.ports:
                _wait_redis(cli, port)
            subprocess.run(
                [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
                 "--cluster-replicas", "0", "--cluster-yes"],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            deadline = time.monotonic() + _START_TIMEOUT
            while not all(_cluster_ok(cli, port) for port in self.ports):
                assert time.monotonic() < deadline, "the cluster never became ok"
                time.sleep(0.05)
        except BaseException:
            self.remove()
            raise

    @property
    def url(self) -> str:
        """A URL of the cluster for the stores."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}/0"

    def flush(self) -> None:
        """Empty every master."""
        import redis

        for port in self.ports:
            client = redis.Redis(host="127.0.0.1", port=port)
            try:
                client.flushall()
            finally:
                client.close()

    def remove(self) -> None:
        """Stop every node and delete their files."""
        for process in self.processes:
            process.kill()
            process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _port_with_bus() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(100):
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def _wait_redis(cli: str, port: int) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while subprocess.run([cli, "-p", str(port), "ping"], capture_output=True).stdout.strip() \
            != b"PONG":
        assert time.monotonic() < deadline, f"redis-server on {port} never answered"
        time.sleep(0.02)


def _cluster_ok(cli: str, port: int) -> bool:
    info = subprocess.run([cli, "-p", str(port), "cluster", "info"], capture_output=True).stdout
    return b"cluster_state:ok" in info


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """A Redis Cluster of three masters for the test session."""
    cluster = RedisCluster()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisCluster) -> str:
    """The session cluster's URL, every master flushed before this test."""
    redis_cluster.flush()
    return redis_cluster.url
