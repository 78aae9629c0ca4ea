"""A throwaway PostgreSQL server for the tests: Debian's initdb/pg_ctl (scripts/install-postgres.sh
installs them) run as an unprivileged user (the server refuses root), in a temporary folder, on a
free port, stopped when the test session ends. Each test gets a fresh database."""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

_counter = itertools.count()


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _user() -> str | None:
    """The unprivileged user to run the server as when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres, nobody) to run the test server as")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`folder`: where the server keeps its data, kept after stop (the benchmark reuses its
    databases); default a temporary folder, removed at stop."""

    def __init__(self, bin_dir: Path, folder: Path | None = None):
        self.bin = bin_dir
        self.user = _user()
        self.keep = folder is not None
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
        self.dir = Path(folder) if folder is not None else \
            Path(tempfile.mkdtemp(prefix="dashboard-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        if self.user:
            shutil.chown(self.dir, self.user)
            os.chmod(self.dir, 0o700)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd=self.dir)

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        for _ in range(5):   # a free port can be taken between the check and the start
            self.port = _free_port()
            opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            done = self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l",
                             str(self.dir / "log"), "-w", "-t", "60", "start", check=False)
            if done.returncode == 0:
                return
        raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}"
                           f"{(self.dir / 'log').read_text(errors='replace')}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast" if self.keep else "immediate",
                  "-w", "stop", check=False)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(_counter)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def pg_server():
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL 的 initdb/pg_ctl 没有安装（bash scripts/install-postgres.sh）："
                    "服务器存储的测试跳过")
    server = Server(bin_dir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()


@contextlib.contextmanager
def fresh_database(server: Server):
    """A new, empty database on the server (its URL), dropped after."""
    from loaders.store import postgres

    name = server.new_database()
    url = server.url(name)
    try:
        yield url
    finally:
        postgres.forget(url)
        server.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database(pg_server):
    """A fresh, empty database on the test server: its URL."""
    with fresh_database(pg_server) as url:
        yield url
