"""Run `deptfeeds serve` as its own process on a free loopback port, and talk raw HTTP to it."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.faults.kill import REPO

ADDRESS = re.compile(r"https?://(127\.0\.0\.1|localhost):(\d+)/")


@dataclass
class Served:
    process: subprocess.Popen
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@contextmanager
def serving(config: Path, env: dict[str, str], timeout: float = 30) -> Iterator[Served]:
    """`deptfeeds serve --host 127.0.0.1 --port 0 --config CONFIG` until the block ends."""
    log = config.with_name("serve.log")
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "deptfeeds", "serve", "--host", "127.0.0.1", "--port", "0",
             "--config", str(config)], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not (match := ADDRESS.search(log.read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`deptfeeds serve` did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield Served(process, match.group(1), int(match.group(2)), log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def raw_request(port: int, data: bytes, timeout: float = 10, host: str = "127.0.0.1") -> bytes:
    """Send bytes as they are and read everything until the server closes or goes quiet."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        # The server may refuse before reading everything: what it answered still counts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status_of(response: bytes) -> int | None:
    """The status code of the first response in `response`, or None if there was none."""
    match = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(match.group(1)) if match else None


def get(port: int, path: str, headers: str = "") -> bytes:
    return raw_request(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n"
                       .encode("latin-1"))
