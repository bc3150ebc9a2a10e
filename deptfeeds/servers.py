"""Real PostgreSQL and Redis servers for the tests and `make cluster-demo`, from Debian's packages,
on free loopback ports.

Each server runs from a temporary folder and is stopped (and the folder removed) at the end.
PostgreSQL refuses to run as root, so as root its programs run as the `postgres` system user
the package creates, in folders owned by that user. tests/install-tools.sh installs the
packages; a server that cannot be had raises ServerUnavailable with the reason.
"""

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
import time
from pathlib import Path

POSTGRES_USER = "postgres"


class ServerUnavailable(Exception):
    """A server cannot be started here; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerUnavailable(f"nothing answers on 127.0.0.1:{port} after {timeout:g}s")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them in /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise ServerUnavailable("PostgreSQL is not installed (Debian package `postgresql`; "
                                "tests/install-tools.sh installs it as root)")
    return Path(found[-1]).parent


class PostgresServer:
    """A throw-away PostgreSQL cluster: trust authentication on 127.0.0.1, no fsync (test data only)."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="deptfeeds-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._names = itertools.count(1)
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(POSTGRES_USER)
            except KeyError:
                raise ServerUnavailable("running as root and there is no `postgres` user to run "
                                        "PostgreSQL as") from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", POSTGRES_USER, "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self._as_user, str(self.bin / program), *args], capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServerUnavailable(f"{program} failed: {result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self) -> str:
        """A fresh empty database (CREATE DATABASE copies template1: a few ms); its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def copy_database(self, url: str) -> str:
        """A new database holding what the one at `url` holds (whose connections are ended first)."""
        name, source = f"test_{os.getpid()}_{next(self._names)}", url.rsplit("/", 1)[1]
        self._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source}' "
                    "AND pid <> pg_backend_pid()")
        self._admin(f"CREATE DATABASE {name} TEMPLATE {source}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def close(self) -> None:
        with contextlib.suppress(ServerUnavailable):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A throw-away Redis: 127.0.0.1 on a free port, nothing saved to disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("Redis is not installed (Debian package `redis-server`; "
                                    "tests/install-tools.sh installs it as root)")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="deptfeeds-redis-"))
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with (self.root / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root)], stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
